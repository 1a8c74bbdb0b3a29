/**
 * Upgrading the External Secrets Operator under deployed ExternalSecrets, with their Secrets
 * watched throughout: a poller reads every target Secret from the API server several times a
 * second while the controller is stopped, the other version's CRDs are applied and the other
 * binary starts (`npm run lab -- use-eso VERSION`), and the suite asserts that no read ever
 * missed a Secret, that each kept its uid (never deleted and recreated) and its data.
 * - the stacks' own objects (a ClusterSecretStore chain and per-tenant SecretStores), from the
 *   newest earlier ESO the lab builds to ESO_VERSION;
 * - a team coming from the write-up's external-secrets.io/v1beta1 manifests on the last ESO that
 *   serves v1beta1 (0.16.2): adopted into the stack, which speaks v1 (the environment's
 *   eso.apiVersion), then ESO upgraded to ESO_VERSION, which serves v1 only.
 * Runs alone: it stops and swaps the lab's one ESO controller (scripts/test-all.sh runs it after
 * the other suites), and leaves ESO_VERSION running.
 */
import { createHash } from 'node:crypto';
import { readVersions, requireVersion } from '../../common/versions';
import { kvV2Paths } from '../../common/chain/kv-path';
import { local } from '../../environments/local';
import { tenantsOf } from '../../environments/tenants';
import { createContext } from '../../lab/parts/context';
import { kubeRequest } from '../../lab/parts/kubernetes';
import { readLabInfo } from '../../lab/info';
import {
  MINUTES,
  ROOT,
  type StackVariant,
  deploy,
  destroyedAround,
  diff,
  eventually,
  exec,
  kubectl,
  kubectlJson,
  labEnvironment,
  opsTool,
  plan,
  VARIANT_APP,
  vault,
} from './support/lab-chain';
import { buildByHand, mySecret } from './support/manual-procedure';
import { recordTiming } from './support/timings';
import { variantConfig } from './support/variant-config';

const versions = readVersions();
const PINNED = requireVersion(versions, 'ESO_VERSION');
const EARLIER = requireVersion(versions, 'ESO_EARLIER_VERSIONS').split(/\s+/);
/** The last ESO release that serves both external-secrets.io/v1beta1 and v1. */
const SERVES_V1BETA1 = '0.16.2';

interface Target {
  readonly namespace: string;
  readonly name: string;
}

interface Reading {
  readonly at: number;
  readonly status: number;
  readonly uid?: string;
  readonly resourceVersion?: string;
  /** sha256 of the data, never the values themselves. */
  readonly data?: string;
}

/** Polls each target Secret's uid, resourceVersion and data until stopped. */
class SecretWatch {
  private readonly readings = new Map<string, Reading[]>();
  private running = true;
  private readonly loop: Promise<void>;

