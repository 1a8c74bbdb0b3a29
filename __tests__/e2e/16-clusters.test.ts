/**
 * Several clusters per environment, in the lab's two clusters (each with its own API server, CA,
 * OIDC issuer and ESO): the blue/green cutover of `local-clusters`' teams, from the start.
 *
 * - The environment deployed to one cluster by the previous code (main before clusters) upgrades
 *   with nothing to change, and a person writes the values.
 * - Adding green moves blue's objects into its entry (nothing replaced or destroyed) and syncs the
 *   same secrets into green; blue's Secrets are watched throughout.
 * - A token of one cluster is refused by the other cluster's roles, even for the same account,
 *   namespace and audience.
 * - The workloads move: a value written now reaches both clusters.
 * - Dropping blue unsaid is refused; retiring it forgets its objects in blue (its Secrets stay,
 *   watched with green's) and ends its logins; then its entry goes with nothing left to change.
 * - Vault's values are never touched: every version the person wrote stays, current, undeleted.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { kvV2Paths } from '../../common/chain/kv-path';
import { type Ledger, ledgerPath } from '../../environments/ledger';
import { localClusters } from '../../environments/local-clusters';
import type { ClusterConfig, EnvironmentConfig } from '../../environments/types';
import type { Variant } from '../support/stack';
import {
  E2E_LEDGER_DIR,
  MINUTES,
  type Run,
  type StackVariant,
  diff,
  ensureDestroyed,
  eventually,
  exec,
  kubectl,
  lab,
  login,
  namespaceGone,
  opsDeploy,
  plan,
  savedPlanJson,
  serviceAccountToken,
  vault,
} from './support/lab-chain';
import { SecretWatch, type WatchedSecret, expectedSteady, steady } from './support/secret-watch';
import { recordTiming } from './support/timings';
import { type EarlierCheckout, checkoutEarlier } from './support/upgrade';

/** main before several clusters existed: the previous code of every environment. */
const EARLIER_MAIN = '0d2ac6dc8bbe15e8a331bc79a7144e5ab2858c78';
const NAME = 'fleet-cutover';
const MOUNT = 'fleet';
const [BLUE, GREEN] = localClusters.clusters as [ClusterConfig, ClusterConfig];

/**
 * `local-clusters` as it was before it listed clusters (one cluster: the lab's, jwt), as changes
 * of `local-tenants`, which the earlier code knows too. ESO refreshes every 10 s here.
 */
const SINGLE: Variant<EnvironmentConfig> = {
  // Its tenants inline, in the environment's one stack: local-tenants' teams are files now, and
  // clusters are refused beside team files (a cluster's scope lives in one stack).
  teamFiles: null,
  kubernetes: { clusterRoleBindingName: localClusters.kubernetes.clusterRoleBindingName },
  vault: { kvMount: localClusters.vault.kvMount, authPath: localClusters.vault.authPath },
  tenants: localClusters.tenants,
  eso: { refreshInterval: '10s', storeName: 'fleet' },
};
const stage = (clusters?: ClusterConfig[]): StackVariant => ({
  name: NAME,
  base: 'local-tenants',
  changes: clusters ? { ...SINGLE, clusters } : SINGLE,
});
const single = stage();
const withGreen = stage([BLUE, GREEN]);
const blueRetired = stage([{ ...BLUE, retired: true }, GREEN]);
const greenOnly = stage([GREEN]);

/** The Secrets the workloads read: one key of each, compared with what the person wrote. */
const TARGETS = [
  { namespace: 'fleet-shop', name: 'database', secret: 'shop/database', key: 'password' },
  { namespace: 'fleet-books', name: 'api', secret: 'books/api', key: 'api_key' },
];
/** What the person wrote: per secret, its current value and how many versions it has. */
const written = new Map<string, { value: string; versions: number }>();

function green(): NonNullable<ReturnType<typeof lab>['green']> {
  const found = lab().green;
  if (found === undefined)
    throw new Error(
      'the lab runs no second cluster: start it with `npm run lab -- up` (its clusters part)',
    );
  return found;
}

const greenKubectl = (args: readonly string[]): Promise<Run> =>
  exec(lab().kubernetes.kubectl, ['--kubeconfig', green().kubeconfig, ...args]);

