import { CHAIN_RULE_IDS } from '../common/chain-rule-ids';
import { type StackJson, getPath, providerConfig, resourcesOfType } from '../common/stack-json';
import type { Rule, Violation } from './rule';
import { findSecretLikeValues } from '../common/secret-shapes';

const NO_SECRET_VALUES_ID = CHAIN_RULE_IDS.noSecretValues;

/** Attributes that carry credentials: they may only hold references, never literals. */
const CREDENTIAL_ATTRIBUTES: readonly { readonly type: string; readonly path: string }[] = [
  { type: 'vault_kubernetes_auth_backend_config', path: 'token_reviewer_jwt' },
  { type: 'vault_kubernetes_auth_backend_config', path: 'token_reviewer_jwt_wo' },
  { type: 'vault_kv_secret_v2', path: 'data_json_wo' },
  { type: 'kubernetes_secret_v1', path: 'data_wo' },
  { type: 'vault_database_secrets_mount', path: 'postgresql.password' },
  { type: 'vault_database_secrets_mount', path: 'postgresql.password_wo' },
  { type: 'vault_database_secret_backend_connection', path: 'postgresql.password' },
  { type: 'vault_database_secret_backend_connection', path: 'postgresql.password_wo' },
];

function isLiteral(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return !value.includes('${');
  if (typeof value === 'object') return Object.values(value).some(isLiteral);
  return true;
}

/** No secret value in the synthesized JSON: no credential shapes, no literal credentials. */
export const noSecretValues: Rule = {
  id: NO_SECRET_VALUES_ID,
  description:
    'no secret value in the synthesized JSON (credential shapes, literal tokens or write-only values)',
  check(stack: StackJson): Violation[] {
    const violations: Violation[] = [];
    const add = (message: string) => violations.push({ ruleId: NO_SECRET_VALUES_ID, message });

    for (const { name, sample } of findSecretLikeValues(JSON.stringify(stack))) {
      add(
        `a ${name} (${sample}) is written in the configuration; pass it through a sensitive variable or the provider's environment`,
      );
    }
    const vault = providerConfig(stack, 'vault');
    if (vault?.token !== undefined)
      add("the vault provider has a token in code; use VAULT_TOKEN or the provider's auth_login");
    const kubernetes = providerConfig(stack, 'kubernetes');
    if (isLiteral(kubernetes?.token))
      add(
        'the kubernetes provider has a literal token; use the EKS lookup or the sensitive variable',
      );
    for (const { type, path } of CREDENTIAL_ATTRIBUTES) {
      for (const resource of resourcesOfType(stack, type)) {
        if (isLiteral(getPath(resource.body, path)))
          add(
            `${resource.address}: ${path} is a literal; it must come from a sensitive variable or another resource`,
          );
      }
    }
    return violations;
  },
};
