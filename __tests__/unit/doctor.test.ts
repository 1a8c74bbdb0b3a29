/**
 * The doctor's links against a fake Vault and a fake cluster: each link holds on a healthy world
 * and, broken the way people break it, names what is wrong (and, with tenants, whose).
 */
import { kvV2Paths } from '../../common/chain/kv-path';
import { dev } from '../../environments/dev';
import { tenantsOf } from '../../environments/tenants';
import type { EnvironmentConfig } from '../../environments/types';
import { LINKS, diagnose, orderLinks } from '../../ops/doctor/diagnose';
import type {
  CheckResult,
  DoctorContext,
  DoctorKubectl,
  DoctorVault,
  Link,
} from '../../ops/doctor/model';
import { type RuleRead } from '../../common/identity/kubernetes';
import { type IdentityName, grantLabel, runIdentity } from '../../common/identity';
import { SynthesizedStack } from '../../common/synthesized-stack';
import { synthJson, variant } from '../support/stack';
import {
  parsePolicy,
  policyPathCovers,
  renderNamespacePrefixPolicy,
  renderNamespaceTemplate,
  renderReadPolicy,
} from '../../common/chain/policy';
import type { VaultResponse } from '../../ops/vault-http';
import { withTenants as tenantsFixture } from '../support/tenants';

const ACCESSOR = 'auth_kubernetes_1234';

/** What Vault and the cluster hold; tests break it, the fakes serve it. */
interface World {
  mounts: Record<string, { type: string; options?: { version?: string } }>;
  auth: Record<string, { type: string; accessor: string }>;
  authConfig: Record<string, unknown>;
  policies: Record<string, string>;
  roles: Record<string, Record<string, unknown>>;
  /** Secret name -> keys (metadata and data). */
  secrets: Record<string, string[]>;
  /** Kubernetes objects by `get` arguments joined with spaces. */
  objects: Map<string, Record<string, unknown>>;
  /** ServiceAccount `namespace/name` -> whether `auth can-i create tokenreviews` says yes. */
  canReview: Set<string>;
  /** Vault's health answer (503: sealed). */
  healthStatus: number;
  /** Whether Vault reaches the API server to review login tokens. */
  vaultReachesCluster: boolean;
  /** Paths denied to every login whatever its policies say (an identity group's deny). */
  denied: Set<string>;
  /** What the operator's token may do on each path (absent path: nothing); `root`: everything. */
  operatorCapabilities: Record<string, string[]> | 'root';
  /** The RBAC rules of the operator's kubeconfig. */
  operatorRules: RuleRead[];
  /** Every request the doctor made: `GET sys/mounts`, `kubectl get serviceaccount vault-auth -n ns`. */
  requests: string[];
  /** Secrets made by hand (no ESO label), `namespace/name`. */
  handMade: Set<string>;
}

/** A Vault that answers from the world, and enforces policies as the rendered paths say. */
class FakeVault implements DoctorVault {
  constructor(
    private readonly world: World,
    private readonly token = 'operator',
  ) {}

  inNamespace(): DoctorVault {
    return this;
  }

  withToken(token: string): DoctorVault {
    return new FakeVault(this.world, token);
  }

  request(method: string, path: string, body?: unknown): Promise<VaultResponse> {
    if (!this.token.startsWith('login:') && this.token !== '')
      this.world.requests.push(`${method} ${path}`);
    if (path === 'sys/capabilities-self') return Promise.resolve(this.capabilities(body));
    return Promise.resolve(this.answer(method, path, body));
  }

  private capabilities(body: unknown): VaultResponse {
    const held = this.world.operatorCapabilities;
    if (held !== 'root' && !held['sys/capabilities-self']?.includes('update'))
      return { status: 403, errors: 'permission denied' };
    const paths = (body as { paths: string[] }).paths;
    const data = Object.fromEntries(
      paths.map((p) => [p, held === 'root' ? ['root'] : (held[p] ?? ['deny'])]),
    );
    return { status: 200, body: { data }, errors: '' };
  }

