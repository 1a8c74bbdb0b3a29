import type { IsolationDesign } from '../types';
import { type Checker, isLoopback, type Obj, SHAPES } from './checker';
import { LIMITS } from './limits';
import { OPTIONS } from './schema';

// Names Vault reserves or creates itself; owning one (or a path under it) would break Vault.
const RESERVED_POLICIES = ['root', 'default'];
export const RESERVED_AUTH_PATHS = ['token'];
const RESERVED_MOUNTS = ['sys', 'auth', 'identity', 'cubbyhole'];

/** The first part of a path (`sys` of `sys/x`), where Vault's own mounts are. */
const firstPart = (path: unknown): string => String(path).split('/')[0];

/** An HCP Vault host (`*.hashicorp.cloud`), however spelled. */
export function isHcpHost(hostname: string): boolean {
  return /(^|\.)hashicorp\.cloud$/.test(hostname.toLowerCase().replace(/\.$/, ''));
}

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

/** The address, the namespace HCP Vault requires, and the lab's settings at a real address. */
function validateAddress(c: Checker, vault: Obj): void {
  const address = c.url('vault.address', vault.address);
  const hcp = address !== undefined && isHcpHost(address.hostname);
  if (vault.namespace !== undefined) {
    c.shape('vault.namespace', vault.namespace, SHAPES.vaultNamespace);
  } else if (hcp) {
    c.add(
      'vault.namespace',
      undefined,
      'required for an HCP Vault address (*.hashicorp.cloud): its API lives in the namespace "admin", and without it every request is answered 403',
    );
  }
  if (vault.versionOverride === undefined) return;
  if (hcp)
    c.add(
      'vault.versionOverride',
      vault.versionOverride,
      `nothing at an HCP Vault address (${String(vault.address)}): HCP answers its version itself; the override is the lab's setting for OpenBao`,
    );
  else c.shape('vault.versionOverride', vault.versionOverride, SHAPES.version);
}

/** Is the environment's Vault on this machine (the lab)? Unknown (invalid address): no. */
export function vaultIsLocal(vault: Obj): boolean {
  try {
    return isLoopback(new URL(String(vault.address)).hostname);
  } catch {
    return false;
  }
}

function validateKvMount(c: Checker, value: unknown): Obj | undefined {
  const kvMount = c.object('vault.kvMount', value, 'vault.kvMount');
  if (!kvMount) return undefined;
  if (RESERVED_MOUNTS.includes(firstPart(kvMount.path)))
    c.add(
      'vault.kvMount.path',
      kvMount.path,
      `a mount of your own, not under ${RESERVED_MOUNTS.map((m) => `${m}/`).join(', ')} (Vault's own)`,
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
      if (key === 'policyName' && RESERVED_POLICIES.includes(String(vault[key]).toLowerCase()))
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
  if (RESERVED_AUTH_PATHS.includes(firstPart(vault.authPath)))
    c.add(
      'vault.authPath',
      vault.authPath,
      'an auth path of your own, not under "token/" (Vault\'s token auth method)',
    );
  else c.shape('vault.authPath', vault.authPath, SHAPES.authPath);
  if (kvMount && typeof kvMount.path === 'string' && kvMount.path === vault.authPath)
    c.add('vault.authPath', vault.authPath, 'a path different from vault.kvMount.path');

  const jwt = vault.authMethod === 'jwt';
  if (vault.authMethod !== undefined)
    c.oneOf('vault.authMethod', vault.authMethod, OPTIONS.authMethod);
  if (vault.jwtIssuerCa !== undefined) {
    if (!jwt)
      c.absent('vault.jwtIssuerCa', vault.jwtIssuerCa, 'it is read by the jwt auth method only');
    else if (
      c.oneOf('vault.jwtIssuerCa', vault.jwtIssuerCa, OPTIONS.jwtIssuerCa) &&
      vault.jwtIssuerCa === 'cluster' &&
      !vaultIsLocal(vault)
    )
      c.add(
        'vault.jwtIssuerCa',
        vault.jwtIssuerCa,
        `"public" with a real Vault (${String(vault.address)}): an EKS cluster's OIDC issuer is an AWS endpoint with a public certificate; "cluster" is the lab's setting (its API server is its own issuer)`,
      );
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

const TTL = {
  max: LIMITS.maxTtlSeconds,
  why: 'Vault reads TTLs as Go durations, which end there',
};

function validateTtls(c: Checker, vault: Obj): void {
  const ttl = c.positiveInteger('vault.tokenTtlSeconds', vault.tokenTtlSeconds, TTL);
  const maxTtl = c.positiveInteger('vault.tokenMaxTtlSeconds', vault.tokenMaxTtlSeconds, TTL);
  if (ttl && maxTtl && (vault.tokenTtlSeconds as number) > (vault.tokenMaxTtlSeconds as number)) {
    c.add(
      'vault.tokenTtlSeconds',
      vault.tokenTtlSeconds,
      `at most vault.tokenMaxTtlSeconds (${String(vault.tokenMaxTtlSeconds)})`,
    );
  }
  for (const key of ['reviewerTokenTtlSeconds', 'reviewerTokenVersion'] as const) {
    if (vault[key] !== undefined && vault.reviewerMode !== 'token-secret')
      c.absent(`vault.${key}`, vault[key], 'it is read in reviewerMode "token-secret" only');
  }
  if (vault.reviewerMode !== 'token-secret') return;
  if (vault.reviewerTokenTtlSeconds !== undefined)
    c.positiveInteger('vault.reviewerTokenTtlSeconds', vault.reviewerTokenTtlSeconds, {
      min: LIMITS.minReviewerTtlSeconds,
      max: LIMITS.maxReviewerTtlSeconds,
      why: 'the API server issues no TokenRequest token for less than 10 minutes, EKS none for more than 90 days',
    });
  if (vault.reviewerTokenVersion !== undefined)
    c.positiveInteger('vault.reviewerTokenVersion', vault.reviewerTokenVersion);
}
