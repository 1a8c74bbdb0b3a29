import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { type Readiness, readyWait } from './eso-readiness';

/** How the store authenticates to Vault. */
export type StoreAuth =
  | {
      /** Kubernetes auth: ESO requests a token of the service account and logs in with the role. */
      readonly kind: 'kubernetes';
      /** Path of Vault's kubernetes auth method. */
      readonly mountPath: string;
      /** Vault role name. */
      readonly role: string;
      /** The service account whose token ESO requests. */
      readonly serviceAccountName: string;
      readonly serviceAccountNamespace: string;
      /** Audiences of the requested token; must include the Vault role's audience. */
      readonly audiences: readonly string[];
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

export interface EsoClusterSecretStoreProps {
  /** ESO API version, e.g. `external-secrets.io/v1`. */
  readonly apiVersion: string;
  /** Store name, e.g. `vault-backend`. */
  readonly name: string;
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
  /** The only namespaces whose ExternalSecrets may use this store. */
  readonly allowedNamespaces: readonly string[];
  /**
   * What must exist before ESO first validates the store (the auth config, the role, the
   * binding), so that its first check does not fail and back off.
   * @default none
   */
  readonly dependsOn?: ITerraformDependable[];
  /** How long an apply waits for ESO to report it Ready, and what to run when it does not. */
  readonly readiness: Readiness;
}

/** The ESO ClusterSecretStore that reads Vault's KV v2 mount, limited to the given namespaces. */
export class EsoClusterSecretStore extends Construct {
  /** Store name. */
  readonly name: string;
  /** Its Terraform address, for ExternalSecrets to depend on. */
  readonly address: string;

  constructor(scope: Construct, id: string, props: EsoClusterSecretStoreProps) {
    super(scope, id);

    let auth: Record<string, unknown>;
    if (props.auth.kind === 'kubernetes') {
      auth = {
        kubernetes: {
          mountPath: props.auth.mountPath,
          role: props.auth.role,
          serviceAccountRef: {
            name: props.auth.serviceAccountName,
            namespace: props.auth.serviceAccountNamespace,
            audiences: [...props.auth.audiences],
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

    // kubernetes_manifest needs the CRD's schema at plan time; without it the provider's error
    // does not say what to do. Check first, in the store's preconditions (evaluated before the
    // provider plans the manifest), that the API server serves the ESO API version: the
    // aggregator's APIService for it exists exactly then. (Reading the CRD itself, 295 KB of
    // schema, cost about a second of every plan; a postcondition on the data source made OpenTofu
    // defer the read when the provider's credentials are ephemeral.)
    const [group, version] = props.apiVersion.split('/');
    const served = new DataKubernetesResources(this, 'crd', {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      fieldSelector: `metadata.name=${version}.${group}`,
    });
    const objects = `${served.fqn}.objects`;
    const store = new Manifest(this, 'store', {
      manifest: {
        apiVersion: props.apiVersion,
        kind: 'ClusterSecretStore',
        metadata: { name: props.name },
        spec: {
          provider: { vault },
          conditions: [{ namespaces: [...props.allowedNamespaces] }],
        },
      },
      dependsOn: [served, ...(props.dependsOn ?? [])],
      lifecycle: {
        precondition: [
          {
            condition: `\${length(${objects}) > 0}`,
            errorMessage: `The cluster does not serve ${props.apiVersion}: the External Secrets Operator is not installed, or serves other versions (v1 needs ESO >= 0.16; v1beta1 is not served from ESO 0.17). Install ESO before planning this stack (its ClusterSecretStore and ExternalSecret resources need the CRDs at plan time), or set eso.apiVersion to a version it serves.`,
          },
        ],
      },
    });
    for (const [key, value] of Object.entries(readyWait(props.readiness)))
      store.addOverride(key, value);
    this.name = props.name;
    this.address = `kubernetes_manifest.${store.friendlyUniqueId}`;
  }
}
