/**
 * The shape of one environment's configuration. Every environment file in this folder exports one
 * `EnvironmentConfig`; `loadEnvironments` validates them all at once before anything is built.
 * Differences between environments are keys here, never conditions in the constructs.
 */
import type { DatabaseRoleSpec } from '../common/chain/database';

/** How the Kubernetes provider authenticates to the cluster. */
export type KubernetesAuthMode =
  /**
   * The ephemeral `aws_eks_cluster_auth`: a 15-minute token made at plan and again at apply,
   * never written to the plan or the state. Works on Terraform Cloud's hosted runners.
   */
  | 'eks-token'
  /**
   * `aws eks get-token` run by the provider whenever it needs a token (long applies). Needs the
   * AWS CLI where Terraform runs: Terraform Cloud's hosted runners have none.
   */
  | 'exec'
  /** A bearer token from the sensitive variable `kubernetes_token` (non-EKS clusters). */
  | 'static-token';

/** How Vault's kubernetes auth method calls the TokenReview API. */
export type ReviewerMode =
  /**
   * No reviewer JWT is stored: Vault reviews each login with the client's own token, which the
   * `system:auth-delegator` binding allows. Nothing long-lived exists. The login token is also the
   * bearer of the TokenReview call, so its audience must be one the API server accepts.
   */
  | 'client-jwt'
  /**
   * Vault holds a reviewer JWT of its own, for when it cannot present client tokens to the API
   * server: a TokenRequest token of the service account, bound to the Secret of the same name
   * (deleting the Secret revokes it), minted at apply time and written to Vault write-only. It is
   * never in the plan or the state. (The manual procedure kept a never-expiring token in that Secret.)
   */
  | 'token-secret';

/** Where secret values come from. */
export type SecretValueMode =
  /**
   * Each secret is created once with placeholder pairs from this file; people then edit values in
   * Vault. Later edits are not drift and are never reverted.
   */
  | 'placeholder'
  /**
   * Values come from the sensitive, ephemeral variable `secret_values_<name>` and are written
   * through `data_json_wo`, so they reach neither `cdktf.out` nor the state.
   */
  | 'write-only';

/** How the ESO ClusterSecretStore authenticates to Vault. */
export type StoreAuthMode =
  /** Kubernetes auth with a TokenRequest token of the service account (recommended). */
  | 'kubernetes'
  /** A Vault token in the Kubernetes Secret `vault-token`, from the sensitive variable `eso_vault_token`. */
  | 'token';

export type EsoApiVersion = 'external-secrets.io/v1' | 'external-secrets.io/v1beta1';

export interface AwsConfig {
  /** AWS region of the EKS cluster, e.g. `us-west-2`. */
  readonly region: string;
  /** Name of the existing EKS cluster the stack looks up. */
  readonly clusterName: string;
  /**
   * Custom service endpoints (VPC endpoints, an emulator that cannot answer the provider's
   * credential, account-id and metadata checks, which setting them also turns off). They cost
   * about 3.5 s of every plan (the provider validates its whole endpoints block); the SDK's own
   * variables (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_EKS`) do the same for free, and the lab uses
   * them.
   * @default the real AWS endpoints
   */
  readonly endpoints?: {
    readonly eks?: string;
    readonly sts?: string;
  };
}

export interface KubernetesConfig {
  /** How the Kubernetes provider authenticates. */
  readonly auth: KubernetesAuthMode;
  /**
   * Namespace of the workloads: the service account and every ExternalSecret live here.
   * Single-chain environments only (with `tenants`, each tenant names its own).
   */
  readonly namespace?: string;
  /** Create the namespace (true) or use one that already exists (false). Single-chain only. */
  readonly manageNamespace?: boolean;
  /**
   * Let a plan destroy or replace the managed namespace, and every workload in it.
   * @default false: `cdktf destroy` and renames refuse, naming this key
   */
  readonly allowNamespaceDestroy?: boolean;
  /** Name of the service account ESO logs in to Vault as. Single-chain only. */
  readonly serviceAccountName?: string;
  /**
   * Name of the ClusterRoleBinding to `system:auth-delegator` (cluster-scoped: unique per
   * cluster); with tenants, it binds every tenant's service account. Unused with the jwt method.
   */
  readonly clusterRoleBindingName: string;
  /**
   * Audience of the service-account tokens ESO requests and the Vault role accepts. In
   * `client-jwt` mode the token is also the bearer of Vault's TokenReview call, so it must be an
   * audience the API server accepts (on EKS: `https://kubernetes.default.svc`).
   */
  readonly tokenAudience: string;
}

