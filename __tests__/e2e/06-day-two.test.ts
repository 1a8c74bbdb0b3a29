/**
 * Day two, against the lab: nothing a person owns is lost.
 * - Upgrading from an earlier commit of main (its secrets purged on destroy) plans no destroy and
 *   no replacement; people's versions, their current values and the ESO-synced Secret survive,
 *   and the plan afterwards is empty.
 * - Renaming and removing secrets afterwards leaves their versions in Vault.
 * - An upgrade that retires a secret in the same change keeps it too.
 * - A protected mount and namespace refuse `cdktf destroy` and a replacing rename, naming the
 *   key that allows it.
 * - A deploy that leaves the chain broken fails, and `npm run deploy` runs the doctor.
 */
import { kvV2Paths } from '../../common/chain/kv-path';
import { randomBytes } from 'node:crypto';
import { local } from '../../environments/local';
import type { EnvironmentConfig, SecretConfig } from '../../environments/types';
import type { Variant } from '../support/stack';
import {
  E2E_LEDGER_DIR,
  MINUTES,
  type Run,
  type StackVariant,
  deploy,
  destroy,
  destroyedAround,
  diff,
  engineName,
  ensureDestroyed,
  eventually,
  exec,
  kubectl,
  kubectlJson,
  lab,
  labEnvironment,
  opsTool,
  plan,
  stackDir,
  VARIANT_APP,
  vault,
} from './support/lab-chain';
import { earlierAround } from './support/upgrade';
import { SecretWatch, expectedSteady, steady } from './support/secret-watch';
import { ledgerPath } from '../../environments/ledger';
import { secretValuesVariableName } from '../../common/names';

/** main when this harness was written: KV secrets were vault_kv_secret_v2, purged on destroy. */
const EARLIER_MAIN = 'bcc3067552bb3358bd19a8f067476f5202a3d776';

const { vault: v, kubernetes: k8s } = local;

function secret(name: string, externalSecretName: string): SecretConfig {
  return {
    name,
    externalSecretName,
    targetSecretName: externalSecretName,
    placeholder: { dummy_key1: 'dummy_value1' },
  };
}
const mySecret = local.secrets[0];
const appConfig = secret('app/config', 'app-config');
const legacy = secret('team/legacy', 'team-legacy');

interface Written {
  readonly versions: number;
  readonly current: string;
}

/** A person writes two new versions of a secret with the Vault API; returns what is there now. */
async function personWrites(name: string): Promise<Written> {
  let current = '';
  for (const round of [1, 2]) {
    current = `person-${round}-${randomBytes(6).toString('hex')}`;
    const written = await vault('POST', kvV2Paths(v.kvMount.path, name).data, {
      body: { data: { dummy_key1: current } },
    });
    expect(written.status).toBe(200);
  }
  return { versions: await versionCount(name), current };
}

async function versionCount(name: string): Promise<number> {
  const metadata = await vault('GET', kvV2Paths(v.kvMount.path, name).metadata);
  return Object.keys((metadata.body?.data as { versions?: object })?.versions ?? {}).length;
}

/** Every version still there, none deleted or destroyed, and the current value the person's. */
async function untouched(name: string, before: Written): Promise<Record<string, unknown>> {
  const metadata = await vault('GET', kvV2Paths(v.kvMount.path, name).metadata);
  const data = metadata.body?.data as {
    current_version: number;
    versions: Record<string, { deletion_time: string; destroyed: boolean }>;
  };
  const read = await vault('GET', kvV2Paths(v.kvMount.path, name).data);
  const value = (read.body?.data as { data?: Record<string, string> } | undefined)?.data
    ?.dummy_key1;
  return {
    versions: Object.keys(data?.versions ?? {}).length,
    deletedOrDestroyed: Object.values(data?.versions ?? {}).filter(
      (version) => version.deletion_time !== '' || version.destroyed,
    ).length,
    currentIsThePersons: value === before.current,
    currentVersion: data?.current_version,
  };
}

function expectUntouched(before: Written): Record<string, unknown> {
  return {
    versions: before.versions,
    deletedOrDestroyed: 0,
    currentIsThePersons: true,
    currentVersion: before.versions,
  };
}

/** Forces ESO to sync now and waits for the Kubernetes Secret to hold the value. */
async function syncedTo(es: SecretConfig, value: string): Promise<boolean> {
  await kubectl([
    'annotate',
    'externalsecret',
    es.externalSecretName,
    '-n',
    k8s.namespace,
    `force-sync=${Date.now()}`,
    '--overwrite',
  ]);
  return eventually(`${es.targetSecretName} to hold the person's value`, 120, async () => {
    const found = await kubectlJson<{ data?: Record<string, string> }>([
      'secret',
      es.targetSecretName,
      '-n',
      k8s.namespace,
    ]);
    const b64 = found?.data?.dummy_key1;
    return b64 !== undefined && Buffer.from(b64, 'base64').toString('utf8') === value
      ? true
      : undefined;
  });
}

