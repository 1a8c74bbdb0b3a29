/**
 * Dynamic database credentials: the paths of Vault's database secrets engine, and ESO's
 * VaultDynamicSecret generator that asks Vault for new credentials at each refresh. Written by
 * the database and generator constructs, read by the chain rules (CHAIN-001, CHAIN-008) in the
 * synthesized JSON and by the doctor in what Vault and the cluster hold.
 */
import { type StoreAuthSpec, type StoreLoginRead, authBlock, readStoreLogin } from './store';
import { type ValueReader, at } from './values';

/** The generators' API group and version (ESO 0.16 to 1.x serve it). */
export const GENERATOR_API_VERSION = 'generators.external-secrets.io/v1alpha1';
export const VAULT_DYNAMIC_SECRET_KIND = 'VaultDynamicSecret';

/** The engine's API paths for one role and one connection. */
export function databasePaths(
  mountPath: string,
  names: { readonly role?: string; readonly connection?: string },
): {
  readonly creds: string;
  readonly role: string;
  readonly config: string;
  readonly rotateRoot: string;
} {
  return {
    creds: `${mountPath}/creds/${names.role ?? ''}`,
    role: `${mountPath}/roles/${names.role ?? ''}`,
    config: `${mountPath}/config/${names.connection ?? ''}`,
    rotateRoot: `${mountPath}/rotate-root/${names.connection ?? ''}`,
  };
}

/** The mount and role a `<mount>/creds/<role>` path names, if it is one. */
export function parseCredsPath(path: string): { mount: string; role: string } | undefined {
  const match = /^(.+)\/creds\/([^/*+]+)$/.exec(path);
  return match ? { mount: match[1], role: match[2] } : undefined;
}

/** A role of the engine: how Vault creates and drops the users of one credential. */
export interface DatabaseRoleSpec {
  /** Name of the Vault role (unique in the engine), e.g. `payments-app`; its path is `creds/<name>`. */
  readonly name: string;
  /** The connection the users are created in. */
  readonly connection: string;
  /** SQL run to create a user, with Vault's `{{name}}`, `{{password}}` and `{{expiration}}`. */
  readonly creationStatements: readonly string[];
  /** SQL run when a lease ends or is revoked, with `{{name}}`. */
  readonly revocationStatements: readonly string[];
  /** Lifetime of each lease, in seconds. */
  readonly defaultTtlSeconds: number;
  /** Longest a lease may be renewed to, in seconds. */
  readonly maxTtlSeconds: number;
}

export interface VaultDynamicSecretSpec {
  readonly name: string;
  readonly namespace: string;
  /** Vault address as ESO reaches it, and the Vault namespace. */
  readonly vaultServer: string;
  readonly vaultNamespace?: string;
  /** `<mount>/creds/<role>`. */
  readonly path: string;
  /** How it logs in: the tenant's own login, as its store does (never a static token). */
  readonly auth: Extract<StoreAuthSpec, { method: 'kubernetes' | 'jwt' }>;
}

/** The generator's manifest: a GET of the creds path, the `data` of Vault's answer as keys. */
export function vaultDynamicSecretManifest(spec: VaultDynamicSecretSpec): Record<string, unknown> {
  const vault: Record<string, unknown> = { server: spec.vaultServer, auth: authBlock(spec.auth) };
  if (spec.vaultNamespace !== undefined) vault.namespace = spec.vaultNamespace;
  return {
    apiVersion: GENERATOR_API_VERSION,
    kind: VAULT_DYNAMIC_SECRET_KIND,
    metadata: { name: spec.name, namespace: spec.namespace },
    // The generator's provider is Vault's provider block itself (no `vault:` level, unlike a store).
    spec: { method: 'GET', path: spec.path, resultType: 'Data', provider: vault },
  };
}

/** A generator as read back (undefined fields: not set, or not readable). */
export interface VaultDynamicSecretRead {
  readonly name?: string;
  readonly namespace?: string;
  readonly method?: string;
  readonly path?: string;
  readonly server?: string;
  readonly vaultNamespace?: string;
  readonly login?: StoreLoginRead;
}

export function readVaultDynamicSecret(
  manifest: unknown,
  read: ValueReader,
): VaultDynamicSecretRead {
  const vault = at(manifest, 'spec.provider');
  return {
    name: read.text(at(manifest, 'metadata.name')),
    namespace: read.text(at(manifest, 'metadata.namespace')),
    method: read.text(at(manifest, 'spec.method')),
    path: read.text(at(manifest, 'spec.path')),
    server: read.text(at(vault, 'server')),
    vaultNamespace: read.text(at(vault, 'namespace')),
    login: readStoreLogin(vault, read),
  };
}
