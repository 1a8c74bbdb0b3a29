/**
 * The clusters of a stack: where each cluster's part of the chain goes (its scope), how it
 * reaches the cluster (its own aliased providers and EKS lookup), and what a cluster's arrival
 * and departure do to the state (moved blocks from an environment's earlier single cluster,
 * `removed` blocks for a retired one). The stack builds each cluster's part with the same code;
 * this file only places it.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import {
  TerraformDataSource,
  TerraformElement,
  TerraformLocal,
  type TerraformProvider,
  TerraformResource,
  TerraformStack,
} from 'cdktf';
import { Construct } from 'constructs';
import { EksClusterLookup } from '../constructs/eks-cluster-lookup';
import {
  EphemeralResource,
  type ForgottenResource,
  type MovedResource,
  MovedResources,
  RawResource,
  RemovedResources,
  logicalIdOf,
} from '../constructs/terraform-blocks';
import type { ResolvedCluster } from '../environments/clusters';
import type { EnvironmentConfig, VaultAuthMethod } from '../environments/types';
import {
  DECLARED_CLUSTERS_LOCAL,
  clusterGuardName,
  clusterScopeId,
  destroyGuardId,
} from '../common/names';
import type { DeclaredCluster } from '../common/stack-json';

/** One cluster's place in the stack, and how its workloads log in to Vault. */
export interface ClusterSite {
  /**
   * Where its Kubernetes objects, auth method and roles live: the stack itself for an
   * environment of one cluster (its addresses as they always were), `cluster-<name>` otherwise.
   */
  readonly scope: Construct;
  /** The EKS lookup: endpoint, CA, OIDC issuer, credentials. */
  readonly lookup: EksClusterLookup;
  readonly authPath: string;
  readonly authMethod: VaultAuthMethod;
  readonly jwtIssuerCa?: 'public' | 'cluster';
  /** Audience of the tokens ESO requests there and its roles accept. */
  readonly tokenAudience: string;
  /** The configured cluster and its Kubernetes provider; undefined for an environment of one cluster. */
  readonly cluster?: ResolvedCluster;
  readonly kubernetesProvider?: TerraformProvider;
}

/** The AWS provider's settings for a region (the same for every cluster of the environment). */
export function awsProviderSettings(config: EnvironmentConfig, region: string) {
  const emulated = config.aws.endpoints !== undefined;
  return {
    region,
    endpoints: emulated ? [{ ...config.aws.endpoints }] : undefined,
    // An emulator cannot answer these checks; real AWS can, so they stay on there.
    skipCredentialsValidation: emulated || undefined,
    skipRequestingAccountId: emulated || undefined,
    skipMetadataApiCheck: emulated ? 'true' : undefined,
  };
}

/** The ids in a cluster's scope that reach the cluster; everything else is its part of the chain. */
const REACH = ['aws', 'eks', 'kubernetes'];

/**
 * A cluster's scope with its own providers, aliased by the cluster's name: an AWS provider in its
 * region, its EKS lookup, and a Kubernetes provider configured from that lookup.
 */
export function clusterSite(
  stack: TerraformStack,
  config: EnvironmentConfig,
  cluster: ResolvedCluster,
): ClusterSite {
  const scope = new Construct(stack, clusterScopeId(cluster.name));
  const aws = new AwsProvider(scope, 'aws', {
    ...awsProviderSettings(config, cluster.region),
    alias: cluster.name,
  });
  // Validated: no static token with several clusters (one variable could not serve them all).
  const auth = config.kubernetes.auth === 'exec' ? 'exec' : 'eks-token';
  const lookup = new EksClusterLookup(scope, 'eks', {
    clusterName: cluster.clusterName,
    region: cluster.region,
    auth,
  });
  bindProviders(lookup, { aws });
  const kubernetesProvider = new KubernetesProvider(scope, 'kubernetes', {
    alias: cluster.name,
    host: lookup.endpoint,
    clusterCaCertificate: lookup.caCertificatePem,
    token: lookup.credentials.token,
    exec: lookup.credentials.exec ? [lookup.credentials.exec] : undefined,
  });
  return {
    scope,
    lookup,
    authPath: cluster.authPath,
    authMethod: cluster.authMethod,
    jwtIssuerCa: cluster.jwtIssuerCa,
    tokenAudience: cluster.tokenAudience,
    cluster,
    kubernetesProvider,
  };
}

