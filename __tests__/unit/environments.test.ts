import {
  ALL_ENVIRONMENTS,
  ConfigError,
  environmentWarnings,
  loadEnvironments,
  validateEnvironment,
} from '../../environments';
import { dev } from '../../environments/dev';
import { local } from '../../environments/local';
import type { EnvironmentConfig } from '../../environments/types';
import { resolveTeamFiles } from '../../environments/team-files';
import { variant } from '../support/stack';
import { withTenants } from '../support/tenants';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The lab's Vault at an address Terraform Cloud's runners could reach. */
const REAL_VAULT = { address: 'https://vault.example.com', versionOverride: null };

function problemsOf(config: unknown) {
  return validateEnvironment(config).map(
    (p) => `${p.key} = ${JSON.stringify(p.value)}: ${p.allowed}`,
  );
}

describe('the real environments', () => {
  it.each(ALL_ENVIRONMENTS.map((e) => [e.name, e] as const))('%s is valid', (_name, env) => {
    expect(validateEnvironment(resolveTeamFiles(env))).toEqual([]);
  });

  it('are every environment file of environments/, each registered once, named after its file', () => {
    const support = new Set([
      'index.ts',
      'types.ts',
      'ownership.ts',
      'tenants.ts',
      'defaults.ts',
      'ledger.ts',
      'team-files.ts',
      'clusters.ts',
    ]);
    const files = readdirSync(join(__dirname, '..', '..', 'environments'))
      .filter((f) => f.endsWith('.ts') && !support.has(f))
      .map((f) => f.replace(/\.ts$/, ''));
    const names = ALL_ENVIRONMENTS.map((e) => e.name);
    // What to do, said for each file and environment that breaks the rule.
    const problems = [
      ...files
        .filter((f) => !names.includes(f))
        .map(
          (f) =>
            `environments/${f}.ts: no environment of ALL_ENVIRONMENTS is named "${f}": set name: '${f}' in it (a file is named after its environment), and add its export to ALL_ENVIRONMENTS in environments/index.ts`,
        ),
      ...names
        .filter((n) => !files.includes(n))
        .map(
          (n) =>
            `environment "${n}" has no file environments/${n}.ts: name its file after it (or its name after its file)`,
        ),
    ];
    expect(problems).toEqual([]);
  });

  it('own no object together: every pair deploys to another cluster or Vault, or uses other names', () => {
    expect(() => loadEnvironments()).not.toThrow();
  });

  it("dev reproduces the manual procedure's example values", () => {
    expect(dev.aws.region).toBe('us-west-2');
    expect(dev.vault.namespace).toBe('admin');
    expect(dev.kubernetes.namespace).toBe('my-namespace');
    expect(dev.kubernetes.serviceAccountName).toBe('vault-auth');
    expect(dev.kubernetes.clusterRoleBindingName).toBe('k8s-auth-client-for-vault');
    expect(dev.vault.kvMount.path).toBe('secret');
    expect(dev.vault.policyName).toBe('my-policy');
    expect(dev.vault.authPath).toBe('kubernetes-my-auth');
    expect(dev.vault.roleName).toBe('eso-vault');
    expect(dev.eso.storeName).toBe('vault-backend');
    expect(dev.secrets).toEqual([
      {
        name: 'my-secret',
        externalSecretName: 'vault-external-secret',
        targetSecretName: 'vault-secret',
        placeholder: { dummy_key1: 'dummy_value1' },
      },
    ]);
  });
});