  private answer(method: string, path: string, body?: unknown): VaultResponse {
    const ok = (data: unknown): VaultResponse => ({
      status: 200,
      body: { data },
      errors: '',
    });
    const missing: VaultResponse = { status: 404, errors: '' };
    const denied: VaultResponse = { status: 403, errors: 'permission denied' };
    const w = this.world;
    if (path.startsWith('sys/health'))
      return { status: w.healthStatus, body: { version: '2.0.0' }, errors: '' };
    if (path === 'auth/token/revoke-self') return ok(null);
    if (path.endsWith('/login')) return this.login(path, body as { role: string; jwt: string });
    if (this.token.startsWith('login:')) {
      const role = w.roles[this.token.split(':')[1]];
      const namespace = this.token.split(':')[2];
      const readable = ((role?.token_policies as string[]) ?? []).some((name) =>
        parsePolicy(w.policies[name] ?? '').paths.some((p) => {
          const rendered = renderNamespaceTemplate(p.path, ACCESSOR, namespace);
          return rendered !== undefined && policyPathCovers(rendered, path);
        }),
      );
      if (!readable || w.denied.has(path)) return denied;
    }
    if (path === 'auth/token/lookup-self') return ok({});
    if (path === 'sys/mounts') return ok(w.mounts);
    if (path === 'sys/auth') return ok(w.auth);
    const mount = dev.vault.kvMount.path;
    for (const [name, keys] of Object.entries(w.secrets)) {
      const paths = kvV2Paths(mount, name);
      if (path === paths.metadata)
        return ok({ current_version: 1, versions: { 1: { deletion_time: '', destroyed: false } } });
      if (path === paths.data) return ok({ data: Object.fromEntries(keys.map((k) => [k, 'x'])) });
    }
    const policy = /^sys\/policies\/acl\/(.+)$/.exec(path);
    if (policy) return w.policies[policy[1]] ? ok({ policy: w.policies[policy[1]] }) : missing;
    const authConfig = /^auth\/([^/]+)\/config$/.exec(path);
    if (authConfig) return w.auth[`${authConfig[1]}/`] ? ok(w.authConfig) : missing;
    const role = /^auth\/([^/]+)\/role\/(.+)$/.exec(path);
    if (role) return w.roles[role[2]] ? ok(w.roles[role[2]]) : missing;
    if (method === 'LIST' && /^auth\/[^/]+\/role$/.test(path))
      return ok({ keys: Object.keys(w.roles) });
    return missing;
  }

  /** Tokens are `sa:<namespace>:<name>:<audience>`; a login yields `login:<role>:<namespace>`. */
  private login(path: string, body: { role: string; jwt: string }): VaultResponse {
    const [, namespace, name, ...rest] = body.jwt.split(':');
    const audience = rest.join(':');
    const role = this.world.roles[body.role];
    const mountPath = path.split('/')[1];
    const admits =
      role !== undefined &&
      this.world.auth[`${mountPath}/`] !== undefined &&
      (role.bound_service_account_names as string[]).includes(name) &&
      (role.bound_service_account_namespaces as string[]).includes(namespace) &&
      this.world.canReview.has(`${namespace}/${name}`) &&
      this.world.vaultReachesCluster &&
      (role.audience === undefined || role.audience === audience);
    if (!admits) return { status: 403, errors: 'permission denied' };
    return {
      status: 200,
      body: {
        auth: { client_token: `login:${body.role}:${namespace}`, policies: role.token_policies },
      },
      errors: '',
    };
  }
}

class FakeKubectl implements DoctorKubectl {
  constructor(private readonly world: World) {}

  getJson(args: readonly string[]): Promise<Record<string, unknown> | undefined | Error> {
    this.world.requests.push(`kubectl get ${args.join(' ')}`);
    return Promise.resolve(this.object(args));
  }

  private object(args: readonly string[]): Record<string, unknown> | undefined {
    if (args[0] === 'externalsecret' && args[1] === '-n') {
      const items = [...this.world.objects.entries()]
        .filter(([key]) => key.startsWith('externalsecret ') && key.endsWith(` -n ${args[2]}`))
        .map(([, object]) => object);
      return { items };
    }
    return this.world.objects.get(args.join(' '));
  }

  run(
    args: readonly string[],
    input?: string,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const kind = input ? ` ${(JSON.parse(input) as { kind: string }).kind}` : '';
    this.world.requests.push(`kubectl ${args.join(' ')}${kind}`);
    return Promise.resolve(this.answer(args, input));
  }

