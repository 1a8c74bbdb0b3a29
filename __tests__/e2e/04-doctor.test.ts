/**
 * `npm run doctor` against the deployed `local` environment: silent when healthy; for each fault
 * injected into one link, its own diagnosis, in words that say what to fix. Every fault is undone
 * by hand afterwards, so each test sees exactly one broken link.
 */
import { renderReadPolicy } from '../../common/chain/policy';
import { local } from '../../environments/local';
import type { CheckResult } from '../../ops/doctor/model';
import {
  type Diagnosis,
  MINUTES,
  type StackVariant,
  deployedAround,
  doctor,
  eventually,
  kubectl,
  vault,
} from './support/lab-chain';

const variant: StackVariant = { name: 'local', changes: {} };
const { vault: v, kubernetes: k8s, eso } = local;

function failure(d: Diagnosis): CheckResult | undefined {
  return d.checks.find((c) => c.status === 'fail');
}

async function waitForAuthMount(path: string, present: boolean): Promise<void> {
  await eventually(`auth mount ${path} ${present ? 'present' : 'gone'}`, 60, async () => {
    const mounts = Object.keys(
      ((await vault('GET', 'sys/auth')).body?.data as Record<string, unknown>) ?? {},
    );
    return mounts.includes(`${path}/`) === present ? true : undefined;
  });
}

deployedAround(variant);

it(
  'finds nothing wrong with a healthy environment (exit 0), ESO included',
  async () => {
    // ESO validates the store and syncs within seconds of the deploy.
    const healthy = await eventually('a healthy diagnosis', 180, async () => {
      const d = await doctor();
      return d.healthy ? d : undefined;
    });
    expect(healthy.code).toBe(0);
    expect(healthy.checks.map((c) => c.status)).toEqual(Array(14).fill('ok'));
    expect(healthy.human).toContain('healthy: every link holds');
    expect(healthy.human).toContain(
      'read my-secret [dummy_key1]; app/config [feature_flags, log_level] (keys only)',
    );
    expect(healthy.human).not.toContain('dummy_value1');
  },
  5 * MINUTES,
);

it("a store without the Vault namespace: the manual procedure's 403, named as such", async () => {
  await kubectl([
    'patch',
    'clustersecretstore',
    eso.storeName,
    '--type=json',
    '-p',
    '[{"op":"remove","path":"/spec/provider/vault/namespace"}]',
  ]);
  try {
    const d = await doctor();
    expect(d.code).toBe(1);
    expect(d.brokenLink).toBe('vault-namespace');
    expect(failure(d)?.detail).toBe(
      'ClusterSecretStore "vault-backend" sets no Vault namespace, so ESO talks to the root namespace, while the auth method and secrets live in "admin": every ESO request is answered 403.',
    );
    expect(d.human).toContain('FAIL  the Vault namespace exists and the ESO store uses it');
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
});

it('a secret missing from the mount', async () => {
  await vault('DELETE', `${v.kvMount.path}/metadata/my-secret`);
  try {
    const d = await doctor();
    expect(d.brokenLink).toBe('secrets-exist');
    expect(failure(d)?.detail).toBe(
      'Secret "my-secret" does not exist in "secret/": ExternalSecret "vault-external-secret" cannot sync.',
    );
  } finally {
    await vault('POST', `${v.kvMount.path}/data/my-secret`, {
      body: { data: { dummy_key1: 'dummy_value1' } },
    });
  }
});

it('a policy on secret/my-secret without data/', async () => {
  const broken =
    'path "secret/my-secret" {\n  capabilities = ["read", "list"]\n}\npath "secret/data/app/config" {\n  capabilities = ["read"]\n}\n';
  await vault('PUT', `sys/policies/acl/${v.policyName}`, { body: { policy: broken } });
  try {
    const d = await doctor();
    expect(d.brokenLink).toBe('policy-grants');
    expect(failure(d)?.detail).toBe(
      'Policy "my-policy" grants "secret/my-secret", which on KV version 2 grants nothing: the values live at "secret/data/my-secret". ESO\'s read is answered 403.',
    );
  } finally {
    await vault('PUT', `sys/policies/acl/${v.policyName}`, {
      body: { policy: renderReadPolicy(v.kvMount.path, local.secrets) },
    });
  }
});

it('the auth method at another path', async () => {
  await vault('POST', 'sys/remount', {
    body: { from: `auth/${v.authPath}`, to: 'auth/kubernetes-elsewhere' },
  });
  await waitForAuthMount('kubernetes-elsewhere', true);
  try {
    const d = await doctor();
    expect(d.brokenLink).toBe('auth-method');
    expect(failure(d)?.detail).toBe(
      'No auth method is enabled at "kubernetes-my-auth/"; kubernetes auth is enabled at: kubernetes-elsewhere/. ESO logs in at auth/kubernetes-my-auth/login and gets 403 (or 400 "no handler").',
    );
  } finally {
    await vault('POST', 'sys/remount', {
      body: { from: 'auth/kubernetes-elsewhere', to: `auth/${v.authPath}` },
    });
    await waitForAuthMount(v.authPath, true);
  }
});

it('the role bound to another namespace', async () => {
  await vault('POST', `auth/${v.authPath}/role/${v.roleName}`, {
    body: { bound_service_account_namespaces: ['default'] },
  });
  try {
    const d = await doctor();
    expect(d.brokenLink).toBe('role');
    expect(failure(d)?.detail).toBe(
      'Role "eso-vault" is bound to namespace(s) ["default"], but service account "vault-auth" lives in "my-namespace": its logins are refused.',
    );
  } finally {
    await vault('POST', `auth/${v.authPath}/role/${v.roleName}`, {
      body: { bound_service_account_namespaces: [k8s.namespace] },
    });
  }
});

it('the auth-delegator binding removed', async () => {
  await kubectl(['delete', 'clusterrolebinding', k8s.clusterRoleBindingName]);
  try {
    const d = await doctor();
    expect(d.brokenLink).toBe('kubernetes-rbac');
    expect(failure(d)?.detail).toBe(
      'ClusterRoleBinding "k8s-auth-client-for-vault" is missing: "vault-auth" may not create TokenReviews, so Vault cannot verify its tokens and every login is 403.',
    );
  } finally {
    await kubectl([
      'create',
      'clusterrolebinding',
      k8s.clusterRoleBindingName,
      '--clusterrole=system:auth-delegator',
      `--serviceaccount=${k8s.namespace}:${k8s.serviceAccountName}`,
    ]);
  }
});

it(
  'is healthy again once every fault is undone',
  async () => {
    const d = await eventually('a healthy diagnosis after the faults', 180, async () => {
      const result = await doctor();
      return result.healthy ? result : undefined;
    });
    expect(d.brokenLink).toBeNull();
  },
  5 * MINUTES,
);
