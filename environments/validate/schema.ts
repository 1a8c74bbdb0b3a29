/**
 * The keys and options the validator accepts, derived from the types in ../types.ts: each table
 * is a Record over the type's keys, so the compiler fails the build when a type gains a key or
 * an option this file does not list (or lists one the type lacks). The types are the schema.
 */
import type {
  AwsConfig,
  BackendConfig,
  ClusterConfig,
  DatabaseConnectionConfig,
  DatabaseCredentialConfig,
  DatabaseEngineConfig,
  DatabasePlugin,
  EnvironmentConfig,
  EsoApiVersion,
  EsoConfig,
  IsolationDesign,
  KubernetesAuthMode,
  KubernetesConfig,
  RetiredSecret,
  ReviewerMode,
  SecretConfig,
  SecretMove,
  SecretValueMode,
  StoreAuthMode,
  TeamFile,
  TenantConfig,
  VaultAuthMethod,
  VaultConfig,
} from '../types';

/** Every key of every member of a union. */
type KeysOfUnion<T> = T extends unknown ? keyof T : never;

type Every<K extends PropertyKey> = Record<K, true>;

const keys = <K extends PropertyKey>(table: Every<K>): readonly string[] => Object.keys(table);

export const KNOWN_KEYS = {
  '': keys<keyof EnvironmentConfig>({
    name: true,
    aws: true,
    kubernetes: true,
    vault: true,
    secretValues: true,
    secrets: true,
    tenants: true,
    retiredSecrets: true,
    databaseCredentials: true,
    teamFiles: true,
    eso: true,
    backend: true,
    clusters: true,
  }),
  'clusters[]': keys<keyof ClusterConfig>({
    name: true,
    region: true,
    clusterName: true,
    authPath: true,
    authMethod: true,
    jwtIssuerCa: true,
    tokenAudience: true,
    retired: true,
  }),
  aws: keys<keyof AwsConfig>({ region: true, clusterName: true, endpoints: true }),
  'aws.endpoints': keys<keyof NonNullable<AwsConfig['endpoints']>>({ eks: true, sts: true }),
  kubernetes: keys<keyof KubernetesConfig>({
    auth: true,
    namespace: true,
    manageNamespace: true,
    allowNamespaceDestroy: true,
    serviceAccountName: true,
    clusterRoleBindingName: true,
    tokenAudience: true,
  }),
  vault: keys<keyof VaultConfig>({
    address: true,
    namespace: true,
    versionOverride: true,
    kvMount: true,
    policyName: true,
    authPath: true,
    authMethod: true,
    jwtIssuerCa: true,
    roleName: true,
    reviewerMode: true,
    tokenTtlSeconds: true,
    tokenMaxTtlSeconds: true,
    reviewerTokenTtlSeconds: true,
    reviewerTokenVersion: true,
    database: true,
  }),
  'vault.database': keys<keyof DatabaseEngineConfig>({
    mountPath: true,
    allowDestroy: true,
    connections: true,
  }),
  'vault.database.connections[]': keys<keyof DatabaseConnectionConfig>({
    name: true,
    plugin: true,
    connectionUrl: true,
    username: true,
    rootPasswordVersion: true,
  }),
  'databaseCredentials[]': keys<keyof DatabaseCredentialConfig>({
    name: true,
    connection: true,
    creationStatements: true,
    revocationStatements: true,
    defaultTtlSeconds: true,
    maxTtlSeconds: true,
    refreshInterval: true,
    externalSecretName: true,
    targetSecretName: true,
  }),
  'vault.kvMount': keys<keyof VaultConfig['kvMount']>({
    path: true,
    managed: true,
    allowDestroy: true,
    purgeSecretsOnDestroy: true,
  }),
  'secrets[]': keys<keyof SecretConfig>({
    name: true,
    path: true,
    shared: true,
    externalSecretName: true,
    targetSecretName: true,
    placeholder: true,
    listMetadata: true,
    writeOnlyVersion: true,
    movedFrom: true,
    adoptExistingTarget: true,
  }),
  'secrets[].movedFrom': keys<keyof SecretMove>({ name: true, mount: true }),
  'retiredSecrets[]': keys<KeysOfUnion<Exclude<RetiredSecret, string>>>({
    name: true,
    purge: true,
  }),
  'tenants[]': keys<keyof TenantConfig>({
    name: true,
    namespace: true,
    manageNamespace: true,
    allowNamespaceDestroy: true,
    serviceAccountName: true,
    secretPrefix: true,
    renamedFrom: true,
    secrets: true,
    databaseCredentials: true,
    retiredSecrets: true,
  }),
  /** A team file's keys beyond a tenant's. */
  teamFile: keys<Exclude<keyof TeamFile, keyof TenantConfig>>({ owners: true, $schema: true }),
  eso: keys<keyof EsoConfig>({
    apiVersion: true,
    storeName: true,
    isolation: true,
    storeAuth: true,
    refreshInterval: true,
    readyTimeout: true,
  }),
  backend: keys<KeysOfUnion<BackendConfig>>({
    type: true,
    organization: true,
    workspace: true,
    tags: true,
    hostname: true,
    runsOnAgentWithAwsCli: true,
  }),
} as const;

export type Section = keyof typeof KNOWN_KEYS;

const options = <T extends string>(table: Every<T>): readonly T[] => Object.keys(table) as T[];

export const OPTIONS = {
  kubernetesAuth: options<KubernetesAuthMode>({
    'eks-token': true,
    exec: true,
    'static-token': true,
  }),
  reviewerMode: options<ReviewerMode>({ 'client-jwt': true, 'token-secret': true }),
  secretValues: options<SecretValueMode>({ placeholder: true, 'write-only': true }),
  storeAuth: options<StoreAuthMode>({ kubernetes: true, token: true }),
  esoApiVersion: options<EsoApiVersion>({
    'external-secrets.io/v1': true,
    'external-secrets.io/v1beta1': true,
  }),
  isolation: options<IsolationDesign>({ 'per-tenant': true, 'shared-store': true }),
  authMethod: options<VaultAuthMethod>({ kubernetes: true, jwt: true }),
  jwtIssuerCa: options<NonNullable<VaultConfig['jwtIssuerCa']>>({ public: true, cluster: true }),
  backendType: options<BackendConfig['type']>({ local: true, cloud: true }),
  databasePlugin: options<DatabasePlugin>({ postgresql: true }),
} as const;