  private answer(
    args: readonly string[],
    input?: string,
  ): { code: number; stdout: string; stderr: string } {
    if (args[0] === 'create' && args[1] === 'token') {
      const audience = args.find((a) => a.startsWith('--audience='))!.split('=')[1];
      return { code: 0, stdout: `sa:${args[4]}:${args[2]}:${audience}`, stderr: '' };
    }
    if (args[0] === 'get' && args[1] === '--raw')
      return {
        code: 0,
        stdout: JSON.stringify({ issuer: 'https://oidc.example/id/LAB' }),
        stderr: '',
      };
    if (args[0] === 'get' && args[1] === 'secret' && args.includes('--field-selector')) {
      const namespace = args[args.indexOf('-n') + 1];
      const name = args[args.indexOf('--field-selector') + 1].replace('metadata.name=', '');
      const handMade = this.world.handMade.has(`${namespace}/${name}`);
      return { code: 0, stdout: handMade ? `secret/${name}\n` : '', stderr: '' };
    }
    const review = JSON.parse(input ?? '{}') as { kind?: string };
    if (review.kind === 'SelfSubjectRulesReview')
      return {
        code: 0,
        stdout: JSON.stringify({ status: { resourceRules: this.world.operatorRules } }),
        stderr: '',
      };
    if (args.join(' ') === 'create -f - -o json') {
      const review = JSON.parse(input ?? '{}') as { spec: { user: string } };
      const subject = review.spec.user.replace('system:serviceaccount:', '').replace(':', '/');
      const allowed = this.world.canReview.has(subject);
      return { code: 0, stdout: JSON.stringify({ status: { allowed } }), stderr: '' };
    }
    return { code: 1, stdout: '', stderr: 'unsupported' };
  }
}

const READY = { status: { conditions: [{ type: 'Ready', status: 'True' }] } };

/** A healthy world for an environment, as the stack would deploy it. */
function healthyWorld(config: EnvironmentConfig): World {
  const tenants = tenantsOf(config);
  const authPath = config.vault.authPath;
  const world: World = {
    mounts: { [`${config.vault.kvMount.path}/`]: { type: 'kv', options: { version: '2' } } },
    auth: { [`${authPath}/`]: { type: 'kubernetes', accessor: ACCESSOR } },
    authConfig: {
      kubernetes_host: 'https://127.0.0.1:6443',
      kubernetes_ca_cert: '-----BEGIN CERTIFICATE-----',
    },
    policies: {},
    roles: {},
    secrets: {},
    objects: new Map(),
    canReview: new Set(),
    healthStatus: 200,
    vaultReachesCluster: true,
    denied: new Set(),
    operatorCapabilities: 'root',
    operatorRules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
    requests: [],
    handMade: new Set(),
  };
  const shared = config.eso.isolation === 'shared-store';
  for (const tenant of tenants) {
    world.policies[tenant.policyName] = shared
      ? renderNamespacePrefixPolicy(config.vault.kvMount.path, ACCESSOR)
      : renderReadPolicy(config.vault.kvMount.path, tenant.secrets);
    const role = world.roles[tenant.roleName] ?? {
      bound_service_account_names: [],
      bound_service_account_namespaces: [],
      token_policies: [tenant.policyName],
      audience: config.kubernetes.tokenAudience,
    };
    (role.bound_service_account_names as string[]).push(tenant.serviceAccountName);
    (role.bound_service_account_namespaces as string[]).push(tenant.namespace);
    world.roles[tenant.roleName] = role;
    world.canReview.add(`${tenant.namespace}/${tenant.serviceAccountName}`);
    world.objects.set(`serviceaccount ${tenant.serviceAccountName} -n ${tenant.namespace}`, {});
    const storeKey =
      tenant.store.kind === 'SecretStore'
        ? `secretstore ${tenant.store.name} -n ${tenant.namespace}`
        : `clustersecretstore ${tenant.store.name}`;
    world.objects.set(storeKey, {
      spec: {
        provider: {
          vault: {
            namespace: config.vault.namespace,
            path: config.vault.kvMount.path,
            auth: { kubernetes: { mountPath: authPath, role: tenant.roleName } },
          },
        },
      },
      ...READY,
    });
    for (const secret of tenant.secrets) {
      world.secrets[secret.name] = ['user', 'password'];
      world.objects.set(`externalsecret ${secret.externalSecretName} -n ${tenant.namespace}`, {
        metadata: { name: secret.externalSecretName },
        spec: { secretStoreRef: { name: tenant.store.name } },
        ...READY,
      });
    }
  }
  world.objects.set(`clusterrolebinding ${config.kubernetes.clusterRoleBindingName}`, {
    roleRef: { name: 'system:auth-delegator' },
    subjects: tenants.map((t) => ({
      kind: 'ServiceAccount',
      name: t.serviceAccountName,
      namespace: t.namespace,
    })),
  });
  return world;
}

