/**
 * Moving a deployed environment from the kubernetes login method to jwt, as staging and prod
 * did: the same stack applied again with `vault.authMethod: 'jwt'`, an audience of Vault's own
 * and a new auth path. The workload's Secret is read every 200 ms throughout the apply: it never
 * goes away, never holds another value, is never replaced. Afterwards ESO logs in with jwt (a new
 * value reaches the Secret), the kubernetes method and its auth-delegator binding are gone, and a
 * second plan is empty.
 */
import { kvV2Paths } from '../../common/chain/kv-path';
import { randomBytes } from 'node:crypto';
import { local } from '../../environments/local';
import {
  MINUTES,
  type StackVariant,
  deploy,
  destroyedAround,
  eventually,
  ensureDestroyed,
  kubectl,
  kubectlJson,
  plan,
  secretValue,
  vault,
} from './support/lab-chain';
import { SecretWatch, expectedSteady, steady } from './support/secret-watch';
import { recordTiming } from './support/timings';

const NAME = 'local-login-move';
const kubernetesMethod: StackVariant = { name: NAME, changes: {} };
const jwtMethod: StackVariant = {
  name: NAME,
  changes: {
    kubernetes: { tokenAudience: 'vault' },
    vault: { authMethod: 'jwt', jwtIssuerCa: 'cluster', authPath: 'jwt-my-auth' },
  },
};
const { kubernetes: k8s, vault: v, eso } = local;
const [watched] = local.secrets;
const watchedKeys = Object.keys(watched.placeholder ?? {});

function ok(run: { code: number; stdout: string; stderr: string }): Record<string, unknown> {
  return { code: run.code, tail: run.code === 0 ? '' : (run.stdout + run.stderr).slice(-3000) };
}

/** The watched Secret's value of one key (compared in memory only). */
function secretValueOf(key: string): Promise<string | undefined> {
  return secretValue(k8s.namespace, watched.targetSecretName, key);
}

destroyedAround(kubernetesMethod);
afterAll(() => ensureDestroyed(jwtMethod), 10 * MINUTES);

it(
  'the kubernetes method deploys, and ESO syncs the workload Secret',
  async () => {
    expect(ok(await deploy(kubernetesMethod))).toEqual({ code: 0, tail: '' });
    await eventually(`${watched.targetSecretName} synced`, 180, () =>
      secretValueOf(watchedKeys[0]).then((value) => (value !== undefined ? true : undefined)),
    );
  },
  10 * MINUTES,
);

it(
  'moves to jwt with the Secret present throughout the apply, never missing a key',
  async () => {
    const targets = [
      {
        namespace: k8s.namespace,
        name: watched.targetSecretName,
        key: watchedKeys[0],
        value: watched.placeholder![watchedKeys[0]],
      },
    ];
    const watch = SecretWatch.start(targets);
    const moved = await deploy(jwtMethod);
    // ESO syncs again after the store changes: watch a little longer.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const report = await watch.stop();
    recordTiming('deploy moving kubernetes -> jwt', moved.seconds);
    expect(ok(moved)).toEqual({ code: 0, tail: '' });
    expect(moved.stdout).toMatch(
      /vault_auth_backend\.kubernetes-auth_backend_\w+ will be destroyed/,
    );
    expect(moved.stdout).toMatch(/vault_jwt_auth_backend\.jwt-auth_backend_\w+ .*will be created/);
    // Read again and again (every 200 ms) during the apply: never missing, never another value,
    // never replaced (one uid).
    expect(steady(report)).toEqual(expectedSteady(targets));
    expect(report[`${k8s.namespace}/${watched.targetSecretName}`].reads).toBeGreaterThan(10);
  },
  10 * MINUTES,
);

it('the store logs in with jwt at the new path; the kubernetes method and its binding are gone', async () => {
  const store = await kubectlJson<{
    spec: { provider: { vault: { auth: Record<string, { path?: string; role?: string }> } } };
  }>(['clustersecretstore', eso.storeName]);
  expect(store?.spec.provider.vault.auth).toEqual({
    jwt: expect.objectContaining({ path: 'jwt-my-auth', role: v.roleName }) as unknown,
  });
  const methods = (await vault('GET', 'sys/auth')).body?.data as Record<string, { type: string }>;
  expect(methods['jwt-my-auth/']?.type).toBe('jwt');
  expect(methods[`${v.authPath}/`]).toBeUndefined();
  const binding = await kubectl([
    'get',
    'clusterrolebinding',
    k8s.clusterRoleBindingName,
    '--ignore-not-found',
    '-o',
    'name',
  ]);
  expect(binding.stdout.trim()).toBe('');
});

it(
  'a value written in Vault now reaches the Secret through the jwt login',
  async () => {
    const value = `after-move-${randomBytes(6).toString('hex')}`;
    const written = await vault('POST', kvV2Paths(v.kvMount.path, watched.name).data, {
      body: { data: { [watchedKeys[0]]: value } },
    });
    expect(written.status).toBe(200);
    await kubectl([
      'annotate',
      'externalsecret',
      watched.externalSecretName,
      '-n',
      k8s.namespace,
      `force-sync=${Date.now()}`,
      '--overwrite',
    ]);
    const synced = await eventually('the new value in the Secret', 120, async () =>
      (await secretValueOf(watchedKeys[0])) === value ? true : undefined,
    );
    expect(synced).toBe(true);
  },
  5 * MINUTES,
);

it('plans nothing more', async () => {
  const second = await plan(jwtMethod);
  expect({ code: second.code, out: second.code === 0 ? '' : second.stdout.slice(-3000) }).toEqual({
    code: 0,
    out: '',
  });
});
