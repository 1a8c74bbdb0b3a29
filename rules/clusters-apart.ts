import { CHAIN_RULE_IDS } from '../common/chain-rule-ids';
import { storeLabel } from '../common/chain/store';
import type { DeclaredCluster, StackJson } from '../common/stack-json';
import { SynthesizedStack } from '../common/synthesized-stack';
import { guardedTargets } from '../common/chain/takeover-guard';
import type { Rule, Violation } from './rule';

const CLUSTERS_APART_ID = CHAIN_RULE_IDS.clustersApart;

/** References to a lookup's attributes, as the stack writes them. */
const endpointOf = (lookup: string) => `\${${lookup}.endpoint}`;
const issuerOf = (lookup: string) => `\${${lookup}.identity[0].oidc[0].issuer}`;

/** Each cluster's EKS lookup (through its own AWS provider) and the address of it, or a problem. */
function lookups(stack: SynthesizedStack, clusters: readonly DeclaredCluster[]) {
  const found = new Map<string, string>();
  const problems: string[] = [];
  for (const cluster of clusters) {
    const matching = stack
      .dataSources('aws_eks_cluster')
      .filter(
        (d) =>
          d.body.provider === `aws.${cluster.name}` &&
          stack.values.text(d.body.name) === cluster.cluster_name,
      );
    if (matching.length !== 1)
      problems.push(
        `cluster "${cluster.name}": ${matching.length} EKS lookups of "${cluster.cluster_name}" through provider aws.${cluster.name}; it needs exactly one, its own`,
      );
    else found.set(cluster.name, matching[0].address);
    const aws = stack.providerConfigs('aws').find((p) => p.alias === cluster.name);
    if (aws === undefined || stack.values.text(aws.region) !== cluster.region)
      problems.push(
        `cluster "${cluster.name}": its AWS provider (aws.${cluster.name}) is ${aws ? `in region "${stack.values.text(aws.region) ?? '?'}"` : 'missing'}; the cluster is in "${cluster.region}"`,
      );
  }
  return { found, problems };
}

/** Each cluster's Kubernetes provider talks to that cluster's API server, with its CA. */
function providerProblems(stack: SynthesizedStack, lookupOf: ReadonlyMap<string, string>) {
  const problems: string[] = [];
  for (const [name, lookup] of lookupOf) {
    const provider = stack.providerConfigs('kubernetes').find((p) => p.alias === name);
    const ca = provider?.cluster_ca_certificate;
    if (
      provider === undefined ||
      provider.host !== endpointOf(lookup) ||
      typeof ca !== 'string' ||
      !ca.includes(`${lookup}.certificate_authority`)
    )
      problems.push(
        `cluster "${name}": its Kubernetes provider (kubernetes.${name}) is not configured with its own lookup's endpoint and CA (${lookup})`,
      );
  }
  return problems;
}

/** Every Kubernetes resource and read goes through a declared cluster's provider. */
function placementProblems(stack: SynthesizedStack, clusters: readonly DeclaredCluster[]) {
  const aliases = new Set(clusters.map((c) => `kubernetes.${c.name}`));
  const kubernetes = [
    ...Object.keys(stack.json.resource ?? {}).flatMap((t) => stack.resources(t)),
    ...Object.keys(stack.json.data ?? {}).flatMap((t) => stack.dataSources(t)),
  ].filter((r) => r.address.replace(/^data\./, '').startsWith('kubernetes_'));
  return kubernetes
    .filter((r) => !aliases.has(stack.providerOf(r.address) ?? ''))
    .map(
      (r) =>
        `${r.address}: provider ${stack.providerOf(r.address) ?? '(the default)'} is no cluster's; with several clusters each Kubernetes object names its cluster's provider (${[...aliases].join(', ')})`,
    );
}