async function walk(
  config: EnvironmentConfig,
  world: World,
  identity?: DoctorContext['identity'],
): Promise<CheckResult[]> {
  return diagnose({
    config,
    identity,
    tenants: tenantsOf(config),
    vault: new FakeVault(world),
    kubectl: new FakeKubectl(world),
  });
}

const failures = (results: readonly CheckResult[]): CheckResult[] =>
  results.filter((r) => r.status === 'fail');

function withTenants(isolation: 'per-tenant' | 'shared-store'): EnvironmentConfig {
  return tenantsFixture({ base: dev, isolation, tenants: ['payments', 'search'] });
}

describe('doctor, single chain', () => {
  it('walks every link of a healthy environment, in the order a login travels', async () => {
    const results = await walk(dev, healthyWorld(dev));
    expect(results.map((r) => [r.id, r.status])).toEqual(
      [
        'vault-reachable',
        'run-identity',
        'vault-namespace',
        'kv-mount',
        'auth-method',
        'auth-config',
        'secrets-exist',
        'policy-grants',
        'role',
        'kubernetes-rbac',
        'login',
        'read-secrets',
        'targets-kept',
        'eso-ready',
      ].map((id) => [id, 'ok']),
    );
    expect(results.every((r) => r.tenant === undefined)).toBe(true);
    expect(results.find((r) => r.id === 'read-secrets')?.detail).toBe(
      'read my-secret [user, password] (keys only)',
    );
  });

  const breakages: [string, (w: World) => void, string, RegExp][] = [
    ['a sealed Vault', (w) => (w.healthStatus = 503), 'vault-reachable', /is sealed/],
    [
      'a store in the root namespace',
      (w) => {
        const store = w.objects.get('clustersecretstore vault-backend') as {
          spec: { provider: { vault: Record<string, unknown> } };
        };
        delete store.spec.provider.vault.namespace;
      },
      'vault-namespace',
      /sets no Vault namespace/,
    ],
    [
      'a KV version 1 mount',
      (w) => (w.mounts['secret/'] = { type: 'kv', options: { version: '1' } }),
      'kv-mount',
      /not KV version 2/,
    ],
    [
      'the auth method at another path',
      (w) => {
        w.auth = { 'kubernetes/': { type: 'kubernetes', accessor: ACCESSOR } };
      },
      'auth-method',
      /No auth method is enabled at "kubernetes-my-auth\/"; kubernetes auth is enabled at: kubernetes\//,
    ],
    [
      'an auth config without a CA',
      (w) => delete w.authConfig.kubernetes_ca_cert,
      'auth-config',
      /no PEM kubernetes_ca_cert/,
    ],
    [
      'a missing secret',
      (w) => delete w.secrets['my-secret'],
      'secrets-exist',
      /"my-secret" does not exist/,
    ],
    [
      'the manual procedure policy without data/',
      (w) =>
        (w.policies['my-policy'] = 'path "secret/my-secret" {\n  capabilities = ["read"]\n}\n'),
      'policy-grants',
      /grants "secret\/my-secret", which on KV version 2 grants nothing/,
    ],
    [
      'a role bound to the default namespace',
      (w) => (w.roles['eso-vault'].bound_service_account_namespaces = ['default']),
      'role',
      /bound to namespace\(s\) \["default"\], but service account "vault-auth" lives in "my-namespace"/,
    ],
    [
      'a missing auth-delegator binding',
      (w) => w.objects.delete('clusterrolebinding k8s-auth-client-for-vault'),
      'kubernetes-rbac',
      /ClusterRoleBinding "k8s-auth-client-for-vault" is missing/,
    ],
    [
      'a Vault that cannot reach the API server to review tokens',
      (w) => (w.vaultReachesCluster = false),
      'login',
      /Login at auth\/kubernetes-my-auth with role "eso-vault" was refused \(403: permission denied\)/,
    ],
    [
      'a deny for the secret outside the policy (an identity group policy)',
      (w) => w.denied.add('secret/data/my-secret'),
      'read-secrets',
      /The login token may not read "secret\/data\/my-secret" \(403: permission denied\)/,
    ],
    [
      'a hand-made Secret of a target name, which ESO may not take over',
      (w) => w.handMade.add(`${dev.kubernetes.namespace}/vault-secret`),
      'targets-kept',
      /^Secret "[a-z-]+\/vault-secret" was not created by External Secrets: ExternalSecret "vault-external-secret" may not take it over/,
    ],
    [
      'an ExternalSecret that never synced',
      (w) => {
        const es = w.objects.get('externalsecret vault-external-secret -n my-namespace')!;
        es.status = {
          conditions: [
            { type: 'Ready', status: 'False', reason: 'SecretSyncedError', message: '403' },
          ],
        };
      },
      'eso-ready',
      /"vault-external-secret" is not Ready: SecretSyncedError: 403/,
    ],
  ];

  it.each(breakages)('explains %s at the right link', async (_, breakIt, link, detail) => {
    const world = healthyWorld(dev);
    breakIt(world);
    const results = await walk(dev, world);
    expect(failures(results).map((r) => r.id)).toEqual([link]);
    expect(failures(results)[0].detail).toMatch(detail);
    expect(failures(results)[0].fix).toBeTruthy();
    // Everything after the broken link is left unchecked rather than guessed at.
    const after = results.slice(results.findIndex((r) => r.status === 'fail') + 1);
    expect(after.every((r) => r.status === 'not-checked')).toBe(true);
  });
});