/** Every element below `scope` that Terraform writes as a resource, data source or ephemeral. */
function terraformElements(scope: Construct): TerraformElement[] {
  return scope.node
    .findAll()
    .filter(
      (c): c is TerraformElement =>
        c instanceof TerraformResource ||
        c instanceof TerraformDataSource ||
        c instanceof RawResource ||
        c instanceof EphemeralResource,
    );
}

/** The Terraform type of an element `terraformElements` returned. */
function typeOf(element: TerraformElement): string {
  if (element instanceof RawResource || element instanceof EphemeralResource) return element.type;
  return (element as TerraformResource | TerraformDataSource).terraformResourceType;
}

/**
 * Points every AWS and Kubernetes element below `scope` at the cluster's aliased providers
 * (`aws.<name>`, `kubernetes.<name>`); Vault's stay on the one Vault provider.
 */
function bindProviders(
  scope: Construct,
  providers: { aws?: TerraformProvider; kubernetes?: TerraformProvider },
): void {
  for (const element of terraformElements(scope)) {
    const type = typeOf(element);
    const provider = type.startsWith('aws_')
      ? providers.aws
      : type.startsWith('kubernetes_')
        ? providers.kubernetes
        : undefined;
    if (provider === undefined) continue;
    if (element instanceof RawResource || element instanceof EphemeralResource)
      element.provider = provider.fqn;
    else (element as TerraformResource | TerraformDataSource).provider = provider;
  }
}

/** Managed resources below `scope`, each with its type and logical id. */
function managedResources(scope: Construct): { type: string; element: TerraformElement }[] {
  return terraformElements(scope)
    .filter((e) => e instanceof TerraformResource || e instanceof RawResource)
    .map((element) => ({ type: typeOf(element), element }));
}

/**
 * Where a resource of a cluster's scope lived when the environment was one cluster: the same
 * construct path without `cluster-<name>` (a guard's name without its cluster prefix).
 */
function addressBefore(cluster: string, type: string, element: TerraformElement): string {
  const stack = TerraformStack.of(element);
  const path = element.node.scopes.slice(element.node.scopes.indexOf(stack) + 1);
  const ids = path.map((c) => c.node.id);
  const guardPrefix = destroyGuardId(clusterGuardName(cluster, ''));
  const id = element.friendlyUniqueId.startsWith(guardPrefix)
    ? destroyGuardId('') + element.friendlyUniqueId.slice(guardPrefix.length)
    : logicalIdOf(ids.slice(1));
  return `${type}.${id}`;
}

/**
 * After a cluster's part of the chain is built: its elements use its providers; the cluster the
 * environment had before it listed clusters takes over what was deployed there (moved blocks:
 * nothing replaced); a retired cluster's part leaves the configuration, its Kubernetes objects
 * forgotten (`removed` blocks: nothing deleted) and its Vault auth method and roles deleted.
 */
export function settleClusterSite(site: ClusterSite): void {
  const cluster = site.cluster;
  if (cluster === undefined) return;
  bindProviders(site.scope, { kubernetes: site.kubernetesProvider });
  const chain = site.scope.node.children.filter((c) => !REACH.includes(c.node.id));
  if (cluster.retired) {
    const forgotten: ForgottenResource[] = chain
      .flatMap((c) => managedResources(c))
      .filter(({ type }) => !type.startsWith('vault_'))
      .map(({ type, element }) => ({ address: `${type}.${element.friendlyUniqueId}` }));
    for (const c of chain) site.scope.node.tryRemoveChild(c.node.id);
    new RemovedResources(site.scope, 'retired', forgotten);
    return;
  }
  if (!cluster.takesOverStackCluster) return;
  const moves: MovedResource[] = chain
    .flatMap((c) => managedResources(c))
    .map(({ type, element }) => ({
      from: addressBefore(cluster.name, type, element),
      to: `${type}.${element.friendlyUniqueId}`,
    }));
  new MovedResources(site.scope, 'from-single-cluster', moves);
}

/** The clusters the stack declares, for the chain rules and the ledger. */
export function declareClusters(stack: TerraformStack, clusters: readonly ResolvedCluster[]): void {
  new TerraformLocal(stack, DECLARED_CLUSTERS_LOCAL, {
    clusters: clusters.map((c): DeclaredCluster => ({
      name: c.name,
      region: c.region,
      cluster_name: c.clusterName,
      auth_path: c.authPath,
      auth_method: c.authMethod,
      retired: c.retired,
    })),
  }).overrideLogicalId(DECLARED_CLUSTERS_LOCAL);
}
