/**
 * The day-two sweep: nothing a person owns is lost by any edit of an environment file. A team's
 * environment is deployed, a person writes values in Vault (several versions, several secrets),
 * then the environment file goes through the edits teams make over months, each deployed with
 * `npm run deploy` while the workload's Secrets are watched. After every step: no version
 * deleted or destroyed, every current value the person's, every Secret the person's value the
 * whole time (never missing, never another value, never replaced), and the next plan empty.
 * Edits that would lose something unsaid are refused, and leave everything as it was.
 */
import { randomBytes } from 'node:crypto';
import { kvV2Paths } from '../../common/chain/kv-path';
import { secretValuesVariableName } from '../../common/names';
import type { EnvironmentConfig, SecretConfig } from '../../environments/types';
import type { Variant } from '../support/stack';
import {
  MINUTES,
  type Run,
  type StackVariant,
  VARIANT_APP,
  ensureDestroyed,
  eventually,
  kubectl,
  kubectlJson,
  labEnvironment,
  opsTool,
  plan,
  vault,
} from './support/lab-chain';
import { SecretWatch, type WatchedSecret, expectedSteady, steady } from './support/secret-watch';
import { recordTiming } from './support/timings';

const NAME = 'local-sweep';
const NAMESPACE = 'sweep';
const MOUNT = 'sweep-kv';
const KEY = 'value';

const secret = (name: string, es: string): SecretConfig => ({
  name,
  externalSecretName: es,
  targetSecretName: es,
  placeholder: { [KEY]: 'placeholder' },
});
const alpha = secret('sweep/alpha', 'alpha');
const beta = secret('sweep/beta', 'beta');
const gamma = secret('gamma', 'gamma');

/** The environment as the team first deploys it: its own names, an existing namespace. */
const BASE: Variant<EnvironmentConfig> = {
  kubernetes: {
    namespace: NAMESPACE,
    manageNamespace: false,
    allowNamespaceDestroy: null,
    serviceAccountName: 'sweep-auth',
    clusterRoleBindingName: 'sweep-auth-delegator',
  },
  vault: {
    kvMount: { path: MOUNT, managed: true, allowDestroy: false },
    policyName: 'sweep-read',
    authPath: 'kubernetes-sweep',
    roleName: 'eso-sweep',
  },
  eso: { storeName: 'sweep-store' },
  secrets: [alpha, beta, gamma],
};

/** What a person wrote: per Vault path, how many versions and the current value. */
const written = new Map<string, { versions: number; current: string }>();
/** The Secrets workloads read: target name -> the Vault path it shows. */
const targets = new Map<string, string>();

let changes: Variant<EnvironmentConfig> = BASE;
const merged = (more: Variant<EnvironmentConfig>): Variant<EnvironmentConfig> => ({
  ...changes,
  ...more,
  kubernetes: { ...changes.kubernetes, ...more.kubernetes },
  vault: { ...changes.vault, ...more.vault },
  eso: { ...changes.eso, ...more.eso },
});

/** TF_VAR values of write-only mode: each secret's current value, as the person keeps it. */
function writeOnlyVars(config: Variant<EnvironmentConfig>): Record<string, string> {
  if (config.secretValues !== 'write-only') return {};
  return Object.fromEntries(
    (config.secrets ?? []).map((s) => [
      `TF_VAR_${secretValuesVariableName(s.name)}`,
      JSON.stringify({ [KEY]: written.get(s.name)?.current ?? 'unset' }),
    ]),
  );
}

const variantWith = (config: Variant<EnvironmentConfig>): StackVariant => ({
  name: NAME,
  changes: config,
});

/** `npm run deploy` of the environment as it is now edited. */
function deployAs(config: Variant<EnvironmentConfig>): Promise<Run> {
  return opsTool(
    'deploy',
    ['--env', NAME, '--app', VARIANT_APP, '--auto-approve', '--skip-provider-lock'],
    {
      env: labEnvironment({
        E2E_VARIANT: JSON.stringify({ name: NAME, changes: config }),
        ...writeOnlyVars(config),
      }),
    },
  );
}

