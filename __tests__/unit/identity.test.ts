/**
 * The run identities generated from synthesized stacks: every resource the stack declares is
 * covered by a grant, drift is the narrower identity, and the documents (Vault policy, RBAC, IAM
 * policy) say exactly the grants. What the lab proves (each grant needed, all of them enough) is
 * in __tests__/e2e/13-run-identities.test.ts.
 */
import { parsePolicy } from '../../common/chain/policy';
import {
  type Grant,
  type KubernetesGrant,
  type KubernetesUrlGrant,
  type VaultGrant,
  grantLabel,
  grantsOf,
  runIdentity,
  stackGrants,
} from '../../common/identity';
import { type RuleRead, rulesAllow } from '../../common/identity/kubernetes';
import { SynthesizedStack } from '../../common/synthesized-stack';
import { ALL_ENVIRONMENTS } from '../../environments';
import { clustersOf } from '../../environments/clusters';
import { localClusters } from '../../environments/local-clusters';
import { local } from '../../environments/local';
import type { EnvironmentConfig } from '../../environments/types';
import { synthJson, variant } from '../support/stack';
import { withSharedSecret, withTenants } from '../support/tenants';

const stackOf = (config: EnvironmentConfig) => new SynthesizedStack(synthJson(config));

/** Shipped environments and variants taking the branches that add or change resources. */
const CONFIGS: Record<string, EnvironmentConfig> = {
  ...Object.fromEntries(ALL_ENVIRONMENTS.map((e) => [e.name, e])),
  'token-secret': variant({ vault: { reviewerMode: 'token-secret' } }),
  'write-only-purge': variant({
    secretValues: 'write-only',
    vault: { kvMount: { path: 'secret', managed: true, purgeSecretsOnDestroy: true } },
    secrets: local.secrets.map(({ placeholder: _p, ...rest }) => rest),
  }),
  'placeholder-purge': variant({
    vault: { kvMount: { path: 'secret', managed: true, purgeSecretsOnDestroy: true } },
  }),
  'store-token': variant({ eso: { storeAuth: 'token' } }),
  'existing-namespace': variant({ kubernetes: { manageNamespace: false } }),
  jwt: variant({
    kubernetes: { tokenAudience: 'vault' },
    vault: { authMethod: 'jwt', jwtIssuerCa: 'cluster' },
  }),
  'per-tenant-kubernetes': withTenants({ isolation: 'per-tenant', authMethod: 'kubernetes' }),
  'shared-jwt': withTenants({ isolation: 'shared-store', authMethod: 'jwt' }),
  'shared-secret': withSharedSecret(),
  'clusters-blue-retired': variant(
    {
      clusters: [{ ...localClusters.clusters![0], retired: true }, localClusters.clusters![1]],
    },
    localClusters,
  ),
  'moved-and-adopted': variant({
    secrets: [
      { ...local.secrets[0], movedFrom: { name: 'old/my-secret' } },
      { ...local.secrets[1], placeholder: undefined, adoptExistingTarget: true },
    ],
  }),
};

/** Blocks that call no API: guards, and the EKS token (a presigned URL signed locally). */
const NO_API = /^(terraform_data\.|ephemeral\.aws_eks_cluster_auth\.)/;

function declaredAddresses(stack: SynthesizedStack): string[] {
  const json = stack.json as {
    resource?: Record<string, object>;
    data?: Record<string, object>;
    ephemeral?: Record<string, object>;
  };
  const of = (blocks: Record<string, object> | undefined, prefix: string) =>
    Object.entries(blocks ?? {}).flatMap(([type, byName]) =>
      Object.keys(byName).map((name) => `${prefix}${type}.${name}`),
    );
  return [
    ...of(json.resource, ''),
    ...of(json.data, 'data.'),
    ...of(json.ephemeral, 'ephemeral.'),
  ].filter((a) => !NO_API.test(a));
}