describe.each(['per-tenant', 'shared-store'] as const)('doctor with tenants (%s)', (isolation) => {
  const config = withTenants(isolation);

  it("walks each tenant's links after the environment's, and tries the other tenant's secret", async () => {
    const results = await walk(config, healthyWorld(config));
    expect(failures(results)).toEqual([]);
    expect(results.filter((r) => r.id === 'login').map((r) => r.tenant)).toEqual([
      'payments',
      'search',
    ]);
    const payments = tenantsOf(config)[0].secrets[0].name;
    expect(payments).toBe(isolation === 'shared-store' ? 'team-payments/s01' : 'payments/s01');
    expect(results.find((r) => r.id === 'read-secrets' && r.tenant === 'payments')?.detail).toBe(
      `read ${payments} [user, password] (keys only); refused the secrets of "search"`,
    );
  });

  it('a broken tenant stops its own walk only, and is named', async () => {
    const world = healthyWorld(config);
    delete world.secrets[tenantsOf(config)[1].secrets[0].name];
    const results = await walk(config, world);
    expect(failures(results).map((r) => [r.id, r.tenant])).toEqual([['secrets-exist', 'search']]);
    expect(results.filter((r) => r.tenant === 'payments').every((r) => r.status === 'ok')).toBe(
      true,
    );
  });
});

describe('doctor, isolation between tenants', () => {
  it("fails a policy that grants another tenant's secret, naming both tenants", async () => {
    const config = withTenants('per-tenant');
    const world = healthyWorld(config);
    world.policies['eso-payments'] +=
      'path "secret/data/search/s01" {\n  capabilities = ["read"]\n}\n';
    const results = await walk(config, world);
    expect(failures(results).map((r) => [r.id, r.tenant])).toEqual([['policy-grants', 'payments']]);
    expect(failures(results)[0].detail).toBe(
      'Policy "eso-payments" of tenant "payments" grants read on "secret/data/search/s01", a secret of tenant "search": the tenants are not isolated.',
    );
  });

  it('names the tenant, the path and the missing grant of a hand-written ExternalSecret that fails', async () => {
    const config = withTenants('per-tenant');
    const world = healthyWorld(config);
    world.objects.set('externalsecret stolen -n team-payments', {
      metadata: { name: 'stolen' },
      spec: {
        secretStoreRef: { name: 'vault-backend' },
        data: [{ remoteRef: { key: 'search/s01' } }],
      },
      status: { conditions: [{ type: 'Ready', status: 'False' }] },
    });
    const results = await walk(config, world);
    expect(failures(results).map((r) => [r.id, r.tenant])).toEqual([['eso-ready', 'payments']]);
    expect(failures(results)[0].detail).toBe(
      'ExternalSecret "team-payments/stolen" (not declared by this stack) reads "secret/data/search/s01", which tenant "payments"\'s policy "eso-payments" does not grant: Vault answers 403.',
    );
  });
});

