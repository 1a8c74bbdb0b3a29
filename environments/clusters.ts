/**
 * The clusters of an environment, with every default resolved: the stack, the ledger, the
 * ownership check and the lab suites read `clusters` through these. An environment without the
 * key has no resolved clusters: it is the one cluster of `aws` and `vault.authPath`, built as it
 * always was.
 */
import type { Ledger } from './ledger';
import { authMethodOf } from './tenants';
import type { EnvironmentConfig, VaultAuthMethod } from './types';
import type { ConfigProblem } from './validate';

export interface ResolvedCluster {
  /** Its name in the configuration: its scope (`cluster-<name>`) and providers' alias. */
  readonly name: string;
  readonly region: string;
  /** The EKS cluster's name. */
  readonly clusterName: string;
  /** Its own Vault auth method. */
  readonly authPath: string;
  readonly authMethod: VaultAuthMethod;
  readonly jwtIssuerCa?: 'public' | 'cluster';
  readonly tokenAudience: string;
  /** Leaving: its Kubernetes objects are forgotten, its auth method and roles deleted. */
  readonly retired: boolean;
  /**
   * The cluster the environment was deployed to before it listed clusters (same cluster name,
   * region and auth path as `aws` and `vault.authPath`): the objects deployed there move into
   * its scope instead of being replaced.
   */
  readonly takesOverStackCluster: boolean;
}

/** The environment's clusters, defaults resolved; undefined when it names none. */
export function clustersOf(config: EnvironmentConfig): ResolvedCluster[] | undefined {
  if (config.clusters === undefined) return undefined;
  return config.clusters.map((c): ResolvedCluster => {
    const region = c.region ?? config.aws.region;
    return {
      name: c.name,
      region,
      clusterName: c.clusterName,
      authPath: c.authPath,
      authMethod: c.authMethod ?? authMethodOf(config),
      jwtIssuerCa: c.jwtIssuerCa ?? config.vault.jwtIssuerCa,
      tokenAudience: c.tokenAudience ?? config.kubernetes.tokenAudience,
      retired: c.retired ?? false,
      takesOverStackCluster:
        c.clusterName === config.aws.clusterName &&
        region === config.aws.region &&
        c.authPath === config.vault.authPath,
    };
  });
}

/** The names of the clusters a deploy leaves the environment on (none retired). */
export function deployedClusterNames(config: EnvironmentConfig): string[] | undefined {
  return clustersOf(config)
    ?.filter((c) => !c.retired)
    .map((c) => c.name);
}

/**
 * What the clusters would lose against the ledger: a deployed cluster that left the
 * configuration unsaid (its objects would be orphaned with no provider to reach them: it must be
 * retired first), and a first list of clusters that leaves out the cluster the environment was
 * deployed to (its objects would be destroyed and created again instead of moving).
 */
export function clusterLedgerProblems(
  config: EnvironmentConfig,
  ledger: Ledger,
  file: string,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (key: string, value: unknown, allowed: string) =>
    problems.push({ environment: config.name, key, value, allowed });
  const clusters = clustersOf(config);
  for (const name of ledger.clusters ?? [])
    if (!clusters?.some((c) => c.name === name))
      add(
        'clusters',
        clusters?.map((c) => c.name),
        `a list that still holds "${name}", with retired: true: it was deployed (${file}), and the deploy that retires it forgets its Kubernetes objects and ends its logins; the entry may go once that deploy has recorded the ledger without it`,
      );
  const deployedAsOne = ledger.clusters === undefined && ledger.entries.length > 0;
  if (clusters === undefined || !deployedAsOne) return problems;
  const home = clusters.find((c) => c.takesOverStackCluster);
  if (home === undefined)
    add(
      'clusters',
      clusters.map((c) => c.name),
      `a list with the cluster this environment is deployed to (${file}): an entry with clusterName "${config.aws.clusterName}", region "${config.aws.region}" and authPath "${config.vault.authPath}" takes over its objects (moved, nothing replaced); without it they would be destroyed and created again`,
    );
  else if (home.retired)
    add(
      `clusters[${clusters.indexOf(home)}].retired`,
      true,
      'false, for one deploy: the cluster this environment is deployed to moves into its entry first; retire it in a later deploy',
    );
  return problems;
}