describe.each(Object.entries(CONFIGS))('the run identities of %s', (_name, config) => {
  const stack = stackOf(config);
  const all = stackGrants(stack);
  const deploy = runIdentity(stack, config.name, 'deploy');
  const drift = runIdentity(stack, config.name, 'drift');

  it('cover every resource, data source and ephemeral resource that calls an API', () => {
    const covered = new Set(all.flatMap((g) => (g.address ? [g.address] : [])));
    expect(declaredAddresses(stack).filter((a) => !covered.has(a))).toEqual([]);
  });

  it('drift holds a subset of deploy, and writes nothing', () => {
    const deployLabels = new Set(deploy.grants.map(grantLabel));
    expect(drift.grants.map(grantLabel).filter((l) => !deployLabels.has(l))).toEqual([]);
    const writes = drift.grants.filter(
      (g) =>
        (g.system === 'vault' &&
          !['read', 'list'].includes(g.capability) &&
          g.path !== 'sys/capabilities-self') ||
        (g.system === 'kubernetes' &&
          !['get', 'list'].includes(g.verb) &&
          // Questions, and tokens of the ESO account (for its real login): nothing is written.
          !['serviceaccounts/token', 'subjectaccessreviews'].includes(g.resource)),
    );
    expect(writes.map(grantLabel)).toEqual([]);
  });

  it('the Vault policy says exactly the Vault grants, each path exact (no glob)', () => {
    const { paths } = parsePolicy(deploy.vaultPolicy);
    const rendered = paths.flatMap((p) => p.capabilities.map((c) => `${c} on ${p.path}`)).sort();
    const expected = deploy.grants
      .filter((g): g is VaultGrant => g.system === 'vault')
      .map((g) => `${g.capability} on ${g.path}`)
      .sort();
    expect(rendered).toEqual(expected);
    expect(paths.filter((p) => /[*+]/.test(p.path))).toEqual([]);
  });

  it('the RBAC allows every Kubernetes grant, and each rule is needed', () => {
    const kubernetes = deploy.grants.filter(
      (g): g is KubernetesGrant | KubernetesUrlGrant =>
        g.system === 'kubernetes' || g.system === 'kubernetes-url',
    );
    const rules = deploy.kubernetesRbac.flatMap((o) => (o as { rules?: RuleRead[] }).rules ?? []);
    expect(kubernetes.filter((g) => !rulesAllow(rules, g)).map(grantLabel)).toEqual([]);
    rules.forEach((_rule, i) => {
      const without = rules.filter((_, j) => j !== i);
      expect(kubernetes.some((g) => !rulesAllow(without, g))).toBe(true);
    });
  });

  it('the IAM policy describes only the clusters the stack looks up, each in its region', () => {
    const clusters = clustersOf(config)?.map((c) => [c.region, c.clusterName]) ?? [
      [config.aws.region, config.aws.clusterName],
    ];
    expect(deploy.iamPolicy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'eksDescribeCluster',
          Effect: 'Allow',
          Action: ['eks:DescribeCluster'],
          Resource: clusters
            .map(([region, name]) => `arn:aws:eks:${region}:*:cluster/${name}`)
            .sort(),
        },
      ],
    });
  });
});

