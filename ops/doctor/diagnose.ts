/** The walk: environment links once, then each tenant's links; a broken link stops its walk. */
import type { ResolvedTenant } from '../../environments/tenants';
import { VaultUnreachable } from '../vault-http';
import { authConfig } from './links/auth-config';
import { authMethod } from './links/auth-method';
import { esoReady } from './links/eso-ready';
import { kubernetesRbac } from './links/kubernetes-rbac';
import { kvMount } from './links/kv-mount';
import { login } from './links/login';
import { policyGrants } from './links/policy-grants';
import { readSecrets } from './links/read-secrets';
import { role } from './links/role';
import { secretsExist } from './links/secrets-exist';
import { vaultNamespace } from './links/vault-namespace';
import { vaultReachable } from './links/vault-reachable';
import { Broken, type CheckResult, type DoctorContext, type Link } from './model';

/** Every link, in the order a login travels. */
export const LINKS: readonly Link[] = [
  vaultReachable,
  vaultNamespace,
  kvMount,
  authMethod,
  authConfig,
  secretsExist,
  policyGrants,
  role,
  kubernetesRbac,
  login,
  readSecrets,
  esoReady,
];

function result(
  link: Link,
  tenant: ResolvedTenant | undefined,
  fields: Omit<CheckResult, 'id' | 'title' | 'tenant' | 'rule'>,
): CheckResult {
  return {
    id: link.id,
    title: link.title,
    ...(tenant && !tenant.singleChain ? { tenant: tenant.name } : {}),
    ...(link.rule ? { rule: link.rule } : {}),
    ...fields,
  };
}

/** Runs one link; a Broken (or Vault going away) becomes a failed result, anything else is a bug. */
async function run(link: Link, ctx: DoctorContext, tenant: ResolvedTenant): Promise<CheckResult> {
  const scoped = link.scope === 'tenant' ? tenant : undefined;
  try {
    return result(link, scoped, { status: 'ok', detail: await link.check(ctx, tenant) });
  } catch (error) {
    if (!(error instanceof Broken) && !(error instanceof VaultUnreachable)) throw error;
    return result(link, scoped, {
      status: 'fail',
      detail:
        error instanceof Broken ? error.message : `Vault became unreachable: ${error.message}`,
      fix: error instanceof Broken ? error.fix : 'Check that Vault is running and reachable.',
    });
  }
}

const NOT_CHECKED = {
  status: 'not-checked',
  detail: 'not checked: an earlier link is broken',
} as const;

/**
 * Walks the environment's links, then each tenant's. The first broken environment link stops
 * everything; a broken tenant link stops that tenant only, so one team's mistake does not hide
 * the state of the others.
 */
export async function diagnose(
  ctx: DoctorContext,
  links: readonly Link[] = LINKS,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const environmentLinks = links.filter((l) => l.scope === 'environment');
  const tenantLinks = links.filter((l) => l.scope === 'tenant');
  let environmentBroken = false;
  for (const link of environmentLinks) {
    if (environmentBroken) {
      results.push(result(link, undefined, NOT_CHECKED));
      continue;
    }
    const r = await run(link, ctx, ctx.tenants[0]);
    environmentBroken = r.status === 'fail';
    results.push(r);
  }
  for (const tenant of ctx.tenants) {
    let broken = environmentBroken;
    for (const link of tenantLinks) {
      if (broken) {
        results.push(result(link, tenant, NOT_CHECKED));
        continue;
      }
      const r = await run(link, ctx, tenant);
      broken = r.status === 'fail';
      results.push(r);
    }
  }
  return results;
}

/** A fresh context's state. */
export function emptyState(): DoctorContext['state'] {
  return { stores: new Map(), loginTokens: new Map(), grants: new Map() };
}
