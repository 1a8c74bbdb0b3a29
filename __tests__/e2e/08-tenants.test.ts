/**
 * Two teams on one cluster, in every design x auth method that ships: each reads its own secrets
 * and nothing else, and every way across the boundary is tried against the real servers
 * (OpenBao, the kube-apiserver, the ESO controller) and fails.
 */
import { readFileSync } from 'node:fs';
import { kvV2Paths } from '../../common/chain/kv-path';
import { type ResolvedTenant, tenantsOf } from '../../environments/tenants';
import type { IsolationDesign, VaultAuthMethod } from '../../environments/types';
import { request } from '../../lab/http';
import {
  MINUTES,
  type StackVariant,
  deploy,
  doctor,
  ensureDestroyed,
  eventually,
  kubectl,
  kubectlJson,
  lab,
  login,
  plan,
  serviceAccountToken,
  vault,
} from './support/lab-chain';
import { recordTiming } from './support/timings';
import { variantConfig } from './support/variant-config';

interface Combo {
  readonly isolation: IsolationDesign;
  readonly authMethod: VaultAuthMethod;
}

/** `local-tenants` as it is (per-tenant, jwt), then the other three combinations. */
function comboVariant({ isolation, authMethod }: Combo): StackVariant {
  const asIs = isolation === 'per-tenant' && authMethod === 'jwt';
  return {
    name: asIs ? 'local-tenants' : `tenants-${isolation}-${authMethod}`,
    base: 'local-tenants',
    changes: {
      eso: { isolation },
      ...(authMethod === 'kubernetes'
        ? {
            vault: { authMethod, authPath: 'kubernetes-teams', jwtIssuerCa: null },
            kubernetes: { tokenAudience: 'https://kubernetes.default.svc' },
          }
        : {}),
    },
  };
}

const COMBOS: readonly Combo[] = [
  { isolation: 'per-tenant', authMethod: 'jwt' },
  { isolation: 'per-tenant', authMethod: 'kubernetes' },
  { isolation: 'shared-store', authMethod: 'jwt' },
  { isolation: 'shared-store', authMethod: 'kubernetes' },
];

/** An ExternalSecret written by hand in `tenant`'s namespace, reading `key` through its store. */
function handWritten(tenant: ResolvedTenant, namespace: string, name: string, key: string) {
  return JSON.stringify({
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name, namespace },
    spec: {
      refreshInterval: '10s',
      secretStoreRef: { kind: tenant.store.kind, name: tenant.store.name },
      target: { name },
      dataFrom: [{ extract: { key } }],
    },
  });
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The Ready condition of an ExternalSecret once ESO has judged it. */
async function judged(namespace: string, name: string): Promise<Condition> {
  return eventually(`ESO to judge ExternalSecret ${namespace}/${name}`, 90, async () => {
    const es = await kubectlJson<{ status?: { conditions?: Condition[] } }>([
      'externalsecret',
      name,
      '-n',
      namespace,
    ]);
    return es?.status?.conditions?.find((c) => c.type === 'Ready');
  });
}

/** The messages of an object's Events (ESO puts the controller's error there). */
async function eventMessages(namespace: string, name: string): Promise<string> {
  const events = await kubectlJson<{ items: { message?: string }[] }>([
    'events',
    '-n',
    namespace,
    '--field-selector',
    `involvedObject.name=${name}`,
  ]);
  return (events?.items ?? []).map((e) => e.message ?? '').join('\n');
}

async function secretNames(namespace: string): Promise<string[]> {
  const list = await kubectlJson<{ items: { metadata: { name: string } }[] }>([
    'secrets',
    '-n',
    namespace,
  ]);
  return (list?.items ?? []).map((s) => s.metadata.name).sort();
}

