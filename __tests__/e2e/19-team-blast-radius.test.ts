/**
 * A team's blast radius (issue #18): with team files, a change to one team's file plans and
 * applies only that team's stack, and a mistake in it cannot reach another team's objects.
 *
 * Its environment is a variant of local-tenants with teams of its own (orders, team A, and
 * billing, team B, in namespaces blast-*, with their own mount, auth path, policies and stores):
 * the tenant suite (08) and the upgrade suite (17) run beside it. The team files are copied from
 * __tests__/e2e/fixtures/teams/team-blast/ to a folder under .lab/, whose copy of A's file the
 * suite edits.
 *
 * 1. A new secret in A's file: `npm run diff` plans changes in A's stack alone (the environment's
 *    and B's: "No changes"); `npm run deploy -- --team orders` applies them; the environment's and
 *    B's state files stay byte for byte, B's Secret and ExternalSecret stay; A's new Secret syncs.
 * 2. A mistake in A's file (B's namespace; a secret path in B's prefix) is refused before any
 *    plan, by diff and by deploy, naming A's file, the key and what it must be; no state changes.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { EnvironmentConfig } from '../../environments/types';
import type { Variant } from '../support/stack';
import {
  CDKTF_OUT,
  MINUTES,
  ROOT,
  ensureDestroyed,
  eventually,
  kubectlJson,
  opsDeploy,
  opsDiff,
  plannedActions,
  secretValue,
  stateFile,
} from './support/lab-chain';
import type { Run, StackVariant } from './support/lab-chain';
import { recordTiming } from './support/timings';

const NAME = 'team-blast';
const MOUNT = 'team-blast';
const FIXTURES = join(ROOT, '__tests__/e2e/fixtures/teams', NAME);
/** The suite's own copy of the team folder (per jest process: both engines' lanes run it). */
const TEAMS_DIR = join('.lab', `e2e-teams-${CDKTF_OUT}-${process.env.JEST_WORKER_ID ?? '0'}`);
const A = 'orders';
const B = 'billing';
/** A's file as messages name it (relative to the project). */
const A_FILE = join(TEAMS_DIR, NAME, `${A}.yaml`);

const PLATFORM = (allowDestroy: boolean): Variant<EnvironmentConfig> => ({
  kubernetes: { clusterRoleBindingName: 'eso-team-blast-auth-delegator' },
  vault: { kvMount: { path: MOUNT, managed: true, allowDestroy }, authPath: 'jwt-team-blast' },
  eso: { storeName: 'team-blast', refreshInterval: '10s' },
  teamFiles: NAME,
});
const withTeams = (allowDestroy: boolean): StackVariant => ({
  name: NAME,
  base: 'local-tenants',
  teamsDir: TEAMS_DIR,
  changes: PLATFORM(allowDestroy),
});
const deployed = withTeams(false);
const STACK_A = `${NAME}--${A}`;
const STACK_B = `${NAME}--${B}`;
const STACKS = [NAME, STACK_B, STACK_A];

interface TeamFile {
  name: string;
  namespace: string;
  secrets: {
    name: string;
    path?: string;
    externalSecretName: string;
    targetSecretName: string;
    placeholder: Record<string, string>;
  }[];
}

const fixture = (team: string): string => readFileSync(join(FIXTURES, `${team}.yaml`), 'utf8');
const teamFile = (team: string): TeamFile => parseYaml(fixture(team)) as TeamFile;
/** Writes A's file in the suite's folder (`edit` changes the fixture's content). */
function writeA(edit: (file: TeamFile) => void = () => undefined): void {
  const file = teamFile(A);
  edit(file);
  writeFileSync(join(ROOT, A_FILE), stringifyYaml(file));
}
/** The fixture folder, fresh, as the suite's team folder. */
function freshTeams(): void {
  rmSync(join(ROOT, TEAMS_DIR), { recursive: true, force: true });
  mkdirSync(join(ROOT, TEAMS_DIR, NAME), { recursive: true });
  for (const team of [A, B])
    copyFileSync(join(FIXTURES, `${team}.yaml`), join(ROOT, TEAMS_DIR, NAME, `${team}.yaml`));
}

