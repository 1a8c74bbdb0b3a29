import { CHAIN_RULE_IDS } from '../common/chain-rule-ids';
import { isObject, resolve, type StackJson } from '../common/stack-json';
import { SynthesizedStack } from '../common/synthesized-stack';
import type { Rule, Violation } from './rule';

const NO_WILDCARD_BINDINGS_ID = CHAIN_RULE_IDS.noWildcardBindings;

/** No role accepts any service account or any namespace. */
export const noWildcardBindings: Rule = {
  id: NO_WILDCARD_BINDINGS_ID,
  description:
    'no "*" in bound service-account names, namespaces, subjects or claims, and no namespace selector',
  check(json: StackJson): Violation[] {
    const stack = new SynthesizedStack(json);
    const str = (value: unknown) => stack.values.text(value);
    const violations: Violation[] = [];
    for (const role of stack.resources('vault_kubernetes_auth_backend_role')) {
      const roleName = str(role.body.role_name) ?? role.address;
      for (const field of ['bound_service_account_names', 'bound_service_account_namespaces']) {
        const values = stack.values.list(role.body[field]) ?? [];
        for (const value of values.filter((v) => v.includes('*'))) {
          violations.push({
            ruleId: NO_WILDCARD_BINDINGS_ID,
            message: `role "${roleName}": ${field} contains "${value}"; name the one service account and namespace`,
          });
        }
      }
      if (role.body.bound_service_account_namespace_selector !== undefined) {
        violations.push({
          ruleId: NO_WILDCARD_BINDINGS_ID,
          message: `role "${roleName}": bound_service_account_namespace_selector widens the binding; name the namespace`,
        });
      }
    }
    for (const role of stack.resources('vault_jwt_auth_backend_role')) {
      const roleName = str(role.body.role_name) ?? role.address;
      const claims = resolve(json, role.body.bound_claims);
      const values = [
        ['bound_subject', str(role.body.bound_subject)],
        ...(isObject(claims)
          ? Object.entries(claims).map(([claim, v]) => [`bound_claims["${claim}"]`, str(v)])
          : []),
      ];
      for (const [field, value] of values) {
        if (value?.includes('*'))
          violations.push({
            ruleId: NO_WILDCARD_BINDINGS_ID,
            message: `role "${roleName}": ${field} contains "${value}"; name the one service account and namespace`,
          });
      }
      if (str(role.body.bound_claims_type) === 'glob')
        violations.push({
          ruleId: NO_WILDCARD_BINDINGS_ID,
          message: `role "${roleName}": bound_claims_type "glob" matches claims by pattern; use "string"`,
        });
    }
    return violations;
  },
};