export interface VaultConfig {
  /** Vault API address, used by the provider and by the ESO store. */
  readonly address: string;
  /**
   * Vault namespace (HCP Vault: `admin`). Required for `*.hashicorp.cloud` addresses.
   * @default the root namespace
   */
  readonly namespace?: string;
  /**
   * Tell the provider which Vault API version to expect instead of asking the server.
   * @default the provider asks the server
   */
  readonly versionOverride?: string;
  /** The KV version 2 mount that holds the secrets. */
  readonly kvMount: {
    /** Mount path, e.g. `secret`. */
    readonly path: string;
    /** Create the mount (true) or use one that already exists (false). */
    readonly managed: boolean;
    /**
     * Let a plan destroy or replace the managed mount, and every secret in it.
     * @default false: `cdktf destroy` and renames refuse, naming this key
     */
    readonly allowDestroy?: boolean;
    /**
     * Purge every version of a secret when it leaves the configuration or the stack is destroyed.
     * @default false: a secret that leaves the configuration keeps its versions in Vault
     */
    readonly purgeSecretsOnDestroy?: boolean;
  };
  /** Name of the generated read policy. Single-chain only (tenants' are derived). */
  readonly policyName?: string;
  /** Path of the auth method, e.g. `kubernetes-my-auth`. */
  readonly authPath: string;
  /**
   * How ESO logs in: `jwt` (Vault checks each token's signature against the cluster's OIDC
   * issuer: no path from Vault to the API server, no auth-delegator binding, no reviewer
   * credential; staging and prod use it) or `kubernetes` (Vault reviews each token with the API
   * server's TokenReview: Vault needs a network path to the cluster's API endpoint, which HCP
   * Vault has only to a public endpoint or through a peered network, and the login token is also
   * an API bearer token).
   * @default DEFAULTS.authMethod (`environments/defaults.ts`)
   */
  readonly authMethod?: VaultAuthMethod;
  /** Name of the role ESO logs in with. Single-chain only (tenants' are derived). */
  readonly roleName?: string;
  /**
   * jwt method: who signed the TLS certificate of the cluster's OIDC issuer, where Vault reads
   * the signing keys. `public`: a public CA (EKS: the issuer is an AWS endpoint); `cluster`: the
   * cluster's own CA (the API server is its own issuer, as in the lab).
   * @default 'public'
   */
  readonly jwtIssuerCa?: 'public' | 'cluster';
  /** How Vault reviews login tokens. */
  readonly reviewerMode: ReviewerMode;
  /** TTL of the Vault tokens issued at login, in seconds. */
  readonly tokenTtlSeconds: number;
  /** Maximum TTL of those tokens, in seconds. */
  readonly tokenMaxTtlSeconds: number;
  /**
   * `token-secret` mode: lifetime asked for Vault's reviewer JWT, in seconds: 600 (the API
   * server's shortest) to 7776000 (90 days, the longest EKS grants). A deploy renews it once
   * half of it has passed (its anchor Secret records when it was minted and when it expires).
   * @default DEFAULTS.reviewerTokenTtlSeconds
   */
  readonly reviewerTokenTtlSeconds?: number;
  /**
   * `token-secret` mode: bump to mint a new reviewer JWT and send it to Vault at the next deploy,
   * whatever its age (deleting its anchor Secret revokes the current one at once too).
   * @default DEFAULTS.firstVersion
   */
  readonly reviewerTokenVersion?: number;
  /**
   * Vault's database secrets engine, for teams that declare `databaseCredentials`: one mount,
   * its connections (each with a root credential given write-only and rotated by Vault after
   * setup, so no one knows it afterwards) and, per declared credential, a role.
   * @default none: no database secrets engine
   */
  readonly database?: DatabaseEngineConfig;
}

