/**
 * The ESO store (ClusterSecretStore or SecretStore) that reads Vault's KV v2 mount: written by
 * the store construct, read by the chain rules (CHAIN-003, CHAIN-006) in the synthesized JSON and
 * by the doctor in the store the cluster holds.
 */
import type { LoginMethod } from './role';
import { type ValueReader, at } from './values';

export type StoreKind = 'ClusterSecretStore' | 'SecretStore';

/** The service account whose token ESO requests to log in. */
export interface StoreServiceAccount {
  readonly name: string;
  /**
   * Its namespace. Left out on a ClusterSecretStore, ESO uses the account of that name in the
   * namespace of the ExternalSecret being synced (referent authentication: each tenant logs in
   * as itself). A SecretStore always uses its own namespace.
   * @default referent
   */
  readonly namespace?: string;
  /** Audiences of the requested token; must include the Vault role's audience. */
  readonly audiences: readonly string[];
}

/** How a store logs in to Vault, as written into its manifest. */
export type StoreAuthSpec =
  | {
      /** Vault's kubernetes method (Vault reviews the token) or jwt method (Vault checks it). */
      readonly method: LoginMethod;
      /** Path of the auth method, and the role. */
      readonly mountPath: string;
      readonly role: string;
      readonly serviceAccount: StoreServiceAccount;
    }
  | {
      /** A Vault token kept in a Kubernetes Secret, under the key `token`. */
      readonly method: 'token';
      readonly secretName: string;
      readonly secretNamespace: string;
    };

/** A serviceAccountRef; audiences go inside it for the kubernetes method, beside it for jwt. */
function serviceAccountRef(
  account: StoreServiceAccount,
  withAudiences: boolean,
): Record<string, unknown> {
  return {
    name: account.name,
    ...(account.namespace !== undefined ? { namespace: account.namespace } : {}),
    ...(withAudiences ? { audiences: [...account.audiences] } : {}),
  };
}

/** `spec.provider.vault.auth` of a store (or of a generator, which logs in the same way). */
export function authBlock(auth: StoreAuthSpec): Record<string, unknown> {
  if (auth.method === 'token')
    return {
      tokenSecretRef: { name: auth.secretName, namespace: auth.secretNamespace, key: 'token' },
    };
  if (auth.method === 'kubernetes')
    return {
      kubernetes: {
        mountPath: auth.mountPath,
        role: auth.role,
        serviceAccountRef: serviceAccountRef(auth.serviceAccount, true),
      },
    };
  return {
    jwt: {
      path: auth.mountPath,
      role: auth.role,
      kubernetesServiceAccountToken: {
        serviceAccountRef: serviceAccountRef(auth.serviceAccount, false),
        audiences: [...auth.serviceAccount.audiences],
      },
    },
  };
}

export interface StoreManifestSpec {
  /** ESO API version, e.g. `external-secrets.io/v1`. */
  readonly apiVersion: string;
  /** A ClusterSecretStore (cluster-wide, limited by `allowedNamespaces`) or a SecretStore. */
  readonly kind: StoreKind;
  /** Store name, e.g. `vault-backend`. */
  readonly name: string;
  /** The SecretStore's namespace (SecretStore only). */
  readonly namespace?: string;
  /** Vault address as ESO reaches it. */
  readonly vaultServer: string;
  /**
   * Vault namespace (HCP: `admin`); without it every request of the store is a 403 on HCP.
   * @default the root namespace
   */
  readonly vaultNamespace?: string;
  /** KV version 2 mount path. */
  readonly kvMountPath: string;
  readonly auth: StoreAuthSpec;
  /** The only namespaces whose ExternalSecrets may use a ClusterSecretStore. */
  readonly allowedNamespaces?: readonly string[];
}

