import {
  ALL_ENVIRONMENTS,
  ConfigError,
  loadEnvironments,
  validateEnvironment,
} from '../../environments';
import { dev } from '../../environments/dev';
import { local } from '../../environments/local';
import type { EnvironmentConfig } from '../../environments/types';
import { variant } from '../support/stack';

function problemsOf(config: unknown) {
  return validateEnvironment(config).map(
    (p) => `${p.key} = ${JSON.stringify(p.value)}: ${p.allowed}`,
  );
}

describe('the real environments', () => {
  it.each(ALL_ENVIRONMENTS.map((e) => [e.name, e] as const))('%s is valid', (_name, env) => {
    expect(validateEnvironment(env)).toEqual([]);
  });

  it('are dev, staging, prod and local', () => {
    expect(ALL_ENVIRONMENTS.map((e) => e.name)).toEqual(['dev', 'staging', 'prod', 'local']);
  });

  it('dev reproduces the write-up example values', () => {
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
      'unknown reviewer mode',
      { vault: { reviewerMode: 'local-jwt' } },
      'vault.reviewerMode = "local-jwt": one of "client-jwt", "token-secret"',
    ],
    [
      'ttl not positive',
      { vault: { tokenTtlSeconds: 0 } },
      'vault.tokenTtlSeconds = 0: a positive whole number',
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
      { backend: { type: 'cloud', organization: 'acme' } },
      'backend.workspace = undefined: exactly one of backend.workspace or backend.tags',
    ],
    [
      'cloud backend with both',
      { backend: { type: 'cloud', organization: 'acme', workspace: 'w', tags: ['t'] } },
      'backend.workspace = "w": exactly one of backend.workspace or backend.tags',
    ],
    [
      'local backend with organization',
      { backend: { type: 'local', organization: 'acme' } },
      'backend.organization = "acme": nothing for a local backend',
    ],
    [
      'provider version range',
      { providerVersions: { vault: '~> 5.0' } },
      'providerVersions.vault = "~> 5.0": an exact version such as "5.6.0"',
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

  it('an HCP Vault address without a namespace is the write-up 403, caught before synth', () => {
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
    expect(() => loadEnvironments(['qa'])).toThrow(
      'qa: (selection) = "qa": one of the environments: dev, staging, prod, local',
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
