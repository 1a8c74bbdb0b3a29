import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { EsoApiGate } from './eso-api-gate';
import type { LoginMethod } from '../common/chain/role';
import {
  type StoreAuthSpec,
  type StoreKind,
  type StoreManifestSpec,
  storeManifest,
} from '../common/chain/store';
import { type Readiness, readyWait } from './eso-readiness';

export type { StoreServiceAccount } from '../common/chain/store';

/** How the store authenticates to Vault. */
export type StoreAuth =
  | Extract<StoreAuthSpec, { method: LoginMethod }>
  | {
      /** A Vault token kept in a Kubernetes Secret (the manual procedure's rejected alternative). */
      readonly method: 'token';
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

export interface EsoSecretStoreProps extends Omit<StoreManifestSpec, 'apiVersion' | 'auth'> {
  /** The gate that says the API server serves the ESO API version (its apiVersion is used). */
  readonly gate: EsoApiGate;
  readonly auth: StoreAuth;
  /**
   * What must exist before ESO first validates the store (the auth config, the role, the
   * binding, its namespace), so that its first check does not fail and back off.
   * @default none
   */
  readonly dependsOn?: ITerraformDependable[];
  /** How long an apply waits for ESO to report it Ready, and what to run when it does not. */
  readonly readiness: Readiness;
}

/** An ESO store that reads Vault's KV v2 mount. */
export class EsoSecretStore extends Construct {
  readonly kind: StoreKind;
  readonly name: string;
  /** A SecretStore's namespace. */
  readonly namespace?: string;
  /** Its Terraform address, for ExternalSecrets to depend on. */
  readonly address: string;

  constructor(scope: Construct, id: string, props: EsoSecretStoreProps) {
    super(scope, id);

    let auth: StoreAuthSpec = props.auth;
    if (props.auth.method === 'token') {
      const tokenSecret = new SecretV1(this, 'token-secret', {
        metadata: { name: props.auth.secretName, namespace: props.auth.secretNamespace },
        // Write-only: the token reaches the cluster but not the Terraform state.
        dataWo: { token: props.auth.token },
        dataWoRevision: props.auth.tokenRevision ?? 1,
      });
      auth = {
        method: 'token',
        secretName: tokenSecret.metadata.name,
        secretNamespace: tokenSecret.metadata.namespace,
      };
    }

    const cluster = props.kind === 'ClusterSecretStore';
    const store = new Manifest(this, 'store', {
      manifest: storeManifest({
        apiVersion: props.gate.apiVersion,
        kind: props.kind,
        name: props.name,
        namespace: props.namespace,
        vaultServer: props.vaultServer,
        vaultNamespace: props.vaultNamespace,
        kvMountPath: props.kvMountPath,
        allowedNamespaces: props.allowedNamespaces,
        auth,
      }),
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