describe('doctor, what a login may read', () => {
  it("fails when the login reads another tenant's secret through a policy the role also carries", async () => {
    const config = withTenants('per-tenant');
    const world = healthyWorld(config);
    const [payments, search] = tenantsOf(config);
    world.policies.extra = renderReadPolicy(config.vault.kvMount.path, search.secrets);
    (world.roles[payments.roleName].token_policies as string[]).push('extra');
    const results = await walk(config, world);
    expect(failures(results).map((r) => [r.id, r.tenant])).toEqual([['read-secrets', 'payments']]);
    expect(failures(results)[0].detail).toBe(
      `Tenant "payments"'s login read "secret/data/${search.secrets[0].name}", a secret of tenant "search": the tenants are not isolated.`,
    );
  });
});

describe('doctor, the reviewer JWT of token-secret mode', () => {
  const config = variant({ vault: { reviewerMode: 'token-secret' } }, dev);
  const DAY = 24 * 3600 * 1000;
  /** A healthy world whose Vault holds a reviewer JWT minted `ageDays` ago, for 90 days. */
  function minted(ageDays: number): World {
    const world = healthyWorld(config);
    world.authConfig.token_reviewer_jwt_set = true;
    const issued = new Date(Date.now() - ageDays * DAY);
    world.objects.set(`secret vault-auth -n ${dev.kubernetes.namespace}`, {
      metadata: {
        annotations: {
          'eks-vault-eso/reviewer-token-issued-at': issued.toISOString(),
          'eks-vault-eso/reviewer-token-expires-at': new Date(
            issued.getTime() + 90 * DAY,
          ).toISOString(),
          'eks-vault-eso/reviewer-token-version': '1',
        },
      },
    });
    return world;
  }
  const authConfig = (results: readonly CheckResult[]) =>
    results.find((r) => r.id === 'auth-config')!;

  it('holds while the anchor records a live token, and says when a renewal is due', async () => {
    const fresh = authConfig(await walk(config, minted(1)));
    expect(fresh.status).toBe('ok');
    expect(fresh.detail).toMatch(/reviewer JWT stored, minted \S+, expires \S+$/);
    const old = authConfig(await walk(config, minted(46)));
    expect(old.status).toBe('ok');
    expect(old.detail).toMatch(/: renewal due, the next deploy renews it$/);
  });

  it('names a revoked token: its anchor Secret is gone', async () => {
    const world = minted(1);
    world.objects.delete(`secret vault-auth -n ${dev.kubernetes.namespace}`);
    const [failure] = failures(await walk(config, world));
    expect(failure).toEqual(
      expect.objectContaining({
        id: 'auth-config',
        detail: `Secret "${dev.kubernetes.namespace}/vault-auth", the anchor of the reviewer JWT Vault holds, is gone: deleting it revoked the JWT, so the API server refuses Vault's token reviews and every login is 403.`,
        fix: 'Deploy the stack: it makes a new anchor and sends Vault a new reviewer JWT bound to it.',
      }),
    );
  });

  it('names an expired token, with when it expired', async () => {
    const [failure] = failures(await walk(config, minted(91)));
    expect(failure.id).toBe('auth-config');
    expect(failure.detail).toMatch(
      /^The reviewer JWT Vault holds expired at \S+ \(minted \S+, as its anchor .+\/vault-auth records\): the API server refuses/,
    );
    expect(failure.fix).toContain('A deploy renews it once half its lifetime');
  });
});

describe('doctor, jwt login', () => {
  it('fails when the auth method trusts another issuer than the one the cluster signs with', async () => {
    const config = tenantsFixture({ base: dev, authMethod: 'jwt', tenants: ['payments'] });
    const world = healthyWorld(config);
    world.auth[`${config.vault.authPath}/`] = { type: 'jwt', accessor: ACCESSOR };
    world.authConfig = { oidc_discovery_url: 'https://oidc.example/id/OLD' };
    const results = await walk(config, world);
    expect(failures(results).map((r) => r.id)).toEqual(['auth-config']);
    expect(failures(results)[0].detail).toBe(
      `auth/${config.vault.authPath}/config trusts issuer "https://oidc.example/id/OLD", but the cluster signs tokens as "https://oidc.example/id/LAB": every login is refused.`,
    );
  });
});

describe('policy templates', () => {
  it('renders the namespace of the login, and nothing for another mount', () => {
    const pattern = renderNamespacePrefixPolicy('secret', ACCESSOR).split('"')[1];
    expect(renderNamespaceTemplate(pattern, ACCESSOR, 'team-a')).toBe('secret/data/team-a/*');
    expect(renderNamespaceTemplate(pattern, 'auth_other', 'team-a')).toBeUndefined();
    expect(policyPathCovers('secret/data/team-a/*', 'secret/data/team-b/db')).toBe(false);
  });
});