  constructor(targets: readonly Target[]) {
    const ctx = createContext();
    for (const t of targets) this.readings.set(key(t), []);
    this.loop = (async () => {
      while (this.running) {
        await Promise.all(
          targets.map(async (t) => {
            const at = Date.now();
            let reading: Reading;
            try {
              const answer = await kubeRequest(
                ctx,
                `/api/v1/namespaces/${t.namespace}/secrets/${t.name}`,
              );
              if (answer.status !== 200) reading = { at, status: answer.status };
              else {
                const secret = JSON.parse(answer.body) as {
                  metadata: { uid: string; resourceVersion: string };
                  data?: Record<string, string>;
                };
                reading = {
                  at,
                  status: 200,
                  uid: secret.metadata.uid,
                  resourceVersion: secret.metadata.resourceVersion,
                  data: createHash('sha256')
                    .update(JSON.stringify(Object.entries(secret.data ?? {}).sort()))
                    .digest('hex'),
                };
              }
            } catch {
              reading = { at, status: 0 }; // the API server did not answer: not a missing Secret
            }
            this.readings.get(key(t))!.push(reading);
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
  }

  async stop(): Promise<Map<string, Reading[]>> {
    this.running = false;
    await this.loop;
    return this.readings;
  }
}

const key = (t: Target) => `${t.namespace}/${t.name}`;

/**
 * What the watch saw of each Secret during [from, to]: how often it was read, how often it was
 * missing, how many uids and data it had; and that the reads covered the whole window (no pause
 * longer than 5 s between two answered reads: the API server is slow while it takes new CRDs).
 */
function summary(readings: Map<string, Reading[]>, from: number, to: number) {
  return Object.fromEntries(
    [...readings].map(([name, all]) => {
      const answered = all.filter((r) => r.status !== 0);
      const window = answered.filter((r) => r.at >= from && r.at <= to);
      const gaps = window.slice(1).map((r, i) => r.at - window[i].at);
      return [
        name,
        {
          readsDuringTheSwitch: window.length > 0,
          coveredEvery5s: window.length > 0 && Math.max(0, ...gaps) < 5000,
          missing: answered.filter((r) => r.status !== 200).length,
          uids: new Set(answered.map((r) => r.uid)).size,
          data: new Set(answered.map((r) => r.data)).size,
        },
      ];
    }),
  );
}

const kept = {
  readsDuringTheSwitch: true,
  coveredEvery5s: true,
  missing: 0,
  uids: 1,
  data: 1,
};

async function useEso(version: string): Promise<{ from: number; to: number }> {
  const from = Date.now();
  const switched = await exec(process.execPath, [
    `${ROOT}/scripts/run-ts.js`,
    'lab/cli.ts',
    'use-eso',
    version,
  ]);
  const to = Date.now();
  if (switched.code !== 0)
    throw new Error(
      `use-eso ${version} failed:\n${(switched.stdout + switched.stderr).slice(-2000)}`,
    );
  recordTiming(`use-eso ${version}`, (to - from) / 1000);
  return { from, to };
}

/** The running controller's version, as lab.json records it (read from its executable). */
function runningEso(): string {
  return readLabInfo().eso.version;
}

async function secretData(t: Target): Promise<Record<string, string> | undefined> {
  const found = await kubectlJson<{ data?: Record<string, string> }>([
    'secret',
    t.name,
    '-n',
    t.namespace,
  ]);
  return found?.data;
}

/** Every ExternalSecret in the namespaces Ready and synced. */
async function allReady(namespaces: readonly string[]): Promise<boolean> {
  for (const namespace of namespaces) {
    const list = await kubectlJson<{
      items: { status?: { conditions?: { type: string; status: string }[] } }[];
    }>(['externalsecrets', '-n', namespace]);
    if (
      !list?.items.length ||
      !list.items.every((es) =>
        es.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      )
    )
      return false;
  }
  return true;
}

/** A new value in Vault reaches the Secret through the controller now running (force-sync). */
async function syncsThroughTheNewController(
  mount: string,
  path: string,
  es: Target,
  target: Target,
  field: string,
): Promise<boolean> {
  const value = `after-upgrade-${Date.now()}`;
  const written = await vault('POST', kvV2Paths(mount, path).data, {
    body: { data: { [field]: value } },
  });
  expect(written.status).toBe(200);
  await kubectl([
    'annotate',
    'externalsecret',
    es.name,
    '-n',
    es.namespace,
    `force-sync=${Date.now()}`,
    '--overwrite',
  ]);
  return eventually(`${key(target)} to hold the new value`, 120, async () => {
    const b64 = (await secretData(target))?.[field];
    return b64 !== undefined && Buffer.from(b64, 'base64').toString() === value ? true : undefined;
  });
}

beforeAll(() => {
  if (!EARLIER.includes(SERVES_V1BETA1))
    throw new Error(
      `ESO ${SERVES_V1BETA1} (the last that serves v1beta1) is not in ESO_EARLIER_VERSIONS of common/versions.sh`,
    );
});

// Whatever happens, the other suites and the next run find ESO_VERSION running.
afterAll(async () => {
  await useEso(PINNED);
}, 5 * MINUTES);

describe(`the stacks' ExternalSecrets, ESO ${EARLIER[EARLIER.length - 1]} -> ${PINNED}`, () => {
  const from = EARLIER[EARLIER.length - 1];
  const chain: StackVariant = { name: 'local', changes: {} };
  const tenants: StackVariant = { name: 'local-tenants', base: 'local-tenants', changes: {} };
  const chainTargets: Target[] = local.secrets.map((s) => ({
    namespace: local.kubernetes.namespace,
    name: s.targetSecretName,
  }));
  const tenantList = tenantsOf(variantConfig(tenants));
  const tenantTargets: Target[] = tenantList.flatMap((t) =>
    t.secrets.map((s) => ({ namespace: t.namespace, name: s.targetSecretName })),
  );
  destroyedAround(chain);
  destroyedAround(tenants);

  it(
    'keeps every Secret, same uid and data, while the controller is swapped; the plans stay empty and the new controller syncs',
    async () => {
      await useEso(from);
      for (const v of [chain, tenants]) {
        const deployed = await deploy(v);
        expect({
          code: deployed.code,
          tail: deployed.code === 0 ? '' : (deployed.stdout + deployed.stderr).slice(-3000),
        }).toEqual({ code: 0, tail: '' });
      }
      const namespaces = [local.kubernetes.namespace, ...tenantList.map((t) => t.namespace)];
      await eventually(`every ExternalSecret Ready on ESO ${from}`, 180, async () =>
        (await allReady(namespaces)) ? true : undefined,
      );
      const targets = [...chainTargets, ...tenantTargets];
      for (const t of targets) expect(await secretData(t)).toBeDefined();

      const watch = new SecretWatch(targets);
      let window = { from: 0, to: 0 };
      let readings = new Map<string, Reading[]>();
      try {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        window = await useEso(PINNED);
        await eventually(`every ExternalSecret Ready on ESO ${PINNED}`, 180, async () =>
          (await allReady(namespaces)) ? true : undefined,
        );
        // A few refreshes of the new controller (local's refreshInterval is 15s).
        await new Promise((resolve) => setTimeout(resolve, 20_000));
      } finally {
        readings = await watch.stop();
      }
      expect(runningEso()).toBe(PINNED);
      expect(summary(readings, window.from, window.to)).toEqual(
        Object.fromEntries(targets.map((t) => [key(t), kept])),
      );
      // The stacks' manifests are what the new CRDs store: nothing to change. (cdktf diff: each
      // synthesis of the variant app rewrites the output directory, so the stacks are planned
      // one after the other, each synthesized anew.)
      for (const v of [chain, tenants]) {
        const second = await diff(v);
        expect({
          code: second.code,
          noChanges: second.stdout.includes('No changes.'),
          out: second.stdout.includes('No changes.') ? '' : second.stdout.slice(-3000),
        }).toEqual({ code: 0, noChanges: true, out: '' });
      }
      const es = local.secrets[0];
      expect(
        await syncsThroughTheNewController(
          local.vault.kvMount.path,
          es.name,
          { namespace: local.kubernetes.namespace, name: es.externalSecretName },
          chainTargets[0],
          'dummy_key1',
        ),
      ).toBe(true);
    },
    20 * MINUTES,
  );
});

describe(`a team on the write-up's v1beta1 manifests, ESO ${SERVES_V1BETA1} -> v1 -> ${PINNED}`, () => {
  const variant: StackVariant = { name: 'local', changes: { secrets: [mySecret] } };
  const target: Target = { namespace: local.kubernetes.namespace, name: mySecret.targetSecretName };
  destroyedAround(variant);

  it(
    'adopts them as v1 (the environment says so) and upgrades ESO, the Secret present throughout',
    async () => {
      await useEso(SERVES_V1BETA1);
      await buildByHand('external-secrets.io/v1beta1');
      const handWritten = await kubectlJson<{ apiVersion: string }>([
        'externalsecrets.v1beta1.external-secrets.io',
        mySecret.externalSecretName,
        '-n',
        target.namespace,
      ]);
      expect(handWritten?.apiVersion).toBe('external-secrets.io/v1beta1');
      await eventually('the hand-built v1beta1 chain to sync', 120, async () =>
        (await secretData(target))?.dummy_key1 ? true : undefined,
      );

      const watch = new SecretWatch([target]);
      const windows: { from: number; to: number }[] = [];
      let readings = new Map<string, Reading[]>();
      try {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        // Moving to v1: the stack (eso.apiVersion v1, as every environment) takes the objects over.
        expect(local.eso.apiVersion).toBe('external-secrets.io/v1');
        const adoptedFrom = Date.now();
        const env = labEnvironment({ E2E_VARIANT: JSON.stringify(variant) });
        const adopted = await opsTool('adopt', ['--env', 'local', '--app', VARIANT_APP], { env });
        windows.push({ from: adoptedFrom, to: Date.now() });
        expect({
          code: adopted.code,
          tail: adopted.code === 0 ? '' : (adopted.stdout + adopted.stderr).slice(-3000),
        }).toEqual({ code: 0, tail: '' });
        const second = await plan(variant);
        expect({
          code: second.code,
          out: second.code === 0 ? '' : second.stdout.slice(-3000),
        }).toEqual({ code: 0, out: '' });
        // Then the upgrade: ESO_VERSION no longer serves v1beta1.
        windows.push(await useEso(PINNED));
        await eventually(`the ExternalSecret Ready on ESO ${PINNED}`, 180, async () =>
          (await allReady([target.namespace])) ? true : undefined,
        );
        await new Promise((resolve) => setTimeout(resolve, 5000));
      } finally {
        readings = await watch.stop();
      }
      expect(runningEso()).toBe(PINNED);
      for (const window of windows)
        expect(summary(readings, window.from, window.to)).toEqual({ [key(target)]: kept });
      const v1beta1 = await kubectl([
        'get',
        'externalsecrets.v1beta1.external-secrets.io',
        '-n',
        target.namespace,
      ]);
      expect(v1beta1.code).not.toBe(0); // no longer served
      expect(
        await syncsThroughTheNewController(
          local.vault.kvMount.path,
          mySecret.name,
          { namespace: target.namespace, name: mySecret.externalSecretName },
          target,
          'dummy_key1',
        ),
      ).toBe(true);
    },
    20 * MINUTES,
  );
});