/** The store's manifest. */
export function storeManifest(spec: StoreManifestSpec): Record<string, unknown> {
  const vault: Record<string, unknown> = {
    server: spec.vaultServer,
    path: spec.kvMountPath,
    version: 'v2',
    auth: authBlock(spec.auth),
  };
  if (spec.vaultNamespace !== undefined) vault.namespace = spec.vaultNamespace;
  const cluster = spec.kind === 'ClusterSecretStore';
  return {
    apiVersion: spec.apiVersion,
    kind: spec.kind,
    metadata: cluster ? { name: spec.name } : { name: spec.name, namespace: spec.namespace },
    spec: {
      provider: { vault },
      ...(cluster ? { conditions: [{ namespaces: [...(spec.allowedNamespaces ?? [])] }] } : {}),
    },
  };
}

/** How a store logs in, as read back (undefined fields: not set, or not readable). */
export interface StoreLoginRead {
  readonly method: LoginMethod;
  readonly mountPath?: string;
  readonly role?: string;
  readonly account: {
    readonly name?: string;
    readonly namespace?: string;
    readonly audiences: readonly string[];
  };
}

/** Where each login method keeps its fields in `spec.provider.vault.auth`. */
const LOGIN_FIELDS = {
  kubernetes: {
    mountPath: 'mountPath',
    account: 'serviceAccountRef',
    audiences: 'serviceAccountRef.audiences',
  },
  jwt: {
    mountPath: 'path',
    account: 'kubernetesServiceAccountToken.serviceAccountRef',
    audiences: 'kubernetesServiceAccountToken.audiences',
  },
} as const satisfies Record<LoginMethod, unknown>;

/** How a store's `spec.provider.vault` logs in, whichever method; undefined for a static token. */
export function readStoreLogin(vault: unknown, read: ValueReader): StoreLoginRead | undefined {
  for (const method of ['kubernetes', 'jwt'] as const) {
    const auth = at(vault, `auth.${method}`);
    if (auth === undefined) continue;
    const fields = LOGIN_FIELDS[method];
    return {
      method,
      mountPath: read.text(at(auth, fields.mountPath)),
      role: read.text(at(auth, 'role')),
      account: {
        name: read.text(at(auth, `${fields.account}.name`)),
        namespace: read.text(at(auth, `${fields.account}.namespace`)),
        audiences: read.list(at(auth, fields.audiences)) ?? [],
      },
    };
  }
  return undefined;
}

/** A store as read back from its manifest. */
export interface StoreRead {
  readonly kind: StoreKind;
  readonly name?: string;
  /** A SecretStore's namespace. */
  readonly namespace?: string;
  /** The namespaces whose ExternalSecrets may use it: a SecretStore's own, a cluster store's conditions. */
  readonly allowedNamespaces: readonly string[];
  /** Its `spec.provider.vault` (undefined: it reads no Vault). */
  readonly vault?: {
    readonly server?: string;
    readonly namespace?: string;
    readonly path?: string;
    readonly version?: string;
    readonly login?: StoreLoginRead;
  };
}

/** A store manifest (or live object) read through `read`. */
export function readStore(kind: StoreKind, manifest: unknown, read: ValueReader): StoreRead {
  const name = read.text(at(manifest, 'metadata.name'));
  const namespace =
    kind === 'SecretStore' ? read.text(at(manifest, 'metadata.namespace')) : undefined;
  const conditions = at(manifest, 'spec.conditions');
  const allowedNamespaces =
    kind === 'SecretStore'
      ? [namespace ?? '?']
      : (Array.isArray(conditions) ? conditions : []).flatMap(
          (c) => read.list(at(c, 'namespaces')) ?? [],
        );
  const vault = at(manifest, 'spec.provider.vault');
  return {
    kind,
    name,
    namespace,
    allowedNamespaces,
    vault:
      vault === undefined
        ? undefined
        : {
            server: read.text(at(vault, 'server')),
            namespace: read.text(at(vault, 'namespace')),
            path: read.text(at(vault, 'path')),
            version: read.text(at(vault, 'version')),
            login: readStoreLogin(vault, read),
          },
  };
}

/** "ClusterSecretStore "x"" or "SecretStore "ns/x"", for messages. */
export function storeLabel(store: { kind: StoreKind; name?: string; namespace?: string }): string {
  return `${store.kind} "${store.namespace ? `${store.namespace}/` : ''}${store.name ?? '?'}"`;
}
