/**
 * Several clusters per environment: what each cluster gets, what stays one set, how a cluster
 * arrives (taking over an environment's earlier single cluster without replacing anything) and
 * leaves (forgotten in the cluster, its logins ended in Vault), and what the validator and the
 * ledger refuse.
 */
import { localClusters } from '../../environments/local-clusters';
import { localTenants } from '../../environments/local-tenants';
import { resolveTeamFiles } from '../../environments/team-files';
import { clustersOf } from '../../environments/clusters';
import { type Ledger, entriesOf, ledgerProblems } from '../../environments/ledger';
import type { ClusterConfig, EnvironmentConfig } from '../../environments/types';
import { validateEnvironment } from '../../environments';
import { SynthesizedStack } from '../../common/synthesized-stack';
import type { StackJson } from '../../common/stack-json';
import { synthJson, variant } from '../support/stack';

/** `localClusters` as it was before it listed clusters: the one cluster of `aws`. */
const single: EnvironmentConfig = variant({ clusters: null }, localClusters);
const [blue, green] = localClusters.clusters!;

/** Every managed resource address of a stack. */
function addresses(json: StackJson): string[] {
  return Object.entries(json.resource ?? {}).flatMap(([type, byName]) =>
    Object.keys(byName).map((name) => `${type}.${name}`),
  );
}

const moved = (json: StackJson) => (json.moved ?? []) as { from: string; to: string }[];
const removed = (json: StackJson) => (json.removed ?? []) as { from: string }[];
const ofType = (json: StackJson, type: string) => Object.keys(json.resource?.[type] ?? {});

describe('an environment with two clusters', () => {
  const json = synthJson(localClusters);
  const stack = new SynthesizedStack(json);

  it('gives each cluster its own AWS and Kubernetes providers, EKS lookup and auth method', () => {
    expect(stack.providerConfigs('aws').map((p) => [p.alias, p.region])).toEqual([
      ['blue', 'us-west-2'],
      ['green', 'us-east-2'],
    ]);
    expect(stack.providerConfigs('kubernetes').map((p) => p.alias)).toEqual(['blue', 'green']);
    expect(stack.dataSources('aws_eks_cluster').map((d) => [d.body.provider, d.body.name])).toEqual(
      [
        ['aws.blue', blue.clusterName],
        ['aws.green', green.clusterName],
      ],
    );
    expect(stack.resources('vault_jwt_auth_backend').map((b) => b.body.path)).toEqual([
      'jwt-fleet-blue',
    ]);
    expect(stack.resources('vault_auth_backend').map((b) => b.body.path)).toEqual([
      'kubernetes-fleet-green',
    ]);
  });

  it("gives each team a role per cluster, each at its cluster's auth method, with the one policy", () => {
    const roles = stack.roles().map((r) => [r.method, r.backend, r.name, r.policies].join(' '));
    expect(roles.sort()).toEqual([
      'jwt jwt-fleet-blue eso-books eso-books',
      'jwt jwt-fleet-blue eso-shop eso-shop',
      'kubernetes kubernetes-fleet-green eso-books eso-books',
      'kubernetes kubernetes-fleet-green eso-shop eso-shop',
    ]);
    expect(
      stack
        .policies()
        .map((p) => p.name)
        .sort(),
    ).toEqual(['eso-books', 'eso-shop']);
    expect(
      stack
        .declaredSecrets()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['books/api', 'shop/database']);
  });

  it("puts every Kubernetes object in a cluster, through that cluster's provider", () => {
    const byProvider = new Map<string, number>();
    for (const address of addresses(json).filter((a) => a.startsWith('kubernetes_')))
      byProvider.set(
        stack.providerOf(address) ?? '(default)',
        (byProvider.get(stack.providerOf(address) ?? '(default)') ?? 0) + 1,
      );
    // Namespace, account, store, ExternalSecret per team; the takeover policy and binding;
    // green's kubernetes method adds the auth-delegator binding.
    expect(Object.fromEntries(byProvider)).toEqual({
      'kubernetes.blue': 10,
      'kubernetes.green': 11,
    });
  });

  it('declares its clusters for the rules and the ledger, and moves nothing when new', () => {
    expect(stack.declaredClusters().map((c) => [c.name, c.auth_method, c.retired])).toEqual([
      ['blue', 'jwt', false],
      ['green', 'kubernetes', false],
    ]);
    // Blue is the cluster the environment had: its earlier addresses move into its scope.
    expect(moved(json).every((m) => m.to.includes('cluster-blue_'))).toBe(true);
  });
});

