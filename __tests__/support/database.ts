/**
 * Dynamic database credentials on the lab's environments: the database engine pointing at the
 * lab's PostgreSQL, and a credential per team. Unit tests, the fingerprint and the lab suite
 * build their configurations here.
 */
import { LAB_HOST, LAB_POSTGRES_PORT, LAB_POSTGRES_VAULT_USER } from '../../common/lab-coordinates';
import { localTenants } from '../../environments/local-tenants';
import type {
  DatabaseCredentialConfig,
  DatabaseEngineConfig,
  EnvironmentConfig,
} from '../../environments/types';

/** The engine at `database`, with one connection to the lab's PostgreSQL. */
export const LAB_DATABASE: DatabaseEngineConfig = {
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
};

/** A team's credential: a login user that may connect, dropped when its lease ends. */
export function labCredential(
  team: string,
  overrides: Partial<DatabaseCredentialConfig> = {},
): DatabaseCredentialConfig {
  return {
    name: `${team}-app`,
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
    externalSecretName: `${team}-db`,
    targetSecretName: `${team}-db`,
    ...overrides,
  };
}

/** `base` (local-tenants) with the engine, and a credential for each of its tenants. */
export function withDatabase(base: EnvironmentConfig = localTenants): EnvironmentConfig {
  return {
    ...base,
    vault: { ...base.vault, database: LAB_DATABASE },
    tenants: base.tenants?.map((t) => ({ ...t, databaseCredentials: [labCredential(t.name)] })),
  };
}