function watched(clusters: readonly ('blue' | 'green')[]): WatchedSecret[] {
  return clusters.flatMap((cluster) =>
    TARGETS.map((t) => ({
      namespace: t.namespace,
      name: t.name,
      key: t.key,
      value: written.get(t.secret)!.value,
      ...(cluster === 'green'
        ? { cluster: { name: 'green', kubeconfig: green().kubeconfig } }
        : {}),
    })),
  );
}

/** The person writes a new version of every secret (each key a new value); returns nothing. */
async function personWrites(): Promise<void> {
  for (const t of TARGETS) {
    const value = `person-${randomBytes(6).toString('hex')}`;
    const other = t.key === 'password' ? { username: 'shop' } : { endpoint: 'https://books' };
    const answer = await vault('POST', kvV2Paths(MOUNT, t.secret).data, {
      body: { data: { ...other, [t.key]: value } },
    });
    expect(answer.status).toBe(200);
    const meta = await vault('GET', kvV2Paths(MOUNT, t.secret).metadata);
    const versions = Object.keys((meta.body?.data as { versions: object }).versions).length;
    written.set(t.secret, { value, versions });
  }
}

/** One Secret's key as a cluster holds it (undefined: no such Secret). */
async function secretKey(
  cluster: 'blue' | 'green',
  t: (typeof TARGETS)[number],
): Promise<string | undefined> {
  const args = ['get', 'secret', t.name, '-n', t.namespace, '-o', `jsonpath={.data.${t.key}}`];
  const got = await (cluster === 'blue' ? kubectl(args) : greenKubectl(args));
  return got.code === 0 ? Buffer.from(got.stdout.trim(), 'base64').toString('utf8') : undefined;
}

/** Waits until every Secret of the clusters holds the person's current value. */
async function synced(clusters: readonly ('blue' | 'green')[]): Promise<void> {
  for (const cluster of clusters)
    for (const t of TARGETS)
      await eventually(
        `${cluster}'s ${t.namespace}/${t.name} to hold the person's value`,
        90,
        async () =>
          (await secretKey(cluster, t)) === written.get(t.secret)!.value ? true : undefined,
      );
}

/** Every version the person wrote still there, none deleted or destroyed, the current the person's. */
async function vaultKept(): Promise<Record<string, unknown>> {
  const found: Record<string, unknown> = {};
  for (const t of TARGETS) {
    const meta = await vault('GET', kvV2Paths(MOUNT, t.secret).metadata);
    const versions = Object.values(
      (
        meta.body?.data as {
          versions: Record<string, { deletion_time: string; destroyed: boolean }>;
        }
      ).versions,
    );
    const read = await vault('GET', kvV2Paths(MOUNT, t.secret).data);
    const data = (read.body?.data as { data?: Record<string, string> } | undefined)?.data;
    found[t.secret] = {
      versions: versions.length,
      deletedOrDestroyed: versions.filter((v) => v.deletion_time !== '' || v.destroyed).length,
      current: data?.[t.key] === written.get(t.secret)!.value,
    };
  }
  return found;
}
const keptAll = () =>
  Object.fromEntries(
    TARGETS.map((t) => [
      t.secret,
      { versions: written.get(t.secret)!.versions, deletedOrDestroyed: 0, current: true },
    ]),
  );

interface Change {
  readonly address: string;
  readonly previous_address?: string;
  readonly change: { readonly actions: string[] };
}

/** The planned changes of a stage (synthesized first), by action, addresses shortened. */
async function plannedActions(v: StackVariant): Promise<Record<string, string[]>> {
  expect(ok(await diff(v))).toEqual({ code: 0, tail: '' });
  const shown = await savedPlanJson(v);
  expect(ok(shown)).toEqual({ code: 0, tail: '' });
  const changes = (JSON.parse(shown.stdout) as { resource_changes?: Change[] }).resource_changes;
  const byAction: Record<string, string[]> = {};
  for (const c of changes ?? []) {
    const action = c.previous_address
      ? `moved+${c.change.actions.join('+')}`
      : c.change.actions.join('+');
    (byAction[action] ??= []).push(c.address.replace(/_[0-9A-F]{8}$/, ''));
  }
  for (const list of Object.values(byAction)) list.sort();
  // Unchanged objects, data sources read, ephemeral credentials opened: no change of anything.
  for (const quiet of ['no-op', 'read', 'open']) delete byAction[quiet];
  return byAction;
}