/** The database secrets engine of an environment. */
export interface DatabaseEngineConfig {
  /** Mount path of the engine, e.g. `database`. */
  readonly mountPath: string;
  /**
   * Let a plan destroy the mount. Unmounting revokes every lease it issued (Vault drops every
   * database user it created).
   * @default false: `cdktf destroy` and renames refuse, naming this key
   */
  readonly allowDestroy?: boolean;
  /** The databases Vault manages users in. */
  readonly connections: readonly DatabaseConnectionConfig[];
}

/** One database Vault creates users in, through an administrative user of its own. */
export interface DatabaseConnectionConfig {
  /** Connection name, e.g. `orders`; names the variable `database_root_password_<name>`. */
  readonly name: string;
  /** The database plugin (PostgreSQL only, for now). */
  readonly plugin: DatabasePlugin;
  /**
   * Where Vault reaches the database, with `{{username}}` and `{{password}}` templates that Vault
   * fills in, e.g. `postgresql://{{username}}:{{password}}@db.internal:5432/orders?sslmode=require`.
   */
  readonly connectionUrl: string;
  /** The administrative user Vault connects as (needs CREATEROLE). */
  readonly username: string;
  /**
   * Bump to send a new root password from the variable `database_root_password_<name>` (Vault
   * rotates it again right after).
   * @default DEFAULTS.firstVersion
   */
  readonly rootPasswordVersion?: number;
}

export type DatabasePlugin = 'postgresql';

/**
 * Dynamic database credentials a team reads: a Vault role of the database engine, and an
 * ExternalSecret fed by ESO's VaultDynamicSecret generator, which asks Vault for new credentials
 * at every refresh (each with its own lease; Vault revokes the old ones when their lease ends).
 */
export interface DatabaseCredentialConfig extends DatabaseRoleSpec {
  /** The connection (`vault.database.connections[].name`) the users are created in. */
  readonly connection: string;
  /** Longest a lease may be renewed to, in seconds; at most `vault.tokenTtlSeconds`. */
  readonly maxTtlSeconds: number;
  /**
   * How often ESO asks for new credentials (Go duration, shorter than `defaultTtlSeconds`, so the
   * Secret always holds a live credential).
   */
  readonly refreshInterval: string;
  /** Name of the ExternalSecret, and of the generator it reads. */
  readonly externalSecretName: string;
  /** Name of the Kubernetes Secret ESO writes (keys `username` and `password`). */
  readonly targetSecretName: string;
}

