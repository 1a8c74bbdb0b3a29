import { goDurationSeconds, isGoDuration } from '../../common/go-duration';
import type { Layout } from './vault';
import { type Checker, isObject, type Obj, SHAPES } from './checker';
import { OPTIONS } from './schema';

/** What the credentials of a list are checked against: the environment around them. */
export interface DatabaseContext {
  readonly layout: Layout;
  /** Names of the engine's connections; undefined when there is no engine. */
  readonly connections: ReadonlySet<string> | undefined;
  /** `vault.tokenTtlSeconds`, when valid: the life of the login token that reads a credential. */
  readonly tokenTtlSeconds: number | undefined;
  readonly storeAuth: unknown;
  /** Role names seen so far in the environment, with the key that declared each. */
  readonly roles: Map<string, string>;
}

const DATABASE_USER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const RESERVED_MOUNTS = ['sys', 'identity', 'cubbyhole'];

/** `vault.database`: the mount and its connections; returns the connection names. */
export function validateDatabaseEngine(c: Checker, vault: unknown): Set<string> | undefined {
  if (!isObject(vault) || vault.database === undefined) return undefined;
  const engine = c.object('vault.database', vault.database, 'vault.database');
  if (!engine) return new Set();
  const mountPath = engine.mountPath;
  if (RESERVED_MOUNTS.includes(String(mountPath)))
    c.add(
      'vault.database.mountPath',
      mountPath,
      `a mount of your own (${RESERVED_MOUNTS.join(', ')} are Vault's)`,
    );
  else if (c.shape('vault.database.mountPath', mountPath, SHAPES.mountPath)) {
    const kv = isObject(vault.kvMount) ? vault.kvMount.path : undefined;
    for (const [other, value] of [
      ['vault.kvMount.path', kv],
      ['vault.authPath', vault.authPath],
    ] as const)
      if (value === mountPath)
        c.add('vault.database.mountPath', mountPath, `a path different from ${other}`);
  }
  if (engine.allowDestroy !== undefined)
    c.boolean('vault.database.allowDestroy', engine.allowDestroy);
  const names = new Set<string>();
  if (!Array.isArray(engine.connections) || engine.connections.length === 0) {
    c.add('vault.database.connections', engine.connections, 'a non-empty list of connections');
    return names;
  }
  engine.connections.forEach((item: unknown, i: number) => {
    const at = `vault.database.connections[${i}]`;
    const connection = c.object(at, item, 'vault.database.connections[]');
    if (!connection) return;
    if (c.shape(`${at}.name`, connection.name, SHAPES.kebab)) {
      if (names.has(connection.name))
        c.add(`${at}.name`, connection.name, 'a name no other connection has');
      names.add(connection.name);
    }
    c.oneOf(`${at}.plugin`, connection.plugin, OPTIONS.databasePlugin);
    validateConnectionUrl(c, `${at}.connectionUrl`, connection.connectionUrl);
    if (typeof connection.username !== 'string' || !DATABASE_USER.test(connection.username))
      c.add(
        `${at}.username`,
        connection.username,
        'a database user name: a letter or "_", then letters, digits or "_"',
      );
    if (connection.rootPasswordVersion !== undefined)
      c.positiveInteger(`${at}.rootPasswordVersion`, connection.rootPasswordVersion);
  });
  return names;
}

/** A URL with Vault's templates in place of the credentials, never a credential itself. */
function validateConnectionUrl(c: Checker, key: string, value: unknown): void {
  const allowed =
    'a postgresql:// URL whose credentials are Vault\'s templates, e.g. "postgresql://{{username}}:{{password}}@db.internal:5432/app?sslmode=require"';
  if (typeof value !== 'string') {
    c.add(key, value, allowed);
    return;
  }
  const match = /^postgres(ql)?:\/\/([^@/]*)@[^/@]+(\/.*)?$/.exec(value);
  if (!match) {
    c.add(key, value, allowed);
    return;
  }
  if (match[2] !== '{{username}}:{{password}}')
    // Shown without the credentials: they would otherwise land in cdk.tf.json, and here.
    c.add(
      key,
      value.replace(match[2], '***'),
      `${allowed}; the root password comes from the variable database_root_password_<name>`,
    );
}

/** `databaseCredentials` of the single chain or of one tenant, at `key`. */
export function validateDatabaseCredentials(
  c: Checker,
  key: string,
  value: unknown,
  ctx: DatabaseContext,
  secrets: unknown,
): void {
  if (value === undefined) return;
  if (ctx.connections === undefined) {
    c.add(
      key,
      value,
      'nothing without vault.database: declare the engine and its connections first',
    );
    return;
  }
  if (ctx.layout === 'shared-store') {
    c.add(
      key,
      value,
      'nothing with eso.isolation "shared-store": its one templated policy grants KV prefixes only (use "per-tenant")',
    );
    return;
  }
  if (ctx.storeAuth === 'token') {
    c.add(
      key,
      value,
      'nothing with eso.storeAuth "token": the generator logs in as the team\'s service account',
    );
    return;
  }
  if (!Array.isArray(value) || value.length === 0) {
    c.add(key, value, 'a non-empty list of database credentials');
    return;
  }
  value.forEach((item: unknown, i: number) => {
    const at = `${key}[${i}]`;
    const credential = c.object(at, item, 'databaseCredentials[]');
    if (credential) validateCredential(c, at, credential, ctx);
  });
  namesApart(c, key, value, secrets);
}

