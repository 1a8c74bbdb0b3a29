import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import {
  CloudBackend,
  LocalBackend,
  NamedCloudWorkspace,
  TaggedCloudWorkspaces,
  TerraformLocal,
  TerraformStack,
  TerraformVariable,
} from 'cdktf';
import { Construct } from 'constructs';
import { EksClusterLookup } from '../constructs/eks-cluster-lookup';
import { EsoApiGate } from '../constructs/eso-api-gate';
import { EsoSecretStore, type StoreAuth } from '../constructs/eso-secret-store';
import { EsoExternalSecret } from '../constructs/eso-external-secret';
import { type Readiness, ReadinessCheck } from '../constructs/eso-readiness';
import { KvV2Secrets, type KvV2SecretInput } from '../constructs/kv-v2-secrets';
import {
  DECLARED_TENANTS_LOCAL,
  VARIABLES,
  kebabId,
  secretValuesVariableName,
  tenantScopeId,
} from '../common/names';
import { providerVersions, requiredTerraformVersion } from '../common/versions';
import { NamespacePrefixPolicy } from '../constructs/namespace-prefix-policy';
import { SecretReadPolicy } from '../constructs/secret-read-policy';
import {
  VaultAuthServiceAccount,
  authDelegatorBinding,
} from '../constructs/vault-auth-service-account';
import { VaultJwtAuth } from '../constructs/vault-jwt-auth';
import type { LoginRole, VaultLogin } from '../constructs/vault-login';
import { VaultKubernetesAuth } from '../constructs/vault-kubernetes-auth';
import {
  type ResolvedTenant,
  type TenantSecret,
  authMethodOf,
  isolationOf,
  sharedNames,
  tenantsOf,
} from '../environments/tenants';
import type { EnvironmentConfig } from '../environments/types';
import { ChainInvariants } from '../rules/chain-invariants';
import { withoutBinaryVersionCheck } from '../constructs/terraform-blocks';
import type { DeclaredTenant, StackJson } from '../common/stack-json';

/** Lifetime asked for Vault's reviewer JWT in token-secret mode unless configured: one year. */
export const DEFAULT_REVIEWER_TOKEN_TTL_SECONDS = 365 * 24 * 3600;

/** Each secret once, though two tenants may share one. */
function uniqueSecrets(tenants: readonly ResolvedTenant[]): TenantSecret[] {
  const byName = new Map<string, TenantSecret>();
  for (const secret of tenants.flatMap((t) => t.secrets))
    if (!byName.has(secret.name)) byName.set(secret.name, secret);
  return [...byName.values()];
}

export interface EsoVaultStackProps {
  /** The environment, already validated by `loadEnvironments`. */
  readonly config: EnvironmentConfig;
}

/**
 * One environment as one Terraform graph: EKS lookups -> Kubernetes service account and binding
 * -> Vault policy, secrets, kubernetes auth and role -> ESO store and ExternalSecrets. The stack
 * owns the providers and the backend; the constructs only declare resources.
 */
export class EsoVaultStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: EsoVaultStackProps) {
    super(scope, id);
    const { config } = props;

    this.configureBackend(config);
    this.pinVersions();
    // Said wherever the chain may break: the doctor walks it link by link.
    const readiness: Readiness = {
      diagnose: `npm run doctor -- --env ${config.name}`,
      timeout: config.eso.readyTimeout,
    };

    // --- AWS: the EKS lookups feed both the Kubernetes provider and Vault's auth config.
    const emulated = config.aws.endpoints !== undefined;
    new AwsProvider(this, 'aws', {
      region: config.aws.region,
      endpoints: emulated ? [{ ...config.aws.endpoints }] : undefined,
      // An emulator cannot answer these checks; real AWS can, so they stay on there.
      skipCredentialsValidation: emulated || undefined,
      skipRequestingAccountId: emulated || undefined,
      skipMetadataApiCheck: emulated ? 'true' : undefined,
    });
    const cluster = new EksClusterLookup(this, 'eks', {
      clusterName: config.aws.clusterName,
      region: config.aws.region,
      auth: config.kubernetes.auth,
      staticToken:
        config.kubernetes.auth === 'static-token'
          ? this.sensitiveVariable(
              VARIABLES.kubernetesToken,
              'string',
              'Bearer token for the Kubernetes API (static-token mode).',
            ).stringValue
          : undefined,
    });

