/**
 * The upgrade to team files (issue #18): an environment whose teams were inline `tenants` of its
 * one stack, deployed by the code before team files, takes the current code with each team in a
 * file and a stack of its own (`<env>--<team>`). `npm run split-teams` hands each team's
 * resources to its stack's state at the same addresses; then no plan replaces, recreates or
 * destroys a team's object, the deploy keeps every team's Secret (read every 200 ms: never
 * missing, never another value, never another uid), Vault keeps every version a person wrote,
 * a second plan is empty and a second split moves nothing.
 *
 * The one change the plans carry: the environment's takeover guard (one admission policy and its
 * binding over every team's targets) is no one team's, so it stays in the environment's state and
 * goes; each team stack creates its own over its own targets.
 *
 * Its environment is a variant of local-tenants with teams of its own (carts and maps, in
 * namespaces upgrade-*, with their own mount, auth path, policies and stores): the tenant suite
 * (08) runs beside the chain suites with payments and search in team-* namespaces.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { kvV2Paths } from '../../common/chain/kv-path';
import type { EnvironmentConfig, TenantConfig } from '../../environments/types';
import type { StateFile } from '../../ops/team-state';
import type { Variant } from '../support/stack';
import {
  MINUTES,
  ROOT,
  type Run,
  type StackVariant,
  ensureDestroyed,
  eventually,
  opsDeploy,
  plannedActions,
  secretValue,
  splitTeams,
  stateFile,
  vault,
} from './support/lab-chain';
import {
  SecretWatch,
  type WatchReport,
  type WatchedSecret,
  expectedSteady,
  steady,
} from './support/secret-watch';
import { recordTiming } from './support/timings';
import { type EarlierCheckout, checkoutEarlier } from './support/upgrade';

/** main before team files: local-tenants' teams inline, the environment one stack. */
const EARLIER_MAIN = '8df2bc14838321e2209778c33d86e61f732525ea';
const NAME = 'teams-upgrade';
const MOUNT = 'teams-upgrade';
const TEAMS_DIR = '__tests__/e2e/fixtures/teams';
const TEAMS = ['carts', 'maps'] as const;

/** The teams as their files declare them (the keys of a tenant, without the files' owners). */
const TENANTS: TenantConfig[] = TEAMS.map((team) => {
  const file = join(ROOT, TEAMS_DIR, NAME, `${team}.yaml`);
  const tenant = parseYaml(readFileSync(file, 'utf8')) as TenantConfig & { owners?: string[] };
  delete tenant.owners;
  return tenant;
});

/** The platform's settings both codes deploy: local-tenants' with names of this suite's own. */
const PLATFORM = (allowDestroy: boolean): Variant<EnvironmentConfig> => ({
  kubernetes: { clusterRoleBindingName: 'eso-teams-upgrade-auth-delegator' },
  vault: { kvMount: { path: MOUNT, managed: true, allowDestroy }, authPath: 'jwt-teams-upgrade' },
  eso: { storeName: 'teams-upgrade', refreshInterval: '10s' },
});
/** As the earlier code deploys it: the teams inline (that code knows no team files). */
const INLINE: Variant<EnvironmentConfig> = { ...PLATFORM(false), tenants: TENANTS };
/** As the current code deploys it: the teams read from their files. */
const withFiles = (allowDestroy: boolean): StackVariant => ({
  name: NAME,
  base: 'local-tenants',
  teamsDir: TEAMS_DIR,
  changes: { ...PLATFORM(allowDestroy), teamFiles: NAME },
});
const upgraded = withFiles(false);
const STACKS = [NAME, ...TEAMS.map((t) => `${NAME}--${t}`)];

/** Each team's one secret: its KV path, target Secret and the key compared. */
const SECRETS = TENANTS.map((t) => {
  const [secret] = t.secrets;
  const key = Object.keys(secret.placeholder ?? {}).find(
    (k) => k !== 'username' && k !== 'endpoint',
  )!;
  const other = Object.keys(secret.placeholder ?? {}).find((k) => k !== key)!;
  return {
    team: t.name,
    path: `${t.name}/${secret.name}`,
    namespace: t.namespace,
    name: secret.targetSecretName,
    key,
    other,
  };
});
/** What the person wrote last: per KV path, the value of the compared key. */
const written = new Map<string, string>();

const ok = (run: Run) => ({
  code: run.code,
  tail: run.code === 0 ? '' : (run.stdout + run.stderr).slice(-3000),
});

