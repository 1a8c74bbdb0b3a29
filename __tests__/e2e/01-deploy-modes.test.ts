/**
 * The whole chain, applied for real in the lab, in each reviewer mode and each secret-value mode:
 * deploy from empty, plan again (no changes), log in as ESO does and read, be denied elsewhere,
 * check the cluster objects, keep values out of cdktf.out and state, destroy leaving nothing.
 */
import { kvV2Paths } from '../../common/chain/kv-path';
import { readVersions, requireVersion } from '../../common/versions';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { local } from '../../environments/local';
import type { ReviewerMode, SecretValueMode } from '../../environments/types';
import { secretValuesVariableName } from '../../common/names';
import { findSecretLikeValues } from '../../common/secret-shapes';
import {
  CDKTF_OUT,
  MINUTES,
  ROOT,
  type StackVariant,
  deploy,
  destroy,
  ensureDestroyed,
  eventually,
  kubectl,
  kubectlJson,
  lab,
  login,
  namespaceGone,
  plan,
  savedPlanJson,
  serviceAccountToken,
  stateFile,
  vault,
} from './support/lab-chain';
import { recordTiming } from './support/timings';

const { kubernetes: k8s, vault: v } = local;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === '.terraform') return [];
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

interface Mode {
  readonly reviewer: ReviewerMode;
  readonly values: SecretValueMode;
}

const MODES: Mode[] = [
  { reviewer: 'client-jwt', values: 'placeholder' },
  { reviewer: 'client-jwt', values: 'write-only' },
  { reviewer: 'token-secret', values: 'placeholder' },
  { reviewer: 'token-secret', values: 'write-only' },
];

/** Fresh random values per run: the test knows them, so it can look for them where they must not be. */
function writeOnlyValues(): Record<string, Record<string, string>> {
  return Object.fromEntries(
    local.secrets.map((s) => [
      s.name,
      Object.fromEntries(
        Object.keys(s.placeholder ?? {}).map((k) => [k, `wo-${randomBytes(12).toString('hex')}`]),
      ),
    ]),
  );
}

function variantOf(mode: Mode, values: Record<string, Record<string, string>>): StackVariant {
  const writeOnly = mode.values === 'write-only';
  return {
    name: `local-${mode.reviewer}-${mode.values}`,
    changes: {
      vault: { reviewerMode: mode.reviewer },
      secretValues: mode.values,
      ...(writeOnly
        ? { secrets: local.secrets.map(({ placeholder: _placeholder, ...rest }) => rest) }
        : {}),
    },
    vars: writeOnly
      ? Object.fromEntries(
          local.secrets.map((s) => [
            secretValuesVariableName(s.name),
            JSON.stringify(values[s.name]),
          ]),
        )
      : {},
  };
}