export interface SecretConfig {
  /**
   * Name of the KV v2 secret, e.g. `my-secret` (path `<mount>/data/my-secret`). In a tenant it
   * is relative to the tenant's prefix: `db` of tenant `payments` is `payments/db`.
   */
  readonly name: string;
  /**
   * A tenant's secret outside its prefix: the full name in the mount (per-tenant design only).
   * A name granted to two tenants must be marked `shared` by both.
   * @default `<prefix>/<name>`
   */
  readonly path?: string;
  /**
   * Another tenant may read this secret too (both must say so).
   * @default false: no other tenant may be granted it
   */
  readonly shared?: boolean;
  /** Name of the ExternalSecret that syncs it. */
  readonly externalSecretName: string;
  /** Name of the Kubernetes Secret ESO writes. */
  readonly targetSecretName: string;
  /**
   * Placeholder pairs written once in `placeholder` mode. Never real values.
   * @default none (required in `placeholder` mode, forbidden in `write-only` mode)
   */
  readonly placeholder?: Readonly<Record<string, string>>;
  /**
   * Grant `read` and `list` on `<mount>/metadata/<name>` too (for ESO `find` or metadata fetches).
   * @default false: only `read` on the `data/` path
   */
  readonly listMetadata?: boolean;
  /**
   * Version of the write-only value; bump it to write a new value from the variable.
   * @default DEFAULTS.firstVersion
   */
  readonly writeOnlyVersion?: number;
  /**
   * Where this secret lived when it was last deployed, when its full name or mount changed
   * (a rename, a new `secretPrefix`, a tenant renamed, the isolation design switched, another
   * mount). The new path gets every version of the old one before ESO reads it (`npm run
   * deploy` copies them; `npm run move-secret` does it by hand, and a plan stops naming that
   * command until it is done); the old path keeps its versions and is forgotten. Placeholders are
   * never written for a moved secret.
   * @default none: a path that changes under a deployed ExternalSecret is refused
   */
  readonly movedFrom?: SecretMove;
  /**
   * The Kubernetes Secret `targetSecretName` already exists, made by hand, and ESO is to take it
   * over: its value goes to Vault first (`npm run deploy` copies it; `npm run adopt-secret` does
   * it by hand, and a plan stops naming that command until it is done), then ESO owns it.
   * Placeholders are never written for an adopted secret.
   * @default false: ESO may never take over a Secret it did not create (refused at deploy, and
   *   denied in the cluster by the stack's admission policy)
   */
  readonly adoptExistingTarget?: boolean;
}

/** The path a secret moved from: its full name, in this mount or another. */
export interface SecretMove {
  /** Full name in the mount, e.g. `payments/db` (with a tenant's prefix, as deployed). */
  readonly name: string;
  /**
   * The mount it lived in.
   * @default the environment's `vault.kvMount.path`
   */
  readonly mount?: string;
}

/** A secret taken out of the configuration, by name, or with an explicit purge. */
export type RetiredSecret =
  | string
  | {
      /** Full name in the mount. */
      readonly name: string;
      /**
       * Purge every version of it now (needs `vault.kvMount.purgeSecretsOnDestroy`, which
       * keeps the purge handles this uses).
       * @default false: forgotten, every version kept in Vault
       */
      readonly purge?: boolean;
    };

export interface EsoConfig {
  /** API version of the ESO resources: `v1` for ESO >= 0.16, `v1beta1` for older. */
  readonly apiVersion: EsoApiVersion;
  /**
   * Name of the store: the ClusterSecretStore of a single chain, each tenant's SecretStore
   * (`per-tenant`), or the one ClusterSecretStore all tenants share (`shared-store`).
   */
  readonly storeName: string;
  /**
   * With tenants, how they are kept apart (both designs are applied in the lab):
   * `per-tenant`: a SecretStore in each tenant's namespace, its own Vault role and policy;
   * `shared-store`: one ClusterSecretStore whose login is the service account of the
   * ExternalSecret's own namespace (referent authentication), one role bound to the tenant
   * namespaces and one templated policy that grants each namespace its own prefix only.
   * @default DEFAULTS.isolation
   */
  readonly isolation?: IsolationDesign;
  /** How the store authenticates to Vault. */
  readonly storeAuth: StoreAuthMode;
  /** How often each ExternalSecret re-reads Vault (Go duration, `0` = never). */
  readonly refreshInterval: string;
  /**
   * How long an apply that creates or changes the store or an ExternalSecret waits for ESO to
   * report it Ready before the deploy fails (Go duration).
   * @default DEFAULTS.readyTimeout
   */
  readonly readyTimeout?: string;
}

export type BackendConfig =
  | {
      /** State in `terraform.<stack>.tfstate` beside the project (kept out of git). */
      readonly type: 'local';
    }
  | {
      /** Terraform Cloud / HCP Terraform. */
      readonly type: 'cloud';
      readonly organization: string;
      /** One named workspace for this environment. Exactly one of `workspace` or `tags`. */
      readonly workspace?: string;
      /** Workspaces selected by tags. Exactly one of `workspace` or `tags`. */
      readonly tags?: readonly string[];
      /** @default app.terraform.io */
      readonly hostname?: string;
      /**
       * Runs execute on a self-hosted Terraform Cloud agent that has the AWS CLI. Required for
       * `kubernetes.auth: 'exec'`: the hosted runners have no `aws` binary.
       * @default false: hosted runners
       */
      readonly runsOnAgentWithAwsCli?: boolean;
    };

