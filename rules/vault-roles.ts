/**
 * The Vault login roles of a stack, kubernetes or jwt, read the same way: which service accounts
 * each admits and which audiences it accepts. The role and store rules both read them here.
 */
import {
  type NamedResource,
  type StackJson,
  isObject,
  resolve,
  resolveStrings,
  resourcesOfType,
  str,
} from '../common/stack-json';

/** `namespace/name` of a service account. */
export const accountKey = (namespace: string, name: string): string => `${namespace}/${name}`;

export interface VaultRole {
  readonly resource: NamedResource;
  readonly method: 'kubernetes' | 'jwt';
  readonly name: string;
  /** Path of its auth method. */
  readonly backend?: string;
  /** The accounts it admits (`namespace/name`), or why they cannot be told. */
  readonly accounts: readonly string[] | string;
  /** Audiences a login token must carry (empty: any). */
  readonly audiences: readonly string[];
  readonly policies: readonly string[];
}

function kubernetesAccounts(stack: StackJson, body: NamedResource['body']): string[] | string {
  const names = resolveStrings(stack, body.bound_service_account_names);
  const namespaces = resolveStrings(stack, body.bound_service_account_namespaces);
  if (names === undefined || namespaces === undefined)
    return 'bound names and namespaces must be literal lists';
  // Vault admits every listed name in every listed namespace.
  return namespaces.flatMap((ns) => names.map((n) => accountKey(ns, n)));
}

function jwtAccounts(stack: StackJson, body: NamedResource['body']): string[] | string {
  const subject = str(stack, body.bound_subject);
  if (subject !== undefined) {
    const match = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(subject);
    return match
      ? [accountKey(match[1], match[2])]
      : `bound_subject "${subject}" is not a service account`;
  }
  const claims = resolve(stack, body.bound_claims);
  const list = (claim: string) =>
    isObject(claims) ? str(stack, claims[claim])?.split(',') : undefined;
  const namespaces = list('/kubernetes.io/namespace');
  const names = list('/kubernetes.io/serviceaccount/name');
  if (namespaces === undefined || names === undefined)
    return 'binds no subject and no namespace and name claims: any service account of the cluster could log in';
  return namespaces.flatMap((ns) => names.map((n) => accountKey(ns, n)));
}

export function vaultRoles(stack: StackJson): VaultRole[] {
  const kubernetes = resourcesOfType(stack, 'vault_kubernetes_auth_backend_role').map(
    (resource): VaultRole => ({
      resource,
      method: 'kubernetes',
      name: str(stack, resource.body.role_name) ?? resource.address,
      backend: str(stack, resource.body.backend),
      accounts: kubernetesAccounts(stack, resource.body),
      audiences: [str(stack, resource.body.audience)].filter((a): a is string => !!a),
      policies: resolveStrings(stack, resource.body.token_policies) ?? [],
    }),
  );
  const jwt = resourcesOfType(stack, 'vault_jwt_auth_backend_role').map((resource): VaultRole => ({
    resource,
    method: 'jwt',
    name: str(stack, resource.body.role_name) ?? resource.address,
    backend: str(stack, resource.body.backend),
    accounts: jwtAccounts(stack, resource.body),
    audiences: resolveStrings(stack, resource.body.bound_audiences) ?? [],
    policies: resolveStrings(stack, resource.body.token_policies) ?? [],
  }));
  return [...kubernetes, ...jwt];
}
