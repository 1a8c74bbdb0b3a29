import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import {
  type ITerraformDependable,
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
import { KvV2Secrets, type KvV2SecretInput, type LeavingSecret } from '../constructs/kv-v2-secrets';
import { type Ledger, retiredEntry } from '../environments/ledger';
import { DatabaseSecretsEngine } from '../constructs/database-secrets-engine';
import { EsoDynamicSecret } from '../constructs/eso-dynamic-secret';
import { databasePaths } from '../common/chain/database';
import {
  DECLARED_SYNC_LOCAL,
  DECLARED_TENANTS_LOCAL,
  VARIABLES,
  clusterGuardName,
  databaseRootPasswordVariableName,
  kebabId,
  opsCommand,
  secretValuesVariableName,
  tenantScopeId,
} from '../common/names';
import { allowAnyChildId } from '../common/construct-ids';
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
  allSecrets,
  authMethodOf,
  isolationOf,
  sharedNames,
  tenantsOf,
} from '../environments/tenants';
import { DEFAULTS } from '../environments/defaults';
import type { EnvironmentConfig } from '../environments/types';
import { ChainInvariants } from '../rules/chain-invariants';
import {
  type MovedResource,
  MovedResources,
  logicalIdOf,
  movesFromRenamedScope,
  withoutBinaryVersionCheck,
} from '../constructs/terraform-blocks';
import type { DeclaredSync, DeclaredTenant, StackJson } from '../common/stack-json';
import { SecretTakeoverGuard } from '../constructs/secret-takeover-guard';
import { clustersOf } from '../environments/clusters';
import {
  type ClusterSite,
  awsProviderSettings,
  clusterSite,
  declareClusters,
  settleClusterSite,
} from './cluster-sites';

/** Each secret once, though two tenants may share one. */
function uniqueSecrets(tenants: readonly ResolvedTenant[]): TenantSecret[] {
  const byName = new Map<string, TenantSecret>();
  for (const secret of tenants.flatMap((t) => t.secrets))
    if (!byName.has(secret.name)) byName.set(secret.name, secret);
  return [...byName.values()];
}

/** A tenant's dynamic credential paths, `<mount>/creds/<role>` (none without the engine). */
function credentialPaths(config: EnvironmentConfig, tenant: ResolvedTenant): string[] {
  const engine = config.vault.database;
  if (engine === undefined) return [];
  return tenant.databaseCredentials.map(
    (c) => databasePaths(engine.mountPath, { role: c.name }).creds,
  );
}

export interface EsoVaultStackProps {
  /** The environment, already validated by `loadEnvironments` (against its ledger too). */
  readonly config: EnvironmentConfig;
  /**
   * What the environment has deployed (`readLedger`): earlier writers at those names are
   * forgotten, never destroyed.
   * @default an empty ledger (a new environment)
   */
  readonly ledger?: Ledger;
}

/** Secrets leaving this mount: retired (forgotten, or purged on request) and moved away. */
function leavingSecrets(config: EnvironmentConfig): LeavingSecret[] {
  const mount = config.vault.kvMount.path;
  const moved = allSecrets(config).flatMap((s) =>
    s.movedFrom ? [{ name: s.movedFrom.name, mount: s.movedFrom.mount ?? mount }] : [],
  );
  return [...(config.retiredSecrets ?? []).map(retiredEntry), ...moved];
}

/**
 * One team's part of the chain, one record per tenant (a single chain is one tenant), completed
 * as the stack is built: its account, then the role it logs in with, then the store it reads
 * through.
 */
interface Team {
  readonly tenant: ResolvedTenant;
  /**
   * Where its resources live: the stack itself for a single chain (so its Terraform addresses
   * are the ones it always had), `tenant-<name>` otherwise.
   */
  readonly scope: Construct;
  /** Where its policy lives: the same scope, except with several clusters (the stack's `tenant-<name>`). */
  readonly policyScope: Construct;
  readonly account: VaultAuthServiceAccount;
}
interface GrantedTeam extends Team {
  readonly role: LoginRole;
}
interface ServedTeam extends GrantedTeam {
  readonly store: EsoSecretStore;
}

