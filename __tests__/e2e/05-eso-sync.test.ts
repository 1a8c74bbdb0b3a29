/**
 * The last link, through the real External Secrets Operator controller: values edited in OpenBao
 * reach the Kubernetes Secret within the refresh interval (at once with force-sync); a broken link
 * leaves the ExternalSecret not Ready with the controller's error, and the doctor names the cause;
 * the token-auth store mode works too.
 */
import { goDurationSeconds } from '../../common/go-duration';
import { kvV2Paths } from '../../common/chain/kv-path';
import { readFileSync } from 'node:fs';
import { renderReadPolicy } from '../../common/chain/policy';
import { local } from '../../environments/local';
import {
  MINUTES,
  type StackVariant,
  deploy,
  destroy,
  diff,
  doctor,
  ensureDestroyed,
  eventually,
  kubectl,
  kubectlJson,
  secretValue,
  stateFile,
  vault,
} from './support/lab-chain';
import { recordTiming } from './support/timings';

const variant: StackVariant = { name: 'local', changes: {} };
const { vault: v, kubernetes: k8s, eso } = local;
const target = local.secrets[0]; // my-secret -> vault-secret, key dummy_key1

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

function syncedValue(key: string): Promise<string | undefined> {
  return secretValue(k8s.namespace, target.targetSecretName, key);
}

async function readyOf(
  kind: 'externalsecret' | 'clustersecretstore',
  name: string,
): Promise<Condition | undefined> {
  const args = kind === 'externalsecret' ? [kind, name, '-n', k8s.namespace] : [kind, name];
  const object = await kubectlJson<{ status?: { conditions?: Condition[] } }>(args);
  return object?.status?.conditions?.find((c) => c.type === 'Ready');
}

async function forceSync(): Promise<void> {
  const result = await kubectl([
    'annotate',
    'externalsecret',
    target.externalSecretName,
    '-n',
    k8s.namespace,
    `force-sync=${Date.now()}`,
    '--overwrite',
  ]);
  expect(result.code).toBe(0);
}

/** Force-syncs the target and waits for the sync to fail; returns its Ready condition. */
async function forcedSyncFailure(): Promise<Condition> {
  await forceSync();
  return eventually('the sync error', 120, async () => {
    const ready = await readyOf('externalsecret', target.externalSecretName);
    return ready?.status === 'False' ? ready : undefined;
  });
}

/** After a fault is undone: force-syncs and waits for the target to be Ready again. */
async function syncsAgain(): Promise<void> {
  await forceSync();
  await eventually('Ready again', 120, async () =>
    (await readyOf('externalsecret', target.externalSecretName))?.status === 'True'
      ? true
      : undefined,
  );
}

/** The messages of the events on the objects a field selector picks, in any namespace. */
async function eventMessages(fieldSelector: string): Promise<string> {
  const events = await kubectl([
    'get',
    'events',
    '--all-namespaces',
    '--field-selector',
    fieldSelector,
    '-o',
    'jsonpath={.items[*].message}',
  ]);
  return events.stdout;
}

async function writeValue(value: string): Promise<void> {
  expect(
    (
      await vault('POST', kvV2Paths(v.kvMount.path, target.name).data, {
        body: { data: { dummy_key1: value } },
      })
    ).status,
  ).toBe(200);
}

