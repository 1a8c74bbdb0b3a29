import { Policy } from '@cdktf/provider-vault/lib/policy';
import { Construct } from 'constructs';
import { type PolicySecret, renderReadPolicy } from '../common/chain/policy';

export type { PolicySecret };

export interface SecretReadPolicyProps {
  /** Policy name, e.g. `my-policy`. */
  readonly name: string;
  /** KV version 2 mount path, e.g. `secret`. */
  readonly mountPath: string;
  /** The secrets to grant, and nothing else. */
  readonly secrets: readonly PolicySecret[];
  /**
   * Dynamic credential paths (`<mount>/creds/<role>`) to grant `read` on.
   * @default none
   */
  readonly credentialPaths?: readonly string[];
}

/** A Vault policy that lets its holder read exactly the declared secrets. */
export class SecretReadPolicy extends Construct {
  /** Policy name (a reference, so roles that name it wait for it). */
  readonly policyName: string;

  constructor(scope: Construct, id: string, props: SecretReadPolicyProps) {
    super(scope, id);
    const policy = new Policy(this, 'policy', {
      name: props.name,
      policy: renderReadPolicy(props.mountPath, props.secrets, props.credentialPaths),
    });
    this.policyName = policy.name;
  }
}
