import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { EsoApiGate } from './eso-api-gate';
import { type Readiness, readyWait } from './eso-readiness';

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

/** How the store authenticates to Vault. */
export type StoreAuth =
  | {
      /** Vault's kubernetes method: Vault reviews the token with the API server. */
      readonly kind: 'kubernetes';
      /** Path of the auth method, and the role. */
      readonly mountPath: string;
      readonly role: string;
      readonly serviceAccount: StoreServiceAccount;
    }
  | {
      /** Vault's jwt method: Vault checks the token against the cluster's OIDC keys. */
      readonly kind: 'jwt';
      readonly mountPath: string;
      readonly role: string;
      readonly serviceAccount: StoreServiceAccount;
    }
  | {
      /** A Vault token kept in a Kubernetes Secret (the manual procedure's rejected alternative). */
      readonly kind: 'token';
      /** Secret that holds it, created here with the token written write-only. */
      readonly secretName: string;
      readonly secretNamespace: string;
      /** The token (a reference to a sensitive, ephemeral variable). */
      readonly token: string;
      /**
       * Bump to write a new token from the variable.
       * @default 1
       */
      readonly tokenRevision?: number;
    };

export interface EsoSecretStoreProps {
  /** The gate that says the API server serves the ESO API version (its apiVersion is used). */
  readonly gate: EsoApiGate;
  /** A ClusterSecretStore (cluster-wide, limited by `allowedNamespaces`) or a SecretStore. */
  readonly kind: 'ClusterSecretStore' | 'SecretStore';
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
  readonly auth: StoreAuth;
  /** The only namespaces whose ExternalSecrets may use a ClusterSecretStore. */
  readonly allowedNamespaces?: readonly string[];
  /**
   * What must exist before ESO first validates the store (the auth config, the role, the
   * binding, its namespace), so that its first check does not fail and back off.
   * @default none
   */
  readonly dependsOn?: ITerraformDependable[];
  /** How long an apply waits for ESO to report it Ready, and what to run when it does not. */
  readonly readiness: Readiness;
}

/** A serviceAccountRef; audiences go here for the kubernetes method, beside it for jwt. */
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

/** An ESO store that reads Vault's KV v2 mount. */
export class EsoSecretStore extends Construct {
  readonly kind: 'ClusterSecretStore' | 'SecretStore';
  readonly name: string;
  /** A SecretStore's namespace. */
  readonly namespace?: string;
  /** Its Terraform address, for ExternalSecrets to depend on. */
  readonly address: string;

  constructor(scope: Construct, id: string, props: EsoSecretStoreProps) {
    super(scope, id);

    let auth: Record<string, unknown>;
    if (props.auth.kind === 'kubernetes') {
      auth = {
        kubernetes: {
          mountPath: props.auth.mountPath,
          role: props.auth.role,
          serviceAccountRef: serviceAccountRef(props.auth.serviceAccount, true),
        },
      };
    } else if (props.auth.kind === 'jwt') {
      auth = {
        jwt: {
          path: props.auth.mountPath,
          role: props.auth.role,
          kubernetesServiceAccountToken: {
            serviceAccountRef: serviceAccountRef(props.auth.serviceAccount, false),
            audiences: [...props.auth.serviceAccount.audiences],
          },
        },
      };
    } else {
      const tokenSecret = new SecretV1(this, 'token-secret', {
        metadata: { name: props.auth.secretName, namespace: props.auth.secretNamespace },
        // Write-only: the token reaches the cluster but not the Terraform state.
        dataWo: { token: props.auth.token },
        dataWoRevision: props.auth.tokenRevision ?? 1,
      });
      auth = {
        tokenSecretRef: {
          name: tokenSecret.metadata.name,
          namespace: tokenSecret.metadata.namespace,
          key: 'token',
        },
      };
    }

    const vault: Record<string, unknown> = {
      server: props.vaultServer,
      path: props.kvMountPath,
      version: 'v2',
      auth,
    };
    if (props.vaultNamespace !== undefined) vault.namespace = props.vaultNamespace;

    const cluster = props.kind === 'ClusterSecretStore';
    const store = new Manifest(this, 'store', {
      manifest: {
        apiVersion: props.gate.apiVersion,
        kind: props.kind,
        metadata: cluster ? { name: props.name } : { name: props.name, namespace: props.namespace },
        spec: {
          provider: { vault },
          ...(cluster
            ? { conditions: [{ namespaces: [...(props.allowedNamespaces ?? [])] }] }
            : {}),
        },
      },
      dependsOn: [props.gate.resource, ...(props.dependsOn ?? [])],
      lifecycle: { precondition: [props.gate.precondition()] },
    });
    for (const [key, value] of Object.entries(readyWait(props.readiness)))
      store.addOverride(key, value);
    this.kind = props.kind;
    this.name = props.name;
    this.namespace = cluster ? undefined : props.namespace;
    this.address = `kubernetes_manifest.${store.friendlyUniqueId}`;
  }
}
