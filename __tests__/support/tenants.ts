import { local } from '../../environments/local';
import { generatedTenant } from '../../bench/tenant-fleet';
import type { EnvironmentConfig, IsolationDesign } from '../../environments/types';

export interface TenantsOptions {
  readonly isolation?: IsolationDesign;
  readonly authMethod?: 'kubernetes' | 'jwt';
  /** Tenant names, or a count (`team-01`, `team-02`, ...). */
  readonly tenants?: readonly string[] | number;
  readonly secretsPerTenant?: number;
  readonly base?: EnvironmentConfig;
}

/** `value` without `keys`. */
function without<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Omit<T, K> {
  return Object.fromEntries(
    Object.entries(value).filter(([k]) => !(keys as readonly PropertyKey[]).includes(k)),
  ) as Omit<T, K>;
}

/** `base` (the lab's environment) with its single chain replaced by tenants. */
export function withTenants(options: TenantsOptions = {}): EnvironmentConfig {
  const base = options.base ?? local;
  const names =
    typeof options.tenants === 'number'
      ? Array.from({ length: options.tenants }, (_, i) => `team-${String(i + 1).padStart(2, '0')}`)
      : (options.tenants ?? ['alpha', 'beta']);
  const rest = without(base, ['secrets']);
  const kubernetes = without(base.kubernetes, [
    'namespace',
    'manageNamespace',
    'allowNamespaceDestroy',
    'serviceAccountName',
  ]);
  const vault = without(base.vault, ['policyName', 'roleName']);
  return {
    ...rest,
    // The jwt method wants an audience of Vault's own, which the API server refuses as a bearer.
    kubernetes:
      options.authMethod === 'jwt' ? { ...kubernetes, tokenAudience: 'vault' } : kubernetes,
    vault: {
      ...vault,
      ...(options.authMethod ? { authMethod: options.authMethod } : {}),
      ...(options.authMethod === 'jwt' ? { jwtIssuerCa: 'cluster' as const } : {}),
    },
    eso: { ...base.eso, ...(options.isolation ? { isolation: options.isolation } : {}) },
    tenants: names.map((n) => generatedTenant(n, options.secretsPerTenant ?? 1)),
  };
}

/** Two tenants (alpha, beta) that both declare alpha's first secret shared. */
export function withSharedSecret(): EnvironmentConfig {
  const config = withTenants();
  const [alpha, beta] = config.tenants!;
  const shared = { ...alpha.secrets[0], shared: true };
  return {
    ...config,
    tenants: [
      { ...alpha, secrets: [shared] },
      { ...beta, secrets: [{ ...shared, path: 'alpha/s01' }] },
    ],
  };
}

/** Two tenants (alpha, beta); alpha retires a secret of its own (`alpha/s00`). */
export function withTenantRetired(): EnvironmentConfig {
  const config = withTenants();
  const [alpha, beta] = config.tenants!;
  return { ...config, tenants: [{ ...alpha, retiredSecrets: ['alpha/s00'] }, beta] };
}