function validateCredential(c: Checker, at: string, credential: Obj, ctx: DatabaseContext): void {
  if (c.shape(`${at}.name`, credential.name, SHAPES.roleName)) {
    const other = ctx.roles.get(credential.name);
    if (other !== undefined)
      c.add(
        `${at}.name`,
        credential.name,
        `a role name no other credential has (${other} has it): Vault roles are per engine`,
      );
    else ctx.roles.set(credential.name, at);
  }
  if (typeof credential.connection !== 'string' || !ctx.connections!.has(credential.connection))
    c.add(
      `${at}.connection`,
      credential.connection,
      `one of the connections of vault.database: ${[...ctx.connections!].map((n) => `"${n}"`).join(', ') || '(none)'}`,
    );
  statements(c, `${at}.creationStatements`, credential.creationStatements, [
    '{{name}}',
    '{{password}}',
  ]);
  statements(c, `${at}.revocationStatements`, credential.revocationStatements, ['{{name}}']);
  c.shape(`${at}.externalSecretName`, credential.externalSecretName, SHAPES.objectName);
  c.shape(`${at}.targetSecretName`, credential.targetSecretName, SHAPES.objectName);
  validateLifetimes(c, at, credential, ctx);
}

/**
 * An ExternalSecret or Secret name in the namespace is one object: a credential's may not be a
 * KV secret's, nor another credential's.
 */
function namesApart(c: Checker, key: string, credentials: unknown[], secrets: unknown): void {
  for (const field of ['externalSecretName', 'targetSecretName'] as const) {
    const taken = new Map<string, string>();
    (Array.isArray(secrets) ? secrets : []).forEach((s: unknown) => {
      if (isObject(s) && typeof s[field] === 'string') taken.set(s[field], 'a KV secret');
    });
    credentials.forEach((item: unknown, i: number) => {
      if (!isObject(item) || typeof item[field] !== 'string') return;
      const other = taken.get(item[field]);
      if (other !== undefined)
        c.add(
          `${key}[${i}].${field}`,
          item[field],
          `a name not used by ${other} in the same namespace`,
        );
      else taken.set(item[field], 'another database credential');
    });
  }
}

/** SQL statements: a non-empty list of strings that, together, use every template needed. */
function statements(c: Checker, key: string, value: unknown, templates: readonly string[]): void {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((s) => typeof s === 'string' && s.trim() !== '')
  ) {
    c.add(key, value, 'a non-empty list of SQL statements');
    return;
  }
  const text = value.join('\n');
  const missing = templates.filter((t) => !text.includes(t));
  if (missing.length > 0)
    c.add(
      key,
      value,
      `statements that use ${missing.join(' and ')} (Vault fills in the user it creates)`,
    );
}

/** TTLs and the refresh: a Secret always holds a live credential, and no lease outlives its token. */
function validateLifetimes(c: Checker, at: string, credential: Obj, ctx: DatabaseContext): void {
  const ttl = c.positiveInteger(`${at}.defaultTtlSeconds`, credential.defaultTtlSeconds);
  const max = c.positiveInteger(`${at}.maxTtlSeconds`, credential.maxTtlSeconds);
  if (ttl && max && (credential.defaultTtlSeconds as number) > (credential.maxTtlSeconds as number))
    c.add(
      `${at}.defaultTtlSeconds`,
      credential.defaultTtlSeconds,
      `at most maxTtlSeconds (${String(credential.maxTtlSeconds)})`,
    );
  if (
    max &&
    ctx.tokenTtlSeconds !== undefined &&
    (credential.maxTtlSeconds as number) > ctx.tokenTtlSeconds
  )
    c.add(
      `${at}.maxTtlSeconds`,
      credential.maxTtlSeconds,
      `at most vault.tokenTtlSeconds (${ctx.tokenTtlSeconds}): Vault revokes a lease when the login token that read it expires, so a longer lease would end early`,
    );
  const interval = credential.refreshInterval;
  if (!isGoDuration(interval) || goDurationSeconds(interval) === 0)
    c.add(
      `${at}.refreshInterval`,
      interval,
      'a Go duration above zero such as "30m" (each refresh issues a new credential)',
    );
  else if (ttl && goDurationSeconds(interval) >= (credential.defaultTtlSeconds as number))
    c.add(
      `${at}.refreshInterval`,
      interval,
      `a duration shorter than defaultTtlSeconds (${String(credential.defaultTtlSeconds)} s), so that ESO replaces each credential before its lease ends`,
    );
}