describe('adding a cluster to an environment of one', () => {
  it.each([
    ['tenants', single, localClusters],
    [
      'a single chain with guarded namespaces',
      variant({
        kubernetes: { allowNamespaceDestroy: false },
        vault: { kvMount: { path: 'secret', managed: true, allowDestroy: false } },
      }),
      variant({
        kubernetes: { allowNamespaceDestroy: false },
        vault: { kvMount: { path: 'secret', managed: true, allowDestroy: false } },
        clusters: [
          { name: 'blue', clusterName: 'eks-vault-eso-lab', authPath: 'kubernetes-my-auth' },
          { name: 'green', clusterName: 'green', authPath: 'kubernetes-green' },
        ],
      }),
    ],
  ])(
    '%s: moves every object deployed there, replacing and destroying nothing',
    (_, before, after) => {
      const earlier = synthJson(before);
      const later = synthJson(after);
      const kept = new Set(addresses(later));
      const moves = moved(later);
      const from = new Set(moves.map((m) => m.from));
      // Each earlier address is kept as it was, or moved to one that exists.
      expect(addresses(earlier).filter((a) => !kept.has(a) && !from.has(a))).toEqual([]);
      expect(moves.filter((m) => !kept.has(m.to))).toEqual([]);
      expect(moves.filter((m) => !addresses(earlier).includes(m.from))).toEqual([]);
      // The guards of the namespaces move too: a guard destroyed is a plan refused.
      if (_ !== 'tenants')
        expect(moves.map((m) => m.from)).toContain(
          'terraform_data.destroy-needs-kubernetes_allowNamespaceDestroy',
        );
    },
  );
});

describe('retiring a cluster', () => {
  const retired = variant({ clusters: [{ ...blue, retired: true }, green] }, localClusters);
  const before = synthJson(localClusters);
  const after = synthJson(retired);
  const blueObjects = addresses(before).filter(
    (a) => a.includes('.cluster-blue_') && !a.startsWith('vault_'),
  );

  it('forgets every one of its Kubernetes objects (removed blocks), deleting none', () => {
    const forgotten = removed(after).filter((r) => r.from.includes('.cluster-blue_'));
    expect(forgotten.map((r) => r.from).sort()).toEqual(blueObjects.sort());
    expect(addresses(after).filter((a) => a.includes('.cluster-blue_'))).toEqual([]);
  });

  it('deletes its auth method and roles, so its logins end; the policies and secrets stay', () => {
    const vaultBefore = addresses(before).filter((a) => a.startsWith('vault_'));
    const vaultAfter = new Set(addresses(after));
    expect(
      vaultBefore.filter((a) => !vaultAfter.has(a)).map((a) => a.replace(/_[0-9A-F]{8}$/, '')),
    ).toEqual([
      'vault_jwt_auth_backend.cluster-blue_jwt-auth_backend',
      'vault_jwt_auth_backend_role.cluster-blue_tenant-books_role',
      'vault_jwt_auth_backend_role.cluster-blue_tenant-shop_role',
    ]);
  });

  it('keeps its providers for that deploy: forgetting still needs the cluster configured', () => {
    const stack = new SynthesizedStack(after);
    expect(stack.providerConfigs('kubernetes').map((p) => p.alias)).toEqual(['blue', 'green']);
    expect(stack.declaredClusters().find((c) => c.name === 'blue')?.retired).toBe(true);
  });

  it('leaves the other cluster as it was', () => {
    const green = (json: StackJson) => addresses(json).filter((a) => a.includes('cluster-green_'));
    expect(green(after)).toEqual(green(before));
    expect(ofType(after, 'vault_policy')).toEqual(ofType(before, 'vault_policy'));
  });
});

/** Problems of `localClusters` with one key of the first cluster, or of the environment, changed. */
function refused(changes: Parameters<typeof variant>[0]): string[] {
  return validateEnvironment(variant(changes, localClusters)).map(
    (p) => `${p.key} = ${JSON.stringify(p.value)}`,
  );
}

