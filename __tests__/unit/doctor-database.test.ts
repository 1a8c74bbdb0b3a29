/**
 * The doctor's database links against a fake Vault: each holds on a healthy engine and, broken
 * the way people break it, names what is wrong; they are left out where no database is used.
 */
import { localDatabase } from '../../environments/local-database';
import { local } from '../../environments/local';
import { tenantsOf } from '../../environments/tenants';
import type { EnvironmentConfig } from '../../environments/types';
import { LINKS, diagnose } from '../../ops/doctor/diagnose';
import { databaseConnection } from '../../ops/doctor/links/database-connection';
import { databaseLease } from '../../ops/doctor/links/database-lease';
import { databaseRole } from '../../ops/doctor/links/database-role';
import {
  Broken,
  type DoctorContext,
  type DoctorVault,
  type Facts,
  type Link,
  type LinkFacts,
} from '../../ops/doctor/model';
import type { VaultResponse } from '../../ops/vault-http';

/** What the engine holds: connections (name -> allowed roles), roles (name -> db), grants. */
interface Engine {
  connections: Record<string, string[]>;
  roles: Record<string, string>;
  /** Role names each login token may read the creds of. */
  readable: Record<string, string[]>;
  /** Lease ids revoked through sys/leases/revoke. */
  revoked: string[];
}

function healthy(): Engine {
  return {
    connections: { lab: ['billing-app', 'orders-app'] },
    roles: { 'orders-app': 'lab', 'billing-app': 'lab' },
    readable: { 'token-orders': ['orders-app'], 'token-billing': ['billing-app'] },
    revoked: [],
  };
}

class FakeVault implements DoctorVault {
  constructor(
    private readonly engine: Engine,
    private readonly token = 'operator',
  ) {}

  inNamespace(): DoctorVault {
    return this;
  }

  withToken(token: string): DoctorVault {
    return new FakeVault(this.engine, token);
  }

  request(method: string, path: string, body?: unknown): Promise<VaultResponse> {
    const ok = (data: Record<string, unknown>): VaultResponse => ({
      status: 200,
      body: data,
      errors: '',
    });
    const e = this.engine;
    const config = /^database\/config\/(.+)$/.exec(path);
    const role = /^database\/roles\/(.+)$/.exec(path);
    const creds = /^database\/creds\/(.+)$/.exec(path);
    let answer: VaultResponse = { status: 404, errors: '' };
    if (path === 'sys/leases/revoke') {
      e.revoked.push((body as { lease_id: string }).lease_id);
      answer = { status: 204, errors: '' };
    } else if (config && e.connections[config[1]])
      answer = ok({
        data: {
          plugin_name: 'postgresql-database-plugin',
          allowed_roles: e.connections[config[1]],
        },
      });
    else if (role && e.roles[role[1]]) answer = ok({ data: { db_name: e.roles[role[1]] } });
    else if (creds && method === 'GET')
      answer = (e.readable[this.token] ?? []).includes(creds[1])
        ? ok({
            lease_id: `database/creds/${creds[1]}/lease-1`,
            lease_duration: 60,
            data: { username: 'v-user', password: 'never shown' },
          })
        : { status: 403, errors: 'permission denied' };
    return Promise.resolve(answer);
  }
}

function context(engine: Engine, config: EnvironmentConfig = localDatabase): DoctorContext {
  return {
    config,
    tenants: tenantsOf(config),
    vault: new FakeVault(engine),
    kubectl: {
      getJson: () => Promise.resolve(undefined),
      run: () => Promise.resolve({ code: 1, stdout: '', stderr: '' }),
    },
  };
}

/** The facts a link reads, as the links before it would have provided them. */
function facts(tenant: string, grantsCreds = true): LinkFacts {
  const given: Partial<Facts> = {
    loginToken: `token-${tenant}`,
    grants: (path) => grantsCreds || !path.includes('/creds/'),
  };
  return {
    need: (fact) => given[fact] as never,
    provide: () => undefined,
  };
}

async function run(link: Link, engine: Engine, tenant = 'orders'): Promise<string> {
  const ctx = context(engine);
  return link.check(
    ctx,
    ctx.tenants.find((t) => t.name === tenant)!,
    facts(tenant),
  );
}

async function brokenAt(link: Link, engine: Engine, tenant = 'orders'): Promise<string> {
  try {
    await run(link, engine, tenant);
  } catch (error) {
    if (error instanceof Broken) return error.message;
    throw error;
  }
  throw new Error(`${link.id} held`);
}

describe('the database links', () => {
  it('hold on a healthy engine, issuing and revoking one credential, keys only', async () => {
    const engine = healthy();
    await expect(run(databaseConnection, engine)).resolves.toBe(
      'configured: "lab" (postgresql-database-plugin, roles orders-app, billing-app)',
    );
    await expect(run(databaseRole, engine)).resolves.toBe(
      '"orders-app" in place, granted to "eso-orders"',
    );
    const lease = await run(databaseLease, engine);
    expect(lease).toBe(
      'issued and revoked orders-app [username, password], 60 s lease (keys only)',
    );
    expect(lease).not.toContain('never shown');
    expect(engine.revoked).toEqual(['database/creds/orders-app/lease-1']);
  });

  it('database-connection: a connection missing, or not allowing a role', async () => {
    await expect(brokenAt(databaseConnection, { ...healthy(), connections: {} })).resolves.toBe(
      'Database connection "lab" is not configured at "database/config/lab": no credential of it can be issued.',
    );
    await expect(
      brokenAt(databaseConnection, { ...healthy(), connections: { lab: ['orders-app'] } }),
    ).resolves.toBe(
      'Connection "lab" does not allow the role(s) "billing-app" (allowed: ["orders-app"]): Vault refuses to issue their credentials.',
    );
  });

  it('database-role: the role missing, or its creds path not granted', async () => {
    await expect(brokenAt(databaseRole, { ...healthy(), roles: {} })).resolves.toBe(
      'Database role "orders-app" does not exist at "database/roles/orders-app": ExternalSecret "orders-db" gets no credential.',
    );
    const ctx = context(healthy());
    const orders = ctx.tenants[0];
    await expect(databaseRole.check(ctx, orders, facts('orders', false))).rejects.toThrow(
      'Policy "eso-orders" does not grant read on "database/creds/orders-app": the generator\'s read is answered 403.',
    );
  });

  it("database-lease: the team's login refused its role, or issued another team's", async () => {
    await expect(
      brokenAt(databaseLease, { ...healthy(), readable: { 'token-orders': [] } }),
    ).resolves.toBe(
      'Reading "database/creds/orders-app" with the team\'s login failed (403: permission denied).',
    );
    const leaky = { ...healthy(), readable: { 'token-orders': ['orders-app', 'billing-app'] } };
    await expect(brokenAt(databaseLease, leaky)).resolves.toBe(
      'Tenant "orders"\'s login was issued a credential of "billing-app", tenant "billing"\'s role: the tenants are not isolated.',
    );
    expect(leaky.revoked).toContain('database/creds/billing-app/lease-1');
  });

  it('are left out of the walk of an environment without a database', async () => {
    const ctx = context(healthy(), local);
    const database = LINKS.filter((l) => l.id.startsWith('database-'));
    expect(database.map((l) => l.appliesTo?.(ctx, ctx.tenants[0]))).toEqual([false, false, false]);
    // The whole walk of the one chain (the fake Vault breaks it early: the rest is not checked).
    const results = await diagnose(ctx);
    expect(results.filter((r) => r.id.startsWith('database-'))).toEqual([]);
    expect(results).toHaveLength(LINKS.length - database.length);
  });
});
