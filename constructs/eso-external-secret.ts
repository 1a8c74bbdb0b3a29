import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { canonicalGoDuration } from '../common/go-duration';
import { type Readiness, awaitReady } from './eso-readiness';

export interface EsoExternalSecretProps {
  /** ESO API version, e.g. `external-secrets.io/v1`. */
  readonly apiVersion: string;
  /** ExternalSecret name, e.g. `vault-external-secret`. */
  readonly name: string;
  /** Its namespace (where the target Secret is written). */
  readonly namespace: string;
  /** The ClusterSecretStore to read from. */
  readonly storeName: string;
  /** Name of the Kubernetes Secret ESO writes. */
  readonly targetSecretName: string;
  /** Secret name in the store's KV mount; every key of it is copied (`dataFrom.extract`). */
  readonly remoteKey: string;
  /** Go duration between syncs; `0` syncs once. */
  readonly refreshInterval: string;
  /**
   * Resources to create first: the store and the Vault secret, so the first sync finds both.
   * @default none
   */
  readonly dependsOn?: ITerraformDependable[];
  /** How long an apply waits for ESO to report it Ready, and what to run when it does not. */
  readonly readiness: Readiness;
}

/** One ExternalSecret: every key of one Vault secret, copied into one Kubernetes Secret. */
export class EsoExternalSecret extends Construct {
  constructor(scope: Construct, id: string, props: EsoExternalSecretProps) {
    super(scope, id);
    const externalSecret = new Manifest(this, 'external-secret', {
      manifest: {
        apiVersion: props.apiVersion,
        kind: 'ExternalSecret',
        metadata: { name: props.name, namespace: props.namespace },
        spec: {
          // In the form ESO writes back, or every plan would show "1m" -> "1m0s".
          refreshInterval: canonicalGoDuration(props.refreshInterval),
          secretStoreRef: { name: props.storeName, kind: 'ClusterSecretStore' },
          target: { name: props.targetSecretName, creationPolicy: 'Owner' },
          dataFrom: [{ extract: { key: props.remoteKey } }],
        },
      },
      dependsOn: props.dependsOn,
    });
    awaitReady(this, externalSecret, {
      apiVersion: props.apiVersion,
      kind: 'ExternalSecret',
      name: props.name,
      namespace: props.namespace,
      ...props.readiness,
    });
  }
}
