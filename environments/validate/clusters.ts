/**
 * `clusters`: several EKS clusters of one environment, each with its own auth method. Each entry
 * on its own, the entries apart from each other (names, clusters, auth paths), and the settings
 * elsewhere that cannot serve several clusters.
 */
import { API_AUDIENCES, type Checker, isObject, type Obj, SHAPES } from './checker';
import { LIMITS } from './limits';
import { OPTIONS } from './schema';
import { type Layout, RESERVED_AUTH_PATHS, vaultIsLocal } from './vault';

/** What the entries are checked against: the environment around them. */
interface ClusterContext {
  readonly vault: Obj;
  readonly region: unknown;
  readonly tokenAudience: unknown;
  /** Paths taken by the environment's mounts: an auth path may not be one of them. */
  readonly mounts: ReadonlyMap<unknown, string>;
  /** Seen so far: name, `region/clusterName`, auth path -> the key that declared it. */
  readonly seen: Record<'name' | 'cluster' | 'authPath', Map<string, string>>;
}

/** Refuses a value seen before in another entry, naming that entry. */
function once(
  c: Checker,
  seen: Map<string, string>,
  key: string,
  value: string,
  what: string,
): void {
  const earlier = seen.get(value);
  if (earlier !== undefined)
    c.add(key, value, `${what} no other cluster has (${earlier} is "${value}" too)`);
  else seen.set(value, key);
}

export function validateClusters(c: Checker, env: Obj, layout: Layout): void {
  if (env.clusters === undefined) return;
  const list = env.clusters;
  if (!Array.isArray(list) || list.length === 0) {
    c.add(
      'clusters',
      list,
      'a non-empty list of clusters, or no key (one cluster: aws.clusterName)',
    );
    return;
  }
  if (list.length > LIMITS.maxClusters)
    c.add(
      'clusters',
      `(${list.length} clusters)`,
      `at most ${LIMITS.maxClusters} clusters (each adds an auth method and every team's Kubernetes objects to every plan)`,
    );
  const vault = isObject(env.vault) ? env.vault : {};
  const kubernetes = isObject(env.kubernetes) ? env.kubernetes : {};
  const database = isObject(vault.database) ? vault.database : {};
  const ctx: ClusterContext = {
    vault,
    region: isObject(env.aws) ? env.aws.region : undefined,
    tokenAudience: kubernetes.tokenAudience,
    mounts: new Map<unknown, string>([
      [isObject(vault.kvMount) ? vault.kvMount.path : undefined, 'vault.kvMount.path'],
      [database.mountPath, 'vault.database.mountPath'],
    ]),
    seen: { name: new Map(), cluster: new Map(), authPath: new Map() },
  };
  list.forEach((item: unknown, i: number) => validateCluster(c, `clusters[${i}]`, item, ctx));
  if (list.every((item: unknown) => isObject(item) && item.retired === true))
    c.add(
      'clusters',
      '(every cluster retired)',
      'at least one cluster that is not retired: the secrets must reach some cluster',
    );
  if (env.teamFiles !== undefined)
    c.add(
      'clusters',
      list.map((item: unknown) => (isObject(item) ? item.name : item)),
      `no clusters beside teamFiles (${JSON.stringify(env.teamFiles)}): a cluster is a scope of its own inside one stack (its providers, its auth method, and the moved blocks that bring the environment's cluster into its entry), while each team file is a stack of its own, and moved blocks cannot cross stacks; list clusters in an environment whose tenants are in its file, or keep the team files on one cluster (aws.clusterName)`,
    );
  settingsForSeveral(c, env, layout);
}

/** One entry on its own, and against the entries before it. */
function validateCluster(c: Checker, at: string, item: unknown, ctx: ClusterContext): void {
  const cluster = c.object(at, item, 'clusters[]');
  if (!cluster) return;
  if (c.shape(`${at}.name`, cluster.name, SHAPES.kebab))
    once(c, ctx.seen.name, `${at}.name`, cluster.name, 'a name');
  if (cluster.region !== undefined) c.shape(`${at}.region`, cluster.region, SHAPES.region);
  if (c.shape(`${at}.clusterName`, cluster.clusterName, SHAPES.eksCluster))
    once(
      c,
      ctx.seen.cluster,
      `${at}.clusterName`,
      `${String(cluster.region ?? ctx.region)}/${cluster.clusterName}`,
      'a region and EKS cluster',
    );
  validateAuthPath(c, at, cluster.authPath, ctx);
  const method = cluster.authMethod ?? ctx.vault.authMethod ?? 'kubernetes';
  if (cluster.authMethod !== undefined)
    c.oneOf(`${at}.authMethod`, cluster.authMethod, OPTIONS.authMethod);
  validateIssuerAndAudience(c, at, cluster, method, ctx);
  if (cluster.retired !== undefined) c.boolean(`${at}.retired`, cluster.retired);
  if (method === 'jwt' && ctx.vault.reviewerMode === 'token-secret')
    c.add(
      `${at}.authMethod`,
      cluster.authMethod ?? method,
      '"kubernetes" with vault.reviewerMode "token-secret" (a reviewer token is for the kubernetes method; the jwt method reviews nothing)',
    );
}

