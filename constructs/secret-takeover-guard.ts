import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { Construct } from 'constructs';
import {
  type TakeoverGuardSpec,
  takeoverBindingManifest,
  takeoverPolicyManifest,
} from '../common/chain/takeover-guard';

export type SecretTakeoverGuardProps = TakeoverGuardSpec;

/**
 * Keeps ESO from taking over a Kubernetes Secret it did not create, in the cluster itself (so
 * Terraform Cloud runs and hand-made ExternalSecrets are covered too): a ValidatingAdmissionPolicy
 * that denies adding ESO's `managed` label to one of the stack's target Secrets that lacked it,
 * and the binding that enforces it. A target the environment adopts is left out of `targets`.
 */
export class SecretTakeoverGuard extends Construct {
  /** The binding's Terraform address: ExternalSecrets wait for the policy to be enforced. */
  readonly address: string;

  constructor(scope: Construct, id: string, props: SecretTakeoverGuardProps) {
    super(scope, id);
    const policy = new Manifest(this, 'policy', { manifest: takeoverPolicyManifest(props) });
    const binding = new Manifest(this, 'binding', {
      manifest: takeoverBindingManifest(props),
      dependsOn: [policy],
    });
    this.address = `kubernetes_manifest.${binding.friendlyUniqueId}`;
  }
}
