import { type ITerraformDependable, TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import {
  GENERATOR_API_VERSION,
  VAULT_DYNAMIC_SECRET_KIND,
  type VaultDynamicSecretSpec,
  vaultDynamicSecretManifest,
} from '../common/chain/database';
import { generatedExternalSecretManifest } from '../common/chain/external-secret';
import { canonicalGoDuration } from '../common/go-duration';
import { type Readiness, readyWait } from './eso-readiness';
import { RawResource } from './terraform-blocks';

/**
 * A resource's plain address (`type.name`), as plain JSON's `depends_on` wants it (a token of
 * its fqn would be written as an interpolation).
 */
export function dependableAddress(dependable: ITerraformDependable | string): string {
  if (typeof dependable === 'string') return dependable;
  if (dependable instanceof TerraformResource)
    return `${dependable.terraformResourceType}.${dependable.friendlyUniqueId}`;
  throw new Error(`not a resource: ${dependable.fqn}`);
}

export interface EsoDynamicSecretProps extends VaultDynamicSecretSpec {
  /** ESO API version of the ExternalSecret, e.g. `external-secrets.io/v1`. */
  readonly apiVersion: string;
  /** Name of the Kubernetes Secret ESO writes. */
  readonly targetSecretName: string;
  /** Go duration between refreshes; each refresh is a new credential with its own lease. */
  readonly refreshInterval: string;
  /**
   * Addresses of what the first generation needs: the Vault role, the login role and its
   * configuration, the service account, a managed namespace.
   * @default none
   */
  readonly dependsOn?: readonly (ITerraformDependable | string)[];
  /** How long an apply waits for ESO to report the ExternalSecret Ready. */
  readonly readiness: Readiness;
}

/**
 * Dynamic credentials in a Kubernetes Secret: ESO's VaultDynamicSecret generator (which logs in
 * as the team's service account and reads `<mount>/creds/<role>`, so Vault issues a new
 * credential with its own lease), and an ExternalSecret that asks it at every refresh. Both
 * written as plain JSON, like the other ExternalSecrets.
 */
export class EsoDynamicSecret extends Construct {
  /** The ExternalSecret's Terraform address. */
  readonly address: string;

  constructor(scope: Construct, id: string, props: EsoDynamicSecretProps) {
    super(scope, id);
    const after = (props.dependsOn ?? []).map(dependableAddress);
    const dependsOn = after.length ? { depends_on: after } : {};
    const generator = new RawResource(this, 'generator', 'kubernetes_manifest', {
      manifest: vaultDynamicSecretManifest(props),
      ...dependsOn,
    });
    const externalSecret = new RawResource(this, 'external-secret', 'kubernetes_manifest', {
      manifest: generatedExternalSecretManifest({
        apiVersion: props.apiVersion,
        name: props.name,
        namespace: props.namespace,
        generator: {
          apiVersion: GENERATOR_API_VERSION,
          kind: VAULT_DYNAMIC_SECRET_KIND,
          name: props.name,
        },
        targetSecretName: props.targetSecretName,
        // In the form ESO writes back, or every plan would show "1m" -> "1m0s".
        refreshInterval: canonicalGoDuration(props.refreshInterval),
      }),
      ...readyWait(props.readiness),
      depends_on: [generator.address, ...after],
    });
    this.address = externalSecret.address;
  }
}
