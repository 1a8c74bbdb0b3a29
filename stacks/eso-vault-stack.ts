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
  teamOfStack,
  teamStackName,
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
import { VaultAuthAt } from '../constructs/vault-auth-at';
import { VaultJwtAuth, jwtRole } from '../constructs/vault-jwt-auth';
import type { LoginRole, VaultLogin } from '../constructs/vault-login';
import { VaultKubernetesAuth, kubernetesRole } from '../constructs/vault-kubernetes-auth';
import {
  type ResolvedTenant,
  type TenantSecret,
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
import type { EnvironmentChain } from './environment-chain';
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
  /**
   * Which part of the environment this stack holds: all of it, or (an environment with team
   * files) what the teams share, or one team's objects.
   * @default 'whole'
   */
  readonly part?: StackPart;
  /**
   * The chain rules of the environment's stacks, run once over all of them (team files); a stack
   * of a whole environment checks itself.
   * @default the stack's own check
   */
  readonly chain?: EnvironmentChain;
}

/**
 * The part of an environment a stack holds: the whole environment (no team files), or, beside
 * the stacks of its team files, what the teams share (`shared`: providers, mount, auth method,
 * the shared store design's grant and store), or one team's objects (`team`).
 */
export type StackPart =
  | { readonly kind: 'whole' }
  | { readonly kind: 'shared' }
  | { readonly kind: 'team'; readonly team: string };

const WHOLE: StackPart = { kind: 'whole' };

/** The tenants whose own objects a stack of `part` holds. */
function ownTenants(tenants: readonly ResolvedTenant[], part: StackPart): ResolvedTenant[] {
  if (part.kind === 'whole') return [...tenants];
  return part.kind === 'team' ? tenants.filter((t) => t.name === part.team) : [];
}

/**
 * Secrets leaving this stack's part of the mount: retired (forgotten, or purged on request) and
 * moved away. The environment's retired secrets leave its own stack; a team's, the team's.
 */
function leavingSecrets(
  config: EnvironmentConfig,
  own: readonly ResolvedTenant[],
  part: StackPart,
): LeavingSecret[] {
  const mount = config.vault.kvMount.path;
  const moved = own
    .flatMap((t) => t.secrets)
    .flatMap((s) =>
      s.movedFrom ? [{ name: s.movedFrom.name, mount: s.movedFrom.mount ?? mount }] : [],
    );
  const retired = [
    ...(part.kind === 'team' ? [] : (config.retiredSecrets ?? [])),
    ...own.flatMap((t) => t.retiredSecrets),
  ];
  return [...retired.map(retiredEntry), ...moved];
}

/** A tenant's account by its names, for objects of the environment's stack that bind it. */
function namedAccount(tenant: ResolvedTenant): Account {
  return { namespace: tenant.namespace, name: tenant.serviceAccountName };
}

/**
 * A team's service account: built in this stack, or, for what the environment's stack shares
 * between teams whose accounts are in their own stacks, named only.
 */
type Account = Pick<VaultAuthServiceAccount, 'namespace' | 'name'> &
  Partial<
    Pick<
      VaultAuthServiceAccount,
      'serviceAccount' | 'namespaceAddress' | 'binding' | 'reviewerToken'
    >
  >;

/** A store ExternalSecrets read through: built here, or another stack's (no address here). */
interface StoreRef {
  readonly kind: EsoSecretStore['kind'];
  readonly name: string;
  readonly namespace?: string;
  readonly address?: string;
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
  readonly account: Account;
}
interface GrantedTeam extends Team {
  readonly role: LoginRole;
}
interface ServedTeam extends GrantedTeam {
  readonly store: StoreRef;
}

/** What a cluster's later steps share: where they go, the login method, the readiness wait. */
interface ChainParts {
  readonly config: EnvironmentConfig;
  readonly site: ClusterSite;
  readonly login: VaultLogin;
  /** Tenants' shared auth-delegator binding (kubernetes method with tenants). */
  readonly sharedBinding?: ITerraformDependable;
  readonly readiness: Readiness;
  /** The part of the environment this stack holds. */
  readonly part: StackPart;
  /** Every tenant of the environment (this stack's own are the teams it builds). */
  readonly tenants: readonly ResolvedTenant[];
}

