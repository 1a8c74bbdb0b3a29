/**
 * Dynamic database credentials, end to end against the lab's real PostgreSQL: Vault's database
 * engine (its root password given write-only and rotated by Vault), each team's role and grant,
 * ESO's VaultDynamicSecret generator feeding an ExternalSecret. The synced Secret logs in to
 * PostgreSQL; another team's login is refused the role; each refresh issues a new credential
 * while Vault drops the old one when its lease ends; destroying the engine revokes every lease.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { databasePaths } from '../../common/chain/database';
import { runProcess } from '../../common/process';
import { localDatabase } from '../../environments/local-database';
import { tenantsOf } from '../../environments/tenants';
import {
  MINUTES,
  type StackVariant,
  deploy,
  destroy,
  doctor,
  ensureDestroyed,
  eventually,
  kubectlJson,
  lab,
  login,
  opsDeploy,
  plan,
  savedPlanJson,
  serviceAccountToken,
  stateFile,
  vault,
} from './support/lab-chain';
import { recordTiming } from './support/timings';
import { variantConfig } from './support/variant-config';

/** A bootstrap password of this run: the one the deploy gives, which Vault rotates away. */
const BOOTSTRAP = randomBytes(18).toString('hex');
const v: StackVariant = {
  name: 'local-database',
  base: 'local-database',
  changes: {},
  vars: { database_root_password_lab: BOOTSTRAP },
};
const config = variantConfig(v);
const [orders, billing] = tenantsOf(config);
const mount = config.vault.database!.mountPath;
const credsOf = (tenant: typeof orders) =>
  databasePaths(mount, { role: tenant.databaseCredentials[0].name }).creds;