describe("the walk's order follows from what each link needs and provides", () => {
  const position = (order: readonly Link[], id: string) => order.findIndex((l) => l.id === id);

  it('keeps the order a login travels, which already puts every provider first', () => {
    expect(orderLinks(LINKS).map((l) => l.id)).toEqual(LINKS.map((l) => l.id));
  });

  it('moves a link after the providers of its needs whatever order it is listed in', () => {
    const order = orderLinks([...LINKS].reverse());
    for (const link of order)
      for (const fact of link.needs) {
        const provider = LINKS.find((l) => l.provides.includes(fact))!;
        expect([link.id, fact, position(order, provider.id) < position(order, link.id)]).toEqual([
          link.id,
          fact,
          true,
        ]);
      }
    // Environment links are checked once, before any tenant's.
    const lastEnvironment = Math.max(
      ...order.filter((l) => l.scope === 'environment').map((l) => position(order, l.id)),
    );
    expect(order.slice(0, lastEnvironment + 1).every((l) => l.scope === 'environment')).toBe(true);
  });

  it('refuses a need that no link provides, and a fact provided twice', () => {
    const orphan = { ...LINKS[0], id: 'orphan', needs: ['loginToken' as const], provides: [] };
    expect(() => orderLinks([orphan])).toThrow(
      'doctor link orphan needs "loginToken", which no link provides',
    );
    const twice = LINKS.filter((l) => l.provides.includes('stores'));
    expect(() => orderLinks([...LINKS, { ...twice[0], id: 'copy' }])).toThrow(
      'doctor links vault-namespace and copy both provide "stores"',
    );
  });

  it('a link that reads a fact it did not declare is a bug, not a broken link', async () => {
    const sneaky: Link = {
      id: 'sneaky',
      title: 'reads the stores without saying so',
      scope: 'tenant',
      needs: [],
      provides: [],
      check: (_ctx, _tenant, facts) => Promise.resolve(String(facts.need('stores').size)),
    };
    const world = healthyWorld(dev);
    await expect(
      diagnose(
        {
          config: dev,
          tenants: tenantsOf(dev),
          vault: new FakeVault(world),
          kubectl: new FakeKubectl(world),
        },
        [...LINKS, sneaky],
      ),
    ).rejects.toThrow('doctor link sneaky reads "stores" without declaring it in needs');
  });
});

