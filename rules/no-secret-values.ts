import {
  type Rule,
  type StackJson,
  type Violation,
  getPath,
  providerConfig,
  resourcesOfType,
} from './stack-json';

export const NO_SECRET_VALUES_ID = 'CHAIN-005';

/** Shapes of credentials that must never be written into the synthesized configuration. */
export const SECRET_PATTERNS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'JSON Web Token', pattern: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/ },
  { name: 'Vault service/batch/recovery token', pattern: /\bhv[sbr]\.[A-Za-z0-9_-]{20,}/ },
  { name: 'legacy Vault token', pattern: /\b[sbr]\.[A-Za-z0-9]{24}\b/ },
  { name: 'AWS access key id', pattern: /\b(AKIA|ASIA)[A-Z0-9]{16}\b/ },
  { name: 'private key', pattern: /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/ },
  { name: 'EKS token', pattern: /k8s-aws-v1\.[A-Za-z0-9_-]{20,}/ },
  { name: 'Terraform Cloud token', pattern: /\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{20,}/ },
];

/** Attributes that carry credentials: they may only hold references, never literals. */
const CREDENTIAL_ATTRIBUTES: readonly { readonly type: string; readonly path: string }[] = [
  { type: 'vault_kubernetes_auth_backend_config', path: 'token_reviewer_jwt' },
  { type: 'vault_kubernetes_auth_backend_config', path: 'token_reviewer_jwt_wo' },
  { type: 'vault_kv_secret_v2', path: 'data_json_wo' },
  { type: 'kubernetes_secret_v1', path: 'data_wo' },
];

/** Finds every credential-shaped string in a text (a whole cdktf.out file, a log, a state file). */
export function findSecretLikeValues(text: string): { name: string; sample: string }[] {
  const found: { name: string; sample: string }[] = [];
  for (const { name, pattern } of SECRET_PATTERNS) {
    const match = new RegExp(pattern.source, 'g').exec(text);
    // Never echo the value itself: its first characters are enough to find it.
    if (match) found.push({ name, sample: `${match[0].slice(0, 6)}...` });
  }
  return found;
}

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
