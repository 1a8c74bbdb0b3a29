/**
 * The reviewer JWT of `token-secret` mode, for real: minted for 90 days (the longest EKS grants),
 * recorded on its anchor Secret, renewed by a deploy once half its lifetime has passed, minted
 * again when its anchor is deleted (which revokes it: Vault's logins fail until then), and named
 * by the doctor when revoked or past its recorded expiry. Deploys and plans run with the
 * generated deploy identity of this variant, the doctor with its drift identity (in this process,
 * with the variant's configuration: the CLI knows the shipped environments only).
 */
import { REVIEWER_TOKEN_ANNOTATIONS as RECORD } from '../../common/chain/reviewer-token';
import { local } from '../../environments/local';
import { tenantsOf } from '../../environments/tenants';
import { diagnose } from '../../ops/doctor/diagnose';
import type { CheckResult } from '../../ops/doctor/model';
import { Kubectl } from '../../ops/kubectl';
import { VaultClient } from '../../ops/vault-http';
import {
  MINUTES,
  type StackVariant,
  deploy,
  destroyedAround,
  eventually,
  kubectl,
  kubectlJson,
  lab,
  login,
  plan,
  serviceAccountToken,
} from './support/lab-chain';
import { type ProvisionedIdentity, generatedIdentity, provision } from './support/run-identity';
import { variantConfig } from './support/variant-config';

const asAdmin: StackVariant = {
  name: 'local-reviewer-token',
  changes: { vault: { reviewerMode: 'token-secret' } },
};
const config = variantConfig(asAdmin);
let variant: StackVariant = asAdmin;
let checker: ProvisionedIdentity;
let deployer: ProvisionedIdentity;
const { kubernetes: k8s, vault: v } = local;
const DAY = 24 * 3600 * 1000;

function ok(run: { code: number; stdout: string; stderr: string }): Record<string, unknown> {
  return { code: run.code, tail: run.code === 0 ? '' : (run.stdout + run.stderr).slice(-3000) };
}

/** The anchor Secret's record of the token. */
async function record(): Promise<Record<string, string> | undefined> {
  const anchor = await kubectlJson<{ metadata: { annotations?: Record<string, string> } }>([
    'secret',
    k8s.serviceAccountName,
    '-n',
    k8s.namespace,
  ]);
  return anchor?.metadata.annotations;
}

/** Rewrites the record as if the token had been minted `ageDays` ago (the clock cannot move). */
async function backdate(ageDays: number): Promise<void> {
  const issued = new Date(Date.now() - ageDays * DAY);
  const expires = new Date(issued.getTime() + 90 * DAY);
  const annotated = await kubectl([
    'annotate',
    'secret',
    k8s.serviceAccountName,
    '-n',
    k8s.namespace,
    '--overwrite',
    `${RECORD.issuedAt}=${issued.toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `${RECORD.expiresAt}=${expires.toISOString().replace(/\.\d+Z$/, 'Z')}`,
  ]);
  expect(annotated.code).toBe(0);
}

/** The doctor's walk of the variant, here, with the drift identity (checked first). */
async function doctor(): Promise<CheckResult[]> {
  const info = lab();
  return diagnose({
    config,
    identity: { name: 'drift', grants: checker.identity.grants },
    tenants: tenantsOf(config),
    vault: new VaultClient({
      address: info.vault.addr,
      namespace: info.vault.namespace,
      token: checker.env.VAULT_TOKEN,
    }),
    kubectl: new Kubectl(info.kubernetes.kubectl, undefined, checker.env),
  });
}

const authConfig = async () => (await doctor()).find((r) => r.id === 'auth-config')!;

/** A login as ESO makes it (Vault reviews its token with the reviewer JWT). */
async function loginStatus(): Promise<number> {
  const jwt = await serviceAccountToken(k8s.namespace, k8s.serviceAccountName, k8s.tokenAudience);
  return (await login(v.authPath, v.roleName, jwt)).status;
}

/** Deploys, then plans again: the renewal is applied once and nothing more is planned. */
async function deployThenNothing(): Promise<void> {
  expect(ok(await deploy(variant))).toEqual({ code: 0, tail: '' });
  const second = await plan(variant);
  expect({ code: second.code, out: second.code === 0 ? '' : second.stdout.slice(-3000) }).toEqual({
    code: 0,
    out: '',
  });
}

destroyedAround(asAdmin);
beforeAll(async () => {
  deployer = await provision(config, generatedIdentity(config, 'deploy'));
  checker = await provision(config, generatedIdentity(config, 'drift'));
  variant = { ...asAdmin, credentials: deployer.env };
}, 5 * MINUTES);
afterAll(async () => {
  await deployer?.remove();
  await checker?.remove();
});

it('the doctor holds the drift identity to its grants', async () => {
  const results = await doctor();
  expect(results.find((r) => r.id === 'run-identity')?.status).toBe('ok');
});

it(
  'mints the reviewer JWT for 90 days, records it on its anchor, and plans nothing more',
  async () => {
    await deployThenNothing();
    const held = await record();
    const lifetime = Date.parse(held![RECORD.expiresAt]) - Date.parse(held![RECORD.issuedAt]);
    expect({ lifetime, version: held![RECORD.version] }).toEqual({
      lifetime: 90 * DAY,
      version: '1',
    });
    expect(await loginStatus()).toBe(200);
    expect((await authConfig()).status).toBe('ok');
  },
  10 * MINUTES,
);

it(
  'a deploy renews it once half its lifetime has passed (a fresh one was not: the plan above was empty)',
  async () => {
    await backdate(46);
    expect((await authConfig()).detail).toMatch(/renewal due, the next deploy renews it$/);
    const before = await record();
    await deployThenNothing();
    const after = await record();
    expect(Date.parse(after![RECORD.issuedAt])).toBeGreaterThan(Date.now() - 5 * MINUTES);
    expect(after![RECORD.issuedAt]).not.toBe(before![RECORD.issuedAt]);
    expect(await loginStatus()).toBe(200);
  },
  10 * MINUTES,
);

it(
  'the doctor names a token past its recorded expiry, and a deploy mints a new one',
  async () => {
    await backdate(91);
    const expired = await authConfig();
    expect(expired.status).toBe('fail');
    expect(expired.detail).toMatch(/^The reviewer JWT Vault holds expired at /);
    await deployThenNothing();
    expect((await authConfig()).status).toBe('ok');
  },
  10 * MINUTES,
);

it(
  'deleting the anchor revokes the token (logins fail, the doctor says why); the next deploy recreates the anchor and a token bound to it',
  async () => {
    expect(
      (await kubectl(['delete', 'secret', k8s.serviceAccountName, '-n', k8s.namespace])).code,
    ).toBe(0);
    // The API server remembers a token's review for a few seconds.
    await eventually('logins to be refused', 60, async () =>
      (await loginStatus()) === 403 ? true : undefined,
    );
    const revoked = await authConfig();
    expect(revoked).toEqual(
      expect.objectContaining({
        status: 'fail',
        detail: expect.stringContaining(
          'the anchor of the reviewer JWT Vault holds, is gone',
        ) as unknown,
      }),
    );
    await deployThenNothing();
    expect(await loginStatus()).toBe(200);
    expect((await authConfig()).status).toBe('ok');
  },
  10 * MINUTES,
);
