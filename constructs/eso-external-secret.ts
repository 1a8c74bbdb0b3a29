import { Construct } from 'constructs';
import { canonicalGoDuration } from '../common/go-duration';
import { type Readiness, readyWait } from './eso-readiness';
import { RawResource } from './terraform-blocks';

export interface EsoExternalSecretProps {
  /** ESO API version, e.g. `external-secrets.io/v1`. */
  readonly apiVersion: string;
  /** ExternalSecret name, e.g. `vault-external-secret`. */
  readonly name: string;
  /** Its namespace (where the target Secret is written), by name. */
  readonly namespace: string;
  /** The store to read from: a ClusterSecretStore, or a SecretStore of its namespace. */
  readonly store: { readonly kind: 'ClusterSecretStore' | 'SecretStore'; readonly name: string };
  /** Name of the Kubernetes Secret ESO writes. */
  readonly targetSecretName: string;
  /** Secret name in the store's KV mount; every key of it is copied (`dataFrom.extract`). */
  readonly remoteKey: string;
  /** Go duration between syncs; `0` syncs once. */
  readonly refreshInterval: string;
  /**
   * Addresses of what must exist first: the store, the Vault secret (so the first sync finds
   * both) and a managed namespace.
   * @default none
   */
  readonly dependsOn?: readonly string[];
  /** How long an apply waits for ESO to report it Ready. */
  readonly readiness: Readiness;
}

/**
 * One ExternalSecret: every key of one Vault secret, copied into one Kubernetes Secret. Written
 * as plain JSON (RawResource): there is one per secret, and the binding's class would cost several
 * tokens each.
 */
export class EsoExternalSecret extends Construct {
  /** Its Terraform address. */
  readonly address: string;

  constructor(scope: Construct, id: string, props: EsoExternalSecretProps) {
    super(scope, id);
    const externalSecret = new RawResource(this, 'external-secret', 'kubernetes_manifest', {
      manifest: {
        apiVersion: props.apiVersion,
        kind: 'ExternalSecret',
        metadata: { name: props.name, namespace: props.namespace },
        spec: {
          // In the form ESO writes back, or every plan would show "1m" -> "1m0s".
          refreshInterval: canonicalGoDuration(props.refreshInterval),
          secretStoreRef: { name: props.store.name, kind: props.store.kind },
          target: { name: props.targetSecretName, creationPolicy: 'Owner' },
          dataFrom: [{ extract: { key: props.remoteKey } }],
        },
      },
      ...readyWait(props.readiness),
      ...(props.dependsOn?.length ? { depends_on: [...props.dependsOn] } : {}),
    });
    this.address = externalSecret.address;
  }
}