    new KubernetesProvider(this, 'kubernetes', {
      host: cluster.endpoint,
      clusterCaCertificate: cluster.caCertificatePem,
      token: cluster.credentials.token,
      exec: cluster.credentials.exec ? [cluster.credentials.exec] : undefined,
    });

    // Address and namespace per environment; the token comes from VAULT_TOKEN, never from code.
    new VaultProvider(this, 'vault', {
      address: config.vault.address,
      namespace: config.vault.namespace,
      vaultVersionOverride: config.vault.versionOverride,
      skipGetVaultVersion: config.vault.versionOverride !== undefined || undefined,
    });

    const tenants = tenantsOf(config);
    const isolation = isolationOf(config);
    const method = authMethodOf(config);
    const audience = config.kubernetes.tokenAudience;

    // --- Vault: the KV mount and every tenant's secrets (seeded once, never owned).
    const kv = new KvV2Secrets(this, 'kv', {
      mountPath: config.vault.kvMount.path,
      manageMount: config.vault.kvMount.managed,
      allowMountDestroy: config.vault.kvMount.allowDestroy,
      purgeOnDestroy: config.vault.kvMount.purgeSecretsOnDestroy,
      stackName: config.name,
      retiredSecrets: config.retiredSecrets,
      secrets: uniqueSecrets(tenants).map((secret) => this.secretInput(config, secret)),
    });

    // --- Kubernetes: who ESO logs in as. A single chain keeps the construct paths (and so the
    // Terraform addresses) it always had; tenants live under tenant-<name>.
    const scopeOf = (tenant: ResolvedTenant): Construct =>
      tenant.singleChain ? this : new Construct(this, tenantScopeId(tenant.name));
    const tenantScopes = new Map(tenants.map((t) => [t.name, scopeOf(t)]));
    const accounts = new Map(
      tenants.map((tenant) => [
        tenant.name,
        new VaultAuthServiceAccount(tenantScopes.get(tenant.name)!, 'service-account', {
          namespace: tenant.namespace,
          manageNamespace: tenant.manageNamespace,
          allowNamespaceDestroy: tenant.allowNamespaceDestroy,
          // Each tenant's guard names its own key, and is named after the tenant (not its
          // place in the list, so reordering tenants replaces nothing).
          allowNamespaceDestroyKey: tenant.singleChain
            ? undefined
            : {
                key: `tenants[${tenants.indexOf(tenant)}].allowNamespaceDestroy (tenant "${tenant.name}")`,
                guardName: `tenant-${tenant.name}-allowNamespaceDestroy`,
              },
          name: tenant.serviceAccountName,
          // A single chain's account has the binding of its own it always had.
          clusterRoleBindingName:
            tenant.singleChain && method === 'kubernetes'
              ? config.kubernetes.clusterRoleBindingName
              : undefined,
          reviewerToken:
            tenant.singleChain && config.vault.reviewerMode === 'token-secret'
              ? {
                  ttlSeconds:
                    config.vault.reviewerTokenTtlSeconds ?? DEFAULT_REVIEWER_TOKEN_TTL_SECONDS,
                  version: config.vault.reviewerTokenVersion ?? 1,
                }
              : undefined,
        }),
      ]),
    );
    // Tenants share one auth-delegator binding (the jwt method needs none).
    const sharedBinding =
      config.tenants !== undefined && method === 'kubernetes'
        ? authDelegatorBinding(
            this,
            'auth-delegator',
            config.kubernetes.clusterRoleBindingName,
            tenants.map((t) => ({
              namespace: accounts.get(t.name)!.namespace,
              serviceAccountName: accounts.get(t.name)!.name,
            })),
          )
        : undefined;

    // --- Vault: the auth method ESO logs in with.
    const login: VaultLogin =
      method === 'kubernetes'
        ? new VaultKubernetesAuth(this, 'kubernetes-auth', {
            path: config.vault.authPath,
            kubernetesHost: cluster.endpoint,
            kubernetesCaPem: cluster.caCertificatePem,
            reviewerToken: accounts.get(tenants[0].name)!.reviewerToken,
          })
        : new VaultJwtAuth(this, 'jwt-auth', {
            path: config.vault.authPath,
            issuer: cluster.oidcIssuer,
            issuerCaPem:
              config.vault.jwtIssuerCa === 'cluster' ? cluster.caCertificatePem : undefined,
          });
    const roleTtls = {
      audience,
      tokenTtlSeconds: config.vault.tokenTtlSeconds,
      tokenMaxTtlSeconds: config.vault.tokenMaxTtlSeconds,
    };

