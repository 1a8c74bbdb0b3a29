import { clustersOf } from './clusters';
import { authMethodOf, isolationOf, tenantsOf } from './tenants';
import { normalizedAddress } from './validate/checker';
/**
 * Objects two environments would both own. Copying an environment file and changing only its
 * name synthesizes two stacks that manage one chain: each deploy undoes the other, and destroying
 * one deletes what the other still uses. Refused at load, every collision at once.
 */
import type { EnvironmentConfig } from './types';
import type { ConfigProblem } from './validate';

/** The clusters an environment deploys to: region, name, and the endpoint when emulated. */
function clustersOfEnv(env: EnvironmentConfig): { id: string; region: string; name: string }[] {
  const endpoint = env.aws.endpoints?.eks;
  const listed = clustersOf(env) ?? [{ region: env.aws.region, clusterName: env.aws.clusterName }];
  return listed.map((c) => ({
    id: [c.region, c.clusterName, endpoint ? normalizedAddress(endpoint) : ''].join('|'),
    region: c.region,
    name: c.clusterName,
  }));
}

/** The Vault an environment writes to: address (however spelled) and namespace. */
function vaultOf(env: EnvironmentConfig): string {
  return `${normalizedAddress(env.vault.address)}|${env.vault.namespace ?? ''}`;
}

interface Owned {
  /** The key of the environment file that names the object. */
  readonly key: string;
  /** Identity of the object within its cluster or Vault. */
  readonly id: string;
  /** Shown to the user. */
  readonly value: string;
}

function clusterObjects(env: EnvironmentConfig): Owned[] {
  // Per-tenant SecretStores live in their tenants' namespaces; the others are cluster-wide.
  const namespaced = isolationOf(env) === 'per-tenant';
  const objects: Owned[] = namespaced
    ? tenantsOf(env).map((t) => ({
        key: 'eso.storeName',
        id: `ss/${t.namespace}/${env.eso.storeName}`,
        value: `${t.namespace}/${env.eso.storeName}`,
      }))
    : [{ key: 'eso.storeName', id: `css/${env.eso.storeName}`, value: env.eso.storeName }];
  const kubernetesLogins = clustersOf(env)?.some((c) => c.authMethod === 'kubernetes');
  if (env.tenants === undefined || (kubernetesLogins ?? authMethodOf(env) === 'kubernetes'))
    objects.push({
      key: 'kubernetes.clusterRoleBindingName',
      id: `crb/${env.kubernetes.clusterRoleBindingName}`,
      value: env.kubernetes.clusterRoleBindingName,
    });
  tenantsOf(env).forEach((t, ti) => {
    const at = (key: string) => (t.singleChain ? key : `tenants[${ti}].${key}`);
    objects.push({
      key: at(t.singleChain ? 'kubernetes.serviceAccountName' : 'serviceAccountName'),
      id: `sa/${t.namespace}/${t.serviceAccountName}`,
      value: `${t.namespace}/${t.serviceAccountName}`,
    });
    if (t.manageNamespace)
      objects.push({
        key: at(t.singleChain ? 'kubernetes.namespace' : 'namespace'),
        id: `ns/${t.namespace}`,
        value: t.namespace,
      });
    t.secrets.forEach((s, i) => {
      objects.push({
        key: at(`secrets[${i}].externalSecretName`),
        id: `es/${t.namespace}/${s.externalSecretName}`,
        value: `${t.namespace}/${s.externalSecretName}`,
      });
      objects.push({
        key: at(`secrets[${i}].targetSecretName`),
        id: `secret/${t.namespace}/${s.targetSecretName}`,
        value: `${t.namespace}/${s.targetSecretName}`,
      });
    });
  });
  return objects;
}

function vaultObjects(env: EnvironmentConfig): Owned[] {
  const v = env.vault;
  const objects: Owned[] = (
    clustersOf(env)?.map((c, i) => ({ key: `clusters[${i}].authPath`, path: c.authPath })) ?? [
      { key: 'vault.authPath', path: v.authPath },
    ]
  ).map(({ key, path }) => ({ key, id: `auth/${path}`, value: path }));
  if (v.kvMount.managed)
    objects.push({
      key: 'vault.kvMount.path',
      id: `mount/${v.kvMount.path}`,
      value: v.kvMount.path,
    });
  // The database engine: unmounting it (one environment's destroy) revokes the other's leases.
  if (v.database)
    objects.push({
      key: 'vault.database.mountPath',
      id: `mount/${v.database.mountPath}`,
      value: v.database.mountPath,
    });
  const seen = new Set<string>();
  tenantsOf(env).forEach((t, ti) => {
    const at = (key: string) => (t.singleChain ? key : `tenants[${ti}].${key}`);
    // Vault lower-cases policy names: "Read" and "read" are one policy.
    const policy = `policy/${t.policyName.toLowerCase()}`;
    if (!seen.has(policy)) {
      seen.add(policy);
      objects.push({
        key: t.singleChain || isolationOf(env) === 'shared-store' ? 'vault.policyName' : at('name'),
        id: policy,
        value: t.policyName,
      });
    }
    t.secrets.forEach((s, i) => {
      objects.push({
        key: at(`secrets[${i}].name`),
        id: `kv/${v.kvMount.path}/${s.name}`,
        value: `${v.kvMount.path}/${s.name}`,
      });
    });
  });
  return objects;
}

