import { DataResource } from 'cdktf';
import { Construct } from 'constructs';
import { destroyGuardId } from '../common/names';
import { withoutBinaryVersionCheck } from './terraform-blocks';

export interface DestroyGuardProps {
  /** What is protected, in words, e.g. `the KV mount "secret"`. */
  readonly protects: string;
  /** The configuration key that allows destroying it, e.g. `vault.kvMount.allowDestroy`. */
  readonly allowKey: string;
  /** What identifies the protected object; a change means it would be replaced. */
  readonly identity: Readonly<Record<string, string>>;
  /**
   * The guard's address after `destroy-needs-`, unique in the stack.
   * @default the allow key, e.g. `vault_kvMount_allowDestroy`
   */
  readonly name?: string;
}

/**
 * Refuses plans that would destroy or replace a protected object. Terraform's own refusal
 * (`prevent_destroy`) names only the resource address, so the guard is a `terraform_data` whose
 * address spells the key that allows it: `cdktf destroy` and a replacing change both stop with
 * "Resource terraform_data.destroy-needs-<key> has lifecycle.prevent_destroy set".
 */
export class DestroyGuard extends Construct {
  constructor(scope: Construct, id: string, props: DestroyGuardProps) {
    super(scope, id);
    const guard = new DataResource(this, 'guard', {
      input: { protects: props.protects, allowKey: props.allowKey },
      triggersReplace: props.identity,
      lifecycle: { preventDestroy: true },
    });
    withoutBinaryVersionCheck(guard);
    guard.overrideLogicalId(destroyGuardId(props.name ?? props.allowKey));
  }
}