/** A's added secret: a new KV path, ExternalSecret and Secret in A's namespace. */
const ADDED = {
  name: 'payments',
  externalSecretName: 'payments',
  targetSecretName: 'payments',
  placeholder: { endpoint: 'https://orders.example', token: 'placeholder' },
};
const withAdded = (f: TeamFile) => f.secrets.push(structuredClone(ADDED));

const ok = (run: Run) => ({
  code: run.code,
  tail: run.code === 0 ? '' : (run.stdout + run.stderr).slice(-3000),
});

/** The state files of the environment's and B's stacks, as bytes. */
const untouchedStates = (): Record<string, string> =>
  Object.fromEntries(
    [NAME, STACK_B].map((s) => [s, readFileSync(stateFile(deployed, s)).toString('base64')]),
  );

/** B's Secret and ExternalSecret as Kubernetes holds them (never the values: a digest of them). */
async function teamB(): Promise<Record<string, unknown>> {
  const { namespace, secrets } = teamFile(B);
  const [s] = secrets;
  const secret = await kubectlJson<{ metadata: { uid: string }; data?: Record<string, string> }>([
    'secret',
    s.targetSecretName,
    '-n',
    namespace,
  ]);
  const external = await kubectlJson<{ metadata: { uid: string; generation: number } }>([
    'externalsecret',
    s.externalSecretName,
    '-n',
    namespace,
  ]);
  return {
    secret: secret?.metadata.uid,
    keys: Object.keys(secret?.data ?? {}).sort(),
    holdsThePlaceholder:
      (await secretValue(namespace, s.targetSecretName, 'password')) === 'placeholder',
    externalSecret: external?.metadata.uid,
    generation: external?.metadata.generation,
  };
}

/** Stacks a run's progress lines (`[diff] <stack>: planning`, `[deploy] <stack>: deployed`) name. */
const touchedStacks = (run: Run): string[] =>
  STACKS.filter((s) =>
    new RegExp(`\\b${s}(?!-)\\b:? (init|planning|deployed)`).test(run.stdout + run.stderr),
  );

beforeAll(async () => {
  freshTeams();
  await ensureDestroyed(withTeams(true));
}, 15 * MINUTES);
afterAll(async () => {
  // A's file as deployed (with its added secret), so that the destroy covers what it made.
  writeA(withAdded);
  // The mount keeps prevent_destroy as deployed: its destroy is opted in for the clean-up.
  await ensureDestroyed(withTeams(true));
  rmSync(join(ROOT, TEAMS_DIR), { recursive: true, force: true });
}, 15 * MINUTES);

it(
  'npm run deploy deploys the environment and both teams; their Secrets sync',
  async () => {
    const run = await opsDeploy(deployed);
    recordTiming('team blast radius: npm run deploy (3 stacks)', run.seconds);
    expect(ok(run)).toEqual({ code: 0, tail: '' });
    for (const team of [A, B]) {
      const { namespace, secrets } = teamFile(team);
      await eventually(`${namespace}/${secrets[0].targetSecretName} to sync`, 180, async () =>
        (await secretValue(namespace, secrets[0].targetSecretName, 'username')) === team
          ? true
          : undefined,
      );
    }
  },
  20 * MINUTES,
);