describe('validation errors name the key, the value and what is allowed', () => {
  const cases: [string, unknown, string][] = [
    ['name not kebab-case', { name: 'Dev_1' }, 'name = "Dev_1": lowercase kebab-case'],
    [
      'bad region',
      { aws: { region: 'uswest2' } },
      'aws.region = "uswest2": an AWS region such as "us-west-2"',
    ],
    [
      'bad cluster name',
      { aws: { clusterName: 'my cluster' } },
      'aws.clusterName = "my cluster": an EKS cluster name',
    ],
    [
      'endpoint not a URL',
      { aws: { endpoints: { eks: 'localhost:1' } } },
      'aws.endpoints.eks = "localhost:1": an http(s) URL',
    ],
    [
      'plain http off loopback',
      { aws: { endpoints: { sts: 'http://sts.example.com' } } },
      'aws.endpoints.sts = "http://sts.example.com": an https URL (plain http only on 127.0.0.1 or localhost)',
    ],
    [
      'unknown auth mode',
      { kubernetes: { auth: 'iam' } },
      'kubernetes.auth = "iam": one of "eks-token", "exec", "static-token"',
    ],
    [
      'namespace with capitals',
      { kubernetes: { namespace: 'My-Namespace' } },
      'kubernetes.namespace = "My-Namespace": a Kubernetes namespace name',
    ],
    [
      'wildcard service account',
      { kubernetes: { serviceAccountName: '*' } },
      'kubernetes.serviceAccountName = "*": a name without "*"',
    ],
    [
      'manageNamespace not boolean',
      { kubernetes: { manageNamespace: 'yes' } },
      'kubernetes.manageNamespace = "yes": true or false',
    ],
    [
      'empty audience',
      { kubernetes: { tokenAudience: '' } },
      'kubernetes.tokenAudience = "": a non-empty audience',
    ],
    [
      'vault address with trailing slash',
      { vault: { address: 'https://vault.example.com/' } },
      'vault.address = "https://vault.example.com/": a URL without a trailing slash',
    ],
    [
      'vault namespace with leading slash',
      { vault: { namespace: '/admin' } },
      'vault.namespace = "/admin": a Vault namespace path such as "admin"',
    ],
    [
      'mount path with slash',
      { vault: { kvMount: { path: 'secret/' } } },
      'vault.kvMount.path = "secret/": a Vault mount path such as "secret"',
    ],
    [
      'auth path equal to the mount',
      { vault: { authPath: 'secret' } },
      'vault.authPath = "secret": a path different from vault.kvMount.path',
    ],
    [
      'policy name with space',
      { vault: { policyName: 'my policy' } },
      'vault.policyName = "my policy": a Vault policy name',
    ],
    [
      'a reviewer token longer than EKS grants',
      { vault: { reviewerMode: 'token-secret', reviewerTokenTtlSeconds: 365 * 24 * 3600 } },
      'vault.reviewerTokenTtlSeconds = 31536000: a whole number from 600 to 7776000 (the API server issues no TokenRequest token for less than 10 minutes, EKS none for more than 90 days)',
    ],
    [
      'a reviewer token shorter than the API server grants',
      { vault: { reviewerMode: 'token-secret', reviewerTokenTtlSeconds: 300 } },
      'vault.reviewerTokenTtlSeconds = 300: a whole number from 600 to 7776000',
    ],
    [
      'unknown reviewer mode',
      { vault: { reviewerMode: 'local-jwt' } },
      'vault.reviewerMode = "local-jwt": one of "client-jwt", "token-secret"',
    ],
    [
      'ttl not positive',
      { vault: { tokenTtlSeconds: 0 } },
      'vault.tokenTtlSeconds = 0: a whole number from 1 to 9223372036 (Vault reads TTLs as Go durations, which end there)',
    ],
    [
      'ttl above max ttl',
      { vault: { tokenTtlSeconds: 7200 } },
      'vault.tokenTtlSeconds = 7200: at most vault.tokenMaxTtlSeconds (3600)',
    ],
    [
      'unknown value mode',
      { secretValues: 'inline' },
      'secretValues = "inline": one of "placeholder", "write-only"',
    ],
    ['no secrets', { secrets: [] }, 'secrets = []: a non-empty list of secrets'],
    [
      'placeholder missing',
      { secrets: [{ name: 'a', externalSecretName: 'a', targetSecretName: 'a' }] },
      'secrets[0].placeholder = undefined: at least one placeholder pair in "placeholder" mode',
    ],
    [
      'placeholder in write-only mode',
      {
        secretValues: 'write-only',
        secrets: [
          { name: 'a', externalSecretName: 'a', targetSecretName: 'a', placeholder: { k: 'v' } },
        ],
      },
      'secrets[0].placeholder = {"k":"v"}: nothing in "write-only" mode',
    ],
    [
      'duplicate target secret',
      { secrets: [local.secrets[0], { ...local.secrets[1], targetSecretName: 'vault-secret' }] },
      'secrets[1].targetSecretName = "vault-secret": a value not used by another secret (duplicate targetSecretName)',
    ],
    [
      'two names with one resource id',
      {
        secrets: [
          { ...local.secrets[0], name: 'a/b' },
          { ...local.secrets[1], name: 'a-b' },
        ],
      },
      'secrets[1].name = "a-b": a name whose resource id "a-b" differs from that of "a/b"',
    ],
    [
      'bad ESO api version',
      { eso: { apiVersion: 'external-secrets.io/v1alpha1' } },
      'eso.apiVersion = "external-secrets.io/v1alpha1": one of "external-secrets.io/v1", "external-secrets.io/v1beta1"',
    ],
    [
      'bad refresh interval',
      { eso: { refreshInterval: '1 hour' } },
      'eso.refreshInterval = "1 hour": a Go duration such as "1h"',
    ],
    [
      'unknown store auth',
      { eso: { storeAuth: 'jwt' } },
      'eso.storeAuth = "jwt": one of "kubernetes", "token"',
    ],
    [
      'cloud backend without workspace or tags',
      { backend: { type: 'cloud', organization: 'acme' }, vault: REAL_VAULT },
      'backend.workspace = undefined: exactly one of backend.workspace or backend.tags',
    ],
    [
      'cloud backend with both',
      {
        backend: { type: 'cloud', organization: 'acme', workspace: 'w', tags: ['t'] },
        vault: REAL_VAULT,
      },
      'backend.workspace = "w": exactly one of backend.workspace or backend.tags',
    ],
    [
      'local backend with organization',
      { backend: { type: 'local', organization: 'acme' } },
      'backend.organization = "acme": nothing: a local backend has no such setting',
    ],
    [
      'provider versions per environment (there is one set, in common/versions.sh)',
      { providerVersions: { vault: '5.6.0' } },
      'providerVersions = {"vault":"5.6.0"}: not a known key',
    ],
    [
      "Vault's own policy",
      { vault: { policyName: 'default' } },
      'vault.policyName = "default": a policy of your own (root, default are Vault\'s)',
    ],
    [
      "Vault's token auth path",
      { vault: { authPath: 'token' } },
      'vault.authPath = "token": an auth path of your own',
    ],
    [
      "Vault's system mount",
      { vault: { kvMount: { path: 'sys', managed: true } } },
      'vault.kvMount.path = "sys": a mount of your own, not under sys/, auth/, identity/, cubbyhole/ (Vault\'s own)',
    ],
    [
      'managing kube-system',
      { kubernetes: { namespace: 'kube-system' } },
      'kubernetes.namespace = "kube-system": a namespace of your own when kubernetes.manageNamespace is true',
    ],
    [
      'a binding named like a built-in one',
      { kubernetes: { clusterRoleBindingName: 'cluster-admin' } },
      'kubernetes.clusterRoleBindingName = "cluster-admin": a name of your own (cluster-admin, system:*, kubeadm:*, eks:* and aws-node are bindings Kubernetes and EKS create and reconcile themselves)',
    ],
    [
      'a system: binding',
      { kubernetes: { clusterRoleBindingName: 'system:auth-delegator' } },
      'kubernetes.clusterRoleBindingName = "system:auth-delegator": a name of your own',
    ],
    [
      'a target Secret the stack writes itself',
      {
        vault: { reviewerMode: 'token-secret' },
        secrets: [{ ...local.secrets[0], targetSecretName: 'vault-auth' }, local.secrets[1]],
      },
      'secrets[0].targetSecretName = "vault-auth": another name: "vault-auth" is the reviewer token Secret of token-secret mode, which ESO would overwrite',
    ],
    [
      'credentials in the Vault address (shown without them)',
      { vault: { address: 'https://admin:hunter2@vault.example.com' } },
      'vault.address = "https://***@vault.example.com": a URL without credentials',
    ],
    [
      'exec credentials on hosted Terraform Cloud runners',
      {
        kubernetes: { auth: 'exec' },
        backend: { type: 'cloud', organization: 'acme', workspace: 'w' },
        vault: REAL_VAULT,
      },
      'kubernetes.auth = "exec": "eks-token" with a cloud backend: Terraform Cloud\'s hosted runners have no AWS CLI',
    ],
    [
      'a retired secret still declared',
      { retiredSecrets: ['my-secret'] },
      'retiredSecrets[0] = "my-secret": a name no longer in secrets (it is still declared there)',
    ],
    [
      'mount protection flag not boolean',
      { vault: { kvMount: { path: 'secret', managed: true, allowDestroy: 'yes' as never } } },
      'vault.kvMount.allowDestroy = "yes": true or false',
    ],
    [
      'misspelled key',
      { vault: { rolename: 'x' } },
      'vault.rolename = "x": not a known key; known: address, namespace',
    ],
  ];

  it.each(cases)('%s', (_description, change, expected) => {
    const problems = problemsOf(variant(change as Parameters<typeof variant>[0]));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it("an HCP Vault address without a namespace is the manual procedure's 403, caught before synth", () => {
    const config = { ...dev, vault: { ...dev.vault, namespace: undefined } };
    expect(problemsOf(config)).toEqual([
      'vault.namespace = undefined: required for an HCP Vault address (*.hashicorp.cloud): its API lives in the namespace "admin", and without it every request is answered 403',
    ]);
  });

  it('lists every problem of every environment in one error, and builds nothing', () => {
    const broken = [
      variant({ vault: { namespace: '/x' }, eso: { refreshInterval: 'soon' } }),
      variant({ name: 'other', kubernetes: { auth: 'magic' as never } }),
    ];
    let error: unknown;
    try {
      loadEnvironments(undefined, broken);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain(
      'invalid environment configuration (3 problems); nothing was synthesized:',
    );
    expect(message).toContain('  - local: vault.namespace = "/x": a Vault namespace path');
    expect(message).toContain('  - local: eso.refreshInterval = "soon": a Go duration');
    expect(message).toContain(
      '  - other: kubernetes.auth = "magic": one of "eks-token", "exec", "static-token"',
    );
  });

  it('rejects an unknown environment selection, naming the known ones', () => {
    const unknown = `no-such-environment-${ALL_ENVIRONMENTS.length}`;
    expect(() => loadEnvironments([unknown])).toThrow(
      `${unknown}: (selection) = "${unknown}": one of the environments: ${ALL_ENVIRONMENTS.map((e) => e.name).join(', ')}`,
    );
  });

  it('runs exec credentials with a cloud backend only where the runs have the AWS CLI', () => {
    const onAgent = variant({
      kubernetes: { auth: 'exec' },
      backend: { type: 'cloud', organization: 'acme', workspace: 'w', runsOnAgentWithAwsCli: true },
      vault: REAL_VAULT,
    });
    expect(problemsOf(onAgent)).toEqual([]);
  });

  it('refuses two environments that would own the same objects, naming each key and the other environment', () => {
    const copy = { ...dev, name: 'dev-copy' };
    let message = '';
    try {
      loadEnvironments(undefined, [dev, copy]);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(
      '  - dev-copy: kubernetes.serviceAccountName = "my-namespace/vault-auth": a name environment "dev" does not use: both deploy to cluster my-cluster (us-west-2)',
    );
    expect(message).toContain('  - dev-copy: vault.policyName = "my-policy"');
    expect(message).toContain('  - dev-copy: secrets[0].name = "secret/my-secret"');
    expect(message).toContain('  - dev-copy: eso.storeName = "vault-backend"');
    expect(message).toMatch(/\(8 problems\)/);
  });

  it("accepts an environment added the README's way: a copy of dev with its own cluster and Vault namespace", () => {
    const added: EnvironmentConfig = {
      ...dev,
      name: 'qa',
      aws: { ...dev.aws, clusterName: 'platform-qa' },
      vault: { ...dev.vault, namespace: 'admin/qa' },
    };
    expect(loadEnvironments(undefined, [...ALL_ENVIRONMENTS, added]).map((e) => e.name)).toContain(
      'qa',
    );
  });

  it('rejects two environments with one name', () => {
    expect(() => loadEnvironments(undefined, [local, local])).toThrow(
      'local: name = "local": a name no other environment uses',
    );
  });

  it('selects environments by name', () => {
    expect(loadEnvironments(['local', 'dev']).map((e: EnvironmentConfig) => e.name)).toEqual([
      'dev',
      'local',
    ]);
  });

  it('rejects a config that is not an object', () => {
    expect(problemsOf('dev')).toEqual(['(environment) = "dev": an object']);
  });
});

describe('tenants: validation keeps teams apart before anything is built', () => {
  const base = withTenants({ tenants: ['alpha', 'beta'] });
  const alpha = base.tenants![0];
  const beta = base.tenants![1];
  const withList = (tenants: unknown[], extra: Record<string, unknown> = {}) => ({
    ...base,
    ...extra,
    tenants,
  });

  it('accepts both designs and both auth methods', () => {
    for (const isolation of ['per-tenant', 'shared-store'] as const)
      for (const authMethod of ['kubernetes', 'jwt'] as const)
        expect(problemsOf(withTenants({ isolation, authMethod }))).toEqual([]);
  });

  const cases: [string, unknown, string][] = [
    ['both secrets and tenants', { ...base, secrets: local.secrets }, 'secrets = '],
    [
      'a single-chain key beside tenants',
      { ...base, kubernetes: { ...base.kubernetes, namespace: 'my-namespace' } },
      'kubernetes.namespace = "my-namespace": nothing: with tenants, each tenant names its own',
    ],
    [
      'a policy name in the per-tenant design',
      { ...base, vault: { ...base.vault, policyName: 'shared' } },
      'vault.policyName = "shared": nothing: each tenant gets its own, named eso-<tenant>',
    ],
    [
      'two tenants in one namespace',
      withList([alpha, { ...beta, namespace: alpha.namespace }]),
      'tenants[1].namespace = "team-alpha": a namespace no other tenant has (tenants[0] has it)',
    ],
    [
      'two tenants of one name',
      withList([alpha, { ...beta, name: 'alpha' }]),
      'tenants[1].name = "alpha": a name no other tenant has (tenants[0] has it)',
    ],
    [
      'a secret of one tenant declared by another without shared',
      withList([
        { ...alpha, secrets: [{ ...alpha.secrets[0], shared: true }] },
        { ...beta, secrets: [{ ...beta.secrets[0], path: 'alpha/s01' }] },
      ]),
      'tenants[1].secrets[0].shared = undefined: true: "alpha/s01" is declared by tenants "alpha" and "beta", which may both read it only if each says shared',
    ],
    [
      "a path into another tenant's prefix",
      withList([alpha, { ...beta, secrets: [{ ...beta.secrets[0], path: 'alpha/other' }] }]),
      'tenants[1].secrets[0].path = "alpha/other": a path outside tenant "alpha"\'s prefix "alpha/"',
    ],
    [
      'nested prefixes',
      withList([alpha, { ...beta, secretPrefix: 'alpha/beta' }]),
      'tenants[1].secretPrefix = "alpha/beta": a prefix apart from tenant "alpha"\'s "alpha"',
    ],
    [
      'explicit paths in the shared-store design',
      withList([alpha, { ...beta, secrets: [{ ...beta.secrets[0], path: 'x/y' }] }], {
        eso: { ...base.eso, isolation: 'shared-store' },
      }),
      'tenants[1].secrets[0].path = "x/y": nothing: the shared store grants each tenant its namespace prefix only',
    ],
    [
      'two service-account names in the shared-store design',
      withList([alpha, { ...beta, serviceAccountName: 'other' }], {
        eso: { ...base.eso, isolation: 'shared-store' },
      }),
      'tenants[1].serviceAccountName = "other": "vault-auth" as in every other tenant',
    ],
    [
      'a static Vault token store for tenants',
      { ...base, eso: { ...base.eso, storeAuth: 'token' } },
      'eso.storeAuth = "token": "kubernetes" with tenants: one static Vault token would read every tenant\'s secrets',
    ],
    [
      'a long-lived reviewer token for tenants',
      { ...base, vault: { ...base.vault, reviewerMode: 'token-secret' } },
      'vault.reviewerMode = "token-secret": "client-jwt" with tenants',
    ],
    [
      'isolation without tenants',
      { ...local, eso: { ...local.eso, isolation: 'per-tenant' } },
      'eso.isolation = "per-tenant": nothing: it says how tenants are kept apart, and there are none',
    ],
    [
      'managing kube-system as a tenant namespace',
      withList([{ ...alpha, namespace: 'kube-system' }, beta]),
      'tenants[0].namespace = "kube-system": a namespace of your own when tenants[0].manageNamespace is true',
    ],
  ];

  it.each(cases)('%s', (_d, config, expected) => {
    const problems = problemsOf(config);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it("refuses the API server's own audience for the jwt method: its tokens would be bearer tokens", () => {
    const config = withTenants({ authMethod: 'jwt' });
    const apiAudience = {
      ...config,
      kubernetes: { ...config.kubernetes, tokenAudience: 'https://kubernetes.default.svc' },
    };
    expect(problemsOf(apiAudience)).toEqual([
      'kubernetes.tokenAudience = "https://kubernetes.default.svc": an audience of Vault\'s own with the jwt auth method, such as "vault" (the API server accepts tokens for "https://kubernetes.default.svc", so a login token would also be an API bearer token)',
    ]);
  });
});

describe("the lab's settings at a real Vault", () => {
  it('destroy opt-ins are allowed (decommissioning) and said at every load, one line per key', () => {
    const decommissioning = variant(
      {
        kubernetes: { manageNamespace: true, allowNamespaceDestroy: true },
        vault: { kvMount: { path: 'secret', managed: true, allowDestroy: true } },
      },
      dev,
    );
    expect(problemsOf(decommissioning)).toEqual([]);
    expect(environmentWarnings([decommissioning])).toEqual([
      'dev: vault.kvMount.allowDestroy = true at a real Vault (https://xxxxxxx.hashicorp.cloud:8200): `npm run destroy -- --env dev` deletes what it protects, with everything in it. The lab sets it because its tests rebuild everything; keep it only in the change that decommissions this environment.',
      expect.stringContaining('dev: kubernetes.allowNamespaceDestroy = true at a real Vault'),
    ]);
  });

  it('say nothing for the lab itself, nor for the shipped environments', () => {
    expect(environmentWarnings(ALL_ENVIRONMENTS)).toEqual([]);
    expect(local.vault.kvMount.allowDestroy).toBe(true);
  });
});

describe('a ledger file that does not read', () => {
  it('is a problem naming the file, never a crash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledgers-'));
    try {
      writeFileSync(join(dir, 'local.json'), '{ "entries": [ ');
      writeFileSync(join(dir, 'dev.json'), '{ "environment": "dev" }');
      let error: unknown;
      try {
        loadEnvironments(undefined, [local, dev], { ledgerDir: dir });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.map((p) => `${p.environment}: ${p.key}`)).toEqual([
        'local: (ledger)',
        'dev: (ledger)',
      ]);
      expect((error as ConfigError).message).toContain(
        `dev: (ledger) = "${join(dir, 'dev.json')}": a ledger as npm run deploy writes it: ${join(dir, 'dev.json')} is not a ledger (no "entries" list); restore it from git`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
