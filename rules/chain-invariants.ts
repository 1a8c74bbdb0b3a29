import type { IValidation } from 'constructs';
import { clustersApart } from './clusters-apart';
import { dynamicCredentials } from './dynamic-credentials';
import { noSecretValues } from './no-secret-values';
import { noWildcardBindings } from './no-wildcard-bindings';
import { policyExactDataPaths } from './policy-exact-data-paths';
import { roleNamespaceMatchesServiceAccount } from './role-namespace-matches-service-account';
import { type StackJson } from '../common/stack-json';
import type { Rule, Violation } from './rule';
import { storeMatchesVault } from './store-matches-vault';
import { targetsKept } from './targets-kept';
import { tenantIsolation } from './tenant-isolation';

/** Every rule that spans the graph, in id order. */
export const CHAIN_RULES: readonly Rule[] = [
  policyExactDataPaths,
  roleNamespaceMatchesServiceAccount,
  storeMatchesVault,
  noWildcardBindings,
  noSecretValues,
  tenantIsolation,
  targetsKept,
  dynamicCredentials,
  clustersApart,
];

export function checkChain(stack: StackJson, rules: readonly Rule[] = CHAIN_RULES): Violation[] {
  return rules.flatMap((rule) => rule.check(stack));
}

/**
 * Runs the chain rules on the stack's final JSON at synth (cdktf runs stack validations unless
 * told to skip them). Each message starts with its rule id.
 */
export class ChainInvariants implements IValidation {
  /** @param stackJson returns the stack's final JSON (its toTerraform()). */
  constructor(private readonly stackJson: () => StackJson) {}

  validate(): string[] {
    return checkChain(this.stackJson()).map((v) => `[${v.ruleId}] ${v.message}`);
  }
}
