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

/** Name of the sensitive variable that carries a secret's values in write-only mode. */
export function secretValuesVariableName(secretName: string): string {
  return `secret_values_${snakeId(secretName)}`;
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
 * Alias metadata key naming the namespace a login came from: the kubernetes auth method sets it,
 * the jwt method's claim mapping does too, and the shared store's templated policy reads it.
 */
export const NAMESPACE_METADATA = 'service_account_namespace';
