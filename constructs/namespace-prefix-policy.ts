import { Policy } from '@cdktf/provider-vault/lib/policy';
import { Construct } from 'constructs';
import { renderNamespacePrefixPolicy } from '../common/chain/policy';

export interface NamespacePrefixPolicyProps {
  /** Policy name. */
  readonly name: string;
  /** KV version 2 mount path. */
  readonly mountPath: string;
  /** Accessor of the auth mount the tenants log in with (a reference). */
  readonly authAccessor: string;
}

/**
 * One policy for every tenant of the shared store: `read` on `<mount>/data/<namespace>/*`, where
 * Vault fills in the namespace each login came from, so each namespace reads its own prefix.
 */
export class NamespacePrefixPolicy extends Construct {
  readonly policyName: string;

  constructor(scope: Construct, id: string, props: NamespacePrefixPolicyProps) {
    super(scope, id);
    const policy = new Policy(this, 'policy', {
      name: props.name,
      policy: renderNamespacePrefixPolicy(props.mountPath, props.authAccessor),
    });
    this.policyName = policy.name;
  }
}