/** Each live cluster's auth method is configured from its own lookup; a retired one's is gone. */
function authProblems(
  stack: SynthesizedStack,
  clusters: readonly DeclaredCluster[],
  lookupOf: ReadonlyMap<string, string>,
) {
  const problems: string[] = [];
  const text = (v: unknown) => stack.values.text(v);
  for (const cluster of clusters) {
    const lookup = lookupOf.get(cluster.name) ?? '?';
    const kubernetes = stack
      .resources('vault_kubernetes_auth_backend_config')
      .filter((c) => text(c.body.backend) === cluster.auth_path);
    const jwt = stack
      .resources('vault_jwt_auth_backend')
      .filter((b) => text(b.body.path) === cluster.auth_path);
    const where = `cluster "${cluster.name}": auth method "${cluster.auth_path}"`;
    if (cluster.retired) {
      if (kubernetes.length + jwt.length > 0)
        problems.push(`${where} is still declared; a retired cluster's logins must end`);
      continue;
    }
    const configured =
      cluster.auth_method === 'kubernetes'
        ? kubernetes.some((c) => c.body.kubernetes_host === endpointOf(lookup))
        : jwt.some(
            (b) =>
              b.body.oidc_discovery_url === issuerOf(lookup) &&
              b.body.bound_issuer === issuerOf(lookup),
          );
    if (!configured)
      problems.push(
        `${where} (${cluster.auth_method}) is not configured with this cluster's own ${cluster.auth_method === 'kubernetes' ? 'API server' : 'OIDC issuer'} (${lookup}); its logins would be checked against another cluster`,
      );
  }
  return problems;
}

/** Stores and generators of a cluster log in through that cluster's auth method. */
function loginProblems(stack: SynthesizedStack, clusters: readonly DeclaredCluster[]) {
  const pathOf = new Map(clusters.map((c) => [`kubernetes.${c.name}`, c]));
  const logins = [
    ...stack.stores().map(({ address, store }) => ({
      address,
      label: storeLabel(store),
      mountPath: store.vault?.login?.mountPath,
    })),
    ...stack.vaultDynamicSecrets().map(({ address, generator: g }) => ({
      address,
      label: `VaultDynamicSecret "${g.namespace ?? '?'}/${g.name ?? '?'}"`,
      mountPath: g.login?.mountPath,
    })),
  ];
  return logins.flatMap(({ address, label, mountPath }) => {
    const cluster = pathOf.get(stack.providerOf(address) ?? '');
    if (cluster === undefined || mountPath === undefined || mountPath === cluster.auth_path)
      return [];
    return [
      `${label} in cluster "${cluster.name}": logs in at "${mountPath}", not its cluster's auth method "${cluster.auth_path}"; its tokens are another cluster's to vouch for`,
    ];
  });
}

/** Each cluster guards the targets CHAIN-007 wants guarded, of its own ExternalSecrets. */
function guardProblems(stack: SynthesizedStack, clusters: readonly DeclaredCluster[]) {
  const wanted = new Set(
    stack
      .declaredSync()
      .filter((e) => !e.adopts_target)
      .map((e) => `${e.namespace}/${e.target}`),
  );
  const guarded = new Map<string, Set<string>>();
  for (const { address, manifest } of stack
    .resources('kubernetes_manifest')
    .map((r) => ({ address: r.address, manifest: r.body.manifest }))) {
    const targets = guardedTargets(manifest, stack.values);
    const provider = stack.providerOf(address) ?? '';
    if (targets) guarded.set(provider, new Set([...(guarded.get(provider) ?? []), ...targets]));
  }
  const problems: string[] = [];
  for (const { address, externalSecret: es } of stack.externalSecrets()) {
    const provider = stack.providerOf(address) ?? '';
    const cluster = clusters.find((c) => `kubernetes.${c.name}` === provider);
    const target = `${es.namespace ?? '?'}/${es.target.name ?? '?'}`;
    if (cluster && wanted.has(target) && !guarded.get(provider)?.has(target))
      problems.push(
        `Secret "${target}" in cluster "${cluster.name}" is not guarded there: each cluster's admission policy guards that cluster's targets`,
      );
  }
  return problems;
}

/**
 * With several clusters, each cluster's part of the chain stays its own: its Kubernetes objects
 * go through its own provider, configured from its own EKS lookup; its auth method checks tokens
 * against its own API server or issuer; its stores and generators log in there; its targets are
 * guarded in it; a retired cluster's auth method is gone. Stacks of one cluster have nothing to
 * check.
 */
export const clustersApart: Rule = {
  id: CLUSTERS_APART_ID,
  description:
    "each cluster's objects use its own providers and EKS lookup, and log in through its own auth method",
  check(json: StackJson): Violation[] {
    const stack = new SynthesizedStack(json);
    const clusters = stack.declaredClusters();
    if (clusters.length === 0) return [];
    const { found, problems } = lookups(stack, clusters);
    return [
      ...problems,
      ...providerProblems(stack, found),
      ...placementProblems(stack, clusters),
      ...authProblems(stack, clusters, found),
      ...loginProblems(stack, clusters),
      ...guardProblems(stack, clusters),
    ].map((message) => ({ ruleId: CLUSTERS_APART_ID, message }));
  },
};