/** A person writes two versions of a secret with the Vault API. */
async function personWrites(path: string): Promise<void> {
  for (const round of [1, 2]) {
    const current = `person-${round}-${randomBytes(6).toString('hex')}`;
    const answer = await vault('POST', kvV2Paths(MOUNT, path).data, {
      body: { data: { [KEY]: current } },
    });
    expect(answer.status).toBe(200);
    const meta = await vault('GET', kvV2Paths(MOUNT, path).metadata);
    written.set(path, {
      current,
      versions: Object.keys((meta.body?.data as { versions: object }).versions).length,
    });
  }
}

/** Every version still there (none deleted or destroyed), and the current value the person's. */
async function vaultKept(): Promise<Record<string, unknown>> {
  const found: Record<string, unknown> = {};
  for (const [path, before] of written) {
    const meta = await vault('GET', kvV2Paths(MOUNT, path).metadata);
    const data = meta.body?.data as
      { versions: Record<string, { deletion_time: string; destroyed: boolean }> } | undefined;
    const versions = Object.values(data?.versions ?? {});
    const read = await vault('GET', kvV2Paths(MOUNT, path).data);
    const value = (read.body?.data as { data?: Record<string, string> } | undefined)?.data?.[KEY];
    found[path] = {
      keepsEveryVersion: versions.length >= before.versions,
      deletedOrDestroyed: versions.filter((v) => v.deletion_time !== '' || v.destroyed).length,
      currentIsThePersons: value === before.current,
    };
    before.versions = Math.max(before.versions, versions.length);
  }
  return found;
}

const keptEverywhere = () =>
  Object.fromEntries(
    [...written.keys()].map((p) => [
      p,
      { keepsEveryVersion: true, deletedOrDestroyed: 0, currentIsThePersons: true },
    ]),
  );

function watched(): WatchedSecret[] {
  return [...targets].map(([name, path]) => ({
    namespace: NAMESPACE,
    name,
    key: KEY,
    value: written.get(path)!.current,
  }));
}

const ok = (run: Run) => ({
  code: run.code,
  tail: run.code === 0 ? '' : (run.stdout + run.stderr).slice(-3000),
});

/**
 * One edit: deployed with the Secrets watched, then Vault, the Secrets and the next plan checked.
 * Returns the report so a step can add its own checks.
 */
async function edit(what: string, more: Variant<EnvironmentConfig>): Promise<void> {
  const next = merged(more);
  const watch = SecretWatch.start(watched());
  const deployed = await deployAs(next);
  const report = await watch.stop();
  recordTiming(`sweep: ${what}`, deployed.seconds);
  expect({ what, ...ok(deployed) }).toEqual({ what, code: 0, tail: '' });
  changes = next;
  expect({ what, secrets: steady(report) }).toEqual({ what, secrets: expectedSteady(watched()) });
  expect({ what, vault: await vaultKept() }).toEqual({ what, vault: keptEverywhere() });
  const second = await plan({
    ...variantWith(changes),
    vars: Object.fromEntries(
      Object.entries(writeOnlyVars(changes)).map(([k, v]) => [k.replace(/^TF_VAR_/, ''), v]),
    ),
  });
  expect({
    what,
    plan: second.code,
    out: second.code === 0 ? '' : second.stdout.slice(-3000),
  }).toEqual({ what, plan: 0, out: '' });
}

/** An edit `npm run deploy` must refuse, changing nothing; its message must contain `says`. */
async function refused(
  what: string,
  more: Variant<EnvironmentConfig>,
  says: string,
): Promise<void> {
  const watch = SecretWatch.start(watched());
  const result = await deployAs(merged(more));
  const report = await watch.stop();
  expect({ what, code: result.code }).toEqual({ what, code: 1 });
  expect((result.stdout + result.stderr).replace(/\s+/g, ' ')).toContain(says);
  expect({ what, secrets: steady(report) }).toEqual({ what, secrets: expectedSteady(watched()) });
  expect({ what, vault: await vaultKept() }).toEqual({ what, vault: keptEverywhere() });
}