    // --- Vault: each tenant's grants, and the role it logs in with.
    const roles = new Map<string, LoginRole>();
    if (isolation === 'shared-store') {
      // One templated policy and one role for every tenant namespace.
      const names = sharedNames(config);
      const policy = new NamespacePrefixPolicy(this, 'policy', {
        name: names.policy,
        mountPath: config.vault.kvMount.path,
        authAccessor: login.accessor,
      });
      const role = login.addRole(this, 'role', {
        ...roleTtls,
        name: names.role,
        bindings: tenants.map((t) => ({
          namespace: t.namespace,
          serviceAccountName: t.serviceAccountName,
        })),
        policies: [policy.policyName],
      });
      for (const t of tenants) roles.set(t.name, role);
    } else {
      for (const tenant of tenants) {
        const scope = tenantScopes.get(tenant.name)!;
        const policy = new SecretReadPolicy(scope, 'policy', {
          name: tenant.policyName,
          mountPath: config.vault.kvMount.path,
          secrets: tenant.secrets,
        });
        // A single chain's role keeps its place under the auth method.
        roles.set(
          tenant.name,
          login.addRole(tenant.singleChain ? login : scope, 'role', {
            ...roleTtls,
            name: tenant.roleName,
            // Literal names: a jwt role spells them into its subject, which rules must read.
            bindings: [
              { namespace: tenant.namespace, serviceAccountName: tenant.serviceAccountName },
            ],
            policies: [policy.policyName],
          }),
        );
      }
    }

    // --- ESO: the stores, then one ExternalSecret per secret.
    const gate = new EsoApiGate(this, 'eso-api', config.eso.apiVersion);
    const storeOf = (tenant: ResolvedTenant, scope: Construct, allowed: string[]): EsoSecretStore =>
      new EsoSecretStore(scope, 'secret-store', {
        gate,
        kind: tenant.store.kind,
        name: tenant.store.name,
        namespace: tenant.store.kind === 'SecretStore' ? tenant.namespace : undefined,
        vaultServer: config.vault.address,
        vaultNamespace: config.vault.namespace,
        kvMountPath: kv.mountPath,
        auth: this.storeAuth(
          config,
          tenant,
          login,
          roles.get(tenant.name)!,
          accounts.get(tenant.name)!,
        ),
        allowedNamespaces: allowed,
        dependsOn: [
          login.ready,
          roles.get(tenant.name)!.resource,
          ...(sharedBinding ? [sharedBinding] : []),
          ...(accounts.get(tenant.name)!.binding ? [accounts.get(tenant.name)!.binding!] : []),
          ...(isolation === 'shared-store' ? [] : [accounts.get(tenant.name)!.serviceAccount]),
        ],
        readiness,
      });
    const stores = new Map<string, EsoSecretStore>();
    if (isolation === 'shared-store') {
      // Referent authentication: ESO logs in as the account of each ExternalSecret's namespace.
      const shared = storeOf(
        { ...tenants[0], singleChain: false },
        this,
        tenants.map((t) => t.namespace),
      );
      for (const t of tenants) stores.set(t.name, shared);
    } else {
      for (const tenant of tenants)
        stores.set(
          tenant.name,
          storeOf(tenant, tenantScopes.get(tenant.name)!, [tenant.namespace]),
        );
    }

    for (const tenant of tenants) {
      const account = accounts.get(tenant.name)!;
      const store = stores.get(tenant.name)!;
      for (const secret of tenant.secrets) {
        new EsoExternalSecret(
          tenantScopes.get(tenant.name)!,
          `external-secret-${kebabId(secret.name)}`,
          {
            apiVersion: config.eso.apiVersion,
            name: secret.externalSecretName,
            namespace: tenant.namespace,
            store: { kind: store.kind, name: store.name },
            targetSecretName: secret.targetSecretName,
            remoteKey: secret.name,
            refreshInterval: config.eso.refreshInterval,
            dependsOn: [
              store.address,
              kv.secretAddresses.get(secret.name)!,
              ...(account.namespaceAddress ? [account.namespaceAddress] : []),
            ],
            readiness,
          },
        );
      }
    }
    new ReadinessCheck(this, 'eso-ready', {
      gate,
      stores: [...new Set(stores.values())].map((store) => ({
        kind: store.kind,
        name: store.name,
        namespace: store.namespace,
      })),
      externalSecrets: tenants.flatMap((t) =>
        t.secrets.map((s) => ({ namespace: t.namespace, name: s.externalSecretName })),
      ),
      readiness,
    });