describe('with the local environment deployed', () => {
  beforeAll(async () => {
    await ensureDestroyed(variant);
    const deployed = await deploy(variant);
    if (deployed.code !== 0)
      throw new Error(`deploy failed:\n${(deployed.stdout + deployed.stderr).slice(-3000)}`);
    const deployedAt = Date.now();
    await eventually('the first sync', 180, async () =>
      (await syncedValue('dummy_key1')) === 'dummy_value1' ? true : undefined,
    );
    recordTiming('deploy end to first synced Secret', (Date.now() - deployedAt) / 1000);
  }, 15 * MINUTES);

  afterAll(async () => {
    await ensureDestroyed(variant);
  }, 10 * MINUTES);

  it(
    'a value changed in OpenBao reaches the Kubernetes Secret within the refresh interval',
    async () => {
      const value = `rotated-${Date.now()}`;
      const started = Date.now();
      await writeValue(value);
      // One refresh interval (environments/local.ts) plus the controller's jitter.
      const window = goDurationSeconds(eso.refreshInterval) + 40;
      await eventually('the refreshed value', window, async () =>
        (await syncedValue('dummy_key1')) === value ? true : undefined,
      );
      const seconds = (Date.now() - started) / 1000;
      recordTiming('value change to Secret, refresh interval', seconds);
      expect(seconds).toBeLessThanOrEqual(window);
    },
    5 * MINUTES,
  );

  it(
    'with the force-sync annotation, at once',
    async () => {
      const value = `forced-${Date.now()}`;
      await writeValue(value);
      const started = Date.now();
      await forceSync();
      await eventually('the force-synced value', 20, async () =>
        (await syncedValue('dummy_key1')) === value ? true : undefined,
      );
      recordTiming('value change to Secret, force-sync', (Date.now() - started) / 1000);
    },
    2 * MINUTES,
  );

  it(
    'a store in the wrong Vault namespace leaves the ExternalSecret not Ready, and the doctor says why',
    async () => {
      await kubectl([
        'patch',
        'clustersecretstore',
        eso.storeName,
        '--type=merge',
        '-p',
        JSON.stringify({ spec: { provider: { vault: { namespace: 'admin-typo' } } } }),
      ]);
      try {
        expect((await forcedSyncFailure()).reason).toBe('SecretSyncedError');
        const store = await eventually('the store to turn not Ready', 120, async () => {
          const ready = await readyOf('clustersecretstore', eso.storeName);
          return ready?.status === 'False' ? ready : undefined;
        });
        // The condition only says "unable to create client"; the controller's error is in the
        // store's events.
        expect(store.reason).toBe('InvalidProviderConfig');
        expect(
          await eventMessages(
            `involvedObject.kind=ClusterSecretStore,involvedObject.name=${eso.storeName}`,
          ),
        ).toMatch(/admin-typo[\s\S]*(namespace not found|403|permission denied)/);
        const diagnosis = await doctor();
        expect(diagnosis.brokenLink).toBe('vault-namespace');
        expect(diagnosis.checks.find((c) => c.id === 'vault-namespace')?.detail).toContain(
          'uses Vault namespace "admin-typo", but the auth method and secrets live in "admin"',
        );
      } finally {
        await kubectl([
          'patch',
          'clustersecretstore',
          eso.storeName,
          '--type=merge',
          '-p',
          JSON.stringify({ spec: { provider: { vault: { namespace: v.namespace } } } }),
        ]);
      }
      await syncsAgain();
    },
    8 * MINUTES,
  );

  it(
    'a policy without data/ leaves the ExternalSecret not Ready with a 403, and the doctor says why',
    async () => {
      await vault('PUT', `sys/policies/acl/${v.policyName}`, {
        body: {
          policy:
            'path "secret/my-secret" { capabilities = ["read", "list"] }\npath "secret/data/app/config" { capabilities = ["read"] }',
        },
      });
      try {
        expect((await forcedSyncFailure()).reason).toBe('SecretSyncedError');
        expect(
          await eventMessages(
            `involvedObject.kind=ExternalSecret,involvedObject.name=${target.externalSecretName}`,
          ),
        ).toMatch(/403|permission denied/i);
        const diagnosis = await doctor();
        expect(diagnosis.brokenLink).toBe('policy-grants');
        expect(diagnosis.checks.find((c) => c.id === 'policy-grants')?.detail).toContain(
          'grants "secret/my-secret", which on KV version 2 grants nothing',
        );
      } finally {
        await vault('PUT', `sys/policies/acl/${v.policyName}`, {
          body: { policy: renderReadPolicy(v.kvMount.path, local.secrets) },
        });
      }
      await syncsAgain();
    },
    8 * MINUTES,
  );
});

it(
  'a plan for an ESO API version the cluster does not serve stops with a message that says so',
  async () => {
    // ESO 0.20 installs the v1beta1 schema but no longer serves it.
    const planned = await diff({
      name: 'local-v1beta1',
      changes: { eso: { apiVersion: 'external-secrets.io/v1beta1' } },
    });
    expect(planned.code).not.toBe(0);
    expect((planned.stdout + planned.stderr).replace(/\s+/g, ' ')).toContain(
      'The cluster does not serve external-secrets.io/v1beta1: the External Secrets Operator is not installed, or serves other versions (v1 needs ESO >= 0.16; v1beta1 is not served from ESO 0.17).',
    );
  },
  5 * MINUTES,
);

describe("with the token-auth store (the manual procedure's alternative)", () => {
  let token = '';
  const tokenVariant = (): StackVariant => ({
    name: 'local-token-store',
    changes: { eso: { storeAuth: 'token' } },
    vars: { eso_vault_token: token },
  });

  beforeAll(async () => {
    // A token with the read policy, as an operator would issue for ESO. It keeps Vault's default
    // policy: ESO validates the store with auth/token/lookup-self, which only that policy grants
    // (without it the store stays not Ready: "invalid vault credentials ... 403").
    const created = await vault('POST', 'auth/token/create', {
      body: { policies: [v.policyName], ttl: '1h' },
    });
    token = (created.body?.auth as { client_token: string }).client_token;
    await ensureDestroyed(tokenVariant());
  }, 10 * MINUTES);

  it(
    'syncs through the real controller, and the token never reaches the state',
    async () => {
      const deployed = await deploy(tokenVariant());
      expect({
        code: deployed.code,
        tail: deployed.code === 0 ? '' : (deployed.stdout + deployed.stderr).slice(-3000),
      }).toEqual({ code: 0, tail: '' });
      try {
        await eventually('the token-auth sync', 180, async () =>
          (await syncedValue('dummy_key1')) === 'dummy_value1' ? true : undefined,
        );
        const state = readFileSync(stateFile(tokenVariant()), 'utf8');
        expect(state.includes(token)).toBe(false);
        const secret = await kubectlJson<{ data: Record<string, string> }>([
          'secret',
          'vault-token',
          '-n',
          k8s.namespace,
        ]);
        expect(Buffer.from(secret?.data.token ?? '', 'base64').toString('utf8') === token).toBe(
          true,
        );
      } finally {
        const destroyed = await destroy(tokenVariant());
        expect(destroyed.code).toBe(0);
      }
    },
    15 * MINUTES,
  );
});