function ok(run: { code: number; stdout: string; stderr: string }): Record<string, unknown> {
  return { code: run.code, tail: run.code === 0 ? '' : (run.stdout + run.stderr).slice(-3000) };
}

/**
 * What a cdktf plan's output destroys or replaces: the addresses (`# <address> (<path>) will be
 * destroyed`) and the Plan line's count. Forgotten resources say "removed from the state" instead.
 */
function destroyedBy(output: string): { addresses: string[]; count: string | undefined } {
  return {
    addresses: [
      ...output.matchAll(/# (\S+)(?: \([^)]*\))? (?:must be replaced|will be destroyed)/g),
    ].map((m) => m[1]),
    count: /Plan: .* (\d+) to destroy/.exec(output)?.[1],
  };
}

const changesWith = (secrets: SecretConfig[], extra: Variant<EnvironmentConfig> = {}) => ({
  secrets,
  ...extra,
});

describe('upgrading from an earlier commit of main', () => {
  const variant: StackVariant = {
    name: 'local-upgrade',
    changes: changesWith([mySecret, appConfig, legacy]),
  };
  const earlier = earlierAround(EARLIER_MAIN, variant);
  const written = new Map<string, Written>();

  it(
    'keeps every version people wrote, their current values and the synced Secret; the plan is empty',
    async () => {
      expect(ok(await earlier().deploy(variant.name, variant.changes))).toEqual({
        code: 0,
        tail: '',
      });
      for (const s of [mySecret, appConfig, legacy])
        written.set(s.name, await personWrites(s.name));
      expect([...written.values()].map((w) => w.versions)).toEqual([3, 3, 3]);

      // The upgrade itself replaces and destroys nothing: earlier addresses are kept or forgotten.
      const upgrade = await diff(variant);
      expect(ok(upgrade)).toEqual({ code: 0, tail: '' });
      expect(destroyedBy(upgrade.stdout)).toEqual({ addresses: [], count: '0' });

      // The workload's Secret, watched through the upgrade: the ExternalSecret moves to its new
      // address and turns Orphan, and the Secret is never missing or another value.
      const current = written.get(mySecret.name)!.current;
      expect(await syncedTo(mySecret, current)).toBe(true);
      const target = {
        namespace: k8s.namespace,
        name: mySecret.targetSecretName,
        key: 'dummy_key1',
        value: current,
      };
      const watch = SecretWatch.start([target]);
      const upgraded = await deploy(variant);
      expect(steady(await watch.stop())).toEqual(expectedSteady([target]));
      expect(ok(upgraded)).toEqual({ code: 0, tail: '' });
      for (const s of [mySecret, appConfig, legacy])
        expect(await untouched(s.name, written.get(s.name)!)).toEqual(
          expectUntouched(written.get(s.name)!),
        );
      expect(await syncedTo(mySecret, written.get(mySecret.name)!.current)).toBe(true);
      const second = await plan(variant);
      expect({
        code: second.code,
        out: second.code === 0 ? '' : second.stdout.slice(-3000),
      }).toEqual({ code: 0, out: '' });
    },
    15 * MINUTES,
  );

  it(
    'then renaming one secret and removing another leaves both with every version',
    async () => {
      const renamed = secret('app/settings', 'app-settings');
      const afterwards: StackVariant = {
        name: variant.name,
        changes: changesWith([mySecret, renamed]),
      };
      expect(ok(await deploy(afterwards))).toEqual({ code: 0, tail: '' });
      for (const s of [appConfig, legacy])
        expect(await untouched(s.name, written.get(s.name)!)).toEqual(
          expectUntouched(written.get(s.name)!),
        );
      // The new name is a new secret, seeded once.
      expect(await versionCount(renamed.name)).toBe(1);
      const second = await plan(afterwards);
      expect(second.code).toBe(0);
    },
    15 * MINUTES,
  );
});

/** `npm run deploy` of a variant, as a team runs it (the ledger, the value steps, the apply). */
function opsDeployOf(v: StackVariant): Promise<Run> {
  return opsTool(
    'deploy',
    ['--env', v.name, '--app', VARIANT_APP, '--auto-approve', '--skip-provider-lock'],
    { env: labEnvironment({ E2E_VARIANT: JSON.stringify({ name: v.name, changes: v.changes }) }) },
  );
}

describe('an upgrade that drops a secret in the same change', () => {
  const variant: StackVariant = {
    name: 'local-retire',
    changes: changesWith([mySecret, legacy]),
  };
  const earlier = earlierAround(EARLIER_MAIN, variant);

  it(
    'is refused until the secret is retired (the ledger comes from the deployed state); retired, every version stays',
    async () => {
      expect((await earlier().deploy(variant.name, variant.changes)).code).toBe(0);
      const before = await personWrites(legacy.name);
      // Dropped unsaid: the earlier program purged on destroy, so this must stop before any plan.
      const dropped = await opsDeployOf({ name: variant.name, changes: changesWith([mySecret]) });
      expect(dropped.code).toBe(1);
      const said = (dropped.stdout + dropped.stderr).replace(/\s+/g, ' ');
      expect(said).toContain(
        `recorded the 2 deployed secret(s) in ${ledgerPath(variant.name, E2E_LEDGER_DIR)}`,
      );
      expect(said).toContain(`retiredSecrets = "${legacy.name}": a list naming "${legacy.name}"`);
      expect(await untouched(legacy.name, before)).toEqual(expectUntouched(before));
      const upgraded: StackVariant = {
        name: variant.name,
        changes: changesWith([mySecret], { retiredSecrets: [legacy.name] }),
      };
      const deployed = await opsDeployOf(upgraded);
      expect(ok(deployed)).toEqual({ code: 0, tail: '' });
      // Each engine names itself: "will no longer be managed by OpenTofu" / "... by Terraform".
      expect(deployed.stdout).toMatch(
        new RegExp(
          `will no longer be managed by ${engineName()}|removed from the ${engineName()} state`,
        ),
      );
      expect(await untouched(legacy.name, before)).toEqual(expectUntouched(before));
      expect((await plan(upgraded)).code).toBe(0);
    },
    15 * MINUTES,
  );
});

describe('upgrading a write-only environment from an earlier commit of main', () => {
  const values = (round: number) =>
    Object.fromEntries(
      [mySecret, appConfig].map((s) => [
        secretValuesVariableName(s.name),
        JSON.stringify({ dummy_key1: `wo-${round}-${randomBytes(6).toString('hex')}` }),
      ]),
    );
  const writeOnly = (version: number) =>
    changesWith(
      [mySecret, appConfig].map(({ placeholder: _placeholder, ...rest }) => ({
        ...rest,
        writeOnlyVersion: version,
      })),
      { secretValues: 'write-only' },
    );
  // Its variables, for the clean-up's destroy (write-only values: never read by a destroy).
  const standIns = Object.fromEntries(
    [mySecret, appConfig].map((s) => [secretValuesVariableName(s.name), '{}']),
  );
  const variant: StackVariant = { name: 'local-upgrade-wo', changes: writeOnly(2), vars: standIns };
  const earlier = earlierAround(EARLIER_MAIN, variant);

  it(
    'keeps every version the variable wrote, and the Secret shows the value the whole time',
    async () => {
      // The person's values arrive as write-only variables: a first one, then a second.
      expect(ok(await earlier().deploy(variant.name, writeOnly(1), values(1)))).toEqual({
        code: 0,
        tail: '',
      });
      const current = values(2);
      expect(ok(await earlier().deploy(variant.name, writeOnly(2), current))).toEqual({
        code: 0,
        tail: '',
      });
      const value = (
        JSON.parse(current[secretValuesVariableName(mySecret.name)]) as { dummy_key1: string }
      ).dummy_key1;
      const before = { versions: await versionCount(mySecret.name), current: value };
      expect(before.versions).toBe(2);
      expect(await syncedTo(mySecret, value)).toBe(true);

      const upgraded = { ...variant, vars: current };
      const upgrade = await diff(upgraded);
      expect(ok(upgrade)).toEqual({ code: 0, tail: '' });
      expect(destroyedBy(upgrade.stdout)).toEqual({ addresses: [], count: '0' });
      const watch = SecretWatch.start([
        { namespace: k8s.namespace, name: mySecret.targetSecretName, key: 'dummy_key1', value },
      ]);
      const deployed = await deploy(upgraded);
      const report = await watch.stop();
      expect(ok(deployed)).toEqual({ code: 0, tail: '' });
      expect(steady(report)).toEqual(
        expectedSteady([
          { namespace: k8s.namespace, name: mySecret.targetSecretName, key: 'dummy_key1', value },
        ]),
      );
      // The current code writes the variable once more, as a new version: nothing is deleted.
      const after = await untouched(mySecret.name, { ...before, versions: before.versions + 1 });
      expect(after).toEqual(expectUntouched({ ...before, versions: before.versions + 1 }));
      expect((await plan(upgraded)).code).toBe(0);
    },
    20 * MINUTES,
  );
});

describe('a protected mount and namespace', () => {
  const protectedVariant: StackVariant = {
    name: 'local',
    changes: {
      kubernetes: { allowNamespaceDestroy: false },
      vault: { kvMount: { path: v.kvMount.path, managed: true, allowDestroy: false } },
    },
  };
  const released: StackVariant = { name: protectedVariant.name, changes: {} };
  beforeAll(async () => {
    await ensureDestroyed(released);
    expect((await deploy(protectedVariant)).code).toBe(0);
  }, 10 * MINUTES);
  afterAll(async () => {
    // Allowing destroy again is a deploy: the guards leave the configuration first.
    await deploy(released);
    await ensureDestroyed(released);
  }, 10 * MINUTES);

  async function stillThere(): Promise<{ mount: boolean; namespace: boolean }> {
    const mounts = await vault('GET', 'sys/mounts');
    const ns = await kubectl(['get', 'namespace', k8s.namespace, '-o', 'name']);
    return {
      mount: Object.keys((mounts.body?.data as object) ?? {}).includes(`${v.kvMount.path}/`),
      namespace: ns.stdout.trim() === `namespace/${k8s.namespace}`,
    };
  }

  it(
    'refuse to be destroyed: npm run destroy names them and the keys, cdktf destroy stops too',
    async () => {
      const env = labEnvironment({ E2E_VARIANT: JSON.stringify(protectedVariant) });
      const refused = await opsTool(
        'destroy',
        ['--env', 'local', '--auto-approve', '--skip-provider-lock', '--app', VARIANT_APP],
        { env },
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        'destroy: error: refusing to destroy local: it protects the namespace "my-namespace" (set kubernetes.allowNamespaceDestroy: true) and the KV mount "secret" (set vault.kvMount.allowDestroy: true).',
      );
      // cdktf's own destroy stops on prevent_destroy (and prints no reason: see npm run destroy).
      expect((await destroy(protectedVariant)).code).not.toBe(0);
      const planned = await exec(
        lab().toolchain.tfBinary,
        ['plan', '-destroy', '-input=false', '-no-color', '-lock=false'],
        { cwd: stackDir(protectedVariant), env },
      );
      const text = planned.stderr.replace(/\s+/g, ' ');
      expect(text).toContain(
        'Resource terraform_data.destroy-needs-vault_kvMount_allowDestroy has lifecycle.prevent_destroy set',
      );
      expect(text).toContain(
        'Resource terraform_data.destroy-needs-kubernetes_allowNamespaceDestroy has lifecycle.prevent_destroy set',
      );
      expect(await stillThere()).toEqual({ mount: true, namespace: true });
    },
    10 * MINUTES,
  );

  it(
    'refuse a rename that would replace them',
    async () => {
      const renamed = await diff({
        name: protectedVariant.name,
        changes: {
          ...protectedVariant.changes,
          vault: { kvMount: { path: 'secret-renamed', managed: true, allowDestroy: false } },
        },
      });
      expect(renamed.code).not.toBe(0);
      expect((renamed.stdout + renamed.stderr).replace(/\s+/g, ' ')).toContain(
        'Resource terraform_data.destroy-needs-vault_kvMount_allowDestroy (kv/mount-guard/guard) has lifecycle.prevent_destroy set',
      );
      expect(await stillThere()).toEqual({ mount: true, namespace: true });
    },
    10 * MINUTES,
  );
});

describe('a deploy that leaves the chain broken', () => {
  // An audience the API server does not accept: in client-jwt mode Vault cannot review the
  // login token, so ESO's store never becomes Ready.
  const broken: StackVariant = {
    name: 'local',
    changes: { kubernetes: { tokenAudience: 'vault' }, eso: { readyTimeout: '20s' } },
  };
  destroyedAround(broken);

  it(
    'fails within the wait, and npm run deploy names the broken link with the doctor',
    async () => {
      const result = await opsTool(
        'deploy',
        ['--env', 'local', '--auto-approve', '--skip-provider-lock', '--app', VARIANT_APP],
        { env: labEnvironment({ E2E_VARIANT: JSON.stringify(broken) }) },
      );
      expect(result.code).toBe(1);
      const text = result.stdout + result.stderr;
      expect(text).toContain('Operation timed out');
      expect(text).toContain(
        'the doctor checks the chain link by link (npm run doctor -- --env local)',
      );
      expect(text).toMatch(/^ {2}FAIL {2}/m);
      expect(text).toMatch(/^broken link: [a-z-]+$/m);
      expect(result.seconds).toBeLessThan(300);
    },
    10 * MINUTES,
  );
});
