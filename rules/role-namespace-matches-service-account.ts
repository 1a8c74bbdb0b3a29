import { CHAIN_RULE_IDS } from '../common/chain-rule-ids';
import { accountKey } from '../common/chain/role';
import { type DeclaredTenant, type StackJson, getPath } from '../common/stack-json';
import { SynthesizedStack, type VaultRole } from '../common/synthesized-stack';
import type { Rule, Violation } from './rule';

const ROLE_NAMESPACE_MATCHES_ID = CHAIN_RULE_IDS.roleNamespaceMatches;

/**
 * Every Vault role is bound to exactly the service accounts of the tenants that use it, each in
 * its own namespace, and attaches exactly their policy: a kubernetes role by names and
 * namespaces, a jwt role by its subject (or namespace and name claims for the shared store).
 */
/** What is wrong with one role, given the tenants that use it and the accounts the stack declares. */
function roleProblems(
  role: VaultRole,
  users: readonly DeclaredTenant[],
  declared: ReadonlySet<string>,
): string[] {
  if (users.length === 0)
    return [`role "${role.name}": no tenant uses it; every role belongs to a declared tenant`];
  if (typeof role.accounts === 'string') return [`role "${role.name}": ${role.accounts}`];
  const accounts = role.accounts;
  if (users.length === 1 && accounts.length !== 1)
    return [
      `role "${role.name}": admits ${JSON.stringify(accounts)}; bind exactly one service account in one namespace`,
    ];
  const problems: string[] = [];
  const expected = new Set(users.map((t) => accountKey(t.namespace, t.service_account)));
  for (const account of accounts.filter((a) => !expected.has(a))) {
    const [namespace, name] = account.split('/');
    const lives = users.find((t) => t.service_account === name)?.namespace;
    problems.push(
      users.length === 1 && lives !== undefined
        ? `role "${role.name}": bound namespace "${namespace}" but service account "${name}" lives in "${lives}"`
        : `role "${role.name}": admits ${account}, which is not the service account of a tenant that uses it (${[...expected].join(', ')})`,
    );
  }
  // Each expected account: admitted (and declared), or one message saying what is bound instead.
  const misplaced = new Set(accounts.filter((a) => !expected.has(a)).map((a) => a.split('/')[1]));
  for (const account of expected) {
    if (!accounts.includes(account)) {
      if (!(users.length === 1 && misplaced.has(account.split('/')[1])))
        problems.push(
          `role "${role.name}": does not admit ${account}, the service account of its tenant`,
        );
    } else if (!declared.has(account))
      problems.push(
        `role "${role.name}": bound service account "${account}" is not declared in this stack`,
      );
  }
  const wanted = [...new Set(users.map((t) => t.policy))].sort();
  if (JSON.stringify([...role.policies].sort()) !== JSON.stringify(wanted))
    problems.push(
      `role "${role.name}": attaches policies ${JSON.stringify(role.policies)}; its tenants' policy is ${JSON.stringify(wanted)}`,
    );
  return problems;
}

export const roleNamespaceMatchesServiceAccount: Rule = {
  id: ROLE_NAMESPACE_MATCHES_ID,
  description:
    "each Vault role is bound to exactly its tenants' service accounts, in their namespaces, with their policy",
  check(json: StackJson): Violation[] {
    const stack = new SynthesizedStack(json);
    const declared = new Set(
      stack
        .resources('kubernetes_service_account_v1')
        .map((sa) =>
          accountKey(
            stack.values.text(getPath(sa.body, 'metadata.namespace')) ?? '?',
            stack.values.text(getPath(sa.body, 'metadata.name')) ?? '?',
          ),
        ),
    );
    const { tenants } = stack.declaredTenants();
    return stack
      .roles()
      .flatMap((role) =>
        roleProblems(
          role,
          tenants.filter((t) => t.role === role.name),
          declared,
        ),
      )
      .map((message) => ({ ruleId: ROLE_NAMESPACE_MATCHES_ID, message }));
  },
};
