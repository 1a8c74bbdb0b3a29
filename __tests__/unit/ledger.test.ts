/**
 * The ledger: what each environment deployed, and the refusals that keep a value from being lost
 * by an edit of an environment file.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ALL_ENVIRONMENTS,
  ConfigError,
  loadEnvironments,
  validateEnvironment,
} from '../../environments';
import {
  type Ledger,
  entriesOf,
  ledgerProblems,
  readLedger,
  readTeamLedgers,
  writeLedger,
} from '../../environments/ledger';
import { resolveTeamFiles } from '../../environments/team-files';
import { local } from '../../environments/local';
import { deployedClusterNames } from '../../environments/clusters';
import { entriesFromState } from '../../ops/ledger-state';
import { synthJson, variant } from '../support/stack';
import { withTenants } from '../support/tenants';

const deployed: Ledger = { environment: 'local', entries: entriesOf(local) };
const problems = (changes: Parameters<typeof variant>[0], ledger: Ledger = deployed) =>
  ledgerProblems(variant(changes), ledger).map(
    (p) => `${p.key} = ${JSON.stringify(p.value)}: ${p.allowed}`,
  );
const [mySecret, appConfig] = local.secrets;

describe('the committed ledgers', () => {
  it.each(
    ALL_ENVIRONMENTS.filter((e) => e.teamFiles === undefined).map((e) => [e.name, e] as const),
  )('%s: its ledger records exactly what it deploys (npm run ledger writes it)', (_name, env) => {
    expect(readLedger(env.name).entries).toEqual(expect.arrayContaining(entriesOf(env)));
    expect(readLedger(env.name).entries).toHaveLength(entriesOf(env).length);
    // The clusters it is on, for an environment that lists them (none otherwise).
    expect(readLedger(env.name).clusters).toEqual(deployedClusterNames(env));
  });

  it.each(
    ALL_ENVIRONMENTS.filter((e) => e.teamFiles !== undefined).map((e) => [e.name, e] as const),
  )(
    "%s: each team stack's ledger records exactly what that team deploys, the environment's none",
    (_name, raw) => {
      const env = resolveTeamFiles(raw);
      const teams = readTeamLedgers(env.name);
      expect(readLedger(env.name).entries).toEqual([]);
      expect([...teams.keys()].sort()).toEqual(env.tenants!.map((t) => t.name).sort());
      for (const [team, ledger] of teams)
        expect(ledger.entries).toEqual(
          expect.arrayContaining(entriesOf(env).filter((e) => e.tenant === team)),
        );
      expect([...teams.values()].flatMap((l) => l.entries)).toHaveLength(entriesOf(env).length);
    },
  );
});

describe('a deployed secret leaving the configuration', () => {
  it('is refused when nothing says where it went, naming it, its ExternalSecret and the fixes', () => {
    expect(problems({ secrets: [mySecret] })).toEqual([
      'retiredSecrets = "app/config": a list naming "app/config": it was deployed (environments/ledgers/local.json; ExternalSecret my-namespace/app-config, Secret app-config) and is no longer declared. Retire it to keep its versions in Vault and stop managing it, declare it again, or declare where it went (movedFrom on the secret that replaces it)',
    ]);
  });

  it('is accepted when retired, or declared moved', () => {
    expect(problems({ secrets: [mySecret], retiredSecrets: ['app/config'] })).toEqual([]);
    expect(
      problems({
        secrets: [
          mySecret,
          { ...appConfig, name: 'app/settings', movedFrom: { name: 'app/config' } },
        ],
      }),
    ).toEqual([]);
  });
});

describe('a path that changes under a deployed ExternalSecret', () => {
  it('is refused unless declared moved: ESO would serve what the new path holds over the live Secret', () => {
    expect(problems({ secrets: [mySecret, { ...appConfig, name: 'app/settings' }] })).toEqual([
      `secrets[1].movedFrom = undefined: { name: 'app/config' }: ExternalSecret my-namespace/app-config read "secret/app/config" when deployed (environments/ledgers/local.json) and would now read "secret/app/settings", serving whatever that path holds over the live Secret. Declaring the move copies every version there first; or retire "app/config" and give this ExternalSecret another name`,
    ]);
  });

  it('names the mount when the mount changed, and takes a move from it', () => {
    const moved = { vault: { kvMount: { path: 'kv', managed: false } } };
    expect(problems(moved)[0]).toContain("{ name: 'my-secret', mount: 'secret' }");
    expect(
      problems({
        ...moved,
        secrets: local.secrets.map((s) => ({ ...s, movedFrom: { name: s.name, mount: 'secret' } })),
      }),
    ).toEqual([]);
  });

  it('follows tenants: a new secretPrefix moves every path of the tenant', () => {
    const config = withTenants();
    const ledger = { environment: config.name, entries: entriesOf(config) };
    const [alpha, beta] = config.tenants!;
    const renamed = { ...config, tenants: [{ ...alpha, secretPrefix: 'a' }, beta] };
    expect(ledgerProblems(renamed, ledger).map((p) => p.key)).toEqual([
      'tenants[0].secrets[0].movedFrom',
    ]);
  });
});

describe('a tenant renamed', () => {
  const config = withTenants();
  const ledger = { environment: config.name, entries: entriesOf(config) };
  const [alpha, beta] = config.tenants!;

  it('is refused unless renamedFrom says its earlier name', () => {
    const renamed = {
      ...config,
      tenants: [{ ...alpha, name: 'alpha-2', secretPrefix: 'alpha' }, beta],
    };
    expect(ledgerProblems(renamed, ledger).map((p) => `${p.key}: ${p.allowed}`)).toEqual([
      expect.stringMatching(
        /^tenants\[0\]\.renamedFrom: "alpha": tenant "alpha-2" holds ExternalSecret /,
      ),
    ]);
    const declared = {
      ...config,
      tenants: [{ ...alpha, name: 'alpha-2', secretPrefix: 'alpha', renamedFrom: 'alpha' }, beta],
    };
    expect(ledgerProblems(declared, ledger)).toEqual([]);
  });

  it('moves every object of its scope to its new addresses', () => {
    const declared = {
      ...config,
      tenants: [{ ...alpha, name: 'alpha-2', secretPrefix: 'alpha', renamedFrom: 'alpha' }, beta],
    };
    const moved = (synthJson(declared, false).moved ?? []) as { from: string; to: string }[];
    const fromAlpha = moved.filter(
      (m) => m.from.includes('tenant-alpha_') && m.to.includes('tenant-alpha-2_'),
    );
    // Earlier moves under the earlier name chain on into the rename.
    for (const m of moved.filter((x) => x.to.includes('tenant-alpha_')))
      expect(fromAlpha.map((x) => x.from)).toContain(m.to);
    expect(fromAlpha.length).toBeGreaterThan(3);
    for (const m of fromAlpha)
      expect(m.to).toBe(
        m.from.replace('tenant-alpha_', 'tenant-alpha-2_').replace(/_[0-9A-F]{8}$/, m.to.slice(-9)),
      );
    expect(new Set(moved.map((m) => m.to)).size).toBe(moved.length);
  });
});

describe('loading environments', () => {
  it('checks each against its ledger and refuses before any stack exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledgers-'));
    writeLedger(deployed, dir);
    const dropped = variant({ secrets: [mySecret] });
    expect(() => loadEnvironments(undefined, [dropped], { ledgerDir: dir })).toThrow(ConfigError);
    expect(() => loadEnvironments(undefined, [dropped], { ledgerDir: dir })).toThrow(
      /retiredSecrets = "app\/config": a list naming "app\/config"/,
    );
    expect(loadEnvironments(undefined, [local], { ledgerDir: dir })).toHaveLength(1);
  });
});

describe('the new keys, validated', () => {
  const errors = (changes: Parameters<typeof variant>[0]) =>
    validateEnvironment(variant(changes)).map((p) => `${p.key}: ${p.allowed}`);

  it('refuses a move and an adoption at once, a bad move, and a purge without purge handles', () => {
    expect(
      errors({
        secrets: [
          { ...mySecret, movedFrom: { name: 'old', mount: '/bad' }, adoptExistingTarget: true },
          appConfig,
        ],
        retiredSecrets: [{ name: 'gone', purge: true }],
      }),
    ).toEqual([
      expect.stringMatching(/^secrets\[0\]\.movedFrom\.mount: /),
      'secrets[0].adoptExistingTarget: false with movedFrom: a value arrives from one place, the old path or the Secret, not both',
      'retiredSecrets[0].purge: false unless vault.kvMount.purgeSecretsOnDestroy is true (purging goes through its purge handles; without them the secret is forgotten, every version kept)',
    ]);
  });

  it('refuses two ExternalSecret names that would share one address', () => {
    expect(
      errors({
        secrets: [
          { ...mySecret, externalSecretName: 'a.b' },
          { ...appConfig, externalSecretName: 'a-b' },
        ],
      }),
    ).toEqual([
      'secrets[1].externalSecretName: a name whose resource id "a-b" differs from that of "a.b"',
    ]);
  });
});

describe('a ledger read from a deployed state (an environment deployed before ledgers existed)', () => {
  it('records each ExternalSecret with the mount of the writer of its key', () => {
    const manifest = (name: string, key: string) => ({
      type: 'kubernetes_manifest',
      name,
      values: {
        manifest: {
          kind: 'ExternalSecret',
          metadata: { name, namespace: 'ns' },
          spec: { target: { name: `${name}-target` }, dataFrom: [{ extract: { key } }] },
        },
      },
    });
    const shown = {
      values: {
        root_module: {
          resources: [
            manifest('legacy', 'team/legacy'),
            manifest('seeded', 'app/config'),
            { type: 'vault_kv_secret_v2', name: 'x', values: { mount: 'kv', name: 'team/legacy' } },
            {
              type: 'vault_generic_endpoint',
              name: 'y',
              values: { path: 'secret/metadata/app/config' },
            },
            {
              type: 'vault_generic_endpoint',
              name: 'm',
              values: { path: 'secret/metadata/.eks-vault-eso-local' },
            },
          ],
        },
      },
    };
    expect(entriesFromState(shown, 'fallback')).toEqual([
      { mount: 'kv', secret: 'team/legacy', externalSecret: 'ns/legacy', target: 'legacy-target' },
      {
        mount: 'secret',
        secret: 'app/config',
        externalSecret: 'ns/seeded',
        target: 'seeded-target',
      },
    ]);
  });
});