describe.each(COMBOS.map((c) => [`${c.isolation} store, ${c.authMethod} login`, c] as const))(
  'tenants: %s',
  (_title, combo) => {
    const v = comboVariant(combo);
    const config = variantConfig(v);
    const [alpha, beta] = tenantsOf(config);
    const audience = config.kubernetes.tokenAudience;
    const authPath = config.vault.authPath;
    const mount = config.vault.kvMount.path;

    beforeAll(async () => {
      await ensureDestroyed(v);
      const started = Date.now();
      const deployed = await deploy(v);
      if (deployed.code !== 0)
        throw new Error(
          `deploy of ${v.name} failed:\n${(deployed.stdout + deployed.stderr).slice(-3000)}`,
        );
      recordTiming(`tenants deploy (${v.name}, 2 tenants)`, (Date.now() - started) / 1000);
    }, 15 * MINUTES);
    afterAll(() => ensureDestroyed(v), 10 * MINUTES);

    it("each tenant's secrets appear in its own namespace, and only there", async () => {
      for (const [own, other] of [
        [alpha, beta],
        [beta, alpha],
      ]) {
        const names = await secretNames(own.namespace);
        for (const secret of own.secrets) expect(names).toContain(secret.targetSecretName);
        for (const secret of other.secrets) expect(names).not.toContain(secret.targetSecretName);
        const synced = await kubectlJson<{ data: Record<string, string> }>([
          'secret',
          own.secrets[0].targetSecretName,
          '-n',
          own.namespace,
        ]);
        expect(Object.keys(synced?.data ?? {}).sort()).toEqual(
          Object.keys(own.secrets[0].placeholder ?? {}).sort(),
        );
      }
    });

    it('a second plan changes nothing', async () => {
      const started = Date.now();
      const planned = await plan(v);
      recordTiming(`tenants second plan (${v.name})`, (Date.now() - started) / 1000);
      expect({
        code: planned.code,
        out: planned.code === 0 ? '' : planned.stdout.slice(-2000),
      }).toEqual({ code: 0, out: '' });
    });

    it("an ExternalSecret of one tenant asking for the other's secret gets nothing: Vault answers 403", async () => {
      const stolen = 'stolen';
      const key = beta.secrets[0].name;
      const applied = await kubectl(
        ['apply', '-f', '-'],
        handWritten(alpha, alpha.namespace, stolen, key),
      );
      expect(applied.code).toBe(0);
      try {
        const ready = await judged(alpha.namespace, stolen);
        expect(ready.status).toBe('False');
        await eventually('the 403 in the ExternalSecret events', 60, async () =>
          /403|permission denied/.test(await eventMessages(alpha.namespace, stolen))
            ? true
            : undefined,
        );
        expect(await secretNames(alpha.namespace)).not.toContain(stolen);
        if (v.name === 'local-tenants') {
          // The doctor names the tenant, the path and the grant that is missing.
          const d = await doctor('local-tenants');
          expect(d.code).toBe(1);
          const failed = d.checks.filter((c) => c.status === 'fail');
          expect(failed.map((c) => [c.id, c.tenant])).toEqual([['eso-ready', alpha.name]]);
          expect(failed[0].detail).toBe(
            `ExternalSecret "${alpha.namespace}/${stolen}" (not declared by this stack) reads "${kvV2Paths(mount, key).data}", which tenant "${alpha.name}"'s policy "${alpha.policyName}" does not grant: Vault answers 403.`,
          );
        }
      } finally {
        await kubectl(['delete', 'externalsecret', stolen, '-n', alpha.namespace]);
      }
    });

    it("one tenant's service account cannot read the other's secrets through Vault", async () => {
      const jwt = await serviceAccountToken(alpha.namespace, alpha.serviceAccountName, audience);
      const own = await login(authPath, alpha.roleName, jwt);
      expect(own.status).toBe(200);
      try {
        const mine = await vault('GET', kvV2Paths(mount, alpha.secrets[0].name).data, {
          token: own.token,
        });
        const theirs = await vault('GET', kvV2Paths(mount, beta.secrets[0].name).data, {
          token: own.token,
        });
        expect([mine.status, theirs.status]).toEqual([200, 403]);
      } finally {
        await vault('POST', 'auth/token/revoke-self', { token: own.token });
      }
      if (combo.isolation === 'per-tenant') {
        // With a role of its own per tenant, the other's role refuses the login outright.
        const across = await login(authPath, beta.roleName, jwt);
        expect(across.status).not.toBe(200);
        expect(across.token).toBeUndefined();
      }
    });

    it("another service account in a tenant's namespace cannot log in at all", async () => {
      await kubectl(['create', 'serviceaccount', 'intruder', '-n', alpha.namespace]);
      try {
        const jwt = await serviceAccountToken(alpha.namespace, 'intruder', audience);
        const refused = await login(authPath, alpha.roleName, jwt);
        expect(refused.status).not.toBe(200);
        expect(refused.token).toBeUndefined();
      } finally {
        await kubectl(['delete', 'serviceaccount', 'intruder', '-n', alpha.namespace]);
      }
    });

    if (combo.isolation === 'shared-store')
      it('a namespace that is no tenant cannot use the shared ClusterSecretStore', async () => {
        const outsider = 'not-a-tenant';
        await kubectl(['create', 'namespace', outsider]);
        try {
          const applied = await kubectl(
            ['apply', '-f', '-'],
            handWritten(alpha, outsider, 'borrowed', alpha.secrets[0].name),
          );
          expect(applied.code).toBe(0);
          const ready = await judged(outsider, 'borrowed');
          expect(ready.status).toBe('False');
          expect(await secretNames(outsider)).not.toContain('borrowed');
        } finally {
          await kubectl(['delete', 'namespace', outsider, '--wait=false']);
        }
      });

    if (combo.authMethod === 'jwt') {
      it("a login token (audience Vault's) is refused by the API server", async () => {
        const jwt = await serviceAccountToken(alpha.namespace, alpha.serviceAccountName, audience);
        const answer = await request(
          `${lab().kubernetes.apiserverUrl}/api/v1/namespaces/${alpha.namespace}/secrets`,
          {
            headers: { Authorization: `Bearer ${jwt}` },
            tls: { ca: readFileSync(lab().kubernetes.caFile, 'utf8') },
          },
        );
        expect(answer.status).toBe(401);
      });

      it("a token for the API server's audience is refused by the Vault role", async () => {
        const jwt = await serviceAccountToken(
          alpha.namespace,
          alpha.serviceAccountName,
          'https://kubernetes.default.svc',
        );
        const refused = await login(authPath, alpha.roleName, jwt);
        expect(refused.status).not.toBe(200);
        expect(refused.errors).toMatch(/aud/i);
      });
    }
  },
);