/** The person writes a new version of each team's secret (both keys). */
async function personWrites(): Promise<void> {
  for (const s of SECRETS) {
    const value = `person-${randomBytes(6).toString('hex')}`;
    const answer = await vault('POST', kvV2Paths(MOUNT, s.path).data, {
      body: { data: { [s.other]: `${s.team}-other`, [s.key]: value } },
    });
    expect(answer.status).toBe(200);
    written.set(s.path, value);
  }
}

/** Each secret's versions in Vault: how many, the current one, and whether it holds the last write. */
async function vaultVersions(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const s of SECRETS) {
    const meta = await vault('GET', kvV2Paths(MOUNT, s.path).metadata);
    const data = await vault('GET', kvV2Paths(MOUNT, s.path).data);
    const versions = (
      meta.body?.data as { versions: Record<string, { deletion_time: string; destroyed: boolean }> }
    ).versions;
    const current = (data.body?.data as { data: Record<string, string> }).data;
    out[s.path] = {
      versions: Object.keys(versions).length,
      current: (meta.body?.data as { current_version: number }).current_version,
      deletedOrDestroyed: Object.values(versions).filter(
        (v) => v.deletion_time !== '' || v.destroyed,
      ).length,
      holdsTheLastWrite: current[s.key] === written.get(s.path),
    };
  }
  return out;
}

/** Every team's Secret holds what the person wrote last (ESO refreshes every 10 s here). */
async function synced(): Promise<void> {
  for (const s of SECRETS)
    await eventually(`${s.namespace}/${s.name} to hold the person's value`, 180, async () =>
      (await secretValue(s.namespace, s.name, s.key)) === written.get(s.path) ? true : undefined,
    );
}

const watched = (): WatchedSecret[] =>
  SECRETS.map((s) => ({
    namespace: s.namespace,
    name: s.name,
    key: s.key,
    value: written.get(s.path)!,
  }));

/**
 * Runs `act` with every team's Secret read again and again, and checks that it succeeded and that
 * no Secret was ever missing, held another value or was replaced (`settleMs` more watching after).
 */
async function whileWatched(
  what: string,
  act: () => Promise<Run>,
  settleMs = 0,
): Promise<{ run: Run; report: WatchReport }> {
  const watch = SecretWatch.start(watched());
  const run = await act();
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const report = await watch.stop();
  recordTiming(what, run.seconds);
  expect(ok(run)).toEqual({ code: 0, tail: '' });
  expect(steady(report)).toEqual(expectedSteady(watched()));
  return { run, report };
}

/** The managed addresses a stack's local state holds (none: no state yet). */
function stateAddresses(stack: string): string[] {
  let state: StateFile;
  try {
    state = JSON.parse(readFileSync(stateFile(upgraded, stack), 'utf8')) as StateFile;
  } catch {
    return [];
  }
  return state.resources
    .filter((r) => r.mode === 'managed')
    .map((r) => `${r.type}.${r.name}`)
    .sort();
}