describe('the validator', () => {
  const withBlue = (change: Partial<Record<keyof ClusterConfig, unknown>>) => ({
    clusters: [{ ...blue, ...change }, green] as unknown as ClusterConfig[],
  });

  it('accepts the shipped environment', () => {
    expect(refused({})).toEqual([]);
  });

  it('refuses two clusters with one name, one EKS cluster or one auth path, naming each', () => {
    expect(refused(withBlue({ name: 'green' }))).toEqual(['clusters[1].name = "green"']);
    expect(refused(withBlue({ clusterName: green.clusterName, region: green.region }))).toEqual([
      `clusters[1].clusterName = "us-east-2/${green.clusterName}"`,
    ]);
    expect(refused(withBlue({ authPath: green.authPath }))).toEqual([
      'clusters[1].authPath = "kubernetes-fleet-green"',
    ]);
  });

  it("refuses an auth path that is a mount's, Vault's own, or malformed", () => {
    expect(refused(withBlue({ authPath: 'fleet' }))).toEqual(['clusters[0].authPath = "fleet"']);
    expect(refused(withBlue({ authPath: 'token/x' }))).toEqual([
      'clusters[0].authPath = "token/x"',
    ]);
    expect(refused(withBlue({ authPath: '/x/' }))).toEqual(['clusters[0].authPath = "/x/"']);
  });

  it("refuses an API server's audience with the jwt method, and the issuer CA without it", () => {
    expect(refused(withBlue({ tokenAudience: 'https://kubernetes.default.svc' }))).toEqual([
      'clusters[0].tokenAudience = "https://kubernetes.default.svc"',
    ]);
    expect(refused(withBlue({ authMethod: 'kubernetes', jwtIssuerCa: 'cluster' }))).toEqual([
      'clusters[0].jwtIssuerCa = "cluster"',
    ]);
  });

  it('refuses unknown keys, every cluster retired, an empty list', () => {
    expect(refused(withBlue({ namespace: 'x' } as never))).toEqual(['clusters[0].namespace = "x"']);
    expect(
      refused({
        clusters: [
          { ...blue, retired: true },
          { ...green, retired: true },
        ],
      }),
    ).toEqual(['clusters = "(every cluster retired)"']);
    expect(refused({ clusters: [] })).toEqual(['clusters = []']);
  });

  it('refuses what cannot serve several clusters: the shared store, a token store, a static token', () => {
    expect(refused({ eso: { isolation: 'shared-store' } })).toEqual([
      'eso.isolation = "shared-store"',
    ]);
    expect(
      refused({
        kubernetes: { auth: 'static-token' },
      }),
    ).toEqual(['kubernetes.auth = "static-token"']);
    const singleChain = variant({ eso: { storeAuth: 'token' }, clusters: localClusters.clusters });
    expect(
      validateEnvironment(singleChain).map((p) => `${p.key} = ${JSON.stringify(p.value)}`),
    ).toEqual(['eso.storeAuth = "token"']);
  });

  it("refuses a tenant's earlier name: each cluster holds its own copy of the tenant's objects", () => {
    const [shop, ...others] = localClusters.tenants!;
    expect(refused({ tenants: [{ ...shop, renamedFrom: 'store' }, ...others] })).toEqual([
      'tenants[0].renamedFrom = "store"',
    ]);
    // Without clusters the same rename is the tenant's to make.
    const renamed = variant(
      { clusters: null, tenants: [{ ...shop, renamedFrom: 'store' }, ...others] },
      localClusters,
    );
    expect(validateEnvironment(renamed)).toEqual([]);
  });

  it('refuses clusters beside team files, naming the key and why: each team file is a stack of its own', () => {
    // local-tenants with its team files read into tenants, as loadEnvironments validates it.
    const teams = resolveTeamFiles(localTenants);
    const withClusters = variant(
      {
        clusters: [
          { name: 'blue', clusterName: blue.clusterName, authPath: 'jwt-teams' },
          { ...green, authPath: 'kubernetes-teams-green' },
        ],
      },
      teams,
    );
    const problems = validateEnvironment(withClusters);
    expect(problems.map((p) => `${p.key} = ${JSON.stringify(p.value)}`)).toEqual([
      'clusters = ["blue","green"]',
    ]);
    expect(problems[0].allowed).toMatch(/^no clusters beside teamFiles \("local-tenants"\)/);
    expect(problems[0].allowed).toContain('moved blocks cannot cross stacks');
    // The same environment with its tenants in its file takes the same clusters.
    expect(validateEnvironment(variant({ teamFiles: null }, withClusters))).toEqual([]);
    // And the team files on their one cluster are valid as they are.
    expect(validateEnvironment(teams)).toEqual([]);
  });
});

describe('the ledger', () => {
  const deployed = (clusters?: string[]): Ledger => ({
    environment: 'local-clusters',
    ...(clusters ? { clusters } : {}),
    entries: entriesOf(localClusters),
  });
  const problems = (config: EnvironmentConfig, ledger: Ledger) =>
    ledgerProblems(config, ledger).map((p) => `${p.key} = ${JSON.stringify(p.value)}`);

  it('records the clusters a deploy leaves the environment on, and one entry per secret', () => {
    expect(clustersOf(localClusters)?.map((c) => c.name)).toEqual(['blue', 'green']);
    expect(problems(localClusters, deployed(['blue', 'green']))).toEqual([]);
  });

  it('refuses a deployed cluster that leaves unsaid; accepts it retired, and gone once forgotten', () => {
    const withoutBlue = variant({ clusters: [green] }, localClusters);
    expect(problems(withoutBlue, deployed(['blue', 'green']))).toEqual(['clusters = ["green"]']);
    const blueRetired = variant({ clusters: [{ ...blue, retired: true }, green] }, localClusters);
    expect(problems(blueRetired, deployed(['blue', 'green']))).toEqual([]);
    expect(problems(withoutBlue, deployed(['green']))).toEqual([]);
  });

  it('refuses a first list of clusters without the cluster the environment is deployed to', () => {
    const elsewhere = variant({ clusters: [green] }, localClusters);
    expect(problems(elsewhere, deployed())).toEqual(['clusters = ["green"]']);
    const retiredAtOnce = variant({ clusters: [{ ...blue, retired: true }, green] }, localClusters);
    expect(problems(retiredAtOnce, deployed())).toEqual(['clusters[0].retired = true']);
    expect(problems(localClusters, deployed())).toEqual([]);
  });

  it('leaves an environment of one cluster as it was: no clusters in its ledger', () => {
    // local-tenants' teams are files: read into tenants, as loadEnvironments does.
    const oneCluster = resolveTeamFiles(localTenants);
    expect(ledgerProblems(oneCluster, { environment: 'local-tenants', entries: [] })).toEqual([]);
    expect(clustersOf(oneCluster)).toBeUndefined();
  });
});
