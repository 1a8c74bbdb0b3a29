import {
  type Rule,
  type StackJson,
  type Violation,
  resolveStrings,
  resourcesOfType,
  str,
} from './stack-json';

export const NO_WILDCARD_BINDINGS_ID = 'CHAIN-004';

/** No role accepts any service account or any namespace. */
export const noWildcardBindings: Rule = {
  id: NO_WILDCARD_BINDINGS_ID,
  description: 'no "*" in bound service-account names or namespaces, and no namespace selector',
  check(stack: StackJson): Violation[] {
    const violations: Violation[] = [];
    for (const role of resourcesOfType(stack, 'vault_kubernetes_auth_backend_role')) {
      const roleName = str(stack, role.body.role_name) ?? role.address;
      for (const field of ['bound_service_account_names', 'bound_service_account_namespaces']) {
        const values = resolveStrings(stack, role.body[field]) ?? [];
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
    return violations;
  },
};