export type IsolationDesign = 'per-tenant' | 'shared-store';

export type VaultAuthMethod = 'kubernetes' | 'jwt';

/** One team on the cluster: its namespace, its service account and its secrets. */
export interface TenantConfig {
  /** Lowercase kebab-case, e.g. `payments`: names its Vault role and policy (`eso-<name>`). */
  readonly name: string;
  /** Its Kubernetes namespace. */
  readonly namespace: string;
  /** Create the namespace (true) or use one that already exists (false). */
  readonly manageNamespace: boolean;
  /**
   * Let a plan destroy or replace the managed namespace, and every workload in it.
   * @default false
   */
  readonly allowNamespaceDestroy?: boolean;
  /**
   * The service account ESO logs in as, in the tenant's namespace.
   * @default DEFAULTS.serviceAccountName
   */
  readonly serviceAccountName?: string;
  /**
   * KV path prefix of its secrets (`shared-store`: always its namespace, which the templated
   * policy grants).
   * @default the tenant's name
   */
  readonly secretPrefix?: string;
  /**
   * The tenant's name when it was last deployed, when it is renamed: its objects move to their
   * new Terraform addresses (`moved` blocks) instead of being destroyed and created again (two
   * objects of one name would collide, and its workloads' logins would fail in between).
   * @default none: a deployed tenant whose name changes is refused
   */
  readonly renamedFrom?: string;
  /** Its secrets, named relative to the prefix. */
  readonly secrets: readonly SecretConfig[];
  /**
   * Its dynamic database credentials (per-tenant design only; not in a team file, whose stack
   * cannot change the shared engine's connections, which list each credential's role).
   * @default none
   */
  readonly databaseCredentials?: readonly DatabaseCredentialConfig[];
  /**
   * Its secrets taken out of the configuration (full names), as the environment's
   * `retiredSecrets`: forgotten, every version kept in Vault (unless `{ name, purge: true }`).
   * @default none
   */
  readonly retiredSecrets?: readonly RetiredSecret[];
}

/**
 * One team's file, `environments/teams/<teamFiles>/<name>.yaml` (or `.yml`, `.json`): a tenant's
 * keys, and who reviews changes of it. The team's objects are a stack of their own,
 * `<environment>--<name>`, beside the environment's.
 */
export interface TeamFile extends Omit<TenantConfig, 'databaseCredentials' | 'renamedFrom'> {
  /**
   * GitHub users or teams (`@org/team`) who review changes of this file: they are its owners
   * in `.github/CODEOWNERS` (`npm run teams` writes it).
   */
  readonly owners: readonly string[];
  /**
   * The JSON Schema of team files, for editors (`../team.schema.json`); ignored otherwise.
   * @default none
   */
  readonly $schema?: string;
}

/**
 * One EKS cluster of an environment that has several (blue/green upgrades, regional pairs): each
 * gets its own EKS lookup and Kubernetes provider, its own Vault auth method (with its own API
 * server or issuer), and in it every team's service account, role, store and ExternalSecrets;
 * the policies and the secrets stay one set for all of them.
 */