/** The cluster's own auth path: well formed, its own, no mount's. */
function validateAuthPath(c: Checker, at: string, path: unknown, ctx: ClusterContext): void {
  const key = `${at}.authPath`;
  if (RESERVED_AUTH_PATHS.includes(String(path).split('/')[0])) {
    c.add(key, path, 'an auth path of your own, not under "token/" (Vault\'s token auth method)');
    return;
  }
  if (!c.shape(key, path, SHAPES.authPath)) return;
  const mount = ctx.mounts.get(path);
  if (mount !== undefined) c.add(key, path, `a path different from ${mount}`);
  once(c, ctx.seen.authPath, key, path, 'an auth path (each cluster logs in through its own)');
}

/** jwtIssuerCa (jwt only; `cluster` in the lab only) and the audience the method allows. */
function validateIssuerAndAudience(
  c: Checker,
  at: string,
  cluster: Obj,
  method: unknown,
  ctx: ClusterContext,
): void {
  if (cluster.jwtIssuerCa !== undefined) {
    if (method !== 'jwt')
      c.absent(`${at}.jwtIssuerCa`, cluster.jwtIssuerCa, 'it is read by the jwt auth method only');
    else if (
      c.oneOf(`${at}.jwtIssuerCa`, cluster.jwtIssuerCa, OPTIONS.jwtIssuerCa) &&
      cluster.jwtIssuerCa === 'cluster' &&
      !vaultIsLocal(ctx.vault)
    )
      c.add(
        `${at}.jwtIssuerCa`,
        cluster.jwtIssuerCa,
        `"public" with a real Vault (${String(ctx.vault.address)}): an EKS cluster's OIDC issuer is an AWS endpoint with a public certificate; "cluster" is the lab's setting`,
      );
  }
  if (cluster.tokenAudience !== undefined)
    c.shape(`${at}.tokenAudience`, cluster.tokenAudience, SHAPES.audience);
  const audience = cluster.tokenAudience ?? ctx.tokenAudience;
  if (method === 'jwt' && typeof audience === 'string' && API_AUDIENCES.includes(audience))
    c.add(
      `${at}.tokenAudience`,
      audience,
      `an audience of Vault's own with the jwt auth method, such as "vault" (the API server accepts tokens for "${audience}", so a login token would also be an API bearer token)`,
    );
}

/** Settings that serve one cluster only. */
function settingsForSeveral(c: Checker, env: Obj, layout: Layout): void {
  if (layout === 'shared-store')
    c.add(
      'eso.isolation',
      'shared-store',
      '"per-tenant" with clusters: the shared store\'s one templated policy names one auth method\'s accessor, and each cluster logs in through its own',
    );
  if (isObject(env.eso) && env.eso.storeAuth === 'token')
    c.add(
      'eso.storeAuth',
      'token',
      '"kubernetes" with clusters: each cluster logs in through its own auth method; one Vault token copied into every cluster would be a long-lived credential that no cluster\'s removal ends',
    );
  if (isObject(env.kubernetes) && env.kubernetes.auth === 'static-token')
    c.add(
      'kubernetes.auth',
      'static-token',
      '"eks-token" or "exec" with clusters: one kubernetes_token variable cannot reach several clusters',
    );
  if (Array.isArray(env.tenants))
    env.tenants.forEach((t: unknown, i: number) => {
      if (isObject(t) && t.renamedFrom !== undefined)
        c.add(
          `tenants[${i}].renamedFrom`,
          t.renamedFrom,
          "no earlier name with clusters: a rename moves one scope's objects, and each cluster holds its own copy of the tenant (rename before listing clusters, or add the tenant anew)",
        );
    });
}