const ok = (run: Run) => ({
  code: run.code,
  tail: run.code === 0 ? '' : (run.stdout + run.stderr).slice(-3000),
});

/** The ledger the suite's deploys keep for the environment. */
const ledger = (): Ledger =>
  JSON.parse(readFileSync(ledgerPath(NAME, E2E_LEDGER_DIR), 'utf8')) as Ledger;

/** A plan of the deployed stage: 0 when nothing would change. */
async function emptyPlan(v: StackVariant): Promise<{ code: number; out: string }> {
  const second = await plan(v);
  return { code: second.code, out: second.code === 0 ? '' : second.stdout.slice(-3000) };
}

/** What every stage may leave behind: objects forgotten in blue, green's, the auth methods. */
async function sweep(): Promise<void> {
  await ensureDestroyed(withGreen);
  const guard = `eks-vault-eso-${NAME}-targets`;
  for (const run of [kubectl, greenKubectl]) {
    await run(['delete', 'validatingadmissionpolicybinding', guard, '--ignore-not-found']);
    await run(['delete', 'validatingadmissionpolicy', guard, '--ignore-not-found']);
  }
  await greenKubectl([
    'delete',
    'clusterrolebinding',
    SINGLE.kubernetes!.clusterRoleBindingName!,
    '--ignore-not-found',
  ]);
  for (const t of TARGETS) {
    await kubectl(['delete', 'namespace', t.namespace, '--ignore-not-found', '--wait=false']);
    await greenKubectl(['delete', 'namespace', t.namespace, '--ignore-not-found', '--wait=false']);
  }
  for (const cluster of [BLUE, GREEN]) await vault('DELETE', `sys/auth/${cluster.authPath}`);
  for (const t of TARGETS) await namespaceGone(t.namespace);
  await eventually('green to delete its namespaces', 120, async () =>
    (await greenKubectl(['get', 'namespaces', '-o', 'name'])).stdout.includes('fleet-')
      ? undefined
      : true,
  );
}

