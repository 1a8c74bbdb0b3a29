import { authMethodOf, type ResolvedTenant } from '../../../environments/tenants';
import { CHAIN_RULE_IDS } from '../../../common/chain-rule-ids';
import { roleAudiences, rolePolicies, whyRoleRefuses } from '../../../common/chain/role';
import { LITERAL_VALUES } from '../../../common/chain/values';
import { Broken, type DoctorContext, deployedStore, get, type Link, storeLabel } from '../model';

async function readRole(
  ctx: DoctorContext,
  tenant: ResolvedTenant,
): Promise<Record<string, unknown>> {
  const { authPath } = ctx.config.vault;
  const { roleName } = tenant;
  const response = await ctx.vault.request('GET', `auth/${authPath}/role/${roleName}`);
  if (response.status === 404) {
    const roles = await ctx.vault.request('LIST', `auth/${authPath}/role`);
    const names = (get(roles.body, 'data.keys') as string[] | undefined) ?? [];
    throw new Broken(
      `Role "${roleName}" does not exist at auth/${authPath}${names.length ? ` (roles there: ${names.join(', ')})` : ''}: logins are refused.`,
      'Deploy the stack, or make the store name an existing role.',
    );
  }
  const data = response.body?.data as Record<string, unknown> | undefined;
  if (response.status !== 200 || !data)
    throw new Broken(
      `Cannot read role "${roleName}" (${response.status}: ${response.errors}).`,
      'Use a token that may read auth roles.',
    );
  return data;
}

export const role: Link = {
  id: 'role',
  title: 'the role binds the service account, its namespace, the policy and the audience',
  scope: 'tenant',
  rule: CHAIN_RULE_IDS.roleNamespaceMatches,
  needs: ['stores'],
  provides: [],
  async check(ctx, tenant, facts) {
    const { roleName, policyName, namespace, serviceAccountName } = tenant;
    const audience = ctx.config.kubernetes.tokenAudience;
    const method = authMethodOf(ctx.config);
    const jwt = method === 'jwt';
    const data = await readRole(ctx, tenant);
    const bindingError = whyRoleRefuses(method, data, { namespace, name: serviceAccountName });
    if (bindingError)
      throw new Broken(
        `Role "${roleName}" ${bindingError}`,
        'Deploy the stack to restore the binding.',
      );
    const policies = rolePolicies(data, LITERAL_VALUES);
    if (!policies.includes(policyName))
      throw new Broken(
        `Role "${roleName}" attaches policies ${JSON.stringify(policies)}, not "${policyName}": logins succeed but every read is 403.`,
        'Deploy the stack to restore the policy list.',
      );
    const audiences = roleAudiences(method, data, LITERAL_VALUES);
    if (
      jwt ? !audiences.includes(audience) : audiences.length > 0 && !audiences.includes(audience)
    ) {
      throw new Broken(
        `Role "${roleName}" expects audience ${audiences.length ? `"${audiences.join('", "')}"` : '(none)'} but tokens are requested for "${audience}": logins are refused.`,
        'Keep the role audience and the store serviceAccountRef.audiences equal (deploy the stack).',
      );
    }
    const storeRole = deployedStore(facts.need('stores'), tenant)?.vault?.login?.role;
    if (storeRole !== undefined && storeRole !== roleName)
      throw new Broken(
        `${storeLabel(tenant)} logs in with role "${storeRole}" but the role is "${roleName}".`,
        'Deploy the stack again to restore the store.',
      );
    return `"${roleName}" binds ${namespace}/${serviceAccountName}, policy "${policyName}", audience "${audiences.join(', ') || '(any)'}"`;
  },
};
