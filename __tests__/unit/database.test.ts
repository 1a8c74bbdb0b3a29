/**
 * Dynamic database credentials at synth: the validation of the keys (each problem with its key,
 * value and what is allowed), and the chain rules that span the engine, the policies and the
 * generators (CHAIN-001, 005, 006, 007), passing on the shipped environment and failing on each
 * way a person or an override would break it.
 */
import { databaseRootPasswordVariableName } from '../../common/names';
import type { JsonObject, StackJson } from '../../common/stack-json';
import { validateEnvironment } from '../../environments';
import { local } from '../../environments/local';
import { localDatabase } from '../../environments/local-database';
import type { EnvironmentConfig } from '../../environments/types';
import { checkChain } from '../../rules/chain-invariants';
import { dynamicCredentials } from '../../rules/dynamic-credentials';
import { noSecretValues } from '../../rules/no-secret-values';
import { policyExactDataPaths } from '../../rules/policy-exact-data-paths';
import { tenantIsolation } from '../../rules/tenant-isolation';
import { synthJson, variant } from '../support/stack';
import { withTenants } from '../support/tenants';

const problemsOf = (config: unknown) =>
  validateEnvironment(config).map((p) => `${p.key} = ${JSON.stringify(p.value)}: ${p.allowed}`);

const [orders, billing] = localDatabase.tenants!;
const credential = orders.databaseCredentials![0];

/** local-database with the orders tenant's credential changed. */
function withCredential(changes: Record<string, unknown>): EnvironmentConfig {
  return {
    ...localDatabase,
    tenants: [{ ...orders, databaseCredentials: [{ ...credential, ...changes }] }, billing],
  };
}

type Json = StackJson & { resource: Record<string, Record<string, JsonObject>> };
const json = (): Json => synthJson(localDatabase, false) as Json;
const messages = (violations: { ruleId: string; message: string }[]) =>
  violations.map((v) => `${v.ruleId} ${v.message}`);
const manifestOf = (j: Json, kind: string, namespace: string): JsonObject =>
  Object.values(j.resource.kubernetes_manifest)
    .map((r) => r.manifest as JsonObject)
    .find(
      (m) => m.kind === kind && (m.metadata as JsonObject).namespace === namespace,
    ) as JsonObject;
const policyOf = (j: Json, name: string): JsonObject =>
  Object.values(j.resource.vault_policy).find((p) => p.name === name)!;