/** psql against the lab's PostgreSQL as `user`: exit code and the first row (never the password). */
async function psql(user: string, password: string, sql: string) {
  const pg = lab().postgres;
  const result = await runProcess(
    join(pg.binDir, 'psql'),
    ['-h', pg.host, '-p', String(pg.port), '-U', user, '-d', 'postgres', '-tAc', sql],
    { env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' } },
  );
  return { code: result.code, out: result.stdout.trim(), err: result.stderr.trim() };
}

async function asSuperuser(sql: string): Promise<string> {
  const pg = lab().postgres;
  const answer = await psql(
    pg.superuser,
    readFileSync(pg.superuserPasswordPath, 'utf8').trim(),
    sql,
  );
  if (answer.code !== 0) throw new Error(`psql as superuser: ${answer.err}`);
  return answer.out;
}

/** The database users Vault made for a role (`v-<auth>-<role>-...`). */
async function vaultUsers(role: string): Promise<string[]> {
  const rows = await asSuperuser(
    `SELECT rolname FROM pg_roles WHERE rolname LIKE 'v-%' AND rolname LIKE '%${role.slice(0, 8)}%' ORDER BY 1`,
  );
  return rows === '' ? [] : rows.split('\n');
}

/** The synced Secret's credential (decoded). */
async function syncedCredential(
  tenant: typeof orders,
): Promise<{ username: string; password: string } | undefined> {
  const secret = await kubectlJson<{ data?: Record<string, string> }>([
    'secret',
    tenant.databaseCredentials[0].targetSecretName,
    '-n',
    tenant.namespace,
  ]);
  const decode = (key: string) =>
    secret?.data?.[key] === undefined
      ? undefined
      : Buffer.from(secret.data[key], 'base64').toString('utf8');
  const username = decode('username');
  const password = decode('password');
  return username && password ? { username, password } : undefined;
}

async function teamLogin(tenant: typeof orders): Promise<string> {
  const jwt = await serviceAccountToken(
    tenant.namespace,
    tenant.serviceAccountName,
    config.kubernetes.tokenAudience,
  );
  const answer = await login(config.vault.authPath, tenant.roleName, jwt);
  if (answer.token === undefined) throw new Error(`login refused: ${answer.errors}`);
  return answer.token;
}

describe('dynamic database credentials (PostgreSQL)', () => {
  beforeAll(async () => {
    await ensureDestroyed(v);
    // The DBA's part: a bootstrap password for the user Vault administers the database as.
    await asSuperuser(`ALTER ROLE ${lab().postgres.vaultUser} WITH PASSWORD '${BOOTSTRAP}'`);
    const started = Date.now();
    const deployed = await deploy(v);
    if (deployed.code !== 0)
      throw new Error(`deploy failed:\n${(deployed.stdout + deployed.stderr).slice(-3000)}`);
    recordTiming('database deploy', (Date.now() - started) / 1000);
  }, 15 * MINUTES);
  afterAll(() => ensureDestroyed(v), 10 * MINUTES);

  it('Vault rotated the root password: the bootstrap one no longer logs in, and no state or plan holds it', async () => {
    const refused = await psql(lab().postgres.vaultUser, BOOTSTRAP, 'SELECT 1');
    expect([refused.code, /password authentication failed/.test(refused.err)]).toEqual([2, true]);
    expect(readFileSync(stateFile(v), 'utf8')).not.toContain(BOOTSTRAP);
    const shown = await savedPlanJson(v);
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toContain(BOOTSTRAP);
  });

  it("each team's synced Secret logs in to PostgreSQL as the user Vault made for it", async () => {
    for (const tenant of [orders, billing]) {
      const credential = await eventually(`${tenant.name}'s Secret`, 60, () =>
        syncedCredential(tenant),
      );
      expect(credential.username).toContain(tenant.databaseCredentials[0].name.slice(0, 8));
      const session = await psql(credential.username, credential.password, 'SELECT current_user');
      expect([session.code, session.out]).toEqual([0, credential.username]);
    }
  });

  it("another team's login is refused the role; its own issues a credential (timed), and revoking it drops the user (timed)", async () => {
    const billingToken = await teamLogin(billing);
    const refused = await vault('GET', credsOf(orders), { token: billingToken });
    expect(refused.status).toBe(403);
    const ordersToken = await teamLogin(orders);
    const issuing = Date.now();
    const issued = await vault('GET', credsOf(orders), { token: ordersToken });
    recordTiming('database credential issued', (Date.now() - issuing) / 1000);
    expect(issued.status).toBe(200);
    const { username, password } = issued.body?.data as { username: string; password: string };
    expect((await psql(username, password, 'SELECT 1')).code).toBe(0);
    const revoking = Date.now();
    const revoked = await vault('PUT', 'sys/leases/revoke', {
      body: { lease_id: issued.body?.lease_id },
    });
    expect(revoked.status).toBe(204);
    await eventually('the revoked user to be dropped', 30, async () =>
      (await vaultUsers(orders.databaseCredentials[0].name)).includes(username) ? undefined : true,
    );
    recordTiming('database credential revoked', (Date.now() - revoking) / 1000);
    expect((await psql(username, password, 'SELECT 1')).code).toBe(2);
    await vault('POST', 'auth/token/revoke-self', { token: ordersToken });
    await vault('POST', 'auth/token/revoke-self', { token: billingToken });
  });

  it('a refresh brings new credentials that work, and Vault drops the old ones when their lease ends', async () => {
    const first = await eventually("orders' Secret", 60, () => syncedCredential(orders));
    const credential = orders.databaseCredentials[0];
    const rotated = await eventually('a new credential in the Secret', 90, async () => {
      const now = await syncedCredential(orders);
      return now && now.username !== first.username ? now : undefined;
    });
    expect((await psql(rotated.username, rotated.password, 'SELECT 1')).code).toBe(0);
    // The old lease ends within its TTL; Vault runs the revocation statements then.
    await eventually('the old user to be dropped', credential.maxTtlSeconds + 30, async () =>
      (await vaultUsers(credential.name)).includes(first.username) ? undefined : true,
    );
    const old = await psql(first.username, first.password, 'SELECT 1');
    expect(old.code).toBe(2);
  });

  it('plans nothing more, and the doctor walks the database links', async () => {
    expect((await plan(v)).code).toBe(0);
    const diagnosis = await doctor(v.name);
    expect(diagnosis.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(
      diagnosis.checks.filter((c) => c.id.startsWith('database')).map((c) => [c.id, c.tenant]),
    ).toEqual([
      ['database-connection', undefined],
      ['database-role', 'orders'],
      ['database-lease', 'orders'],
      ['database-role', 'billing'],
      ['database-lease', 'billing'],
    ]);
  });

  it("removing a team's credential with npm run deploy revokes its leases at once", async () => {
    const role = billing.databaseCredentials[0].name;
    await eventually("billing's users", 60, async () =>
      (await vaultUsers(role)).length > 0 ? true : undefined,
    );
    const [ordersConfig, billingConfig] = localDatabase.tenants!;
    const removed: StackVariant = {
      ...v,
      changes: { tenants: [ordersConfig, { ...billingConfig, databaseCredentials: undefined }] },
    };
    const deployed = await opsDeploy(removed);
    expect([
      deployed.code,
      deployed.stderr.includes(`revoked the credentials of removed role(s) ${role}`),
    ]).toEqual([0, true]);
    // At once: the leases had up to a minute left.
    expect(await vaultUsers(role)).toEqual([]);
    expect((await vaultUsers(orders.databaseCredentials[0].name)).length).toBeGreaterThan(0);
  });

  it('destroying the engine revokes every lease: Vault drops every user it made', async () => {
    const before = [
      ...(await vaultUsers(orders.databaseCredentials[0].name)),
      ...(await vaultUsers(billing.databaseCredentials[0].name)),
    ];
    expect(before.length).toBeGreaterThan(0);
    const destroyed = await destroy(v);
    expect(destroyed.code).toBe(0);
    // At once, not when the leases would have ended.
    expect([
      ...(await vaultUsers(orders.databaseCredentials[0].name)),
      ...(await vaultUsers(billing.databaseCredentials[0].name)),
    ]).toEqual([]);
  });
});