/** Forces every ExternalSecret to sync now and waits until each Secret shows the person's value. */
async function synced(): Promise<void> {
  for (const [name, path] of targets) {
    await kubectl([
      'annotate',
      'externalsecret',
      '--all',
      '-n',
      NAMESPACE,
      `force-sync=${Date.now()}`,
      '--overwrite',
    ]);
    await eventually(`${name} to show the person's value`, 120, async () => {
      const found = await kubectlJson<{ data?: Record<string, string> }>([
        'secret',
        name,
        '-n',
        NAMESPACE,
      ]);
      const value = found?.data?.[KEY];
      return value !== undefined &&
        Buffer.from(value, 'base64').toString('utf8') === written.get(path)!.current
        ? true
        : undefined;
    });
  }
}

async function cleanUp(): Promise<void> {
  await ensureDestroyed(variantWith(BASE));
  await kubectl(['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=true']);
  await vault('DELETE', `sys/mounts/${MOUNT}`);
}

describe('the day-two sweep: every edit a team makes keeps what people own', () => {
  beforeAll(async () => {
    await cleanUp();
    await kubectl(['create', 'namespace', NAMESPACE]);
  }, 10 * MINUTES);
  afterAll(cleanUp, 10 * MINUTES);

  it(
    'deploys, and the person writes two versions of each secret, which sync',
    async () => {
      expect(ok(await deployAs(BASE))).toEqual({ code: 0, tail: '' });
      for (const s of [alpha, beta, gamma]) {
        await personWrites(s.name);
        targets.set(s.targetSecretName, s.name);
      }
      await synced();
    },
    15 * MINUTES,
  );

  it(
    'placeholders, metadata grants and the refresh interval edited',
    () =>
      edit('secret fields', {
        secrets: [
          { ...alpha, placeholder: { [KEY]: 'another placeholder' } },
          { ...beta, listMetadata: true },
          gamma,
        ],
        eso: { refreshInterval: '20s' },
      }),
    10 * MINUTES,
  );

  it(
    'an ExternalSecret renamed: the Secret it writes is never missing',
    () =>
      edit('ExternalSecret renamed', {
        secrets: [{ ...alpha, externalSecretName: 'alpha-renamed' }, beta, gamma],
      }),
    10 * MINUTES,
  );

  it(
    'a path changed under a deployed ExternalSecret is refused until the move is declared',
    async () => {
      const renamed = { ...beta, name: 'sweep/beta-2' };
      await refused(
        'undeclared move',
        { secrets: [{ ...alpha, externalSecretName: 'alpha-renamed' }, renamed, gamma] },
        'secrets[1].movedFrom = (missing): { name: \'sweep/beta\' }: ExternalSecret sweep/beta read "sweep-kv/sweep/beta" when deployed',
      );
      written.set('sweep/beta-2', { ...written.get('sweep/beta')! });
      targets.set('beta', 'sweep/beta-2');
      await edit('declared move', {
        secrets: [
          { ...alpha, externalSecretName: 'alpha-renamed' },
          { ...renamed, movedFrom: { name: 'sweep/beta' } },
          gamma,
        ],
      });
    },
    15 * MINUTES,
  );

  const now = () => changes.secrets as SecretConfig[];
  const withoutPlaceholders = () => now().map(({ placeholder: _p, ...rest }) => rest);

  it(
    'value mode: placeholder to write-only',
    () => edit('to write-only', { secretValues: 'write-only', secrets: withoutPlaceholders() }),
    10 * MINUTES,
  );

  it(
    'purging turned on, then off, in write-only mode: nothing purged',
    async () => {
      await edit('purge on (write-only)', {
        vault: {
          kvMount: { path: MOUNT, managed: true, allowDestroy: false, purgeSecretsOnDestroy: true },
        },
      });
      await edit('purge off (write-only)', {
        vault: { kvMount: { path: MOUNT, managed: true, allowDestroy: false } },
      });
    },
    15 * MINUTES,
  );

  it(
    'value mode: write-only back to placeholder',
    () =>
      edit('to placeholder', {
        secretValues: 'placeholder',
        secrets: now().map((s) => ({ ...s, placeholder: { [KEY]: 'placeholder' } })),
      }),
    10 * MINUTES,
  );

  it(
    'purging turned on, then off, in placeholder mode: nothing purged',
    async () => {
      await edit('purge on', {
        vault: {
          kvMount: { path: MOUNT, managed: true, allowDestroy: false, purgeSecretsOnDestroy: true },
        },
      });
      await edit('purge off', {
        vault: { kvMount: { path: MOUNT, managed: true, allowDestroy: false } },
      });
    },
    15 * MINUTES,
  );

  it(
    'reviewer mode: client-jwt to token-secret and back',
    async () => {
      await edit('token-secret reviewer', { vault: { reviewerMode: 'token-secret' } });
      await edit('client-jwt reviewer', { vault: { reviewerMode: 'client-jwt' } });
    },
    15 * MINUTES,
  );

  it(
    'auth method: kubernetes to jwt',
    () =>
      edit('jwt login', {
        kubernetes: { tokenAudience: 'vault' },
        vault: { authMethod: 'jwt', jwtIssuerCa: 'cluster', authPath: 'jwt-sweep' },
      }),
    10 * MINUTES,
  );

  it(
    'the mount no longer managed: forgotten, kept with every version',
    () => edit('mount unmanaged', { vault: { kvMount: { path: MOUNT, managed: false } } }),
    10 * MINUTES,
  );

  it(
    'a secret removed: refused unless retired; retired, Vault and the Secret keep it',
    async () => {
      const [a, b] = now();
      await refused(
        'undeclared removal',
        { secrets: [a, b] },
        'retiredSecrets = "gamma": a list naming "gamma"',
      );
      await edit('retired', { secrets: [a, b], retiredSecrets: ['gamma'] });
      // Its ExternalSecret is gone, and the Secret it wrote stays as it was (watched above).
      expect(await kubectlJson(['externalsecret', 'gamma', '-n', NAMESPACE])).toBeUndefined();
    },
    15 * MINUTES,
  );

  it(
    'a hand-made Secret of a new target: refused, then adopted with its value kept',
    async () => {
      const value = `handmade-${randomBytes(6).toString('hex')}`;
      await kubectl([
        'create',
        'secret',
        'generic',
        'delta',
        '-n',
        NAMESPACE,
        `--from-literal=${KEY}=${value}`,
      ]);
      const delta = { ...secret('sweep/delta', 'delta') };
      await refused(
        'takeover',
        { secrets: [...now(), delta] },
        'Secret sweep/delta exists and was not created by External Secrets',
      );
      // Adopted: the value goes to Vault first, then ESO owns the Secret (same uid, same value).
      written.set('sweep/delta', { versions: 1, current: value });
      targets.set('delta', 'sweep/delta');
      await edit('adopted', {
        secrets: [
          ...now(),
          { ...delta, adoptExistingTarget: true, placeholder: { [KEY]: 'never written' } },
        ],
      });
    },
    15 * MINUTES,
  );

  it(
    'the stack destroyed: every version and every Secret stays',
    async () => {
      const watch = SecretWatch.start(watched());
      const destroyed = await opsTool(
        'destroy',
        ['--env', NAME, '--app', VARIANT_APP, '--auto-approve', '--skip-provider-lock'],
        { env: labEnvironment({ E2E_VARIANT: JSON.stringify({ name: NAME, changes }) }) },
      );
      const report = await watch.stop();
      expect(ok(destroyed)).toEqual({ code: 0, tail: '' });
      expect(steady(report)).toEqual(expectedSteady(watched()));
      expect(await vaultKept()).toEqual(keptEverywhere());
    },
    15 * MINUTES,
  );
});
