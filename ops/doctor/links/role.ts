import { authMethodOf, type ResolvedTenant } from '../../../environments/tenants';
import { CHAIN_RULE_IDS } from '../../../common/chain-rule-ids';
import { storeLogin } from './auth-method';
import { Broken, type DoctorContext, get, type Link, storeLabel, storeVault, text } from '../model';

const list = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.map(String)
    : typeof value === 'string' && value !== ''
      ? value.split(',')
      : [];

/** Does a kubernetes-method role admit the tenant's account? Returns what is wrong, if anything. */
function kubernetesBindingError(
  data: Record<string, unknown>,
  tenant: ResolvedTenant,
): string | undefined {
  const names = list(data.bound_service_account_names);
  const namespaces = list(data.bound_service_account_namespaces);
  if (!names.includes(tenant.serviceAccountName) && !names.includes('*'))
    return `is bound to service account(s) ${JSON.stringify(names)}, not "${tenant.serviceAccountName}": its logins are refused.`;
  if (!namespaces.includes(tenant.namespace) && !namespaces.includes('*'))
    return `is bound to namespace(s) ${JSON.stringify(namespaces)}, but service account "${tenant.serviceAccountName}" lives in "${tenant.namespace}": its logins are refused.`;
  return undefined;
}

/** Does a jwt-method role admit the tenant's account (by subject, or by namespace and name claims)? */
function jwtBindingError(
  data: Record<string, unknown>,
  tenant: ResolvedTenant,
): string | undefined {
  const subject = `system:serviceaccount:${tenant.namespace}:${tenant.serviceAccountName}`;
  const boundSubject = text(data.bound_subject);
  if (boundSubject !== '' && boundSubject !== subject)
    return `is bound to subject "${boundSubject}", not "${subject}": its logins are refused.`;
  const claims = (data.bound_claims as Record<string, unknown> | null | undefined) ?? {};
  const namespaces = claims['/kubernetes.io/namespace'];
  if (namespaces !== undefined && !list(namespaces).includes(tenant.namespace))
    return `admits namespace(s) ${JSON.stringify(list(namespaces))}, not "${tenant.namespace}": its logins are refused.`;
  const names = claims['/kubernetes.io/serviceaccount/name'];
  if (names !== undefined && !list(names).includes(tenant.serviceAccountName))
    return `admits service account(s) ${JSON.stringify(list(names))}, not "${tenant.serviceAccountName}": its logins are refused.`;
  if (boundSubject === '' && namespaces === undefined)
    return 'binds no subject and no namespace: any service account of the cluster could log in with it.';
  return undefined;
}

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
  async check(ctx, tenant) {
    const { roleName, policyName, namespace, serviceAccountName } = tenant;
    const audience = ctx.config.kubernetes.tokenAudience;
    const jwt = authMethodOf(ctx.config) === 'jwt';
    const data = await readRole(ctx, tenant);
    const bindingError = jwt ? jwtBindingError(data, tenant) : kubernetesBindingError(data, tenant);
    if (bindingError)
      throw new Broken(
        `Role "${roleName}" ${bindingError}`,
        'Deploy the stack to restore the binding.',
      );
    const policies = list(data.token_policies ?? data.policies);
    if (!policies.includes(policyName))
      throw new Broken(
        `Role "${roleName}" attaches policies ${JSON.stringify(policies)}, not "${policyName}": logins succeed but every read is 403.`,
        'Deploy the stack to restore the policy list.',
      );
    const audiences = jwt ? list(data.bound_audiences) : list(data.audience);
    if (
      jwt ? !audiences.includes(audience) : audiences.length > 0 && !audiences.includes(audience)
    ) {
      throw new Broken(
        `Role "${roleName}" expects audience ${audiences.length ? `"${audiences.join('", "')}"` : '(none)'} but tokens are requested for "${audience}": logins are refused.`,
        'Keep the role audience and the store serviceAccountRef.audiences equal (deploy the stack).',
      );
    }
    const storeRole = storeLogin(storeVault(ctx, tenant)).role;
    if (storeRole !== undefined && storeRole !== roleName)
      throw new Broken(
        `${storeLabel(tenant)} logs in with role "${text(storeRole)}" but the role is "${roleName}".`,
        'Deploy the stack again to restore the store.',
      );
    return `"${roleName}" binds ${namespace}/${serviceAccountName}, policy "${policyName}", audience "${audiences.join(', ') || '(any)'}"`;
  },
};