/** `split-teams`' listing: stack -> the addresses it moves (or moved). */
function listedMoves(run: Run): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of run.stdout.split('\n').filter((l) => l.trim() !== '')) {
    const [stack, address] = line.trim().split(/\s+/);
    (out[stack] ??= []).push(address);
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

/** Each team's addresses in the one-stack state: its tenant's objects and its KV objects. */
function teamAddresses(all: readonly string[], team: string): string[] {
  return all.filter(
    (a) =>
      a.includes(`.tenant-${team}_`) ||
      a.includes(`_${MOUNT}_${team}-`) ||
      a.includes(`_folder-${team}-`),
  );
}

let earlier: EarlierCheckout | undefined;
/** The one-stack state as the earlier code left it. */
let before: string[] = [];
let versionsBefore: Record<string, unknown> = {};

beforeAll(async () => {
  earlier = await checkoutEarlier(EARLIER_MAIN);
  await ensureDestroyed(withFiles(true));
}, 15 * MINUTES);
afterAll(async () => {
  // The mount keeps prevent_destroy as deployed: its destroy is opted in for the clean-up.
  await ensureDestroyed(withFiles(true));
  await earlier?.remove();
}, 15 * MINUTES);

it(
  'the code before team files deploys the environment as one stack; a person writes values, which sync',
  async () => {
    const started = Date.now();
    expect(ok(await earlier!.deploy(NAME, INLINE, {}, 'local-tenants'))).toEqual({
      code: 0,
      tail: '',
    });
    recordTiming('team files upgrade: earlier deploy (one stack)', (Date.now() - started) / 1000);
    await personWrites();
    await personWrites();
    await synced();
    before = stateAddresses(NAME);
    expect(before).toHaveLength(21);
    for (const team of TEAMS) expect(teamAddresses(before, team)).toHaveLength(8);
    versionsBefore = await vaultVersions();
    // The seed's placeholder, then the person's two writes.
    for (const s of SECRETS)
      expect(versionsBefore[s.path]).toEqual({
        versions: 3,
        current: 3,
        deletedOrDestroyed: 0,
        holdsTheLastWrite: true,
      });
  },
  20 * MINUTES,
);

it(
  "split-teams --plan-only lists each team's objects, and changes no state",
  async () => {
    const planned = await splitTeams(upgraded, true);
    expect(ok(planned)).toEqual({ code: 0, tail: '' });
    expect(listedMoves(planned)).toEqual(
      Object.fromEntries(TEAMS.map((t) => [`${NAME}--${t}`, teamAddresses(before, t)])),
    );
    expect(stateAddresses(NAME)).toEqual(before);
    for (const team of TEAMS) expect(stateAddresses(`${NAME}--${team}`)).toEqual([]);
  },
  10 * MINUTES,
);

it(
  "split-teams moves them, each to its team's state at the same address; the Secrets stay",
  async () => {
    const { run: split } = await whileWatched('team files upgrade: split-teams', () =>
      splitTeams(upgraded),
    );
    const moved = Object.fromEntries(TEAMS.map((t) => [`${NAME}--${t}`, teamAddresses(before, t)]));
    expect(listedMoves(split)).toEqual(moved);
    for (const [stack, addresses] of Object.entries(moved))
      expect(stateAddresses(stack)).toEqual(addresses);
    // The platform's objects and the environment's takeover guard stay.
    expect(stateAddresses(NAME)).toEqual(
      before.filter((a) => !Object.values(moved).flat().includes(a)),
    );
    expect(stateAddresses(NAME).map((a) => a.replace(/_[0-9A-F]{8}$/, ''))).toEqual([
      'kubernetes_manifest.takeover-guard_binding',
      'kubernetes_manifest.takeover-guard_policy',
      'terraform_data.destroy-needs-vault_kvMount_allowDestroy',
      'vault_jwt_auth_backend.jwt-auth_backend',
      'vault_mount.kv_mount',
    ]);
  },
  10 * MINUTES,
);

it(
  "the plans replace, recreate and change nothing of a team's: only the takeover guard goes from the environment to each team",
  async () => {
    const planned = await plannedActions(upgraded, STACKS);
    const guard = [
      'kubernetes_manifest.takeover-guard_binding',
      'kubernetes_manifest.takeover-guard_policy',
    ];
    expect(planned).toEqual({
      [NAME]: { delete: guard },
      ...Object.fromEntries(TEAMS.map((t) => [`${NAME}--${t}`, { create: guard }])),
    });
  },
  10 * MINUTES,
);

it(
  "npm run deploy applies every stack with each team's Secret present throughout; Vault's versions stay",
  async () => {
    // ESO refreshes every 10 s: watched a little past the apply.
    const { report } = await whileWatched(
      'team files upgrade: npm run deploy (3 stacks)',
      () => opsDeploy(upgraded),
      12_000,
    );
    for (const target of Object.values(report)) expect(target.reads).toBeGreaterThan(10);
    expect(await vaultVersions()).toEqual(versionsBefore);
  },
  20 * MINUTES,
);

it(
  'a second plan of every stack is empty, and a second split moves nothing',
  async () => {
    const planned = await plannedActions(upgraded, STACKS);
    expect(planned).toEqual(Object.fromEntries(STACKS.map((s) => [s, {}])));
    const again = await splitTeams(upgraded);
    expect(ok(again)).toEqual({ code: 0, tail: '' });
    expect(listedMoves(again)).toEqual({});
    expect(again.stderr).toMatch(new RegExp(`${NAME}: nothing to move`));
    // The values stayed where the person put them, and still reach the Secrets.
    expect(await vaultVersions()).toEqual(versionsBefore);
    await personWrites();
    await synced();
  },
  15 * MINUTES,
);