describe('doctor, the run identity', () => {
  const identityOf = (config: EnvironmentConfig, name: IdentityName) => {
    const { grants } = runIdentity(new SynthesizedStack(synthJson(config)), config.name, name);
    return { name, grants };
  };
  /** A world whose operator holds exactly the identity's grants, as the generated documents say. */
  function heldExactly(config: EnvironmentConfig, name: IdentityName): World {
    const world = healthyWorld(config);
    const identity = runIdentity(new SynthesizedStack(synthJson(config)), config.name, name);
    world.operatorCapabilities = {};
    for (const g of identity.grants)
      if (g.system === 'vault') (world.operatorCapabilities[g.path] ??= []).push(g.capability);
    world.operatorRules = identity.kubernetesRbac.flatMap(
      (o) => (o as { rules?: RuleRead[] }).rules ?? [],
    );
    return world;
  }

  it.each(['drift', 'deploy'] as const)(
    'holds when the credentials hold exactly the %s grants',
    async (name) => {
      const results = await walk(dev, heldExactly(dev, name), identityOf(dev, name));
      expect(results.find((r) => r.id === 'run-identity')).toEqual(
        expect.objectContaining({ status: 'ok' }),
      );
      expect(failures(results)).toEqual([]);
    },
  );

  it('names the Vault grant the token lacks, and what needs it', async () => {
    const world = heldExactly(dev, 'deploy');
    const policies = world.operatorCapabilities as Record<string, string[]>;
    policies['sys/policies/acl/my-policy'] = ['read', 'delete'];
    const [failure] = failures(await walk(dev, world, identityOf(dev, 'deploy')));
    expect(failure.id).toBe('run-identity');
    expect(failure.detail).toBe(
      'The run identity lacks 1 grant(s) the deploy identity needs: Vault: update on sys/policies/acl/my-policy (the policy my-policy).',
    );
    expect(failure.fix).toBe(
      'Give it the generated rights: npm run identities -- --env dev --identity deploy.',
    );
  });

  it('names the Kubernetes grant the kubeconfig lacks', async () => {
    const world = heldExactly(dev, 'drift');
    world.operatorRules = world.operatorRules.filter(
      (r) => !(r.resources ?? []).includes('subjectaccessreviews'),
    );
    const [failure] = failures(await walk(dev, world, identityOf(dev, 'drift')));
    expect(failure.detail).toBe(
      'The run identity lacks 1 grant(s) the drift identity needs: Kubernetes: create subjectaccessreviews.authorization.k8s.io (npm run doctor).',
    );
  });

  it('a token that may not even ask what it holds is named too', async () => {
    const world = heldExactly(dev, 'drift');
    delete (world.operatorCapabilities as Record<string, string[]>)['sys/capabilities-self'];
    const [failure] = failures(await walk(dev, world, identityOf(dev, 'drift')));
    expect(failure.detail).toContain('Vault: update on sys/capabilities-self');
  });

  it.each([
    ['dev', dev],
    ['tenants, shared store', withTenants('shared-store')],
    ['tenants, per tenant', withTenants('per-tenant')],
    ['token-secret', variant({ vault: { reviewerMode: 'token-secret' } }, dev)],
  ])(
    'asks Vault and the cluster nothing the drift identity may not (%s)',
    async (_what, config) => {
      const world = healthyWorld(config);
      if (config.vault.reviewerMode === 'token-secret') {
        world.authConfig.token_reviewer_jwt_set = true;
        world.objects.set(`secret vault-auth -n ${dev.kubernetes.namespace}`, {});
      }
      const results = await walk(config, world, identityOf(config, 'drift'));
      expect(failures(results)).toEqual([]);
      const labels = new Set(identityOf(config, 'drift').grants.map(grantLabel));
      const asked = world.requests.map((r) => grantOfRequest(r, config));
      expect(asked.filter((label) => label !== undefined && !labels.has(label))).toEqual([]);
    },
  );
});

/** The grant a request of the doctor needs, as the generator labels it (undefined: none). */
function grantOfRequest(request: string, config: EnvironmentConfig): string | undefined {
  const [first, ...rest] = request.split(' ');
  const vaultVerb: Record<string, string> = {
    GET: 'read',
    LIST: 'list',
    POST: 'update',
    PUT: 'update',
  };
  if (first !== 'kubectl') {
    const path = rest.join(' ').replace(/\?.*$/, '');
    if (path === 'sys/health' || path.endsWith('/login') || path === 'auth/token/revoke-self')
      return undefined;
    return `Vault: ${vaultVerb[first]} on ${path}`;
  }
  const args = rest;
  const ns = args.includes('-n') ? ` in namespace ${args[args.indexOf('-n') + 1]}` : '';
  const eso = '.external-secrets.io';
  if (args[0] === 'get' && args[1] === '--raw') return `Kubernetes: get ${args[2]}`;
  if (args[0] === 'create' && args[1] === 'token')
    return `Kubernetes: create serviceaccounts/token ${args[2]}${ns}`;
  if (args[0] === 'create' && args.at(-1)?.startsWith('Self')) return undefined; // questions about itself: anyone may ask
  if (args[0] === 'create' && args.at(-1) === 'SubjectAccessReview')
    return 'Kubernetes: create subjectaccessreviews.authorization.k8s.io';
  if (args[0] === 'get' && args.includes('--field-selector')) {
    const name = args[args.indexOf('--field-selector') + 1].replace('metadata.name=', '');
    return `Kubernetes: list ${args[1]}s ${name}${ns}`;
  }
  if (args[0] === 'get' && args[1] === 'externalsecret' && args[2] === '-n')
    return `Kubernetes: list externalsecrets${eso}${ns}`;
  const kinds: Record<string, string> = {
    serviceaccount: 'serviceaccounts',
    secret: 'secrets',
    clusterrolebinding: 'clusterrolebindings.rbac.authorization.k8s.io',
    clustersecretstore: `clustersecretstores${eso}`,
    secretstore: `secretstores${eso}`,
  };
  if (args[0] === 'get' && kinds[args[1]] !== undefined)
    return `Kubernetes: get ${kinds[args[1]]} ${args[2]}${ns}`;
  return `unknown request of ${config.name}: ${request}`;
}
