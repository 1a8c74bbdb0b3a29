/**
 * The rights of the identities that run the stack: `deploy` plans, applies and destroys it;
 * `drift` (narrower) plans it with a refresh and runs the doctor. Each right is one grant: one
 * capability on one Vault path, one verb on one Kubernetes resource, one AWS action. Every grant
 * says which step of the stack's life needs it (`use`) and for what, so that a generated policy
 * can be read line by line, and a test can remove each grant and watch that step fail.
 */

/** The identities the program generates rights for. */
export type IdentityName = 'deploy' | 'drift';
export const IDENTITIES: readonly IdentityName[] = ['deploy', 'drift'];

/**
 * The step that needs a grant: `plan` (every plan: provider login, refresh, data sources,
 * ephemeral resources), `deploy-plan` (what every deploy does besides: the provider's child
 * token, the checks `npm run deploy` makes before the apply), `create`,
 * `update`, `delete` (an apply or a destroy writing one resource), `doctor` (what
 * `npm run doctor` reads).
 */
export type GrantUse = 'plan' | 'deploy-plan' | 'create' | 'update' | 'delete' | 'doctor';

/** The steps each identity runs: drift plans and diagnoses, deploy does everything. */
export const IDENTITY_USES: Readonly<Record<IdentityName, readonly GrantUse[]>> = {
  deploy: ['plan', 'deploy-plan', 'create', 'update', 'delete', 'doctor'],
  drift: ['plan', 'doctor'],
};

/** Vault's capabilities; `sudo` is the one root-protected paths (`sys/auth/*`) ask for too. */
export type VaultCapability = 'read' | 'list' | 'create' | 'update' | 'delete' | 'sudo';

interface GrantBase {
  readonly use: GrantUse;
  /** What needs it, in words: a resource address, the provider, a doctor link. */
  readonly why: string;
  /** The Terraform address of the resource whose step needs it (none: the provider, the doctor). */
  readonly address?: string;
}

export interface VaultGrant extends GrantBase {
  readonly system: 'vault';
  /** A path in the environment's Vault namespace, e.g. `sys/policies/acl/my-policy`. */
  readonly path: string;
  readonly capability: VaultCapability;
}

export interface KubernetesGrant extends GrantBase {
  readonly system: 'kubernetes';
  /** API group, '' for the core group. */
  readonly apiGroup: string;
  /** Plural resource, with its subresource: `serviceaccounts/token`. */
  readonly resource: string;
  readonly verb: string;
  /** Its namespace; none for cluster-scoped resources and cluster-wide lists. */
  readonly namespace?: string;
  /** The objects it is limited to (none: every object, as `create` and `list` must be). */
  readonly names?: readonly string[];
}

/** A URL of the API server that is no resource (the issuer's discovery document). */
export interface KubernetesUrlGrant extends GrantBase {
  readonly system: 'kubernetes-url';
  readonly url: string;
  readonly verb: 'get';
}

export interface AwsGrant extends GrantBase {
  readonly system: 'aws';
  readonly action: string;
  readonly resource: string;
}

export type Grant = VaultGrant | KubernetesGrant | KubernetesUrlGrant | AwsGrant;

/** A grant in words, e.g. `Vault: update on sys/policies/acl/my-policy`. */
export function grantLabel(grant: Grant): string {
  switch (grant.system) {
    case 'vault':
      return `Vault: ${grant.capability} on ${grant.path}`;
    case 'kubernetes': {
      const group = grant.apiGroup === '' ? '' : `.${grant.apiGroup}`;
      const names = grant.names?.length ? ` ${grant.names.join(', ')}` : '';
      const where = grant.namespace ? ` in namespace ${grant.namespace}` : '';
      return `Kubernetes: ${grant.verb} ${grant.resource}${group}${names}${where}`;
    }
    case 'kubernetes-url':
      return `Kubernetes: ${grant.verb} ${grant.url}`;
    case 'aws':
      return `AWS: ${grant.action} on ${grant.resource}`;
  }
}

/** The grants of one identity: those whose step it runs, each once. */
export function grantsOf(identity: IdentityName, grants: readonly Grant[]): Grant[] {
  const seen = new Set<string>();
  return grants.filter((grant) => {
    const key = grantLabel(grant);
    if (!IDENTITY_USES[identity].includes(grant.use) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Names of an identity's objects: the Vault policy and the AWS role `eks-vault-eso-<identity>-
 * <env>`, the Kubernetes group, ClusterRole, Roles and bindings `eks-vault-eso:<identity>:<env>`.
 */
export function identityNames(
  identity: IdentityName,
  environment: string,
): { readonly vaultPolicy: string; readonly awsRole: string; readonly kubernetes: string } {
  return {
    vaultPolicy: `eks-vault-eso-${identity}-${environment}`,
    awsRole: `eks-vault-eso-${identity}-${environment}`,
    kubernetes: `eks-vault-eso:${identity}:${environment}`,
  };
}
