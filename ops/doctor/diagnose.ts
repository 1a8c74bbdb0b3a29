/** The walk: environment links once, then each tenant's links; a broken link stops its walk. */
import type { ResolvedTenant } from '../../environments/tenants';
import { VaultUnreachable } from '../vault-http';
import { authConfig } from './links/auth-config';
import { authMethod } from './links/auth-method';
import { databaseConnection } from './links/database-connection';
import { databaseLease } from './links/database-lease';
import { databaseRole } from './links/database-role';
import { esoReady } from './links/eso-ready';
import { kubernetesRbac } from './links/kubernetes-rbac';
import { kvMount } from './links/kv-mount';
import { login } from './links/login';
import { policyGrants } from './links/policy-grants';
import { readSecrets } from './links/read-secrets';
import { role } from './links/role';
import { runIdentity } from './links/run-identity';
import { secretsExist } from './links/secrets-exist';
import { targetsKept } from './links/targets-kept';
import { vaultNamespace } from './links/vault-namespace';
import { vaultReachable } from './links/vault-reachable';
import {
  Broken,
  type CheckResult,
  type DoctorContext,
  type FactName,
  type Facts,
  type Link,
  type LinkFacts,
} from './model';

/**
 * Every link, in the order a login travels. The walk runs them in this order as far as their
 * needs allow (orderLinks): a link always comes after the link that provides what it needs.
 */
export const LINKS: readonly Link[] = [
  vaultReachable,
  runIdentity,
  vaultNamespace,
  kvMount,
  authMethod,
  authConfig,
  databaseConnection,
  secretsExist,
  policyGrants,
  role,
  kubernetesRbac,
  login,
  databaseRole,
  databaseLease,
  readSecrets,
  targetsKept,
  esoReady,
];

/**
 * The links in walking order: each after the providers of what it needs, otherwise in the order
 * given; environment links (checked once) before tenant links (checked per tenant). Throws when a
 * need has no provider, two links provide one fact, or an environment link needs a tenant's fact.
 */
export function orderLinks(links: readonly Link[]): Link[] {
  const provider = new Map<FactName, Link>();
  for (const link of links)
    for (const fact of link.provides) {
      const other = provider.get(fact);
      if (other) throw new Error(`doctor links ${other.id} and ${link.id} both provide "${fact}"`);
      provider.set(fact, link);
    }
  for (const link of links)
    for (const fact of link.needs) {
      const from = provider.get(fact);
      if (from === undefined)
        throw new Error(`doctor link ${link.id} needs "${fact}", which no link provides`);
      if (link.scope === 'environment' && from.scope === 'tenant')
        throw new Error(
          `environment link ${link.id} needs "${fact}", a tenant fact (from ${from.id})`,
        );
    }
  const ordered: Link[] = [];
  const pending = [
    ...links.filter((l) => l.scope === 'environment'),
    ...links.filter((l) => l.scope === 'tenant'),
  ];
  while (pending.length > 0) {
    const ready = pending.findIndex((link) =>
      link.needs.every((fact) => ordered.includes(provider.get(fact)!)),
    );
    if (ready < 0)
      throw new Error(
        `doctor links ${pending.map((l) => l.id).join(', ')} need each other's facts`,
      );
    ordered.push(...pending.splice(ready, 1));
  }
  return ordered;
}

/** The facts of one walk: the environment's, and each tenant's own. */
class FactStore {
  private readonly environment = new Map<FactName, unknown>();
  private readonly tenants = new Map<string, Map<FactName, unknown>>();

  /** What one link sees: only what it declared, for its tenant. */
  viewFor(link: Link, tenant: ResolvedTenant): LinkFacts {
    const own = (): Map<FactName, unknown> => {
      if (link.scope === 'environment') return this.environment;
      const facts = this.tenants.get(tenant.name) ?? new Map<FactName, unknown>();
      this.tenants.set(tenant.name, facts);
      return facts;
    };
    return {
      need: <K extends FactName>(fact: K): Facts[K] => {
        if (!link.needs.includes(fact))
          throw new Error(`doctor link ${link.id} reads "${fact}" without declaring it in needs`);
        const tenantFacts = this.tenants.get(tenant.name);
        if (tenantFacts?.has(fact)) return tenantFacts.get(fact) as Facts[K];
        if (this.environment.has(fact)) return this.environment.get(fact) as Facts[K];
        throw new Error(`doctor link ${link.id} needs "${fact}", which was not provided`);
      },
      provide: <K extends FactName>(fact: K, value: Facts[K]): void => {
        if (!link.provides.includes(fact))
          throw new Error(`doctor link ${link.id} provides "${fact}" without declaring it`);
        own().set(fact, value);
      },
    };
  }
}

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
async function run(
  link: Link,
  ctx: DoctorContext,
  tenant: ResolvedTenant,
  facts: FactStore,
): Promise<CheckResult> {
  const scoped = link.scope === 'tenant' ? tenant : undefined;
  try {
    return result(link, scoped, {
      status: 'ok',
      detail: await link.check(ctx, tenant, facts.viewFor(link, tenant)),
    });
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
  const facts = new FactStore();
  const ordered = orderLinks(links);
  const applies = (link: Link, tenant: ResolvedTenant) => link.appliesTo?.(ctx, tenant) ?? true;
  const environmentLinks = ordered.filter(
    (l) => l.scope === 'environment' && applies(l, ctx.tenants[0]),
  );
  const tenantLinks = ordered.filter((l) => l.scope === 'tenant');
  let environmentBroken = false;
  for (const link of environmentLinks) {
    if (environmentBroken) {
      results.push(result(link, undefined, NOT_CHECKED));
      continue;
    }
    const r = await run(link, ctx, ctx.tenants[0], facts);
    environmentBroken = r.status === 'fail';
    results.push(r);
  }
  for (const tenant of ctx.tenants) {
    let broken = environmentBroken;
    for (const link of tenantLinks.filter((l) => applies(l, tenant))) {
      if (broken) {
        results.push(result(link, tenant, NOT_CHECKED));
        continue;
      }
      const r = await run(link, ctx, tenant, facts);
      broken = r.status === 'fail';
      results.push(r);
    }
  }
  return results;
}
