/**
 * The tenants of an environment, with every name resolved: the stack, the rules, the doctor and
 * the drift check all read an environment through these. A single-chain environment (no
 * `tenants` key) is exactly one tenant, whose objects keep the names and Terraform addresses
 * they always had.
 */
import { DEFAULTS } from './defaults';
import type {
  DatabaseCredentialConfig,
  EnvironmentConfig,
  IsolationDesign,
  SecretConfig,
  SingleChainConfig,
  TenantConfig,
  VaultAuthMethod,
} from './types';

export const DEFAULT_SERVICE_ACCOUNT = DEFAULTS.serviceAccountName;

/** A tenant's secret, with its full name in the KV mount. */
export interface TenantSecret extends Omit<SecretConfig, 'path'> {
  /** Full name in the mount, e.g. `payments/db` (path `<mount>/data/payments/db`). */
  readonly name: string;
}

export interface TenantStore {
  readonly kind: 'ClusterSecretStore' | 'SecretStore';
  readonly name: string;
}

export interface ResolvedTenant {
  /** The tenant's name; a single chain is named after its environment. */
  readonly name: string;
  /** The environment has no `tenants`: objects keep their single-chain names and addresses. */
  readonly singleChain: boolean;
  readonly namespace: string;
  readonly manageNamespace: boolean;
  readonly allowNamespaceDestroy: boolean;
  readonly serviceAccountName: string;
  /** KV prefix of its secrets ('' for a single chain). */
  readonly prefix: string;
  /** Its name when last deployed, when renamed (its objects move to their new addresses). */
  readonly renamedFrom?: string;
  /** The policy that grants its reads, and the role it logs in with. */
  readonly policyName: string;
  readonly roleName: string;
  /** The store its ExternalSecrets use. */
  readonly store: TenantStore;
  readonly secrets: readonly TenantSecret[];
  /** Its dynamic database credentials (none: an empty list). */
  readonly databaseCredentials: readonly DatabaseCredentialConfig[];
}

/** An environment without tenants (validated: every single-chain key is present). */
export function isSingleChain(config: EnvironmentConfig): config is SingleChainConfig {
  return config.tenants === undefined;
}

export function isolationOf(config: EnvironmentConfig): IsolationDesign | 'single-chain' {
  return config.tenants === undefined
    ? 'single-chain'
    : (config.eso.isolation ?? DEFAULTS.isolation);
}

export function authMethodOf(config: EnvironmentConfig): VaultAuthMethod {
  return config.vault.authMethod ?? DEFAULTS.authMethod;
}

/** The one policy and role of the shared-store design. */
export function sharedNames(config: EnvironmentConfig): { policy: string; role: string } {
  return {
    policy: config.vault.policyName ?? `eso-${config.name}`,
    role: config.vault.roleName ?? `eso-${config.name}`,
  };
}

/** A tenant's KV prefix: the shared store's templated policy grants the namespace's name. */
export function tenantPrefix(
  isolation: IsolationDesign,
  tenant: Pick<TenantConfig, 'name' | 'namespace' | 'secretPrefix'>,
): string {
  return isolation === 'shared-store' ? tenant.namespace : (tenant.secretPrefix ?? tenant.name);
}

/** A tenant secret's full name in the mount: its `path`, or its name under the prefix. */
export function fullSecretName(
  prefix: string,
  secret: Pick<SecretConfig, 'name' | 'path'>,
): string {
  return secret.path ?? (prefix === '' ? secret.name : `${prefix}/${secret.name}`);
}

/** Every tenant of a validated environment, names resolved. */
export function tenantsOf(config: EnvironmentConfig): ResolvedTenant[] {
  if (config.tenants === undefined) {
    const k8s = config.kubernetes;
    return [
      {
        name: config.name,
        singleChain: true,
        namespace: k8s.namespace!,
        manageNamespace: k8s.manageNamespace!,
        allowNamespaceDestroy: k8s.allowNamespaceDestroy ?? false,
        serviceAccountName: k8s.serviceAccountName!,
        prefix: '',
        policyName: config.vault.policyName!,
        roleName: config.vault.roleName!,
        store: { kind: 'ClusterSecretStore', name: config.eso.storeName },
        secrets: config.secrets ?? [],
        databaseCredentials: config.databaseCredentials ?? [],
      },
    ];
  }
  const isolation = config.eso.isolation ?? DEFAULTS.isolation;
  const shared = sharedNames(config);
  return config.tenants.map((tenant): ResolvedTenant => {
    const prefix = tenantPrefix(isolation, tenant);
    return {
      name: tenant.name,
      singleChain: false,
      namespace: tenant.namespace,
      manageNamespace: tenant.manageNamespace,
      allowNamespaceDestroy: tenant.allowNamespaceDestroy ?? false,
      serviceAccountName: tenant.serviceAccountName ?? DEFAULT_SERVICE_ACCOUNT,
      prefix,
      ...(tenant.renamedFrom ? { renamedFrom: tenant.renamedFrom } : {}),
      policyName: isolation === 'shared-store' ? shared.policy : `eso-${tenant.name}`,
      roleName: isolation === 'shared-store' ? shared.role : `eso-${tenant.name}`,
      store: {
        kind: isolation === 'shared-store' ? 'ClusterSecretStore' : 'SecretStore',
        name: config.eso.storeName,
      },
      secrets: tenant.secrets.map(({ path, ...rest }) => ({
        ...rest,
        name: fullSecretName(prefix, { name: rest.name, path }),
      })),
      databaseCredentials: tenant.databaseCredentials ?? [],
    };
  });
}

/** Every secret of every tenant. */
export function allSecrets(config: EnvironmentConfig): TenantSecret[] {
  return tenantsOf(config).flatMap((t) => t.secrets);
}
