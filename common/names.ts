/**
 * Construct ids and Terraform names derived from secret names. They are API: changing them moves
 * resources in state, so they depend on the secret's name only, never on the environment.
 */

/** `payments/database` -> `payments-database` (construct ids). */
export function kebabId(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** `payments/database` -> `payments_database` (Terraform variable names, shell-friendly). */
export function snakeId(name: string): string {
  return kebabId(name).replace(/-/g, '_');
}

const SECRET_VALUES_PREFIX = 'secret_values_';

/** Name of the sensitive variable that carries a secret's values in write-only mode. */
export function secretValuesVariableName(secretName: string): string {
  return `${SECRET_VALUES_PREFIX}${snakeId(secretName)}`;
}

/** Is `name` a write-only secret's values variable? */
export function isSecretValuesVariable(name: string): boolean {
  return name.startsWith(SECRET_VALUES_PREFIX);
}

/** Name of the sensitive variable that carries a database connection's first root password. */
export function databaseRootPasswordVariableName(connection: string): string {
  return `database_root_password_${snakeId(connection)}`;
}

/** Names of the stack's other input variables (all sensitive; none has a default). */
export const VARIABLES = {
  kubernetesToken: 'kubernetes_token',
  esoVaultToken: 'eso_vault_token',
} as const;

/**
 * Construct id of a tenant's scope: its resources' Terraform names start with it
 * (`vault_policy.tenant-payments_policy_...`), which is how reports tell whose a resource is.
 */
export function tenantScopeId(tenant: string): string {
  return `tenant-${tenant}`;
}

/** Separates an environment from one of its teams in a team stack's name. */
export const TEAM_STACK_SEPARATOR = '--';

/**
 * The stack of one team file of an environment, `<environment>--<team>` (environment names never
 * hold "--"): its directory in cdktf.out, its local state file, its ledger.
 */
export function teamStackName(environment: string, team: string): string {
  return `${environment}${TEAM_STACK_SEPARATOR}${team}`;
}

/** The environment and team of a team stack's name (undefined for an environment's own stack). */
export function teamOfStack(stack: string): { environment: string; team: string } | undefined {
  const at = stack.indexOf(TEAM_STACK_SEPARATOR);
  if (at < 0) return undefined;
  return { environment: stack.slice(0, at), team: stack.slice(at + TEAM_STACK_SEPARATOR.length) };
}

/**
 * Construct id of a cluster's scope in an environment of several clusters: its resources'
 * Terraform names start with it, and its providers' alias is the cluster's name.
 */
export function clusterScopeId(cluster: string): string {
  return `cluster-${cluster}`;
}

/** A destroy guard's name in a cluster's scope: unique in the stack, the cluster named first. */
export function clusterGuardName(cluster: string, name: string): string {
  return `${clusterScopeId(cluster)}-${name}`;
}

/** The tenant a Terraform address belongs to, among `tenants` (undefined: shared or single chain). */
export function tenantOfAddress(address: string, tenants: readonly string[]): string | undefined {
  const name = address.split('.').slice(-1)[0];
  return tenants.find((t) => name.startsWith(`${tenantScopeId(t)}_`));
}

/**
 * The Terraform local that lists the declared KV secrets ({ secrets: [{ mount, name }] }): the KV
 * construct writes it, the chain rules read it from the synthesized JSON.
 */
export const DECLARED_SECRETS_LOCAL = 'declared_kv_secrets';

/**
 * The Terraform local that describes the tenants as declared (who may read what, with which
 * role, policy and store): the stack writes it, the chain rules check the resources against it.
 */
export const DECLARED_TENANTS_LOCAL = 'declared_tenants';

/**
 * The Terraform local that lists an environment's clusters (several clusters only): each one's
 * name (its providers' alias), EKS cluster, region, auth path and method, and whether it is
 * leaving. The stack writes it; the chain rules and the ledger read it.
 */
export const DECLARED_CLUSTERS_LOCAL = 'declared_clusters';

/**
 * The Terraform local that lists what the stack syncs: each secret's path, its ExternalSecret and
 * target, and where a value arrives from (a move, an adoption). The stack writes it; the ledger,
 * the deploy command and the chain rules read it from the synthesized JSON.
 */
export const DECLARED_SYNC_LOCAL = 'declared_sync';

/**
 * Alias metadata key naming the namespace a login came from: the kubernetes auth method sets it,
 * the jwt method's claim mapping does too, and the shared store's templated policy reads it.
 */
export const NAMESPACE_METADATA = 'service_account_namespace';

/**
 * Destroy guards are `terraform_data.destroy-needs-<key>`: Terraform's refusal names the address,
 * so the address spells the key that allows the destroy. The guard construct writes it; the
 * destroy command reads the guards of a synthesized stack by it.
 */
export const DESTROY_GUARD_PREFIX = 'destroy-needs-';

/** The guard's logical id for a key or name, e.g. `destroy-needs-vault_kvMount_allowDestroy`. */
export function destroyGuardId(name: string): string {
  return `${DESTROY_GUARD_PREFIX}${name.replace(/[^A-Za-z0-9]+/g, '_')}`;
}

/**
 * An operations command as a person types it, for messages the stack and the tools print:
 * `npm run <tool> -- --env <environment> [args]`.
 */
export function opsCommand(tool: string, environment: string, ...args: string[]): string {
  return ['npm run', tool, '--', '--env', environment, ...args].join(' ');
}
