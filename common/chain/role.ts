/**
 * The Vault login role, kubernetes or jwt: which service accounts it admits, with which audience
 * and policies. Written by the auth constructs, read by the chain rules (CHAIN-002, 003, 004) in
 * the synthesized JSON and by the doctor in the role Vault holds. The provider's attributes and
 * Vault's API share their names, so one reader serves both.
 */
import { type ValueReader, commaList } from './values';

export type LoginMethod = 'kubernetes' | 'jwt';

/** Who may log in with a role: service accounts, each in its namespace. */
export interface RoleBinding {
  readonly namespace: string;
  readonly serviceAccountName: string;
}

/** `namespace/name` of a service account. */
export const accountKey = (namespace: string, name: string): string => `${namespace}/${name}`;

/** The subject Kubernetes writes into a service account's tokens. */
export function serviceAccountSubject(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** The service account a token subject names, if it names one. */
export function parseServiceAccountSubject(
  subject: string,
): { namespace: string; name: string } | undefined {
  const match = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(subject);
  return match ? { namespace: match[1], name: match[2] } : undefined;
}

/** The token claims a jwt role binds when it admits several accounts (the shared store). */
export const NAMESPACE_CLAIM = '/kubernetes.io/namespace';
export const SERVICE_ACCOUNT_CLAIM = '/kubernetes.io/serviceaccount/name';

/**
 * A kubernetes role's binding: names x namespaces (Vault admits every listed name in every listed
 * namespace; the shared design gives every tenant the same account name).
 */
export function kubernetesRoleBinding(bindings: readonly RoleBinding[]): {
  boundServiceAccountNames: string[];
  boundServiceAccountNamespaces: string[];
} {
  return {
    boundServiceAccountNames: [...new Set(bindings.map((b) => b.serviceAccountName))],
    boundServiceAccountNamespaces: [...new Set(bindings.map((b) => b.namespace))],
  };
}

/**
 * A jwt role's binding: one account, its exact subject; several (the shared design), the
 * namespace and account-name claims, each one of the listed values.
 */
export function jwtRoleBinding(bindings: readonly RoleBinding[]): {
  boundSubject?: string;
  boundClaimsType?: string;
  boundClaims?: Record<string, string>;
} {
  if (bindings.length === 1)
    return {
      boundSubject: serviceAccountSubject(bindings[0].namespace, bindings[0].serviceAccountName),
    };
  return {
    boundClaimsType: 'string',
    boundClaims: {
      [NAMESPACE_CLAIM]: [...new Set(bindings.map((b) => b.namespace))].join(','),
      [SERVICE_ACCOUNT_CLAIM]: [...new Set(bindings.map((b) => b.serviceAccountName))].join(','),
    },
  };
}

/** A claim's accepted values, whether written as one comma-separated string or a list. */
function claimValues(claims: unknown, claim: string, read: ValueReader): string[] | undefined {
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) return undefined;
  const value = (claims as Record<string, unknown>)[claim];
  if (value === undefined) return undefined;
  return read.text(value)?.split(',') ?? read.list(value) ?? commaList(value);
}

/** The fields of a role (resource attributes or Vault's answer) that say whom it admits. */
export type RoleFields = Readonly<Record<string, unknown>>;

/** The accounts (`namespace/name`) a role admits, or why they cannot be told. */
export function admittedAccounts(
  method: LoginMethod,
  role: RoleFields,
  read: ValueReader,
): string[] | string {
  if (method === 'kubernetes') {
    const names = read.list(role.bound_service_account_names);
    const namespaces = read.list(role.bound_service_account_namespaces);
    if (names === undefined || namespaces === undefined)
      return 'bound names and namespaces must be literal lists';
    return namespaces.flatMap((ns) => names.map((n) => accountKey(ns, n)));
  }
  const subject = read.text(role.bound_subject);
  if (subject !== undefined && subject !== '') {
    const account = parseServiceAccountSubject(subject);
    return account
      ? [accountKey(account.namespace, account.name)]
      : `bound_subject "${subject}" is not a service account`;
  }
  const claims = role.bound_claims;
  const namespaces = claimValues(claims, NAMESPACE_CLAIM, read);
  const names = claimValues(claims, SERVICE_ACCOUNT_CLAIM, read);
  if (namespaces === undefined || names === undefined)
    return 'binds no subject and no namespace and name claims: any service account of the cluster could log in';
  return namespaces.flatMap((ns) => names.map((n) => accountKey(ns, n)));
}

/** The audiences a login token must carry (empty: any). */
export function roleAudiences(method: LoginMethod, role: RoleFields, read: ValueReader): string[] {
  if (method === 'jwt') return read.list(role.bound_audiences) ?? commaList(role.bound_audiences);
  const audience = read.text(role.audience);
  return audience ? [audience] : [];
}

/** The policies a login's token carries. */
export function rolePolicies(role: RoleFields, read: ValueReader): string[] {
  const policies = role.token_policies ?? role.policies;
  return read.list(policies) ?? commaList(policies);
}

/**
 * Why a role Vault holds refuses an account's logins, in words, or undefined when it admits it.
 * More precise than `admittedAccounts`: it says which binding is wrong.
 */
export function whyRoleRefuses(
  method: LoginMethod,
  role: RoleFields,
  account: { readonly namespace: string; readonly name: string },
): string | undefined {
  if (method === 'kubernetes') {
    const names = commaList(role.bound_service_account_names);
    const namespaces = commaList(role.bound_service_account_namespaces);
    if (!names.includes(account.name) && !names.includes('*'))
      return `is bound to service account(s) ${JSON.stringify(names)}, not "${account.name}": its logins are refused.`;
    if (!namespaces.includes(account.namespace) && !namespaces.includes('*'))
      return `is bound to namespace(s) ${JSON.stringify(namespaces)}, but service account "${account.name}" lives in "${account.namespace}": its logins are refused.`;
    return undefined;
  }
  const subject = serviceAccountSubject(account.namespace, account.name);
  const boundSubject = typeof role.bound_subject === 'string' ? role.bound_subject : '';
  if (boundSubject !== '' && boundSubject !== subject)
    return `is bound to subject "${boundSubject}", not "${subject}": its logins are refused.`;
  const claims = (role.bound_claims as Record<string, unknown> | null | undefined) ?? {};
  const namespaces = claims[NAMESPACE_CLAIM];
  if (namespaces !== undefined && !commaList(namespaces).includes(account.namespace))
    return `admits namespace(s) ${JSON.stringify(commaList(namespaces))}, not "${account.namespace}": its logins are refused.`;
  const names = claims[SERVICE_ACCOUNT_CLAIM];
  if (names !== undefined && !commaList(names).includes(account.name))
    return `admits service account(s) ${JSON.stringify(commaList(names))}, not "${account.name}": its logins are refused.`;
  if (boundSubject === '' && namespaces === undefined)
    return 'binds no subject and no namespace: any service account of the cluster could log in with it.';
  return undefined;
}