export interface ClusterConfig {
  /**
   * Short lowercase kebab-case name, e.g. `blue`: its construct scope (`cluster-<name>`) and its
   * providers' alias. Never renamed (a new name is a new cluster).
   */
  readonly name: string;
  /**
   * AWS region of the cluster.
   * @default aws.region
   */
  readonly region?: string;
  /** Name of the existing EKS cluster. */
  readonly clusterName: string;
  /** Path of this cluster's own Vault auth method, e.g. `jwt-platform-prod-green`. */
  readonly authPath: string;
  /**
   * How this cluster's workloads log in (see `vault.authMethod`).
   * @default vault.authMethod
   */
  readonly authMethod?: VaultAuthMethod;
  /**
   * jwt method: who signed the TLS certificate of this cluster's OIDC issuer (see
   * `vault.jwtIssuerCa`).
   * @default vault.jwtIssuerCa
   */
  readonly jwtIssuerCa?: 'public' | 'cluster';
  /**
   * Audience of the tokens ESO requests in this cluster and its roles accept (see
   * `kubernetes.tokenAudience`; the jwt method wants one of Vault's own).
   * @default kubernetes.tokenAudience
   */
  readonly tokenAudience?: string;
  /**
   * The cluster is leaving: the next deploy forgets its Kubernetes objects (namespaces, stores,
   * ExternalSecrets and the Secrets they wrote stay as they are, for the cluster's own end) and
   * deletes its Vault auth method and roles (its logins end). Needs the cluster reachable for
   * that deploy; once deployed (its ledger no longer lists it), the entry may go.
   * @default false
   */
  readonly retired?: boolean;
}

export interface EnvironmentConfig {
  /** Stack name: lowercase kebab-case, e.g. `dev`. */
  readonly name: string;
  readonly aws: AwsConfig;
  readonly kubernetes: KubernetesConfig;
  readonly vault: VaultConfig;
  readonly secretValues: SecretValueMode;
  /**
   * The secrets of a single chain (one namespace, service account, role, policy and store, named
   * by the keys above). Exactly one of `secrets` or `tenants`.
   */
  readonly secrets?: readonly SecretConfig[];
  /**
   * Teams on the cluster, each with its own namespace, service account, secrets and grants;
   * `eso.isolation` says how they are kept apart. Exactly one of `secrets`, `tenants` or
   * `teamFiles`.
   */
  readonly tenants?: readonly TenantConfig[];
  /**
   * The teams are files, one per team, in `environments/teams/<teamFiles>/` (`TeamFile`), each
   * reviewed by its owners; each team's objects are a stack of their own (`<name>--<team>`)
   * beside this environment's, which keeps what the teams share. Loading the environment reads
   * them into `tenants`. Exactly one of `secrets`, `tenants` or `teamFiles`.
   * @default none: the tenants (if any) are in `tenants`, all in this environment's stack
   */
  readonly teamFiles?: string;
  /**
   * Secrets taken out of the configuration (full names): the stack forgets them, Vault keeps
   * every version (unless `{ name, purge: true }`), their ExternalSecrets are deleted and the
   * Kubernetes Secrets they wrote stay as they are. A deployed secret (in the environment's
   * ledger, `environments/ledgers/<name>.json`) that leaves the configuration without being
   * listed here, or moved (`movedFrom`), is refused at synthesis.
   * @default none
   */
  readonly retiredSecrets?: readonly RetiredSecret[];
  /**
   * A single chain's dynamic database credentials (with tenants, each tenant lists its own).
   * @default none
   */
  readonly databaseCredentials?: readonly DatabaseCredentialConfig[];
  readonly eso: EsoConfig;
  readonly backend: BackendConfig;
  /**
   * Several EKS clusters that get the same secrets (blue/green upgrades, regional pairs), each
   * with its own auth method, roles and stores; without it the environment is the one cluster of
   * `aws` and `vault.authPath`. An environment deployed before it listed clusters moves its
   * objects into the entry whose `clusterName`, region and `authPath` are those keys' values.
   * Per-tenant design and single chain only.
   * @default none: one cluster, `aws.clusterName`
   */
  readonly clusters?: readonly ClusterConfig[];
}

/** An environment of one chain (no tenants): every key a single chain needs is present. */
export type SingleChainConfig = EnvironmentConfig & {
  readonly kubernetes: KubernetesConfig &
    Required<Pick<KubernetesConfig, 'namespace' | 'manageNamespace' | 'serviceAccountName'>>;
  readonly vault: VaultConfig & Required<Pick<VaultConfig, 'policyName' | 'roleName'>>;
  readonly secrets: readonly SecretConfig[];
  readonly tenants?: undefined;
};
