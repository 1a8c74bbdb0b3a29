import { Construct } from 'constructs';
import { type ExternalSecretSpec, externalSecretManifest } from '../common/chain/external-secret';
import { canonicalGoDuration } from '../common/go-duration';
import { type Readiness, readyWait } from './eso-readiness';
import { RawResource } from './terraform-blocks';

export interface EsoExternalSecretProps extends Omit<ExternalSecretSpec, 'refreshInterval'> {
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
      manifest: externalSecretManifest({
        ...props,
        // In the form ESO writes back, or every plan would show "1m" -> "1m0s".
        refreshInterval: canonicalGoDuration(props.refreshInterval),
      }),
      ...readyWait(props.readiness),
      ...(props.dependsOn?.length ? { depends_on: [...props.dependsOn] } : {}),
    });
    this.address = externalSecret.address;
  }
}