    // What the chain rules check the resources against.
    new TerraformLocal(this, DECLARED_TENANTS_LOCAL, {
      isolation,
      tenants: tenants.map((t): DeclaredTenant => ({
        name: t.name,
        namespace: t.namespace,
        service_account: t.serviceAccountName,
        policy: t.policyName,
        role: t.roleName,
        secrets: t.secrets.map((s) => s.name),
        shared: t.secrets.filter((s) => s.shared === true).map((s) => s.name),
      })),
    }).overrideLogicalId(DECLARED_TENANTS_LOCAL);

    this.node.addValidation(
      new ChainInvariants(() => {
        this.checkedJson = super.toTerraform() as StackJson;
        return this.checkedJson;
      }),
    );
  }

  /** The JSON the chain rules just checked, handed once to the synthesis that follows. */
  private checkedJson?: StackJson;

  /**
   * Synthesis resolves the whole stack right after validating it; reusing the JSON the rules
   * checked saves one full resolve per stack (about a quarter of synth time), and guarantees the
   * written JSON is the one that was checked.
   */
  override toTerraform(): StackJson {
    const checked = this.checkedJson;
    this.checkedJson = undefined;
    return checked ?? (super.toTerraform() as StackJson);
  }

  private configureBackend(config: EnvironmentConfig): void {
    const backend = config.backend;
    if (backend.type === 'local') {
      // Relative to cdktf.out/stacks/<stack>: the state sits in the project root, out of git.
      new LocalBackend(this, { path: `../../../terraform.${config.name}.tfstate` });
      return;
    }
    const cloud = new CloudBackend(this, {
      organization: backend.organization,
      hostname: backend.hostname,
      workspaces:
        backend.workspace !== undefined
          ? new NamedCloudWorkspace(backend.workspace)
          : new TaggedCloudWorkspaces([...(backend.tags ?? [])]),
    });
    withoutBinaryVersionCheck(cloud);
  }

  /**
   * Requires the Terraform version that has ephemeral resources and write-only arguments, and
   * exactly the provider versions the lab builds and tests (common/versions.sh).
   */
  private pinVersions(): void {
    this.addOverride('terraform.required_version', requiredTerraformVersion());
    for (const [name, version] of Object.entries(providerVersions())) {
      this.addOverride(`terraform.required_providers.${name}.version`, version);
    }
  }

  /** A secret's first values: placeholders, or a write-only variable of its own. */
  private secretInput(config: EnvironmentConfig, secret: TenantSecret): KvV2SecretInput {
    if (config.secretValues === 'placeholder')
      return {
        name: secret.name,
        values: { kind: 'placeholder', pairs: secret.placeholder ?? {} },
      };
    const variable = secretValuesVariableName(secret.name);
    this.sensitiveVariable(
      variable,
      'map(string)',
      `Key/value pairs of the Vault secret "${secret.name}", written write-only.`,
    );
    return {
      name: secret.name,
      values: {
        kind: 'write-only',
        json: `\${jsonencode(var.${variable})}`,
        version: secret.writeOnlyVersion ?? 1,
      },
    };
  }

  /** How a tenant's store logs in to Vault. */
  private storeAuth(
    config: EnvironmentConfig,
    tenant: ResolvedTenant,
    login: VaultLogin,
    role: LoginRole,
    account: VaultAuthServiceAccount,
  ): StoreAuth {
    if (config.eso.storeAuth === 'token')
      return {
        method: 'token',
        secretName: 'vault-token',
        secretNamespace: account.namespace,
        token: this.sensitiveVariable(
          VARIABLES.esoVaultToken,
          'string',
          'Vault token ESO uses (store auth "token").',
        ).stringValue,
      };
    return {
      method: login.method,
      mountPath: login.path,
      role: role.name,
      serviceAccount: {
        name: account.name,
        // A SecretStore logs in from its own namespace; the shared ClusterSecretStore from the
        // ExternalSecret's (referent); a single chain's ClusterSecretStore from its account's.
        namespace:
          tenant.store.kind === 'ClusterSecretStore' && tenant.singleChain
            ? account.namespace
            : undefined,
        audiences: [config.kubernetes.tokenAudience],
      },
    };
  }

  /** A sensitive, ephemeral input: its value reaches neither `cdktf.out` nor the state. */
  private sensitiveVariable(name: string, type: string, description: string): TerraformVariable {
    const variable = new TerraformVariable(this, name, {
      type,
      description,
      sensitive: true,
      nullable: false,
    });
    variable.addOverride('ephemeral', true);
    return variable;
  }
}
