import {
  LAB_CLUSTER_NAME,
  LAB_HOST,
  LAB_POSTGRES_PORT,
  LAB_POSTGRES_VAULT_USER,
  LAB_REGION,
  LAB_VAULT_ADDRESS,
  LAB_VAULT_API_VERSION,
  LAB_VAULT_NAMESPACE,
} from '../common/lab-coordinates';
import type { DatabaseCredentialConfig, EnvironmentConfig } from './types';

/**
 * A login user that may connect to the lab's database, dropped when its lease ends; short
 * lifetimes, so that the lab sees credentials issued, replaced and revoked within a test.
 */
const LAB_CREDENTIAL: Omit<
  DatabaseCredentialConfig,
  'name' | 'externalSecretName' | 'targetSecretName'
> = {
  connection: 'lab',
  creationStatements: [
    `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
    'GRANT CONNECT ON DATABASE postgres TO "{{name}}";',
  ],
  revocationStatements: [
    'REVOKE ALL PRIVILEGES ON DATABASE postgres FROM "{{name}}";',
    'DROP ROLE IF EXISTS "{{name}}";',
  ],
  defaultTtlSeconds: 60,
  maxTtlSeconds: 120,
  refreshInterval: '20s',
};

/**
 * local-database: two teams on the lab's cluster (beside `local` and `local-tenants`), each with
 * a KV secret and dynamic PostgreSQL credentials from Vault's database engine, which reach a
 * Kubernetes Secret through ESO's VaultDynamicSecret generator. Short lifetimes, so that the
 * lab sees credentials issued, replaced and revoked within a test's patience. The deploy needs
 * the variable `database_root_password_lab`: the bootstrap password of `vault_admin`, which
 * Vault rotates right after.
 */
export const localDatabase: EnvironmentConfig = {
  name: 'local-database',
  aws: { region: LAB_REGION, clusterName: LAB_CLUSTER_NAME },
  kubernetes: {
    auth: 'eks-token',
    clusterRoleBindingName: 'eso-dbteams-auth-delegator',
    tokenAudience: 'vault',
  },
  vault: {
    address: LAB_VAULT_ADDRESS,
    namespace: LAB_VAULT_NAMESPACE,
    versionOverride: LAB_VAULT_API_VERSION,
    kvMount: { path: 'dbteams', managed: true, allowDestroy: true },
    authPath: 'jwt-dbteams',
    authMethod: 'jwt',
    jwtIssuerCa: 'cluster',
    reviewerMode: 'client-jwt',
    tokenTtlSeconds: 1200,
    tokenMaxTtlSeconds: 3600,
    database: {
      mountPath: 'database',
      allowDestroy: true,
      connections: [
        {
          name: 'lab',
          plugin: 'postgresql',
          connectionUrl: `postgresql://{{username}}:{{password}}@${LAB_HOST}:${LAB_POSTGRES_PORT}/postgres?sslmode=disable`,
          username: LAB_POSTGRES_VAULT_USER,
        },
      ],
    },
  },
  secretValues: 'placeholder',
  tenants: [
    {
      name: 'orders',
      namespace: 'team-orders',
      manageNamespace: true,
      allowNamespaceDestroy: true,
      secrets: [
        {
          name: 'config',
          externalSecretName: 'config',
          targetSecretName: 'config',
          placeholder: { queue: 'orders' },
        },
      ],
      databaseCredentials: [
        {
          name: 'orders-app',
          ...LAB_CREDENTIAL,
          externalSecretName: 'orders-db',
          targetSecretName: 'orders-db',
        },
      ],
    },
    {
      name: 'billing',
      namespace: 'team-billing',
      manageNamespace: true,
      allowNamespaceDestroy: true,
      secrets: [
        {
          name: 'config',
          externalSecretName: 'config',
          targetSecretName: 'config',
          placeholder: { queue: 'billing' },
        },
      ],
      databaseCredentials: [
        {
          name: 'billing-app',
          ...LAB_CREDENTIAL,
          externalSecretName: 'billing-db',
          targetSecretName: 'billing-db',
        },
      ],
    },
  ],
  eso: {
    apiVersion: 'external-secrets.io/v1',
    storeName: 'vault-db',
    isolation: 'per-tenant',
    storeAuth: 'kubernetes',
    refreshInterval: '1m',
  },
  backend: { type: 'local' },
};
