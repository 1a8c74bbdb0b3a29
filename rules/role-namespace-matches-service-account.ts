import {
  type Rule,
  type StackJson,
  type Violation,
  getPath,
  resolveStrings,
  resourcesOfType,
  str,
} from './stack-json';

export const ROLE_NAMESPACE_MATCHES_ID = 'CHAIN-002';

/** Every kubernetes auth role is bound to exactly one service account, in that account's namespace. */
export const roleNamespaceMatchesServiceAccount: Rule = {
  id: ROLE_NAMESPACE_MATCHES_ID,
  description:
    "each Vault role is bound to exactly the service account it serves, in that account's namespace",
  check(stack: StackJson): Violation[] {
    const violations: Violation[] = [];
    const add = (message: string) =>
      violations.push({ ruleId: ROLE_NAMESPACE_MATCHES_ID, message });

    const accounts = resourcesOfType(stack, 'kubernetes_service_account_v1').map((sa) => ({
      name: str(stack, getPath(sa.body, 'metadata.name')),
      namespace: str(stack, getPath(sa.body, 'metadata.namespace')),
    }));

    for (const role of resourcesOfType(stack, 'vault_kubernetes_auth_backend_role')) {
      const roleName = str(stack, role.body.role_name) ?? role.address;
      const names = resolveStrings(stack, role.body.bound_service_account_names);
      const namespaces = resolveStrings(stack, role.body.bound_service_account_namespaces);
      if (names === undefined || namespaces === undefined) {
        add(`role "${roleName}": bound names and namespaces must be literal lists`);
        continue;
      }
      if (names.length !== 1 || namespaces.length !== 1) {
        add(
          `role "${roleName}": bound to ${JSON.stringify(names)} in ${JSON.stringify(namespaces)}; bind exactly one service account in one namespace`,
        );
        continue;
      }
      const [name] = names;
      const [namespace] = namespaces;
      const sameName = accounts.filter((a) => a.name === name);
      if (sameName.length === 0) {
        add(`role "${roleName}": bound service account "${name}" is not declared in this stack`);
      } else if (!sameName.some((a) => a.namespace === namespace)) {
        add(
          `role "${roleName}": bound namespace "${namespace}" but service account "${name}" lives in "${sameName[0].namespace ?? '?'}"`,
        );
      }
    }
    return violations;
  },
};
