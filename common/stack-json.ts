import {
  DECLARED_CLUSTERS_LOCAL,
  DECLARED_SECRETS_LOCAL,
  DECLARED_SYNC_LOCAL,
  DECLARED_TENANTS_LOCAL,
} from './names';

/**
 * Read-only helpers over a synthesized stack (the JSON cdktf writes to cdktf.out). The chain rules
 * work on this JSON, so they see exactly what Terraform will see, overrides included; the
 * operations tools read the same JSON.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface StackJson {
  readonly resource?: Record<string, Record<string, JsonObject>>;
  readonly locals?: Record<string, Json>;
  readonly data?: Record<string, Record<string, JsonObject>>;
  readonly provider?: Record<string, JsonObject[]>;
  readonly variable?: Record<string, JsonObject>;
  readonly [key: string]: unknown;
}

export interface NamedResource {
  /** Terraform address, e.g. `vault_policy.policy_policy_1A2B3C4D`. */
  readonly address: string;
  readonly body: JsonObject;
}

export function resourcesOfType(stack: StackJson, type: string): NamedResource[] {
  return Object.entries(stack.resource?.[type] ?? {}).map(([name, body]) => ({
    address: `${type}.${name}`,
    body,
  }));
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Walks `a.b[0].c`; a `[0]` on an object is the object itself (cdktf writes single blocks as objects). */
export function getPath(root: Json | undefined, path: string): Json | undefined {
  let current: Json | undefined = root;
  for (const part of path.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    if (current === undefined || current === null) return undefined;
    const index = /^\[(\d+)\]$/.exec(part);
    if (index) {
      if (Array.isArray(current)) current = current[Number(index[1])];
      continue;
    }
    if (Array.isArray(current)) current = current[0];
    current = isObject(current) ? current[part] : undefined;
  }
  return current;
}

const REFERENCE = /^\$\{((?:data\.)?[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([^}]+)\}$/;

/**
 * Follows plain references (`${type.name.attr}`) to the literal they point at, through chains of
 * references. Returns undefined for anything computed by Terraform (function calls, unknown
 * attributes).
 */
export function resolve(stack: StackJson, value: Json | undefined, depth = 0): Json | undefined {
  if (typeof value !== 'string' || depth > 10) return value;
  const match = REFERENCE.exec(value);
  if (!match) return value.includes('${') ? undefined : value;
  const [, typeWithKind, name, attribute] = match;
  const body = typeWithKind.startsWith('data.')
    ? stack.data?.[typeWithKind.slice('data.'.length)]?.[name]
    : stack.resource?.[typeWithKind]?.[name];
  return resolve(stack, getPath(body, attribute), depth + 1);
}

/** Resolves a value expected to be a list of strings (e.g. bound names); undefined if unknown. */
export function resolveStrings(stack: StackJson, value: Json | undefined): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: string[] = [];
  for (const item of value) {
    const resolved = resolve(stack, item);
    if (typeof resolved !== 'string') return undefined;
    out.push(resolved);
  }
  return out;
}

export function str(stack: StackJson, value: Json | undefined): string | undefined {
  const resolved = resolve(stack, value);
  return typeof resolved === 'string' ? resolved : undefined;
}

/** Kubernetes manifests of one kind (ClusterSecretStore, ExternalSecret...). */
export function manifestsOfKind(
  stack: StackJson,
  kind: string,
): { address: string; manifest: JsonObject }[] {
  return resourcesOfType(stack, 'kubernetes_manifest')
    .map((r) => ({ address: r.address, manifest: r.body.manifest }))
    .filter(
      (m): m is { address: string; manifest: JsonObject } =>
        isObject(m.manifest) && m.manifest.kind === kind,
    );
}

/** A KV v2 secret the stack declares. */
export interface DeclaredSecret {
  readonly mount: string;
  readonly name: string;
}

/** The KV secrets the stack declares, from the local the KV construct writes (see common/names). */
export function declaredSecrets(stack: StackJson): DeclaredSecret[] {
  const listed = getPath(stack.locals?.[DECLARED_SECRETS_LOCAL], 'secrets');
  if (!Array.isArray(listed)) return [];
  return listed.filter(
    (s): s is JsonObject & DeclaredSecret =>
      isObject(s) && typeof s.mount === 'string' && typeof s.name === 'string',
  );
}

/** A tenant as the stack declares it (a single chain is one tenant). */
export interface DeclaredTenant {
  readonly name: string;
  readonly namespace: string;
  readonly service_account: string;
  readonly policy: string;
  readonly role: string;
  /** Full names of its secrets in the KV mount. */
  readonly secrets: readonly string[];
  /** Those of its secrets it agreed to share with another tenant. */
  readonly shared: readonly string[];
  /** The dynamic credential paths (`<mount>/creds/<role>`) it reads; absent when none. */
  readonly database_credentials?: readonly string[];
}

export interface DeclaredTenants {
  readonly isolation: 'single-chain' | 'per-tenant' | 'shared-store';
  readonly tenants: readonly DeclaredTenant[];
}

/** The tenants the stack declares, from the local the stack writes (see common/names). */
export function declaredTenants(stack: StackJson): DeclaredTenants {
  const local = stack.locals?.[DECLARED_TENANTS_LOCAL];
  const tenants = getPath(local, 'tenants');
  const isolation = getPath(local, 'isolation');
  return {
    isolation:
      isolation === 'per-tenant' || isolation === 'shared-store' ? isolation : 'single-chain',
    tenants: Array.isArray(tenants)
      ? (tenants.filter((t) => isObject(t)) as unknown as DeclaredTenant[])
      : [],
  };
}

/** The first configuration block of a provider (the stack has one of each). */
export function providerConfig(stack: StackJson, name: string): JsonObject | undefined {
  return stack.provider?.[name]?.[0];
}

/** One secret as the stack syncs it (see common/names DECLARED_SYNC_LOCAL). */
export interface DeclaredSync {
  readonly mount: string;
  /** Full name in the mount. */
  readonly secret: string;
  /** The tenant's name (absent for a single chain). */
  readonly tenant?: string;
  readonly namespace: string;
  readonly external_secret: string;
  readonly target: string;
  /** Where its value arrives from instead of being seeded. */
  readonly moved_from?: { readonly mount: string; readonly name: string };
  readonly adopts_target?: boolean;
}

/** What the stack syncs, from the local the stack writes. */
export function declaredSync(stack: StackJson): DeclaredSync[] {
  const listed = getPath(stack.locals?.[DECLARED_SYNC_LOCAL], 'entries');
  return Array.isArray(listed)
    ? (listed.filter((e) => isObject(e)) as unknown as DeclaredSync[])
    : [];
}

/** One cluster of a stack of several, as the stack declares it (see DECLARED_CLUSTERS_LOCAL). */
export interface DeclaredCluster {
  /** Its name: the alias of its providers (`kubernetes.<name>`, `aws.<name>`). */
  readonly name: string;
  readonly region: string;
  /** The EKS cluster's name. */
  readonly cluster_name: string;
  readonly auth_path: string;
  readonly auth_method: 'kubernetes' | 'jwt';
  /** Leaving: its Kubernetes objects are forgotten, its auth method deleted. */
  readonly retired: boolean;
}

/** The clusters a stack declares; empty for a stack of one cluster (no such local). */
export function declaredClusters(stack: StackJson): DeclaredCluster[] {
  const listed = getPath(stack.locals?.[DECLARED_CLUSTERS_LOCAL], 'clusters');
  return Array.isArray(listed)
    ? (listed.filter(
        (c) => isObject(c) && typeof c.name === 'string',
      ) as unknown as DeclaredCluster[])
    : [];
}