describe('a blue/green cutover of one environment across two clusters', () => {
  let earlier: EarlierCheckout | undefined;
  beforeAll(async () => {
    green();
    earlier = await checkoutEarlier(EARLIER_MAIN);
    await sweep();
  }, 15 * MINUTES);
  afterAll(async () => {
    await sweep();
    await earlier?.remove();
  }, 15 * MINUTES);

  it(
    'an environment of one cluster, deployed by the previous code, upgrades with nothing to change',
    async () => {
      expect(ok(await earlier!.deploy(NAME, SINGLE, {}, 'local-tenants'))).toEqual({
        code: 0,
        tail: '',
      });
      await personWrites();
      await synced(['blue']);
      expect(ok(await diff(single))).toEqual({ code: 0, tail: '' });
      expect(await emptyPlan(single)).toEqual({ code: 0, out: '' });
    },
    15 * MINUTES,
  );

  it(
    "adding green moves blue's objects into its entry, replaces nothing, and syncs the same secrets into green",
    async () => {
      // Blue's 13 objects move; green's are created; nothing is replaced, changed or destroyed.
      const planned = await plannedActions(withGreen);
      expect(Object.keys(planned).sort()).toEqual(['create', 'moved+no-op'].sort());
      expect(planned['moved+no-op']).toHaveLength(13);
      expect(planned['moved+no-op'].every((a) => a.includes('.cluster-blue_'))).toBe(true);
      expect(planned.create.every((a) => a.includes('.cluster-green_'))).toBe(true);

      const watch = SecretWatch.start(watched(['blue']));
      const deployed = await opsDeploy(withGreen);
      const report = await watch.stop();
      recordTiming('clusters: add a cluster (npm run deploy)', deployed.seconds);
      expect(ok(deployed)).toEqual({ code: 0, tail: '' });
      expect(steady(report)).toEqual(expectedSteady(watched(['blue'])));
      const started = Date.now();
      await synced(['green']);
      recordTiming('clusters: deploy end to the new cluster synced', (Date.now() - started) / 1000);
      expect(ledger().clusters).toEqual(['blue', 'green']);
      expect(await emptyPlan(withGreen)).toEqual({ code: 0, out: '' });
    },
    20 * MINUTES,
  );

  it(
    "a token of one cluster is refused by the other cluster's roles, for the same account and audience",
    async () => {
      const account = { namespace: 'fleet-shop', name: 'vault-auth' };
      const blueToken = (audience: string) =>
        serviceAccountToken(account.namespace, account.name, audience);
      const greenToken = async (audience: string) => {
        const made = await greenKubectl([
          'create',
          'token',
          account.name,
          '-n',
          account.namespace,
          `--audience=${audience}`,
          '--duration=10m',
        ]);
        expect(made.code).toBe(0);
        return made.stdout.trim();
      };
      const [blueAudience, greenAudience] = ['vault', 'https://kubernetes.default.svc'];
      const attempts = {
        'blue token at blue': await login(BLUE.authPath, 'eso-shop', await blueToken(blueAudience)),
        'green token at green': await login(
          GREEN.authPath,
          'eso-shop',
          await greenToken(greenAudience),
        ),
        'blue token at green': await login(
          GREEN.authPath,
          'eso-shop',
          await blueToken(greenAudience),
        ),
        'green token at blue': await login(
          BLUE.authPath,
          'eso-shop',
          await greenToken(blueAudience),
        ),
      };
      expect(
        Object.fromEntries(Object.entries(attempts).map(([k, a]) => [k, a.status === 200])),
      ).toEqual({
        'blue token at blue': true,
        'green token at green': true,
        'blue token at green': false,
        'green token at blue': false,
      });
      // Green's API server does not know blue's signature; blue's issuer keys do not verify green's.
      expect(attempts['green token at blue'].errors).toMatch(/signature|verif|issuer/i);
    },
    5 * MINUTES,
  );

  it(
    'the workloads move: a value written now reaches both clusters',
    async () => {
      await personWrites();
      await synced(['blue', 'green']);
    },
    5 * MINUTES,
  );

  it(
    'dropping blue unsaid is refused; retiring it forgets its objects there, ends its logins, and every Secret stays',
    async () => {
      const dropped = await opsDeploy(greenOnly);
      expect(dropped.code).toBe(1);
      expect(dropped.stdout + dropped.stderr).toMatch(
        /clusters = \["green"\].*"blue", with retired: true/,
      );

      const planned = await plannedActions(blueRetired);
      expect(Object.keys(planned).sort()).toEqual(['delete', 'forget']);
      expect(planned.delete).toEqual([
        'vault_jwt_auth_backend.cluster-blue_jwt-auth_backend',
        'vault_jwt_auth_backend_role.cluster-blue_tenant-books_role',
        'vault_jwt_auth_backend_role.cluster-blue_tenant-shop_role',
      ]);
      expect(
        planned.forget.every((a) => a.includes('.cluster-blue_') && !a.startsWith('vault_')),
      ).toBe(true);

      const watch = SecretWatch.start(watched(['blue', 'green']));
      const deployed = await opsDeploy(blueRetired);
      const report = await watch.stop();
      recordTiming('clusters: retire a cluster (npm run deploy)', deployed.seconds);
      expect(ok(deployed)).toEqual({ code: 0, tail: '' });
      expect(steady(report)).toEqual(expectedSteady(watched(['blue', 'green'])));
      // Forgotten, not deleted: blue's ExternalSecrets are still there, for blue's own end.
      expect(
        (await kubectl(['get', 'externalsecret', 'database', '-n', 'fleet-shop', '-o', 'name']))
          .code,
      ).toBe(0);
      const auths = await vault('GET', 'sys/auth');
      expect(Object.keys(auths.body?.data ?? {})).not.toContain(`${BLUE.authPath}/`);
      expect(
        (
          await login(
            BLUE.authPath,
            'eso-shop',
            await serviceAccountToken('fleet-shop', 'vault-auth', 'vault'),
          )
        ).status,
      ).not.toBe(200);
      expect(ledger().clusters).toEqual(['green']);
      expect(await emptyPlan(blueRetired)).toEqual({ code: 0, out: '' });
    },
    20 * MINUTES,
  );

  it(
    "blue's entry then goes with nothing left to change, and Vault's values were never touched",
    async () => {
      expect(ok(await opsDeploy(greenOnly))).toEqual({ code: 0, tail: '' });
      expect(await emptyPlan(greenOnly)).toEqual({ code: 0, out: '' });
      expect(await vaultKept()).toEqual(keptAll());
      await synced(['green']);
    },
    10 * MINUTES,
  );
});