describe('validation of the database keys', () => {
  it('accepts the shipped environment, and an environment without them is as it was', () => {
    expect(problemsOf(localDatabase)).toEqual([]);
    expect(problemsOf(withTenants())).toEqual([]);
  });

  it('refuses credentials without the engine, in the shared store, with token store auth', () => {
    const vault = { ...localDatabase.vault, database: undefined };
    expect(problemsOf({ ...localDatabase, vault })).toEqual([
      `tenants[0].databaseCredentials = ${JSON.stringify(orders.databaseCredentials)}: nothing without vault.database: declare the engine and its connections first`,
      `tenants[1].databaseCredentials = ${JSON.stringify(billing.databaseCredentials)}: nothing without vault.database: declare the engine and its connections first`,
    ]);
    const shared = variant({ eso: { isolation: 'shared-store' } }, localDatabase);
    expect(problemsOf(shared).filter((p) => p.includes('databaseCredentials'))).toEqual([
      `tenants[0].databaseCredentials = ${JSON.stringify(orders.databaseCredentials)}: nothing with eso.isolation "shared-store": its one templated policy grants KV prefixes only (use "per-tenant")`,
      `tenants[1].databaseCredentials = ${JSON.stringify(billing.databaseCredentials)}: nothing with eso.isolation "shared-store": its one templated policy grants KV prefixes only (use "per-tenant")`,
    ]);
  });

  it('refuses lifetimes that would leave a dead credential in the Secret or end a lease early', () => {
    expect(
      problemsOf(
        withCredential({ defaultTtlSeconds: 300, maxTtlSeconds: 2400, refreshInterval: '10m' }),
      ),
    ).toEqual([
      'tenants[0].databaseCredentials[0].maxTtlSeconds = 2400: at most vault.tokenTtlSeconds (1200): Vault revokes a lease when the login token that read it expires, so a longer lease would end early',
      'tenants[0].databaseCredentials[0].refreshInterval = "10m": a duration shorter than defaultTtlSeconds (300 s), so that ESO replaces each credential before its lease ends',
    ]);
    expect(problemsOf(withCredential({ defaultTtlSeconds: 200, refreshInterval: '0' }))).toEqual([
      'tenants[0].databaseCredentials[0].defaultTtlSeconds = 200: at most maxTtlSeconds (120)',
      'tenants[0].databaseCredentials[0].refreshInterval = "0": a Go duration above zero such as "30m" (each refresh issues a new credential)',
    ]);
  });

  it('refuses an unknown connection, statements without the templates, a role two teams name', () => {
    const config = withCredential({
      connection: 'nowhere',
      creationStatements: ['CREATE ROLE app;'],
      revocationStatements: [],
      name: billing.databaseCredentials![0].name,
    });
    expect(problemsOf(config)).toEqual([
      'tenants[0].databaseCredentials[0].connection = "nowhere": one of the connections of vault.database: "lab"',
      'tenants[0].databaseCredentials[0].creationStatements = ["CREATE ROLE app;"]: statements that use {{name}} and {{password}} (Vault fills in the user it creates)',
      'tenants[0].databaseCredentials[0].revocationStatements = []: a non-empty list of SQL statements',
      'tenants[1].databaseCredentials[0].name = "billing-app": a role name no other credential has (tenants[0].databaseCredentials[0] has it): Vault roles are per engine',
    ]);
  });

  it("refuses a credential whose ExternalSecret or Secret is a KV secret's in the namespace", () => {
    expect(problemsOf(withCredential({ externalSecretName: 'config' }))).toEqual([
      'tenants[0].databaseCredentials[0].externalSecretName = "config": a name not used by a KV secret in the same namespace',
    ]);
  });

  it("takes a single chain's credentials at the top level, and refuses them there with tenants", () => {
    const single = variant(
      {
        vault: { database: localDatabase.vault.database },
        databaseCredentials: [{ ...credential, name: 'local-app' }],
      },
      local,
    );
    expect(problemsOf(single)).toEqual([]);
    expect(problemsOf({ ...localDatabase, databaseCredentials: [credential] })).toEqual([
      `databaseCredentials = ${JSON.stringify([credential])}: nothing: with tenants, each tenant lists its own`,
    ]);
  });

  it('refuses a connection URL with credentials in it, without showing them', () => {
    const config = variant(
      {
        vault: {
          database: {
            ...localDatabase.vault.database!,
            connections: [
              {
                ...localDatabase.vault.database!.connections[0],
                connectionUrl: 'postgresql://vault_admin:hunter2@db:5432/app',
                plugin: 'mysql' as never,
              },
            ],
          },
        },
      },
      localDatabase,
    );
    const problems = problemsOf(config);
    expect(problems).toEqual([
      'vault.database.connections[0].plugin = "mysql": one of "postgresql"',
      'vault.database.connections[0].connectionUrl = "postgresql://***@db:5432/app": a postgresql:// URL whose credentials are Vault\'s templates, e.g. "postgresql://{{username}}:{{password}}@db.internal:5432/app?sslmode=require"; the root password comes from the variable database_root_password_<name>',
    ]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('refuses an engine mounted where the KV secrets are', () => {
    const config = variant(
      { vault: { database: { ...localDatabase.vault.database!, mountPath: 'dbteams' } } },
      localDatabase,
    );
    expect(problemsOf(config)).toEqual([
      'vault.database.mountPath = "dbteams": a path different from vault.kvMount.path',
    ]);
  });
});

describe('chain rules over dynamic credentials', () => {
  it('the shipped environment passes every rule', () => {
    expect(checkChain(json())).toEqual([]);
  });

  it('the root password is a sensitive, ephemeral variable, never a value', () => {
    const variable = json().variable![databaseRootPasswordVariableName('lab')];
    expect(variable).toEqual(expect.objectContaining({ sensitive: true, ephemeral: true }));
  });

  it("CHAIN-001 and CHAIN-006: a policy granting another team's creds/ path, or more than read", () => {
    const j = json();
    const policy = policyOf(j, 'eso-billing');
    policy.policy = `${policy.policy as string}\npath "database/creds/orders-app" {\n  capabilities = ["read", "update"]\n}\n`;
    expect(messages(policyExactDataPaths.check(j))).toEqual([
      'CHAIN-001 policy "eso-billing": path "database/creds/orders-app" is not the data/ or metadata/ path of a declared secret',
    ]);
    expect(messages(tenantIsolation.check(j))).toEqual([
      'CHAIN-006 "database/creds/orders-app" is granted to tenants "orders" and "billing", but "orders" and "billing" did not declare it shared',
    ]);
    const own = policyOf(j, 'eso-orders');
    own.policy = (own.policy as string).replace(
      'path "database/creds/orders-app" {\n  capabilities = ["read"]',
      'path "database/creds/orders-app" {\n  capabilities = ["read", "delete"]',
    );
    expect(messages(policyExactDataPaths.check(j))).toContain(
      'CHAIN-001 policy "eso-orders": path "database/creds/orders-app" grants ["delete"]; reading a credential needs "read" only',
    );
  });

  it("CHAIN-008: a generator reading another team's role, or logging in as another team", () => {
    const j = json();
    const generator = manifestOf(j, 'VaultDynamicSecret', 'team-billing');
    (generator.spec as JsonObject).path = 'database/creds/orders-app';
    const jwt = ((generator.spec as JsonObject).provider as JsonObject).auth as JsonObject;
    (jwt.jwt as JsonObject).role = 'eso-orders';
    expect(messages(dynamicCredentials.check(j))).toEqual([
      'CHAIN-008 VaultDynamicSecret "team-billing/billing-db": reads "database/creds/orders-app", which its namespace\'s tenant "billing" does not declare',
      'CHAIN-008 VaultDynamicSecret "team-billing/billing-db": logs in with role "eso-orders" as "team-billing/vault-auth"; its tenant\'s are "eso-billing" and "team-billing/vault-auth"',
    ]);
  });

  it('CHAIN-008: an ExternalSecret naming a generator of another namespace', () => {
    const j = json();
    const es = Object.values(j.resource.kubernetes_manifest)
      .map((r) => r.manifest as JsonObject)
      .find((m) => (m.metadata as JsonObject).name === 'orders-db' && m.kind === 'ExternalSecret')!;
    const ref = (((es.spec as JsonObject).dataFrom as JsonObject[])[0].sourceRef as JsonObject)
      .generatorRef as JsonObject;
    ref.name = 'billing-db';
    expect(messages(dynamicCredentials.check(j))).toEqual([
      'CHAIN-008 ExternalSecret "team-orders/orders-db": generatorRef VaultDynamicSecret/billing-db is not a VaultDynamicSecret of this stack in its namespace',
    ]);
  });

  it('CHAIN-005 and CHAIN-008: a stored root password, no rotation, a role its connection does not allow', () => {
    const j = json();
    const mount = Object.values(j.resource.vault_database_secrets_mount)[0];
    const block = (mount.postgresql as JsonObject[])[0];
    block.password = 'bootstrap-literal';
    delete block.password_wo;
    block.allowed_roles = ['orders-app'];
    for (const [name, endpoint] of Object.entries(j.resource.vault_generic_endpoint))
      if ((endpoint.path as string).includes('/rotate-root/'))
        delete j.resource.vault_generic_endpoint[name];
    expect(messages(noSecretValues.check(j))).toContain(
      `CHAIN-005 vault_database_secrets_mount.${Object.keys(j.resource.vault_database_secrets_mount)[0]}: postgresql.password is a literal; it must come from a sensitive variable or another resource`,
    );
    expect(messages(dynamicCredentials.check(j))).toEqual([
      'CHAIN-008 connection "lab": its password is a stored attribute (plan and state); give it as password_wo',
      'CHAIN-008 connection "lab": no password_wo; Vault could not log in to rotate it',
      'CHAIN-008 connection "lab": its root password is never rotated by Vault; whoever gave it still knows it',
      'CHAIN-008 database role "billing-app": connection "lab" does not list it in allowed_roles, so Vault refuses its credentials',
    ]);
  });
});
