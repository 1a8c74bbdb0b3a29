/**
 * Adopting a chain built by hand: the manual procedure (docs/manual-procedure.md) is run against
 * the lab with the bao CLI and kubectl, a person writes a value, then `npm run adopt` takes the
 * chain over. Nothing in Vault is rewritten: the same versions and values; the second plan is
 * empty; the long-lived token Secret is reported, then deleted only when asked, and ESO keeps
 * syncing without it.
 */
import { kvV2Paths } from '../../common/chain/kv-path';
import { local } from '../../environments/local';
import {
  MINUTES,
  type StackVariant,
  destroyedAround,
  eventually,
  kubectl,
  kubectlJson,
  labEnvironment,
  opsTool,
  plan,
  VARIANT_APP,
  vault,
} from './support/lab-chain';
import { buildByHand, mySecret } from './support/manual-procedure';

const { vault: v, kubernetes: k8s } = local;
// The manual procedure's one secret, under the environment's own name.
const variant: StackVariant = { name: 'local', changes: { secrets: [mySecret] } };

async function syncedValue(): Promise<string | undefined> {
  const secret = await kubectlJson<{ data?: Record<string, string> }>([
    'secret',
    mySecret.targetSecretName,
    '-n',
    k8s.namespace,
  ]);
  const b64 = secret?.data?.dummy_key1;
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString();
}

async function forceSyncTo(value: string): Promise<boolean> {
  await kubectl([
    'annotate',
    'externalsecret',
    mySecret.externalSecretName,
    '-n',
    k8s.namespace,
    `force-sync=${Date.now()}`,
    '--overwrite',
  ]);
  return eventually(`the synced Secret to hold "${value.slice(0, 8)}..."`, 120, async () =>
    (await syncedValue()) === value ? true : undefined,
  );
}

async function kvState(): Promise<{ versions: number; value: unknown }> {
  const metadata = await vault('GET', kvV2Paths(v.kvMount.path, mySecret.name).metadata);
  const data = await vault('GET', kvV2Paths(v.kvMount.path, mySecret.name).data);
  return {
    versions: Object.keys((metadata.body?.data as { versions: object }).versions).length,
    value: (data.body?.data as { data: Record<string, string> }).data.dummy_key1,
  };
}

destroyedAround(variant);

it(
  'adopts the hand-built chain without rewriting a secret, then drops the long-lived token when asked',
  async () => {
    await buildByHand();
    expect(await eventually('the hand-built chain to sync', 120, syncedValue)).toBe('dummy_value1');
    const personal = `person-${Date.now()}`;
    expect(
      (
        await vault('POST', kvV2Paths(v.kvMount.path, mySecret.name).data, {
          body: { data: { dummy_key1: personal } },
        })
      ).status,
    ).toBe(200);
    const before = await kvState();
    expect(before).toEqual({ versions: 2, value: personal });

    const env = labEnvironment({ E2E_VARIANT: JSON.stringify(variant) });
    const adopted = await opsTool('adopt', ['--env', 'local', '--app', VARIANT_APP], { env });
    expect({
      code: adopted.code,
      tail: adopted.code === 0 ? '' : adopted.stderr.slice(-3000),
    }).toEqual({ code: 0, tail: '' });
    for (const type of [
      'vault_mount',
      'vault_auth_backend',
      'vault_kubernetes_auth_backend_config',
      'vault_kubernetes_auth_backend_role',
      'vault_policy',
      'kubernetes_namespace_v1',
      'kubernetes_service_account_v1',
      'kubernetes_cluster_role_binding_v1',
      'kubernetes_manifest',
    ])
      expect(adopted.stdout).toMatch(new RegExp(`^import {2}${type}\\.`, 'm'));
    expect(adopted.stdout).toMatch(
      /^token Secret {2}my-namespace\/vault-auth: the manual procedure's service-account token, which never expires/m,
    );
    expect(await kvState()).toEqual(before);
    const second = await plan(variant);
    expect({ code: second.code, out: second.code === 0 ? '' : second.stdout.slice(-3000) }).toEqual(
      { code: 0, out: '' },
    );
    expect(await forceSyncTo(personal)).toBe(true);

    // client-jwt: Vault no longer holds the long-lived token, so deleting it breaks nothing.
    const config = await vault('GET', `auth/${v.authPath}/config`);
    expect((config.body?.data as { token_reviewer_jwt_set?: boolean }).token_reviewer_jwt_set).toBe(
      false,
    );
    const removed = await opsTool(
      'adopt',
      ['--env', 'local', '--app', VARIANT_APP, '--remove-token-secret'],
      { env },
    );
    expect(removed.code).toBe(0);
    expect(
      await kubectlJson(['secret', k8s.serviceAccountName, '-n', k8s.namespace]),
    ).toBeUndefined();
    const next = `person-after-${Date.now()}`;
    await vault('POST', kvV2Paths(v.kvMount.path, mySecret.name).data, {
      body: { data: { dummy_key1: next } },
    });
    expect(await forceSyncTo(next)).toBe(true);
  },
  15 * MINUTES,
);
