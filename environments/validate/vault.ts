import { REVIEWER_TOKEN_TTL_SECONDS } from '../../common/chain/reviewer-token';
import type { IsolationDesign } from '../types';
import { type Checker, type Obj, SHAPES } from './checker';
import { OPTIONS } from './schema';

// Names Vault reserves or creates itself; owning one would break Vault.
const RESERVED_POLICIES = ['root', 'default'];
const RESERVED_AUTH_PATHS = ['token'];
const RESERVED_MOUNTS = ['sys', 'identity', 'cubbyhole'];

/** How the environment's workloads are laid out: one chain, or tenants in one of two designs. */
export type Layout = 'single-chain' | IsolationDesign;

export function validateVault(c: Checker, value: unknown, layout: Layout): void {
  const vault = c.object('vault', value, 'vault');
  if (!vault) return;
  validateAddress(c, vault);
  const kvMount = validateKvMount(c, vault.kvMount);
  validatePolicyAndRole(c, vault, layout);
  validateAuth(c, vault, kvMount, layout);
  validateTtls(c, vault);
}

/** The address, and the namespace HCP Vault requires. */
function validateAddress(c: Checker, vault: Obj): void {
  const address = c.url('vault.address', vault.address);
  if (vault.namespace !== undefined) {
    c.shape('vault.namespace', vault.namespace, SHAPES.vaultNamespace);
  } else if (address && /(^|\.)hashicorp\.cloud$/.test(address.hostname)) {
    c.add(
      'vault.namespace',
      undefined,
      'required for an HCP Vault address (*.hashicorp.cloud): its API lives in the namespace "admin", and without it every request is answered 403',
    );
  }
  if (vault.versionOverride !== undefined)
    c.shape('vault.versionOverride', vault.versionOverride, SHAPES.version);
}

function validateKvMount(c: Checker, value: unknown): Obj | undefined {
  const kvMount = c.object('vault.kvMount', value, 'vault.kvMount');
  if (!kvMount) return undefined;
  if (RESERVED_MOUNTS.includes(String(kvMount.path)))
    c.add(
      'vault.kvMount.path',
      kvMount.path,
      `a mount of your own (${RESERVED_MOUNTS.join(', ')} are Vault's)`,
    );
  else c.shape('vault.kvMount.path', kvMount.path, SHAPES.mountPath);
  c.boolean('vault.kvMount.managed', kvMount.managed);
  for (const flag of ['allowDestroy', 'purgeSecretsOnDestroy'] as const) {
    if (kvMount[flag] !== undefined) c.boolean(`vault.kvMount.${flag}`, kvMount[flag]);
  }
  return kvMount;
}

/**
 * A single chain names its policy and role; per-tenant designs derive one per tenant
 * (eso-<tenant>); the shared store has one of each, named or derived.
 */
function validatePolicyAndRole(c: Checker, vault: Obj, layout: Layout): void {
  const named = layout === 'single-chain';
  for (const [key, shape] of [
    ['policyName', SHAPES.policyName],
    ['roleName', SHAPES.roleName],
  ] as const) {
    if (layout === 'per-tenant') {
      c.absent(`vault.${key}`, vault[key], 'each tenant gets its own, named eso-<tenant>');
    } else if (named || vault[key] !== undefined) {
      if (key === 'policyName' && RESERVED_POLICIES.includes(String(vault[key])))
        c.add(
          'vault.policyName',
          vault[key],
          `a policy of your own (${RESERVED_POLICIES.join(', ')} are Vault's)`,
        );
      else c.shape(`vault.${key}`, vault[key], shape);
    }
  }
}

/** The auth path, the method and how it reviews logins. */
function validateAuth(c: Checker, vault: Obj, kvMount: Obj | undefined, layout: Layout): void {
  if (RESERVED_AUTH_PATHS.includes(String(vault.authPath)))
    c.add(
      'vault.authPath',
      vault.authPath,
      'an auth path of your own ("token" is Vault\'s token auth method)',
    );
  else c.shape('vault.authPath', vault.authPath, SHAPES.authPath);
  if (kvMount && typeof kvMount.path === 'string' && kvMount.path === vault.authPath)
    c.add('vault.authPath', vault.authPath, 'a path different from vault.kvMount.path');

  const jwt = vault.authMethod === 'jwt';
  if (vault.authMethod !== undefined)
    c.oneOf('vault.authMethod', vault.authMethod, OPTIONS.authMethod);
  if (vault.jwtIssuerCa !== undefined) {
    if (jwt) c.oneOf('vault.jwtIssuerCa', vault.jwtIssuerCa, OPTIONS.jwtIssuerCa);
    else c.absent('vault.jwtIssuerCa', vault.jwtIssuerCa, 'it is read by the jwt auth method only');
  }
  if (!c.oneOf('vault.reviewerMode', vault.reviewerMode, OPTIONS.reviewerMode)) return;
  if (vault.reviewerMode === 'token-secret' && jwt)
    c.add(
      'vault.reviewerMode',
      vault.reviewerMode,
      '"client-jwt" with the jwt auth method: Vault checks signatures itself and reviews nothing',
    );
  else if (vault.reviewerMode === 'token-secret' && layout !== 'single-chain')
    c.add(
      'vault.reviewerMode',
      vault.reviewerMode,
      '"client-jwt" with tenants: a long-lived reviewer token would be one more credential per cluster, and each tenant\'s own token reviews itself',
    );
}

function validateTtls(c: Checker, vault: Obj): void {
  const ttl = c.positiveInteger('vault.tokenTtlSeconds', vault.tokenTtlSeconds);
  const maxTtl = c.positiveInteger('vault.tokenMaxTtlSeconds', vault.tokenMaxTtlSeconds);
  if (ttl && maxTtl && (vault.tokenTtlSeconds as number) > (vault.tokenMaxTtlSeconds as number)) {
    c.add(
      'vault.tokenTtlSeconds',
      vault.tokenTtlSeconds,
      `at most vault.tokenMaxTtlSeconds (${String(vault.tokenMaxTtlSeconds)})`,
    );
  }
  const reviewerTtl = vault.reviewerTokenTtlSeconds;
  const { min, max } = REVIEWER_TOKEN_TTL_SECONDS;
  if (
    reviewerTtl !== undefined &&
    c.positiveInteger('vault.reviewerTokenTtlSeconds', reviewerTtl) &&
    (reviewerTtl < min || reviewerTtl > max)
  )
    c.add(
      'vault.reviewerTokenTtlSeconds',
      reviewerTtl,
      `${min} to ${max} seconds (10 minutes, the API server's shortest token, to 90 days, the longest EKS grants)`,
    );
  if (vault.reviewerTokenVersion !== undefined)
    c.positiveInteger('vault.reviewerTokenVersion', vault.reviewerTokenVersion);
}