describe.each(MODES)('reviewer $reviewer, values $values', (mode) => {
  const values = writeOnlyValues();
  const variant = variantOf(mode, values);
  const expected = (name: string): Record<string, string> =>
    mode.values === 'write-only'
      ? values[name]
      : (local.secrets.find((s) => s.name === name)?.placeholder ?? {});

  let deployed: Awaited<ReturnType<typeof deploy>>;
  let deployedAt = 0;
  beforeAll(async () => {
    await ensureDestroyed(variant);
    deployed = await deploy(variant);
    deployedAt = Date.now();
    recordTiming(`deploy ${variant.name}`, deployed.seconds);
  }, 15 * MINUTES);

  it('deploys from an empty state', () => {
    expect({
      code: deployed.code,
      tail: deployed.code === 0 ? '' : deployed.stderr.slice(-3000) + deployed.stdout.slice(-3000),
    }).toEqual({ code: 0, tail: '' });
  });

  it('was applied by the engine LAB_ENGINE picks, at its pinned version (the state says which)', () => {
    const engine = lab().toolchain.engine;
    const pinned = requireVersion(
      readVersions(),
      engine === 'terraform' ? 'TERRAFORM_VERSION' : 'TOFU_VERSION',
    );
    const state = JSON.parse(readFileSync(stateFile(variant), 'utf8')) as {
      terraform_version: string;
    };
    expect(state.terraform_version).toBe(pinned);
  });

  it(
    'plans no changes right after the deploy',
    async () => {
      const second = await plan(variant);
      recordTiming(`second plan ${variant.name}`, second.seconds);
      expect({
        code: second.code,
        out: second.code === 0 ? '' : second.stdout.slice(-4000) + second.stderr.slice(-2000),
      }).toEqual({ code: 0, out: '' });
      expect(second.stdout).toContain('No changes.');
    },
    5 * MINUTES,
  );

  it('logs in with a TokenRequest token of the service account and reads every secret', async () => {
    const jwt = await serviceAccountToken(k8s.namespace, k8s.serviceAccountName, k8s.tokenAudience);
    const session = await login(v.authPath, v.roleName, jwt);
    expect({
      status: session.status,
      errors: session.status === 200 ? undefined : session.errors,
    }).toEqual({ status: 200, errors: undefined });
    for (const secret of local.secrets) {
      const read = await vault('GET', kvV2Paths(v.kvMount.path, secret.name).data, {
        token: session.token,
      });
      expect(read.status).toBe(200);
      const data = (read.body?.data as { data: Record<string, string> }).data;
      // Values compared in memory only; a failure message would name keys, not print values.
      expect(Object.keys(data).sort()).toEqual(Object.keys(expected(secret.name)).sort());
      expect(
        Object.entries(data).every(([key, value]) => value === expected(secret.name)[key]),
      ).toBe(true);
    }
  });

  it('denies that login every path it was not granted', async () => {
    const outside = 'e2e-not-granted';
    await vault('POST', kvV2Paths(v.kvMount.path, outside).data, { body: { data: { k: 'v' } } });
    try {
      const jwt = await serviceAccountToken(
        k8s.namespace,
        k8s.serviceAccountName,
        k8s.tokenAudience,
      );
      const { token } = await login(v.authPath, v.roleName, jwt);
      const attempts = await Promise.all([
        vault('GET', kvV2Paths(v.kvMount.path, outside).data, { token }),
        vault('GET', kvV2Paths(v.kvMount.path, local.secrets[0].name).metadata, { token }),
        vault('LIST', `${v.kvMount.path}/metadata`, { token }),
        vault('POST', kvV2Paths(v.kvMount.path, local.secrets[0].name).data, {
          token,
          body: { data: { k: 'overwrite' } },
        }),
        vault('GET', 'sys/mounts', { token }),
      ]);
      expect(attempts.map((a) => a.status)).toEqual([403, 403, 403, 403, 403]);
    } finally {
      await vault('DELETE', kvV2Paths(v.kvMount.path, outside).metadata);
    }
  });

  it('creates the Kubernetes objects as declared, and the account may create TokenReviews', async () => {
    const sa = await kubectlJson(['serviceaccount', k8s.serviceAccountName, '-n', k8s.namespace]);
    expect(sa?.metadata).toEqual(
      expect.objectContaining({ name: k8s.serviceAccountName, namespace: k8s.namespace }),
    );
    const binding = await kubectlJson<{ roleRef: { name: string }; subjects: unknown[] }>([
      'clusterrolebinding',
      k8s.clusterRoleBindingName,
    ]);
    expect(binding?.roleRef.name).toBe('system:auth-delegator');
    expect(binding?.subjects).toEqual([
      { kind: 'ServiceAccount', name: k8s.serviceAccountName, namespace: k8s.namespace },
    ]);
    const canI = await kubectl([
      'auth',
      'can-i',
      'create',
      'tokenreviews.authentication.k8s.io',
      `--as=system:serviceaccount:${k8s.namespace}:${k8s.serviceAccountName}`,
    ]);
    expect(canI.stdout.trim()).toBe('yes');
    const tokenSecret = await kubectlJson<{ type: string; data?: Record<string, string> }>([
      'secret',
      k8s.serviceAccountName,
      '-n',
      k8s.namespace,
    ]);
    if (mode.reviewer === 'token-secret') {
      // The revocation handle of Vault's reviewer JWT; it holds no token itself.
      expect(tokenSecret?.type).toBe('Opaque');
      expect(tokenSecret?.data ?? {}).toEqual({});
    } else {
      // client-jwt keeps no long-lived credential at all.
      expect(tokenSecret).toBeUndefined();
    }
    const config = await vault('GET', `auth/${v.authPath}/config`);
    expect(
      (config.body?.data as { token_reviewer_jwt_set?: boolean }).token_reviewer_jwt_set ?? false,
    ).toBe(mode.reviewer === 'token-secret');
  });

  it(
    'the real ESO controller syncs every secret into its Kubernetes Secret, values included',
    async () => {
      for (const secret of local.secrets) {
        const synced = await eventually(`Secret ${secret.targetSecretName}`, 180, async () => {
          const found = await kubectlJson<{ data?: Record<string, string> }>([
            'secret',
            secret.targetSecretName,
            '-n',
            k8s.namespace,
          ]);
          return found?.data ? found.data : undefined;
        });
        const decoded = Object.fromEntries(
          Object.entries(synced).map(([key, b64]) => [
            key,
            Buffer.from(b64, 'base64').toString('utf8'),
          ]),
        );
        expect(Object.keys(decoded).sort()).toEqual(Object.keys(expected(secret.name)).sort());
        expect(
          Object.entries(decoded).every(([key, value]) => value === expected(secret.name)[key]),
        ).toBe(true);
        const es = await kubectlJson<{
          status?: { conditions?: { type: string; status: string; reason?: string }[] };
        }>(['externalsecret', secret.externalSecretName, '-n', k8s.namespace]);
        expect(es?.status?.conditions?.find((c) => c.type === 'Ready')).toEqual(
          expect.objectContaining({ status: 'True', reason: 'SecretSynced' }),
        );
      }
      // An upper bound: this check runs after the second plan; 05 measures the latency itself.
      recordTiming(
        `synced Secrets seen, after deploy end and second plan ${variant.name}`,
        (Date.now() - deployedAt) / 1000,
      );
      const store = await kubectlJson<{
        status?: { conditions?: { type: string; status: string }[] };
      }>(['clustersecretstore', local.eso.storeName]);
      expect(store?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    },
    5 * MINUTES,
  );

  it(
    'keeps every token out of the state and out of a saved plan: the EKS token, the reviewer JWT',
    async () => {
      const shown = await savedPlanJson(variant);
      expect({ code: shown.code, err: shown.code === 0 ? '' : shown.stderr.slice(-2000) }).toEqual({
        code: 0,
        err: '',
      });
      const found = {
        state: findSecretLikeValues(readFileSync(stateFile(variant), 'utf8')).map((f) => f.name),
        plan: findSecretLikeValues(shown.stdout).map((f) => f.name),
      };
      expect(found).toEqual({ state: [], plan: [] });
      // The reviewer JWT Vault holds was written; only its version is in the state.
      if (mode.reviewer === 'token-secret')
        expect(readFileSync(stateFile(variant), 'utf8')).toContain('token_reviewer_jwt_wo_version');
    },
    5 * MINUTES,
  );

  if (mode.values === 'write-only') {
    it('keeps the write-only values out of cdktf.out and out of the state', () => {
      const everyValue = Object.values(values).flatMap((pairs) => Object.values(pairs));
      // The run's own output directory (E2E_CDKTF_OUT: each engine's run has one).
      const places = [...filesUnder(join(ROOT, CDKTF_OUT)), stateFile(variant)];
      const leaks = places.filter((file) => {
        const text = readFileSync(file, 'utf8');
        return everyValue.some((value) => text.includes(value));
      });
      expect(leaks).toEqual([]);
      expect(readFileSync(stateFile(variant), 'utf8')).toContain('data_json_wo_version');
    });
  }

  it(
    'destroy leaves nothing behind in OpenBao or Kubernetes',
    async () => {
      const destroyed = await destroy(variant);
      recordTiming(`destroy ${variant.name}`, destroyed.seconds);
      expect({
        code: destroyed.code,
        tail: destroyed.code === 0 ? '' : destroyed.stderr.slice(-3000),
      }).toEqual({ code: 0, tail: '' });
      // Namespace deletion is finished by the controller-manager; wait for it before looking.
      await namespaceGone(k8s.namespace);
      const leftovers = {
        policy: (await vault('GET', `sys/policies/acl/${v.policyName}`)).status,
        auth: Object.keys(
          ((await vault('GET', 'sys/auth')).body?.data as Record<string, unknown>) ?? {},
        ).filter((p) => p === `${v.authPath}/`),
        mount: Object.keys(
          ((await vault('GET', 'sys/mounts')).body?.data as Record<string, unknown>) ?? {},
        ).filter((p) => p === `${v.kvMount.path}/`),
        binding: (
          await kubectl([
            'get',
            'clusterrolebinding',
            k8s.clusterRoleBindingName,
            '-o',
            'name',
            '--ignore-not-found',
          ])
        ).stdout.trim(),
        store: (
          await kubectl([
            'get',
            'clustersecretstore',
            local.eso.storeName,
            '-o',
            'name',
            '--ignore-not-found',
          ])
        ).stdout.trim(),
      };
      expect(leftovers).toEqual({ policy: 404, auth: [], mount: [], binding: '', store: '' });
    },
    10 * MINUTES,
  );
});
