/**
 * The chain a stack carries, as the configuration declares it: for each tenant (team) of the
 * stack, cluster -> service account -> role -> policy -> secret paths -> store ->
 * ExternalSecrets. Pure data, built from a validated environment; the review, the drift report
 * and the doctor draw it (./picture.ts) and mark its links.
 */
import { kvV2Paths } from '../../common/chain/kv-path';
import { teamOfStack } from '../../common/names';
import { clustersOf } from '../../environments/clusters';
import { type ResolvedTenant, tenantsOf } from '../../environments/tenants';
import type { EnvironmentConfig } from '../../environments/types';

export interface ChainSecret {
  /** Its KV v2 data path, `<mount>/data/<name>`: what the policy must grant. */
  readonly path: string;
  /** The ExternalSecret that reads it (in the tenant's namespace). */
  readonly externalSecret: string;
}

export interface ChainTenant {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly role: string;
  readonly policy: string;
  readonly store: { readonly kind: 'ClusterSecretStore' | 'SecretStore'; readonly name: string };
  readonly secrets: readonly ChainSecret[];
}

export interface Chain {
  /** The stack it is the chain of: an environment's, or `<environment>--<team>`. */
  readonly stack: string;
  /** The clusters its service accounts live in (EKS cluster names, or the names of `clusters`). */
  readonly clusters: readonly string[];
  /** The KV v2 mount its secrets are in (an ExternalSecret's key is a name in it). */
  readonly mount: string;
  readonly tenants: readonly ChainTenant[];
}

function chainTenant(config: EnvironmentConfig, tenant: ResolvedTenant): ChainTenant {
  return {
    name: tenant.name,
    namespace: tenant.namespace,
    serviceAccount: tenant.serviceAccountName,
    role: tenant.roleName,
    policy: tenant.policyName,
    store: tenant.store,
    secrets: tenant.secrets.map((s) => ({
      path: kvV2Paths(config.vault.kvMount.path, s.name).data,
      externalSecret: s.externalSecretName,
    })),
  };
}

/**
 * The chain of one of the environment's stacks: a team's stack holds that team's tenant; the
 * environment's own stack holds every tenant, or none when its teams are in team files (their
 * chains are in their own stacks).
 */
export function chainOfStack(config: EnvironmentConfig, stack: string): Chain {
  const team = teamOfStack(stack)?.team;
  const tenants = tenantsOf(config).filter((t) =>
    team !== undefined ? t.name === team : config.teamFiles === undefined,
  );
  const clusters = clustersOf(config)
    ?.filter((c) => !c.retired)
    .map((c) => c.name) ?? [config.aws.clusterName];
  const mount = config.vault.kvMount.path;
  return { stack, clusters, mount, tenants: tenants.map((t) => chainTenant(config, t)) };
}

/** The chain of an environment's tenants, as the doctor walks them (no stack split). */
export function chainOfTenants(
  config: EnvironmentConfig,
  tenants: readonly ResolvedTenant[],
): Chain {
  const clusters = clustersOf(config)
    ?.filter((c) => !c.retired)
    .map((c) => c.name) ?? [config.aws.clusterName];
  return {
    stack: config.name,
    clusters,
    mount: config.vault.kvMount.path,
    tenants: tenants.map((t) => chainTenant(config, t)),
  };
}
