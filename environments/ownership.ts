import { authMethodOf, tenantsOf } from './tenants';
/**
 * Objects two environments would both own. Copying an environment file and changing only its
 * name synthesizes two stacks that manage one chain: each deploy undoes the other, and destroying
 * one deletes what the other still uses. Refused at load, every collision at once.
 */
import type { EnvironmentConfig } from './types';
import type { ConfigProblem } from './validate';

/** The cluster an environment deploys to: region, name, and the endpoint when emulated. */
function clusterOf(env: EnvironmentConfig): string {
  return [env.aws.region, env.aws.clusterName, env.aws.endpoints?.eks ?? ''].join('|');
}

/** The Vault an environment writes to: address and namespace. */
function vaultOf(env: EnvironmentConfig): string {
  return `${env.vault.address}|${env.vault.namespace ?? ''}`;
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
  const objects: Owned[] = [
    { key: 'eso.storeName', id: `css/${env.eso.storeName}`, value: env.eso.storeName },
  ];
  if (env.tenants === undefined || authMethodOf(env) === 'kubernetes')
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
  const objects: Owned[] = [{ key: 'vault.authPath', id: `auth/${v.authPath}`, value: v.authPath }];
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
    if (!seen.has(`policy/${t.policyName}`)) {
      seen.add(`policy/${t.policyName}`);
      objects.push({
        key: t.singleChain ? 'vault.policyName' : at('name'),
        id: `policy/${t.policyName}`,
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
  for (const env of environments) {
    claim(
      env,
      `cluster:${clusterOf(env)}`,
      `cluster ${env.aws.clusterName} (${env.aws.region})`,
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
