import { CHAIN_RULE_IDS } from '../common/chain-rule-ids';
import { VAULT_DYNAMIC_SECRET_KIND, databasePaths, parseCredsPath } from '../common/chain/database';
import { type JsonObject, type StackJson, isObject, providerConfig } from '../common/stack-json';
import { SynthesizedStack } from '../common/synthesized-stack';
import type { Rule, Violation } from './rule';

const DYNAMIC_CREDENTIALS_ID = CHAIN_RULE_IDS.dynamicCredentials;
/** The plugin blocks a database secrets mount may hold that this project writes. */
const DATABASE_PLUGINS = ['postgresql'] as const;

/** Each generator reads a creds path its namespace's tenant declares, logging in as that tenant. */
function generatorProblems(stack: SynthesizedStack): string[] {
  const provider = providerConfig(stack.json, 'vault') ?? {};
  const tenantOf = new Map(stack.declaredTenants().tenants.map((t) => [t.namespace, t]));
  const roles = new Set(
    stack.resources('vault_database_secret_backend_role').map(
      (r) =>
        databasePaths(stack.values.text(r.body.backend) ?? '?', {
          role: stack.values.text(r.body.name),
        }).creds,
    ),
  );
  const authPaths = new Set(stack.roles().map((r) => r.backend));
  const problems: string[] = [];
  for (const { generator: g } of stack.vaultDynamicSecrets()) {
    const where = `VaultDynamicSecret "${g.namespace ?? '?'}/${g.name ?? '?'}"`;
    const tenant = tenantOf.get(g.namespace ?? '');
    const path = g.path ?? '?';
    if (parseCredsPath(path) === undefined || !roles.has(path))
      problems.push(
        `${where}: reads "${path}", which is not the creds/ path of a database role of this stack`,
      );
    else if (!tenant?.database_credentials?.includes(path))
      problems.push(
        `${where}: reads "${path}", which its namespace's tenant${tenant ? ` "${tenant.name}"` : ''} does not declare`,
      );
    if (g.method !== undefined && g.method !== 'GET')
      problems.push(`${where}: method "${g.method}"; a credential is issued by a read (GET)`);
    if (
      g.server !== stack.values.text(provider.address) ||
      g.vaultNamespace !== stack.values.text(provider.namespace)
    )
      problems.push(
        `${where}: logs in to ${g.server ?? '?'} (namespace ${g.vaultNamespace ?? '(root)'}), not the Vault of this stack`,
      );
    const login = g.login;
    if (login === undefined || !authPaths.has(login.mountPath))
      problems.push(`${where}: logs in through no auth method of this stack`);
    else if (
      tenant &&
      (login.role !== tenant.role ||
        login.account.name !== tenant.service_account ||
        login.account.namespace !== undefined)
    )
      problems.push(
        `${where}: logs in with role "${login.role ?? '?'}" as "${login.account.namespace ?? g.namespace ?? '?'}/${login.account.name ?? '?'}"; its tenant's are "${tenant.role}" and "${tenant.namespace}/${tenant.service_account}"`,
      );
  }
  return problems;
}

/** Each ExternalSecret fed by a generator names a VaultDynamicSecret of its own namespace. */
function externalSecretProblems(stack: SynthesizedStack): string[] {
  const generators = new Set(
    stack.vaultDynamicSecrets().map(({ generator: g }) => `${g.namespace}/${g.name}`),
  );
  return stack
    .externalSecrets()
    .flatMap(({ externalSecret: es }) =>
      es.generatorRefs
        .filter(
          (ref) =>
            ref.kind !== VAULT_DYNAMIC_SECRET_KIND ||
            !generators.has(`${es.namespace}/${ref.name}`),
        )
        .map(
          (ref) =>
            `ExternalSecret "${es.namespace ?? '?'}/${es.name ?? '?'}": generatorRef ${ref.kind ?? '?'}/${ref.name ?? '?'} is not a VaultDynamicSecret of this stack in its namespace`,
        ),
    );
}

/** One connection block of a `vault_database_secrets_mount`, with the mount it is in. */
interface ConnectionRead {
  readonly mountAddress: string;
  readonly name: string;
  readonly body: JsonObject;
}

function connectionsOf(stack: SynthesizedStack): ConnectionRead[] {
  return stack.resources('vault_database_secrets_mount').flatMap((mount) =>
    DATABASE_PLUGINS.flatMap((plugin) => {
      const blocks = mount.body[plugin];
      return (Array.isArray(blocks) ? blocks : []).filter(isObject).map((body) => ({
        mountAddress: mount.address,
        name: stack.values.text(body.name) ?? '?',
        body,
      }));
    }),
  );
}

/** Connections take their password write-only and have Vault rotate it. */
function connectionProblems(stack: SynthesizedStack, connections: ConnectionRead[]): string[] {
  // Rotation paths name the mount by reference (`${vault_database_secrets_mount.x.path}/...`).
  const rotated = new Set(
    stack.resources('vault_generic_endpoint').map((e) => e.body.path as string),
  );
  return connections.flatMap(({ mountAddress, name, body }) => [
    ...(body.password !== undefined
      ? [
          `connection "${name}": its password is a stored attribute (plan and state); give it as password_wo`,
        ]
      : []),
    ...(body.password_wo === undefined
      ? [`connection "${name}": no password_wo; Vault could not log in to rotate it`]
      : []),
    ...(!rotated.has(databasePaths(`\${${mountAddress}.path}`, { connection: name }).rotateRoot)
      ? [
          `connection "${name}": its root password is never rotated by Vault; whoever gave it still knows it`,
        ]
      : []),
  ]);
}

/** Each role names a connection of its mount that lists it in allowed_roles. */
function roleProblems(stack: SynthesizedStack, connections: ConnectionRead[]): string[] {
  return stack.resources('vault_database_secret_backend_role').flatMap((role) => {
    const name = stack.values.text(role.body.name) ?? role.address;
    const db = stack.values.text(role.body.db_name);
    const connection = connections.find(
      (c) => c.name === db && role.body.backend === `\${${c.mountAddress}.path}`,
    );
    if (connection === undefined)
      return [
        `database role "${name}": db_name "${db ?? '?'}" is not a connection of its mount in this stack`,
      ];
    if (!(stack.values.list(connection.body.allowed_roles) ?? []).includes(name))
      return [
        `database role "${name}": connection "${db}" does not list it in allowed_roles, so Vault refuses its credentials`,
      ];
    return [];
  });
}

/**
 * Dynamic credentials hold together: each generator reads a creds/ path of a role of this stack
 * that its tenant declares, logging in to this stack's Vault as that tenant; each ExternalSecret
 * fed by a generator names one of its namespace; each role's connection allows it; each
 * connection's root password is write-only and rotated by Vault.
 */
export const dynamicCredentials: Rule = {
  id: DYNAMIC_CREDENTIALS_ID,
  description:
    "each dynamic credential is read by its own tenant's generator, from a role its connection allows; root passwords write-only and rotated",
  check(json: StackJson): Violation[] {
    const stack = new SynthesizedStack(json);
    const connections = connectionsOf(stack);
    return [
      ...generatorProblems(stack),
      ...externalSecretProblems(stack),
      ...connectionProblems(stack, connections),
      ...roleProblems(stack, connections),
    ].map((message) => ({ ruleId: DYNAMIC_CREDENTIALS_ID, message }));
  },
};