/** Every object owned by more than one environment, reported once per later environment. */
export function sharedOwnership(environments: readonly EnvironmentConfig[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const owners = new Map<string, string>();
  const claim = (env: EnvironmentConfig, place: string, where: string, objects: Owned[]): void => {
    for (const object of objects) {
      const id = `${place}#${object.id}`;
      const owner = owners.get(id);
      if (owner === undefined) {
        owners.set(id, env.name);
      } else if (owner !== env.name) {
        problems.push({
          environment: env.name,
          key: object.key,
          value: object.value,
          allowed: `a name environment "${owner}" does not use: both deploy to ${where}, and each would own ${object.value} (a deploy of one undoes the other; destroying one deletes it for both)`,
        });
      }
    }
  };
  problems.push(...sharedWorkspaces(environments), ...destroyedByAnother(environments));
  for (const env of environments) {
    for (const cluster of clustersOfEnv(env))
      claim(
        env,
        `cluster:${cluster.id}`,
        `cluster ${cluster.name} (${cluster.region})`,
        clusterObjects(env),
      );
    claim(
      env,
      `vault:${vaultOf(env)}`,
      `Vault ${env.vault.address}${env.vault.namespace ? ` namespace ${env.vault.namespace}` : ''}`,
      vaultObjects(env),
    );
  }
  return problems;
}

/** The Terraform Cloud workspaces an environment's state lives in: by name, or by tag set. */
function workspacesOf(env: EnvironmentConfig): { org: string; name?: string; tags?: string[] } {
  if (env.backend.type !== 'cloud') return { org: '' };
  // Organization and workspace names are case-insensitive in Terraform Cloud.
  const org = `${env.backend.hostname ?? 'app.terraform.io'}/${env.backend.organization}`;
  return {
    org: org.toLowerCase(),
    name: env.backend.workspace?.toLowerCase(),
    tags: env.backend.tags ? [...new Set(env.backend.tags)].sort() : undefined,
  };
}

/**
 * Two environments in one workspace overwrite each other's state. Tags select every workspace
 * that has all of them, so a tag set that contains another's selects that one's workspaces too.
 */
function sharedWorkspaces(environments: readonly EnvironmentConfig[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  environments.forEach((env, i) => {
    const mine = workspacesOf(env);
    for (const other of environments.slice(0, i)) {
      const theirs = workspacesOf(other);
      if (mine.org === '' || mine.org !== theirs.org) continue;
      if (mine.name !== undefined && mine.name === theirs.name)
        problems.push({
          environment: env.name,
          key: 'backend.workspace',
          value: env.backend.type === 'cloud' ? env.backend.workspace : undefined,
          allowed: `a workspace of its own: environment "${other.name}" keeps its state in ${mine.org}/${mine.name} too, and each apply would overwrite the other's state`,
        });
      const [a, b] = [mine.tags, theirs.tags];
      if (a && b && (a.every((t) => b.includes(t)) || b.every((t) => a.includes(t))))
        problems.push({
          environment: env.name,
          key: 'backend.tags',
          value: env.backend.type === 'cloud' ? env.backend.tags : undefined,
          allowed: `tags that select other workspaces than environment "${other.name}"'s ${JSON.stringify(b)}: a workspace with all of ${JSON.stringify(a.length > b.length ? a : b)} is selected by both, and each apply would overwrite the other's state`,
        });
    }
  });
  return problems;
}

/** What an environment's destroy deletes: namespaces and a mount it manages with the opt-in. */
function destroyable(env: EnvironmentConfig): { id: string; key: string; value: string }[] {
  const objects = clustersOfEnv(env).flatMap((cluster) =>
    tenantsOf(env)
      .filter((t) => t.manageNamespace && t.allowNamespaceDestroy)
      .map((t) => ({
        id: `cluster:${cluster.id}#ns/${t.namespace}`,
        key: 'allowNamespaceDestroy',
        value: t.namespace,
      })),
  );
  const mount = env.vault.kvMount;
  if (mount.managed && mount.allowDestroy)
    objects.push({
      id: `vault:${vaultOf(env)}#mount/${mount.path}`,
      key: 'vault.kvMount.allowDestroy',
      value: mount.path,
    });
  return objects;
}

/** The namespaces and the mount an environment uses without managing them, by key. */
function usedNotManaged(env: EnvironmentConfig): { id: string; key: string; value: string }[] {
  const used = clustersOfEnv(env).flatMap((cluster) =>
    tenantsOf(env)
      .map((t, i) => ({ t, i }))
      .filter(({ t }) => !t.manageNamespace)
      .map(({ t, i }) => ({
        id: `cluster:${cluster.id}#ns/${t.namespace}`,
        key: t.singleChain ? 'kubernetes.namespace' : `tenants[${i}].namespace`,
        value: t.namespace,
      })),
  );
  if (!env.vault.kvMount.managed)
    used.push({
      id: `vault:${vaultOf(env)}#mount/${env.vault.kvMount.path}`,
      key: 'vault.kvMount.path',
      value: env.vault.kvMount.path,
    });
  return used;
}

/** A namespace or mount one environment uses and another may destroy (with everything in it). */
function destroyedByAnother(environments: readonly EnvironmentConfig[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const env of environments)
    for (const other of environments.filter((o) => o !== env))
      for (const d of destroyable(other))
        for (const u of usedNotManaged(env).filter((x) => x.id === d.id))
          problems.push({
            environment: env.name,
            key: u.key,
            value: u.value,
            allowed: `one environment "${other.name}" does not destroy: it manages "${d.value}" with ${d.key}, so destroying "${other.name}" deletes it, and what "${env.name}" keeps there`,
          });
  return problems;
}