/** What one cluster's part of the chain is built from. */
interface ClusterChainInputs {
  readonly config: EnvironmentConfig;
  readonly site: ClusterSite;
  /** The part of the environment the stack holds. */
  readonly part: StackPart;
  /** Every tenant of the environment. */
  readonly tenants: readonly ResolvedTenant[];
  /** The tenants whose own objects the stack holds. */
  readonly own: readonly ResolvedTenant[];
  readonly kv: KvV2Secrets;
  readonly database: DatabaseSecretsEngine | undefined;
  /** The stack's name: the environment's, or `<environment>--<team>`. */
  readonly stackName: string;
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
    const part = props.part ?? WHOLE;
    this.configureBackend(config, id);
    this.pinVersions();
    const clusters = clustersOf(config);
    const sites =
      clusters === undefined
        ? [this.providers(config)]
        : clusters.map((c) => clusterSite(this, config, c));
    this.vaultProvider(config);
    const tenants = tenantsOf(config);
    const own = ownTenants(tenants, part);
    const kv = this.secrets(
      config,
      own,
      part,
      props.ledger ?? { environment: config.name, entries: [] },
    );
    // Team files and `clusters` are refused together (the validator): a stack of a part of an
    // environment has the one cluster, at its root.
    const database = part.kind === 'team' ? undefined : this.databaseEngine(config, tenants);
    // One cluster's part of the chain each: its accounts, auth method, roles, stores, ExternalSecrets.
    for (const site of sites) {
      this.clusterChain({ config, site, part, tenants, own, kv, database, stackName: id });
      settleClusterSite(site);
    }
    this.declareTenants(config, own);
    this.declareSync(config, own);
    if (clusters !== undefined) declareClusters(this, clusters);
    const render = () => {
      this.checkedJson = super.toTerraform() as StackJson;
      return this.checkedJson;
    };
    this.node.addValidation(
      props.chain ? props.chain.add(id, render) : new ChainInvariants(render),
    );
  }

  /**
   * One cluster's part of the chain: each team's account, the auth method, roles and stores, the
   * ExternalSecrets and generators, the readiness check. The policies and secrets are the stack's.
   */
  private clusterChain(chain: ClusterChainInputs): void {
    const { config, site, part, tenants, own, kv, database } = chain;
    const teams = this.accounts(config, site, own);
    // What the environment's stack shares between teams names accounts of their stacks.
    const accounts =
      part.kind === 'shared' ? tenants.map(namedAccount) : teams.map((t) => t.account);
    const parts: ChainParts = {
      config,
      site,
      part,
      tenants,
      sharedBinding:
        part.kind === 'team' ? undefined : this.sharedAuthDelegatorBinding(config, site, accounts),
      login: part.kind === 'team' ? this.loginOfEnvironment(site) : this.loginMethod(site, teams),
      // Said wherever the chain may break: the doctor walks it link by link.
      readiness: {
        diagnose:
          part.kind === 'team'
            ? opsCommand('doctor', config.name, '--team', part.team)
            : `npm run doctor -- --env ${config.name}`,
        timeout: config.eso.readyTimeout ?? DEFAULTS.readyTimeout,
      },
    };
    const gate = new EsoApiGate(site.scope, 'eso-api', config.eso.apiVersion);
    const { served, stores } = this.grantAndServe(parts, teams, gate, kv.mountPath);
    const guard = this.takeoverGuard(site.scope, config, own, chain.stackName);
    this.externalSecrets(parts, served, kv, guard);
    if (database) this.dynamicSecrets(parts, served, database);
    this.readinessCheck(parts, served, stores, gate);
  }

  /** Built and listed in the manifest only: synthesis was narrowed to other stacks. */
  private listedOnly = false;

  /**
   * Leaves this stack out of a narrowed synthesis (`npm run diff -- --team`): it is still built
   * and rendered for the environment's chain rules, and listed in the manifest (the tools read
   * the environment's stacks there), but neither prepared, validated on its own nor written;
   * its directory keeps what an earlier synthesis wrote.
   */
  listOnly(): this {
    this.listedOnly = true;
    this.synthesizer = { synthesize: (session) => void session.manifest.forStack(this) };
    return this;
  }

  /** cdktf's preparing resolve (for cross-stack references, which no stack here makes). */
  override prepareStack(): void {
    if (!this.listedOnly) super.prepareStack();
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
    part: StackPart,
    ledger: Ledger,
  ): KvV2Secrets {
    return new KvV2Secrets(this, 'kv', {
      mountPath: config.vault.kvMount.path,
      manageMount: config.vault.kvMount.managed,
      // A team's stack writes its secrets into the environment's mount.
      mountElsewhere: part.kind === 'team' || undefined,
      allowMountDestroy: config.vault.kvMount.allowDestroy,
      purgeOnDestroy: config.vault.kvMount.purgeSecretsOnDestroy,
      // Folder markers keep the environment's name: a team's stack takes over its markers.
      stackName: config.name,
      leaving: leavingSecrets(config, tenants, part),
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
    accounts: readonly Account[],
  ): ITerraformDependable | undefined {
    if (config.tenants === undefined || site.authMethod !== 'kubernetes') return undefined;
    return authDelegatorBinding(
      site.scope,
      'auth-delegator',
      config.kubernetes.clusterRoleBindingName,
      accounts.map((a) => ({ namespace: a.namespace, serviceAccountName: a.name })),
    );
  }

  /** A team's stack: the environment's auth method, by its path (its roles are the team's). */
  private loginOfEnvironment(site: ClusterSite): VaultLogin {
    const path = site.authPath;
    return site.authMethod === 'kubernetes'
      ? new VaultAuthAt(site.scope, 'kubernetes-auth', 'kubernetes', path, kubernetesRole)
      : new VaultAuthAt(site.scope, 'jwt-auth', 'jwt', path, jwtRole);
  }

  /** A cluster's Vault auth method: kubernetes (TokenReview) or jwt (OIDC keys). */
  private loginMethod(site: ClusterSite, teams: readonly Team[]): VaultLogin {
    const { lookup } = site;
    if (site.authMethod === 'kubernetes')
      return new VaultKubernetesAuth(site.scope, 'kubernetes-auth', {
        path: site.authPath,
        kubernetesHost: lookup.endpoint,
        kubernetesCaPem: lookup.caCertificatePem,
        // The environment's stack beside team stacks builds no account of its own.
        reviewerToken: teams[0]?.account.reviewerToken,
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
  ): { served: ServedTeam[]; stores: StoreRef[] } {
    const storeFor = (team: GrantedTeam, scope: Construct, allowed: string[]) =>
      this.store(parts, team, gate, kvMountPath, scope, allowed);
    if (isolationOf(parts.config) === 'shared-store')
      return this.serveShared(parts, teams, storeFor);
    const served = teams.map((team): ServedTeam => {
      const granted: GrantedTeam = { ...team, role: this.ownGrant(parts, team) };
      return { ...granted, store: storeFor(granted, team.scope, [team.tenant.namespace]) };
    });
    return { served, stores: served.map((t) => t.store) };
  }

  /**
   * `shared-store`: one grant and one store for every tenant, in the environment's stack; a
   * team's stack reads through them by name.
   */
  private serveShared(
    parts: ChainParts,
    teams: readonly Team[],
    storeFor: (team: GrantedTeam, scope: Construct, allowed: string[]) => EsoSecretStore,
  ): { served: ServedTeam[]; stores: StoreRef[] } {
    const { config, part } = parts;
    if (part.kind === 'team') {
      const store: StoreRef = { kind: 'ClusterSecretStore', name: config.eso.storeName };
      const role: LoginRole = { name: sharedNames(config).role };
      return { served: teams.map((team) => ({ ...team, role, store })), stores: [] };
    }
    // The environment's stack beside team stacks grants the accounts of every team by name.
    const named: readonly Team[] =
      part.kind === 'shared'
        ? parts.tenants.map((tenant) => {
            const scope = parts.site.scope;
            return { tenant, scope, policyScope: scope, account: namedAccount(tenant) };
          })
        : teams;
    const role = this.sharedGrant(parts, named);
    const granted = named.map((team): GrantedTeam => ({ ...team, role }));
    const shared = storeFor(
      { ...granted[0], tenant: { ...granted[0].tenant, singleChain: false } },
      parts.site.scope,
      named.map((t) => t.tenant.namespace),
    );
    return { served: teams.map((team) => ({ ...team, role, store: shared })), stores: [shared] };
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
        ...(login.ready ? [login.ready] : []),
        ...(role.resource ? [role.resource] : []),
        ...(parts.sharedBinding ? [parts.sharedBinding] : []),
        ...(account.binding ? [account.binding] : []),
        ...(isolationOf(config) === 'shared-store' || !account.serviceAccount
          ? []
          : [account.serviceAccount]),
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
            // A store of another stack (the shared store, beside team stacks) is deployed first.
            ...(store.address ? [store.address] : []),
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
            ...(login.ready ? [login.ready] : []),
            ...(role.resource ? [role.resource] : []),
            ...(account.serviceAccount ? [account.serviceAccount] : []),
            ...(parts.sharedBinding ? [parts.sharedBinding] : []),
            ...(account.binding ? [account.binding] : []),
            ...(account.namespaceAddress ? [account.namespaceAddress] : []),
          ],
          readiness: parts.readiness,
        });
  }

  /** The plan-time warning about stores and ExternalSecrets ESO does not report Ready. */
  private readinessCheck(
    parts: ChainParts,
    teams: readonly ServedTeam[],
    stores: readonly StoreRef[],
    gate: EsoApiGate,
  ): void {
    // The environment's stack beside per-tenant team stacks has none to wait for.
    if (stores.length === 0 && teams.length === 0) return;
    new ReadinessCheck(parts.site.scope, 'eso-ready', {
      gate,
      stores: stores.map((store) => ({
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
    stackName: string,
  ): SecretTakeoverGuard | undefined {
    const targets = tenants.flatMap((t) =>
      t.secrets
        .filter((s) => !s.adoptExistingTarget)
        .map((s) => `${t.namespace}/${s.targetSecretName}`),
    );
    if (targets.length === 0) return undefined;
    const team = teamOfStack(stackName)?.team;
    const file =
      team === undefined
        ? `environments/${config.name}.ts`
        : `environments/teams/${config.teamFiles}/${team}.yaml`;
    return new SecretTakeoverGuard(scope, 'takeover-guard', {
      name: `eks-vault-eso-${stackName}-targets`,
      targets,
      fix: `adopt it with adoptExistingTarget on its secret in ${file} (its value goes to Vault first), or choose another targetSecretName`,
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

  /** The stack's state: a local file named after the stack, or a workspace of its own. */
  private configureBackend(config: EnvironmentConfig, stackName: string): void {
    const backend = config.backend;
    if (backend.type === 'local') {
      // Relative to cdktf.out/stacks/<stack>: the state sits in the project root, out of git.
      new LocalBackend(this, { path: `../../../terraform.${stackName}.tfstate` });
      return;
    }
    // A team's stack: the environment's workspace name with the team's, or one more tag.
    const team = teamOfStack(stackName)?.team;
    const cloud = new CloudBackend(this, {
      organization: backend.organization,
      hostname: backend.hostname,
      workspaces:
        backend.workspace !== undefined
          ? new NamedCloudWorkspace(
              team === undefined ? backend.workspace : teamStackName(backend.workspace, team),
            )
          : new TaggedCloudWorkspaces([...(backend.tags ?? []), ...(team ? [stackName] : [])]),
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
    account: Account,
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