it(
  "a new secret in A's file: npm run diff changes A's stack alone; deploy --team applies it; B and the environment stay byte for byte",
  async () => {
    const states = untouchedStates();
    const b = await teamB();
    expect(b).toMatchObject({ keys: ['password', 'username'], holdsThePlaceholder: true });
    writeA(withAdded);
    const diffed = await opsDiff(deployed);
    recordTiming('team blast radius: npm run diff (3 stacks)', diffed.seconds);
    // Exit 2: changes in some stack; OpenTofu and Terraform both say "No changes." of the others.
    expect({ code: diffed.code, noChanges: diffed.stdout.match(/No changes\./g)?.length }).toEqual({
      code: 2,
      noChanges: 2,
    });
    expect(touchedStacks(diffed)).toEqual(STACKS);
    const planned = await plannedActions(deployed, STACKS);
    expect({ ...planned, [STACK_A]: {} }).toEqual({ [NAME]: {}, [STACK_B]: {}, [STACK_A]: {} });
    // A's new ExternalSecret and seed; A's policy (one more path) and A's own takeover guard (one
    // more target Secret) change in place.
    expect(planned[STACK_A]).toEqual({
      create: [
        `kubernetes_manifest.tenant-${A}_external-secret-payments_external-secret`,
        `vault_generic_endpoint.kv_${MOUNT}_${A}-payments_seed`,
      ],
      update: ['kubernetes_manifest.takeover-guard_policy', `vault_policy.tenant-${A}_policy`],
    });
    const applied = await opsDeploy(deployed, A);
    recordTiming('team blast radius: npm run deploy --team', applied.seconds);
    expect(ok(applied)).toEqual({ code: 0, tail: '' });
    expect(touchedStacks(applied)).toEqual([STACK_A]);
    expect(untouchedStates()).toEqual(states);
    expect(await teamB()).toEqual(b);
    const { namespace } = teamFile(A);
    await eventually(`${namespace}/${ADDED.targetSecretName} to sync`, 180, async () =>
      (await secretValue(namespace, ADDED.targetSecretName, 'token')) === 'placeholder'
        ? true
        : undefined,
    );
    expect(await plannedActions(deployed, STACKS)).toEqual(
      Object.fromEntries(STACKS.map((s) => [s, {}])),
    );
  },
  20 * MINUTES,
);

/** Diff and deploy --team of A's file with `mistake` are refused before any plan, as `expected`. */
async function refused(mistake: (f: TeamFile) => void, expected: RegExp): Promise<void> {
  const states = untouchedStates();
  const stateA = readFileSync(stateFile(deployed, STACK_A)).toString('base64');
  const b = await teamB();
  writeA((f) => {
    withAdded(f);
    mistake(f);
  });
  try {
    for (const run of [await opsDiff(deployed), await opsDeploy(deployed, A)]) {
      const output = run.stdout + run.stderr;
      expect({ code: run.code, refusal: expected.test(output) }).toEqual({
        code: 1,
        refusal: true,
      });
      expect(output).toMatch(/nothing was synthesized/);
      expect(touchedStacks(run)).toEqual([]);
      expect(output).not.toMatch(/Plan:|No changes\./);
    }
  } finally {
    writeA(withAdded);
  }
  expect(untouchedStates()).toEqual(states);
  expect(readFileSync(stateFile(deployed, STACK_A)).toString('base64')).toEqual(stateA);
  expect(await teamB()).toEqual(b);
}

const quoted = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

it(
  "B's namespace in A's file is refused before any plan, naming A's file, the key and the fix",
  async () => {
    await refused(
      (f) => (f.namespace = teamFile(B).namespace),
      new RegExp(
        `${quoted(A_FILE)}: namespace = "${teamFile(B).namespace}": a namespace no other tenant has \\(${quoted(join(TEAMS_DIR, NAME, `${B}.yaml`))} has it\\)`,
      ),
    );
  },
  10 * MINUTES,
);

it(
  "a secret path in B's prefix, in A's file, is refused before any plan, naming A's file, the key and the fix",
  async () => {
    await refused(
      (f) => (f.secrets[1].path = `${B}/invoices`),
      new RegExp(
        `${quoted(A_FILE)}: secrets\\[1\\]\\.path = "${B}/invoices": a path outside tenant "${B}"'s prefix "${B}/"`,
      ),
    );
    // The file as it was: a plan of every stack is empty again.
    expect(await plannedActions(deployed, STACKS)).toEqual(
      Object.fromEntries(STACKS.map((s) => [s, {}])),
    );
  },
  10 * MINUTES,
);