/** What a cluster's later steps share: where they go, the login method, the readiness wait. */
interface ChainParts {
  readonly config: EnvironmentConfig;
  readonly site: ClusterSite;
  readonly login: VaultLogin;
  /** Tenants' shared auth-delegator binding (kubernetes method with tenants). */
  readonly sharedBinding?: ITerraformDependable;
  readonly readiness: Readiness;
}

/**
 * One environment as one Terraform graph: EKS lookups -> Kubernetes service account and binding
 * -> Vault policy, secrets, kubernetes auth and role -> ESO store and ExternalSecrets. The stack
 * owns the providers and the backend; the constructs only declare resources. The constructor
 * reads as the chain's table of contents; the isolation design is chosen once, in
 * `grantAndServe`.
 */
export class EsoVaultStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: EsoVaultStackProps) {
    // The stack's id is the environment's name, which may be "constructor".
    super(allowAnyChildId(scope), id);
    const { config } = props;
    this.configureBackend(config);
    this.pinVersions();
    const clusters = clustersOf(config);
    const sites =
      clusters === undefined
        ? [this.providers(config)]
        : clusters.map((c) => clusterSite(this, config, c));
    this.vaultProvider(config);
    const tenants = tenantsOf(config);
    const kv = this.secrets(
      config,
      tenants,
      props.ledger ?? { environment: config.name, entries: [] },
    );
    const database = this.databaseEngine(config, tenants);
    // One cluster's part of the chain each: its accounts, auth method, roles, stores, ExternalSecrets.
    for (const site of sites) {
      this.clusterChain(config, site, tenants, kv, database);
      settleClusterSite(site);
    }
    this.declareTenants(config, tenants);
    this.declareSync(config, tenants);
    if (clusters !== undefined) declareClusters(this, clusters);
    this.node.addValidation(
      new ChainInvariants(() => {
        this.checkedJson = super.toTerraform() as StackJson;
        return this.checkedJson;
      }),
    );
  }

  /**
   * One cluster's part of the chain: each team's account, the auth method, roles and stores, the
   * ExternalSecrets and generators, the readiness check. The policies and secrets are the stack's.
   */
  private clusterChain(
    config: EnvironmentConfig,
    site: ClusterSite,
    tenants: readonly ResolvedTenant[],
    kv: KvV2Secrets,
    database: DatabaseSecretsEngine | undefined,
  ): void {
    const teams = this.accounts(config, site, tenants);
    const parts: ChainParts = {
      config,
      site,
      sharedBinding: this.sharedAuthDelegatorBinding(config, site, teams),
      login: this.loginMethod(site, teams),
      // Said wherever the chain may break: the doctor walks it link by link.
      readiness: {
        diagnose: `npm run doctor -- --env ${config.name}`,
        timeout: config.eso.readyTimeout ?? DEFAULTS.readyTimeout,
      },
    };
    const gate = new EsoApiGate(site.scope, 'eso-api', config.eso.apiVersion);
    const served = this.grantAndServe(parts, teams, gate, kv.mountPath);
    this.externalSecrets(parts, served, kv, this.takeoverGuard(site.scope, config, tenants));
    if (database) this.dynamicSecrets(parts, served, database);
    this.readinessCheck(parts, served, gate);
  }

  /** Each team's policy name, once per stack (several clusters share one set of policies). */
  private readonly policyNames = new Map<string, string>();

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

  /**
   * The one cluster of an environment without `clusters`: the AWS provider and the EKS lookup,
   * which feed the Kubernetes provider, all at the stack's root.
   */
  private providers(config: EnvironmentConfig): ClusterSite {
    new AwsProvider(this, 'aws', awsProviderSettings(config, config.aws.region));
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
    return {
      scope: this,
      lookup: cluster,
      authPath: config.vault.authPath,
      authMethod: authMethodOf(config),
      jwtIssuerCa: config.vault.jwtIssuerCa,
      tokenAudience: config.kubernetes.tokenAudience,
    };
  }

  /** The Vault provider: address and namespace per environment; the token from VAULT_TOKEN. */
  private vaultProvider(config: EnvironmentConfig): void {
    new VaultProvider(this, 'vault', {
      address: config.vault.address,
      namespace: config.vault.namespace,
      vaultVersionOverride: config.vault.versionOverride,
      skipGetVaultVersion: config.vault.versionOverride !== undefined || undefined,
    });
  }

  /** The KV mount and every tenant's secrets (seeded once, never owned). */
  private secrets(
    config: EnvironmentConfig,
    tenants: readonly ResolvedTenant[],
    ledger: Ledger,
  ): KvV2Secrets {
    return new KvV2Secrets(this, 'kv', {
      mountPath: config.vault.kvMount.path,
      manageMount: config.vault.kvMount.managed,
      allowMountDestroy: config.vault.kvMount.allowDestroy,
      purgeOnDestroy: config.vault.kvMount.purgeSecretsOnDestroy,
      stackName: config.name,
      leaving: leavingSecrets(config),
      deployedNames: ledger.entries
        .filter((e) => e.mount === config.vault.kvMount.path)
        .map((e) => e.secret),
      secrets: uniqueSecrets(tenants).map((secret) => this.secretInput(config, secret)),
    });
  }

  /** Each team's scope in a cluster and the service account ESO logs in as (with its namespace). */
  private accounts(
    config: EnvironmentConfig,
    site: ClusterSite,
    tenants: readonly ResolvedTenant[],
  ): Team[] {
    const method = site.authMethod;
    return tenants.map((tenant, index): Team => {
      const scope = tenant.singleChain
        ? site.scope
        : new Construct(site.scope, tenantScopeId(tenant.name));
      const account = new VaultAuthServiceAccount(scope, 'service-account', {
        namespace: tenant.namespace,
        manageNamespace: tenant.manageNamespace,
        allowNamespaceDestroy: tenant.allowNamespaceDestroy,
        // Each tenant's guard names its own key, and is named after the tenant (not its place
        // in the list, so reordering tenants replaces nothing) and its cluster.
        allowNamespaceDestroyKey: this.namespaceGuardKey(site, tenant, index),
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
                  config.vault.reviewerTokenTtlSeconds ?? DEFAULTS.reviewerTokenTtlSeconds,
                version: config.vault.reviewerTokenVersion ?? DEFAULTS.firstVersion,
              }
            : undefined,
      });
      return { tenant, scope, policyScope: this.policyScope(site, tenant, scope), account };
    });
  }

  /** The key a namespace guard names, and the guard's name (unique per cluster). */
  private namespaceGuardKey(
    site: ClusterSite,
    tenant: ResolvedTenant,
    index: number,
  ): { key: string; guardName?: string } | undefined {
    const own = tenant.singleChain
      ? { key: 'kubernetes.allowNamespaceDestroy' }
      : {
          key: `tenants[${index}].allowNamespaceDestroy (tenant "${tenant.name}")`,
          guardName: `tenant-${tenant.name}-allowNamespaceDestroy`,
        };
    if (site.cluster === undefined) return tenant.singleChain ? undefined : own;
    return { ...own, guardName: clusterGuardName(site.cluster.name, own.guardName ?? own.key) };
  }

  /** Where a team's policy lives: its scope, or the stack's when clusters share the policies. */
  private policyScope(site: ClusterSite, tenant: ResolvedTenant, scope: Construct): Construct {
    if (site.scope === this) return scope;
    if (tenant.singleChain) return this;
    const id = tenantScopeId(tenant.name);
    return this.node.tryFindChild(id) ?? new Construct(this, id);
  }

  /** Tenants share one auth-delegator binding (a single chain has its own; jwt needs none). */
  private sharedAuthDelegatorBinding(
    config: EnvironmentConfig,
    site: ClusterSite,
    teams: readonly Team[],
  ): ITerraformDependable | undefined {
    if (config.tenants === undefined || site.authMethod !== 'kubernetes') return undefined;
    return authDelegatorBinding(
      site.scope,
      'auth-delegator',
      config.kubernetes.clusterRoleBindingName,
      teams.map((t) => ({ namespace: t.account.namespace, serviceAccountName: t.account.name })),
    );
  }

  /** A cluster's Vault auth method: kubernetes (TokenReview) or jwt (OIDC keys). */
  private loginMethod(site: ClusterSite, teams: readonly Team[]): VaultLogin {
    const { lookup } = site;
    if (site.authMethod === 'kubernetes')
      return new VaultKubernetesAuth(site.scope, 'kubernetes-auth', {
        path: site.authPath,
        kubernetesHost: lookup.endpoint,
        kubernetesCaPem: lookup.caCertificatePem,
        reviewerToken: teams[0].account.reviewerToken,
      });
    return new VaultJwtAuth(site.scope, 'jwt-auth', {
      path: site.authPath,
      issuer: lookup.oidcIssuer,
      issuerCaPem: site.jwtIssuerCa === 'cluster' ? lookup.caCertificatePem : undefined,
    });
  }

  /**
   * The isolation design, chosen here once: `shared-store` gives every team one templated policy,
   * one role and one ClusterSecretStore (referent authentication); `per-tenant` (and a single
   * chain) gives each team its own policy, role and store.
   */
  private grantAndServe(
    parts: ChainParts,
    teams: readonly Team[],
    gate: EsoApiGate,
    kvMountPath: string,
  ): ServedTeam[] {
    const storeFor = (team: GrantedTeam, scope: Construct, allowed: string[]) =>
      this.store(parts, team, gate, kvMountPath, scope, allowed);
    if (isolationOf(parts.config) === 'shared-store') {
      const role = this.sharedGrant(parts, teams);
      const granted = teams.map((team): GrantedTeam => ({ ...team, role }));
      const shared = storeFor(
        { ...granted[0], tenant: { ...granted[0].tenant, singleChain: false } },
        parts.site.scope,
        teams.map((t) => t.tenant.namespace),
      );
      return granted.map((team) => ({ ...team, store: shared }));
    }
    return teams.map((team) => {
      const granted: GrantedTeam = { ...team, role: this.ownGrant(parts, team) };
      return { ...granted, store: storeFor(granted, team.scope, [team.tenant.namespace]) };
    });
  }

  /** `shared-store`: one templated policy and one role for every tenant namespace. */
  private sharedGrant(parts: ChainParts, teams: readonly Team[]): LoginRole {
    const names = sharedNames(parts.config);
    const policy = new NamespacePrefixPolicy(this, 'policy', {
      name: names.policy,
      mountPath: parts.config.vault.kvMount.path,
      authAccessor: parts.login.accessor,
    });
    return parts.login.addRole(parts.site.scope, 'role', {
      ...this.roleTtls(parts),
      name: names.role,
      bindings: teams.map((t) => ({
        namespace: t.tenant.namespace,
        serviceAccountName: t.tenant.serviceAccountName,
      })),
      policies: [policy.policyName],
    });
  }

  /** `per-tenant` (and a single chain): the team's own policy of exact paths and its own role. */
  private ownGrant(parts: ChainParts, team: Team): LoginRole {
    const { tenant, scope } = team;
    // A single chain's role keeps its place under the auth method.
    return parts.login.addRole(tenant.singleChain ? parts.login : scope, 'role', {
      ...this.roleTtls(parts),
      name: tenant.roleName,
      // Literal names: a jwt role spells them into its subject, which rules must read.
      bindings: [{ namespace: tenant.namespace, serviceAccountName: tenant.serviceAccountName }],
      policies: [this.readPolicy(parts.config, team)],
    });
  }

  /** The team's policy of exact paths, written once however many clusters read through it. */
  private readPolicy(config: EnvironmentConfig, team: Team): string {
    const { tenant } = team;
    let name = this.policyNames.get(tenant.name);
    if (name === undefined) {
      name = new SecretReadPolicy(team.policyScope, 'policy', {
        name: tenant.policyName,
        mountPath: config.vault.kvMount.path,
        secrets: tenant.secrets,
        credentialPaths: credentialPaths(config, tenant),
      }).policyName;
      this.policyNames.set(tenant.name, name);
    }
    return name;
  }

  private roleTtls(parts: ChainParts) {
    return {
      audience: parts.site.tokenAudience,
      tokenTtlSeconds: parts.config.vault.tokenTtlSeconds,
      tokenMaxTtlSeconds: parts.config.vault.tokenMaxTtlSeconds,
    };
  }

  /** A team's store, after everything its first login needs. */
  private store(
    parts: ChainParts,
    team: GrantedTeam,
    gate: EsoApiGate,
    kvMountPath: string,
    scope: Construct,
    allowedNamespaces: string[],
  ): EsoSecretStore {
    const { config, login } = parts;
    const { tenant, account, role } = team;
    return new EsoSecretStore(scope, 'secret-store', {
      gate,
      kind: tenant.store.kind,
      name: tenant.store.name,
      namespace: tenant.store.kind === 'SecretStore' ? tenant.namespace : undefined,
      vaultServer: config.vault.address,
      vaultNamespace: config.vault.namespace,
      kvMountPath,
      auth: this.storeAuth(parts, tenant, role, account),
      allowedNamespaces,
      dependsOn: [
        login.ready,
        role.resource,
        ...(parts.sharedBinding ? [parts.sharedBinding] : []),
        ...(account.binding ? [account.binding] : []),
        ...(isolationOf(config) === 'shared-store' ? [] : [account.serviceAccount]),
      ],
      readiness: parts.readiness,
    });
  }

  /**
   * One ExternalSecret per secret of each team, after its store, its secret and its namespace.
   * Its address follows the Kubernetes object (its name), not the Vault secret, so a secret that
   * moves in Vault keeps its ExternalSecret; earlier versions addressed it by the Vault name, and
   * a `moved` block carries those over.
   */
  private externalSecrets(
    parts: ChainParts,
    teams: readonly ServedTeam[],
    kv: KvV2Secrets,
    guard: SecretTakeoverGuard | undefined,
  ): void {
    const moves: MovedResource[] = [];
    for (const { tenant, scope, account, store } of teams) {
      const idOf = (name: string) => `external-secret-${kebabId(name)}`;
      const ids = new Set(tenant.secrets.map((s) => idOf(s.externalSecretName)));
      // A renamed tenant's earlier addresses are under its earlier name (the rename's own moves
      // then carry them to the new one: moves chain).
      const above = tenant.singleChain ? [] : [tenantScopeId(tenant.renamedFrom ?? tenant.name)];
      for (const secret of tenant.secrets) {
        const externalSecret = new EsoExternalSecret(scope, idOf(secret.externalSecretName), {
          apiVersion: parts.config.eso.apiVersion,
          name: secret.externalSecretName,
          namespace: tenant.namespace,
          store: { kind: store.kind, name: store.name },
          targetSecretName: secret.targetSecretName,
          remoteKey: secret.name,
          refreshInterval: parts.config.eso.refreshInterval,
          dependsOn: [
            store.address,
            kv.secretAddresses.get(secret.name)!,
            ...(account.namespaceAddress ? [account.namespaceAddress] : []),
            ...(guard ? [guard.address] : []),
          ],
          readiness: parts.readiness,
        });
        // Where an earlier version put it; an id another ExternalSecret now has is left alone.
        // (Earlier versions had one cluster: a cluster's scope has no such addresses.)
        const earlier = idOf(secret.name);
        if (!ids.has(earlier) && parts.site.cluster === undefined)
          moves.push({
            from: `kubernetes_manifest.${logicalIdOf([...above, earlier, 'external-secret'])}`,
            to: tenant.renamedFrom
              ? `kubernetes_manifest.${logicalIdOf([...above, idOf(secret.externalSecretName), 'external-secret'])}`
              : externalSecret.address,
          });
      }
    }
    new MovedResources(parts.site.scope, 'external-secrets-by-object', moves);
    // A renamed tenant's objects follow it to their new addresses (with clusters, refused by the
    // validator: a cluster's scope has none to move).
    new MovedResources(
      parts.site.scope,
      'renamed-tenants',
      teams.flatMap(({ tenant, scope }) =>
        tenant.renamedFrom ? movesFromRenamedScope(scope, tenantScopeId(tenant.renamedFrom)) : [],
      ),
    );
  }

  /** Vault's database secrets engine: its connections and every tenant's roles. */
  private databaseEngine(
    config: EnvironmentConfig,
    tenants: readonly ResolvedTenant[],
  ): DatabaseSecretsEngine | undefined {
    const engine = config.vault.database;
    if (engine === undefined) return undefined;
    return new DatabaseSecretsEngine(this, 'database', {
      mountPath: engine.mountPath,
      allowDestroy: engine.allowDestroy,
      connections: engine.connections.map((connection) => ({
        ...connection,
        rootPassword: this.sensitiveVariable(
          databaseRootPasswordVariableName(connection.name),
          'string',
          `First password of the database user "${connection.username}" of connection "${connection.name}", written write-only; Vault rotates it right after.`,
        ).stringValue,
        rootPasswordVersion: connection.rootPasswordVersion ?? DEFAULTS.firstVersion,
      })),
      roles: tenants.flatMap((t) => t.databaseCredentials),
    });
  }

  /** Each team's dynamic credentials: a generator logging in as the team, and its ExternalSecret. */
  private dynamicSecrets(
    parts: ChainParts,
    teams: readonly ServedTeam[],
    database: DatabaseSecretsEngine,
  ): void {
    const { config, login } = parts;
    for (const { tenant, scope, account, role } of teams)
      for (const credential of tenant.databaseCredentials)
        new EsoDynamicSecret(scope, `dynamic-secret-${kebabId(credential.name)}`, {
          apiVersion: config.eso.apiVersion,
          name: credential.externalSecretName,
          namespace: tenant.namespace,
          vaultServer: config.vault.address,
          vaultNamespace: config.vault.namespace,
          path: databasePaths(config.vault.database!.mountPath, { role: credential.name }).creds,
          auth: {
            method: login.method,
            mountPath: login.path,
            role: role.name,
            serviceAccount: { name: account.name, audiences: [parts.site.tokenAudience] },
          },
          targetSecretName: credential.targetSecretName,
          refreshInterval: credential.refreshInterval,
          dependsOn: [
            database.roleAddresses.get(credential.name)!,
            login.ready,
            role.resource,
            account.serviceAccount,
            ...(parts.sharedBinding ? [parts.sharedBinding] : []),
            ...(account.binding ? [account.binding] : []),
            ...(account.namespaceAddress ? [account.namespaceAddress] : []),
          ],
          readiness: parts.readiness,
        });
  }

  /** The plan-time warning about stores and ExternalSecrets ESO does not report Ready. */
  private readinessCheck(parts: ChainParts, teams: readonly ServedTeam[], gate: EsoApiGate): void {
    new ReadinessCheck(parts.site.scope, 'eso-ready', {
      gate,
      stores: [...new Set(teams.map((t) => t.store))].map((store) => ({
        kind: store.kind,
        name: store.name,
        namespace: store.namespace,
      })),
      externalSecrets: teams.flatMap(({ tenant }) =>
        [...tenant.secrets, ...tenant.databaseCredentials].map((s) => ({
          namespace: tenant.namespace,
          name: s.externalSecretName,
        })),
      ),
      readiness: parts.readiness,
    });
  }

  /**
   * The in-cluster guard that keeps ESO from taking over a Secret it did not create: every
   * target but those the environment adopts.
   */
  private takeoverGuard(
    scope: Construct,
    config: EnvironmentConfig,
    tenants: readonly ResolvedTenant[],
  ): SecretTakeoverGuard | undefined {
    const targets = tenants.flatMap((t) =>
      t.secrets
        .filter((s) => !s.adoptExistingTarget)
        .map((s) => `${t.namespace}/${s.targetSecretName}`),
    );
    if (targets.length === 0) return undefined;
    return new SecretTakeoverGuard(scope, 'takeover-guard', {
      name: `eks-vault-eso-${config.name}-targets`,
      targets,
      fix: `adopt it with adoptExistingTarget on its secret in environments/${config.name}.ts (its value goes to Vault first), or choose another targetSecretName`,
    });
  }

  /** What the stack syncs, for the ledger, the deploy command and the chain rules. */
  private declareSync(config: EnvironmentConfig, tenants: readonly ResolvedTenant[]): void {
    const mount = config.vault.kvMount.path;
    new TerraformLocal(this, DECLARED_SYNC_LOCAL, {
      entries: tenants.flatMap((t) =>
        t.secrets.map((s): DeclaredSync => ({
          mount,
          secret: s.name,
          ...(t.singleChain ? {} : { tenant: t.name }),
          namespace: t.namespace,
          external_secret: s.externalSecretName,
          target: s.targetSecretName,
          ...(s.movedFrom
            ? { moved_from: { mount: s.movedFrom.mount ?? mount, name: s.movedFrom.name } }
            : {}),
          ...(s.adoptExistingTarget ? { adopts_target: true } : {}),
        })),
      ),
    }).overrideLogicalId(DECLARED_SYNC_LOCAL);
  }

  /** What the chain rules check the resources against. */
  private declareTenants(config: EnvironmentConfig, tenants: readonly ResolvedTenant[]): void {
    new TerraformLocal(this, DECLARED_TENANTS_LOCAL, {
      isolation: isolationOf(config),
      tenants: tenants.map((t): DeclaredTenant => ({
        name: t.name,
        namespace: t.namespace,
        service_account: t.serviceAccountName,
        policy: t.policyName,
        role: t.roleName,
        secrets: t.secrets.map((s) => s.name),
        shared: t.secrets.filter((s) => s.shared === true).map((s) => s.name),
        // Only when there are any: environments without them keep their JSON as it was.
        ...(t.databaseCredentials.length > 0
          ? { database_credentials: credentialPaths(config, t) }
          : {}),
      })),
    }).overrideLogicalId(DECLARED_TENANTS_LOCAL);
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

  /**
   * A secret's first values: placeholders, a write-only variable of its own, or (placeholder mode,
   * moved or adopted) nothing: the value arrives from the old path or the adopted Secret.
   */
  private secretInput(config: EnvironmentConfig, secret: TenantSecret): KvV2SecretInput {
    if (config.secretValues === 'placeholder' && (secret.movedFrom || secret.adoptExistingTarget)) {
      const tool = secret.movedFrom ? 'move-secret' : 'adopt-secret';
      return {
        name: secret.name,
        values: {
          kind: 'arrives',
          before: `run \`${opsCommand(tool, config.name, '--secret', secret.name)}\` (npm run deploy runs it for you)`,
        },
      };
    }
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
        version: secret.writeOnlyVersion ?? DEFAULTS.firstVersion,
      },
    };
  }

  /** How a tenant's store logs in to Vault. */
  private storeAuth(
    parts: ChainParts,
    tenant: ResolvedTenant,
    role: LoginRole,
    account: VaultAuthServiceAccount,
  ): StoreAuth {
    const { config, login } = parts;
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
        audiences: [parts.site.tokenAudience],
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