describe('the grants of the lab environment', () => {
  const grants = stackGrants(stackOf(local));
  const labels = (identity: 'deploy' | 'drift') => grantsOf(identity, grants).map(grantLabel);

  it('name the exact paths and objects, for the step that needs them', () => {
    expect(labels('deploy')).toEqual(
      expect.arrayContaining([
        'Vault: update on sys/auth/kubernetes-my-auth',
        'Vault: sudo on sys/auth/kubernetes-my-auth',
        'Vault: create on auth/kubernetes-my-auth/role/eso-vault',
        'Vault: update on sys/policies/acl/my-policy',
        'Vault: create on secret/data/my-secret',
        'Vault: list on secret/metadata/app/',
        'Vault: update on auth/token/create',
        'Kubernetes: create namespaces',
        'Kubernetes: delete namespaces my-namespace',
        'Kubernetes: bind clusterroles.rbac.authorization.k8s.io system:auth-delegator',
        'Kubernetes: create clustersecretstores.external-secrets.io vault-backend',
        'Kubernetes: patch externalsecrets.external-secrets.io app-config in namespace my-namespace',
        'AWS: eks:DescribeCluster on arn:aws:eks:us-west-2:*:cluster/eks-vault-eso-lab',
      ]),
    );
    // The drift check plans without a child token, and reads the secrets' metadata only.
    expect(labels('drift')).not.toContain('Vault: update on auth/token/create');
    expect(labels('drift').filter((l) => /secret\/data\//.test(l))).toEqual([]);
  });

  it('a namespace the stack creates gets no Role (it cannot exist first): its grants keep their names in the ClusterRole', () => {
    const rbac = runIdentity(stackOf(local), 'local', 'deploy').kubernetesRbac;
    expect(rbac.map((o) => o.kind)).toEqual(['ClusterRole', 'ClusterRoleBinding']);
    const existing = runIdentity(
      stackOf(variant({ kubernetes: { manageNamespace: false } })),
      'local',
      'deploy',
    ).kubernetesRbac;
    expect(existing.map((o) => `${String(o.kind)} ${JSON.stringify(o.metadata ?? {})}`)).toEqual([
      expect.stringContaining('ClusterRole {"name":"eks-vault-eso:deploy:local"') as unknown,
      expect.stringContaining('ClusterRoleBinding') as unknown,
      expect.stringContaining(
        'Role {"name":"eks-vault-eso:deploy:local","namespace":"my-namespace"',
      ) as unknown,
      expect.stringContaining('RoleBinding') as unknown,
    ]);
    const role = existing[2] as { rules: RuleRead[] };
    expect(role.rules).toContainEqual({
      apiGroups: [''],
      resources: ['serviceaccounts'],
      verbs: ['create'],
    });
  });

  it('each RBAC rule is limited to the objects the stack manages where RBAC allows it', () => {
    const named = grants.filter(
      (g): g is KubernetesGrant =>
        g.system === 'kubernetes' && !['create', 'list'].includes(g.verb),
    );
    expect(named.filter((g) => !g.names?.length).map(grantLabel)).toEqual([]);
  });
});

describe('the grants of an environment with two clusters', () => {
  const labels = grantsOf('deploy', stackGrants(stackOf(localClusters))).map(grantLabel);

  it("name each cluster's auth method, its roles, and its lookup in its own region", () => {
    const clusters = clustersOf(localClusters)!;
    expect(clusters.map((c) => c.region)).toEqual(['us-west-2', 'us-east-2']);
    for (const c of clusters)
      expect(labels).toEqual(
        expect.arrayContaining([
          `Vault: sudo on sys/auth/${c.authPath}`,
          `Vault: create on auth/${c.authPath}/role/eso-shop`,
          `AWS: eks:DescribeCluster on arn:aws:eks:${c.region}:*:cluster/${c.clusterName}`,
        ]),
      );
  });
});

describe('values that arrive before ESO reads them', () => {
  const labels = runIdentity(stackOf(CONFIGS['moved-and-adopted']), 'local', 'deploy').grants.map(
    grantLabel,
  );

  it("a moved secret's versions are read from the old path and written to the new one", () => {
    expect(labels).toEqual(
      expect.arrayContaining([
        'Vault: read on secret/metadata/old/my-secret',
        'Vault: read on secret/data/old/my-secret',
        'Vault: create on secret/data/my-secret',
        'Vault: update on secret/data/my-secret',
      ]),
    );
  });

  it("an adopted Secret's value is read, once, and no takeover check asks about it", () => {
    expect(labels).toContain('Kubernetes: get secrets app-config in namespace my-namespace');
    expect(labels).not.toContain('Kubernetes: list secrets app-config in namespace my-namespace');
    expect(labels).toContain('Kubernetes: list secrets vault-secret in namespace my-namespace');
  });
});

describe('rulesAllow reads RBAC as the API server does', () => {
  const grant: Grant = {
    system: 'kubernetes',
    apiGroup: '',
    resource: 'serviceaccounts/token',
    verb: 'create',
    namespace: 'ns',
    names: ['vault-auth'],
    use: 'plan',
    why: 'test',
  };
  it.each<[string, RuleRead[], boolean]>([
    [
      'the exact rule',
      [
        {
          apiGroups: [''],
          resources: ['serviceaccounts/token'],
          resourceNames: ['vault-auth'],
          verbs: ['create'],
        },
      ],
      true,
    ],
    ['system:masters', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], true],
    [
      'every subresource',
      [{ apiGroups: [''], resources: ['serviceaccounts/*'], verbs: ['create'] }],
      true,
    ],
    [
      'another name',
      [
        {
          apiGroups: [''],
          resources: ['serviceaccounts/token'],
          resourceNames: ['other'],
          verbs: ['create'],
        },
      ],
      false,
    ],
    [
      'the parent resource only',
      [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['create'] }],
      false,
    ],
    [
      'another verb',
      [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['get'] }],
      false,
    ],
  ])('%s', (_what, rules, allowed) => {
    expect(rulesAllow(rules, grant)).toBe(allowed);
  });
});
