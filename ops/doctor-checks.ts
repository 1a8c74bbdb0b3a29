/**
 * The doctor's links, in the order a login travels: each either holds, or explains in words a
 * person can act on why Vault would answer 403 (or ESO would not sync).
 */
import type { EnvironmentConfig } from '../environments/types';
import { parsePolicy } from '../rules/policy-exact-data-paths';
import type { Kubectl } from './kubectl';
import { type VaultClient, VaultUnreachable } from './vault-http';

export type CheckStatus = 'ok' | 'fail' | 'not-checked';

export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  /** What was found (ok) or what is broken (fail). Never a secret value. */
  readonly detail: string;
  /** What to do about it (fail only). */
  readonly fix?: string;
}

/** A broken link: stops the walk and explains itself. */
export class Broken extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

export interface DoctorContext {
  readonly config: EnvironmentConfig;
  /** Vault client in the environment's namespace, with the operator's token. */
  readonly vault: VaultClient;
  readonly kubectl: Kubectl;
  /** Filled by the links as they go. */
  state: {
    store?: Record<string, unknown>;
    loginToken?: string;
  };
}

export interface Link {
  readonly id: string;
  readonly title: string;
  /** Returns what it found; throws Broken when the link is broken. */
  readonly check: (ctx: DoctorContext) => Promise<string>;
}

function get(value: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (v, k) =>
        v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined,
      value,
    );
}

/** A value from a JSON response, as text for a message. */
function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Does a Vault policy path pattern cover `path`? (`*` at the end: prefix; `+`: one segment.) */
export function policyPathCovers(pattern: string, path: string): boolean {
  const prefix = pattern.endsWith('*');
  const parts = (prefix ? pattern.slice(0, -1) : pattern).split('/');
  const target = path.split('/');
  if (!prefix && parts.length !== target.length) return false;
  for (let i = 0; i < parts.length; i++) {
    const last = i === parts.length - 1;
    if (parts[i] === '+') {
      if (target[i] === undefined) return false;
    } else if (prefix && last) {
      if (!(target[i] ?? '').startsWith(parts[i])) return false;
    } else if (parts[i] !== target[i]) {
      return false;
    }
  }
  return true;
}

function storeVault(ctx: DoctorContext): Record<string, unknown> | undefined {
  return get(ctx.state.store, 'spec.provider.vault') as Record<string, unknown> | undefined;
}

const vaultReachable: Link = {
  id: 'vault-reachable',
  title: 'Vault is reachable and unsealed',
  async check(ctx) {
    const address = ctx.config.vault.address;
    let health;
    try {
      health = await ctx.vault
        .inNamespace(undefined)
        .request('GET', 'sys/health?standbyok=true&perfstandbyok=true');
    } catch (error) {
      if (error instanceof VaultUnreachable) {
        throw new Broken(
          `Vault at ${address} is unreachable (${error.message}).`,
          `Check the address in environments/${ctx.config.name}.ts, the network path and that Vault is running.`,
        );
      }
      throw error;
    }
    if (health.status === 503)
      throw new Broken(
        `Vault at ${address} is sealed.`,
        'Unseal it (or wait for the HCP cluster to finish starting).',
      );
    if (health.status === 501)
      throw new Broken(`Vault at ${address} is not initialized.`, 'Initialize and unseal it.');
    const version =
      typeof health.body?.version === 'string' ? health.body.version : 'unknown version';
    return `${address} answers, unsealed (${version})`;
  },
};

const vaultNamespace: Link = {
  id: 'vault-namespace',
  title: 'the Vault namespace exists and the ESO store uses it',
  async check(ctx) {
    const namespace = ctx.config.vault.namespace;
    const self = await ctx.vault.request('GET', 'auth/token/lookup-self');
    if (self.status !== 200) {
      const where = namespace ? `namespace "${namespace}"` : 'the root namespace';
      const root = namespace
        ? await ctx.vault.inNamespace(undefined).request('GET', 'auth/token/lookup-self')
        : self;
      if (namespace && root.status === 200) {
        throw new Broken(
          `The token works in the root namespace but not in ${where}: the namespace does not exist, or the token may not use it.`,
          `Create the namespace "${namespace}" or fix vault.namespace in environments/${ctx.config.name}.ts.`,
        );
      }
      throw new Broken(
        `Vault refused the operator token in ${where} (${self.status}: ${self.errors || 'no detail'}).`,
        'Set VAULT_TOKEN to a valid token for this Vault (the lab sets it in .lab/env.sh).',
      );
    }
    // ESO's view: the store as deployed.
    const store = await ctx.kubectl.getJson(['clustersecretstore', ctx.config.eso.storeName]);
    if (store instanceof Error) {
      if (/doesn't have a resource type/.test(store.message)) {
        throw new Broken(
          'The cluster has no ClusterSecretStore resource type: the External Secrets Operator CRDs are not installed.',
          'Install ESO (its CRDs must exist before the stack can even be planned).',
        );
      }
      throw new Broken(
        `Cannot read the ClusterSecretStore from the cluster: ${store.message}`,
        'Check KUBECONFIG/KUBECTL and that the cluster is reachable.',
      );
    }
    ctx.state.store = store;
    if (store !== undefined) {
      const storeNamespace = storeVault(ctx)?.namespace as string | undefined;
      if (storeNamespace !== namespace) {
        throw new Broken(
          storeNamespace === undefined
            ? `ClusterSecretStore "${ctx.config.eso.storeName}" sets no Vault namespace, so ESO talks to the root namespace, while the auth method and secrets live in "${namespace}": every ESO request is answered 403.`
            : `ClusterSecretStore "${ctx.config.eso.storeName}" uses Vault namespace "${storeNamespace}", but the auth method and secrets live in "${namespace ?? '(root)'}": every ESO request is answered 403.`,
          `Set spec.provider.vault.namespace to "${namespace}" (deploy the stack again to restore it).`,
        );
      }
    }
    return namespace ? `namespace "${namespace}" exists and the store uses it` : 'root namespace';
  },
};

const kvMount: Link = {
  id: 'kv-mount',
  title: 'a KV version 2 mount is at the configured path',
  async check(ctx) {
    const path = ctx.config.vault.kvMount.path;
    const mounts = await ctx.vault.request('GET', 'sys/mounts');
    if (mounts.status !== 200)
      throw new Broken(
        `Cannot list secret mounts (${mounts.status}: ${mounts.errors}).`,
        'Use a token that may read sys/mounts.',
      );
    const table = (mounts.body?.data ?? mounts.body) as Record<
      string,
      { type?: string; options?: { version?: string } }
    >;
    const mount = table[`${path}/`];
    if (!mount)
      throw new Broken(
        `No secrets engine is mounted at "${path}/".`,
        `Deploy the stack (kvMount.managed) or mount KV v2 at "${path}".`,
      );
    if (mount.type !== 'kv' || mount.options?.version !== '2') {
      throw new Broken(
        `"${path}/" is a ${mount.type} engine, version ${mount.options?.version ?? '1'}, not KV version 2: the policy's data/ paths do not exist there.`,
        'Mount KV version 2 at that path, or point vault.kvMount.path at one.',
      );
    }
    const storePath = storeVault(ctx)?.path;
    if (storePath !== undefined && storePath !== path) {
      throw new Broken(
        `ClusterSecretStore reads mount "${text(storePath)}" but the secrets are in "${path}".`,
        'Deploy the stack again to restore the store.',
      );
    }
    return `"${path}/" is KV version 2`;
  },
};

const secretsExist: Link = {
  id: 'secrets-exist',
  title: 'every declared secret exists',
  async check(ctx) {
    const path = ctx.config.vault.kvMount.path;
    for (const secret of ctx.config.secrets) {
      const meta = await ctx.vault.request('GET', `${path}/metadata/${secret.name}`);
      if (meta.status === 404)
        throw new Broken(
          `Secret "${secret.name}" does not exist in "${path}/": ExternalSecret "${secret.externalSecretName}" cannot sync.`,
          `Create it (deploy the stack, or write it in Vault at ${path}/${secret.name}).`,
        );
      if (meta.status !== 200)
        throw new Broken(
          `Cannot read the metadata of "${path}/${secret.name}" (${meta.status}: ${meta.errors}).`,
          'Use a token that may read secret metadata.',
        );
      const data = meta.body?.data as
        | {
            current_version?: number;
            versions?: Record<string, { deletion_time?: string; destroyed?: boolean }>;
          }
        | undefined;
      const current = data?.versions?.[String(data.current_version)];
      if (current && (current.destroyed || (current.deletion_time ?? '') !== '')) {
        throw new Broken(
          `The current version of "${path}/${secret.name}" is deleted: reads return nothing.`,
          'Undelete it or write a new version.',
        );
      }
    }
    return `${ctx.config.secrets.length} secret(s) present`;
  },
};

const policyGrants: Link = {
  id: 'policy-grants',
  title: "the policy grants read on each secret's data/ path",
  async check(ctx) {
    const { policyName, kvMount } = ctx.config.vault;
    const response = await ctx.vault.request('GET', `sys/policies/acl/${policyName}`);
    if (response.status === 404)
      throw new Broken(
        `Policy "${policyName}" does not exist: the role's tokens carry no rights.`,
        'Deploy the stack to create it.',
      );
    if (response.status !== 200)
      throw new Broken(
        `Cannot read policy "${policyName}" (${response.status}: ${response.errors}).`,
        'Use a token that may read sys/policies.',
      );
    const policyText = text(get(response.body, 'data.policy'));
    const { paths } = parsePolicy(policyText);
    for (const secret of ctx.config.secrets) {
      const dataPath = `${kvMount.path}/data/${secret.name}`;
      const granted = paths.some(
        (p) => policyPathCovers(p.path, dataPath) && p.capabilities.includes('read'),
      );
      if (granted) continue;
      const withoutData = paths.find((p) => p.path === `${kvMount.path}/${secret.name}`);
      if (withoutData) {
        throw new Broken(
          `Policy "${policyName}" grants "${withoutData.path}", which on KV version 2 grants nothing: the values live at "${dataPath}". ESO's read is answered 403.`,
          `Grant read on "${dataPath}" (the stack generates exactly that; deploy it again).`,
        );
      }
      throw new Broken(
        `Policy "${policyName}" does not grant read on "${dataPath}": ESO's read is answered 403.`,
        `Add path "${dataPath}" { capabilities = ["read"] } (deploy the stack again).`,
      );
    }
    return `"${policyName}" grants read on ${ctx.config.secrets.length} data/ path(s)`;
  },
};

const authMethod: Link = {
  id: 'auth-method',
  title: 'a kubernetes auth method is at the configured path',
  async check(ctx) {
    const path = ctx.config.vault.authPath;
    const response = await ctx.vault.request('GET', 'sys/auth');
    if (response.status !== 200)
      throw new Broken(
        `Cannot list auth methods (${response.status}: ${response.errors}).`,
        'Use a token that may read sys/auth.',
      );
    const table = (response.body?.data ?? response.body) as Record<string, { type?: string }>;
    const method = table[`${path}/`];
    if (!method || method.type !== 'kubernetes') {
      const others = Object.entries(table)
        .filter(([, m]) => m.type === 'kubernetes')
        .map(([p]) => p);
      throw new Broken(
        method
          ? `The auth method at "${path}/" is of type ${method.type}, not kubernetes.`
          : `No auth method is enabled at "${path}/"${others.length ? `; kubernetes auth is enabled at: ${others.join(', ')}` : ''}. ESO logs in at auth/${path}/login and gets 403 (or 400 "no handler").`,
        `Enable kubernetes auth at "${path}" (deploy the stack), or make vault.authPath and the store's mountPath name the path in use.`,
      );
    }
    const storeMount = get(storeVault(ctx), 'auth.kubernetes.mountPath');
    if (storeMount !== undefined && storeMount !== path) {
      throw new Broken(
        `ClusterSecretStore logs in at "${text(storeMount)}" but the auth method is at "${path}".`,
        'Deploy the stack again to restore the store.',
      );
    }
    return `kubernetes auth at "${path}/"`;
  },
};

const authConfig: Link = {
  id: 'auth-config',
  title: 'the auth method knows the cluster (host, CA, reviewer)',
  async check(ctx) {
    const path = ctx.config.vault.authPath;
    const response = await ctx.vault.request('GET', `auth/${path}/config`);
    const data = response.body?.data as Record<string, unknown> | undefined;
    if (response.status !== 200 || !data)
      throw new Broken(
        `auth/${path} has no configuration (${response.status}).`,
        'Deploy the stack to configure kubernetes_host and kubernetes_ca_cert.',
      );
    if (!data.kubernetes_host)
      throw new Broken(
        `auth/${path}/config has no kubernetes_host: Vault cannot review tokens.`,
        'Deploy the stack (the host comes from the EKS lookup).',
      );
    if (!text(data.kubernetes_ca_cert).includes('BEGIN CERTIFICATE')) {
      throw new Broken(
        `auth/${path}/config has no PEM kubernetes_ca_cert: Vault cannot trust the API server.`,
        'Deploy the stack (the CA comes from the EKS lookup, base64-decoded).',
      );
    }
    const reviewerSet = data.token_reviewer_jwt_set === true;
    if (ctx.config.vault.reviewerMode === 'token-secret' && !reviewerSet) {
      throw new Broken(
        `auth/${path}/config has no token_reviewer_jwt, but this environment uses the token-secret reviewer mode.`,
        'Deploy the stack; check the vault-auth token Secret was filled by the token controller.',
      );
    }
    return `host ${text(data.kubernetes_host)}, CA set, ${reviewerSet ? 'reviewer JWT stored' : "each client's own JWT reviews"}`;
  },
};

const role: Link = {
  id: 'role',
  title: 'the role binds the service account, its namespace, the policy and the audience',
  async check(ctx) {
    const { authPath, roleName, policyName } = ctx.config.vault;
    const { serviceAccountName, namespace, tokenAudience } = ctx.config.kubernetes;
    const response = await ctx.vault.request('GET', `auth/${authPath}/role/${roleName}`);
    if (response.status === 404) {
      const list = await ctx.vault.request('LIST', `auth/${authPath}/role`);
      const roles = (get(list.body, 'data.keys') as string[] | undefined) ?? [];
      throw new Broken(
        `Role "${roleName}" does not exist at auth/${authPath}${roles.length ? ` (roles there: ${roles.join(', ')})` : ''}: logins are refused.`,
        'Deploy the stack, or make the store name an existing role.',
      );
    }
    const data = response.body?.data as Record<string, unknown> | undefined;
    if (response.status !== 200 || !data)
      throw new Broken(
        `Cannot read role "${roleName}" (${response.status}: ${response.errors}).`,
        'Use a token that may read auth roles.',
      );
    const names = (data.bound_service_account_names as string[] | undefined) ?? [];
    const namespaces = (data.bound_service_account_namespaces as string[] | undefined) ?? [];
    const policies =
      (data.token_policies as string[] | undefined) ??
      (data.policies as string[] | undefined) ??
      [];
    if (!names.includes(serviceAccountName) && !names.includes('*')) {
      throw new Broken(
        `Role "${roleName}" is bound to service account(s) ${JSON.stringify(names)}, not "${serviceAccountName}": its logins are refused.`,
        'Deploy the stack to restore the binding.',
      );
    }
    if (!namespaces.includes(namespace) && !namespaces.includes('*')) {
      throw new Broken(
        `Role "${roleName}" is bound to namespace(s) ${JSON.stringify(namespaces)}, but service account "${serviceAccountName}" lives in "${namespace}": its logins are refused.`,
        'Deploy the stack to restore the binding.',
      );
    }
    if (!policies.includes(policyName))
      throw new Broken(
        `Role "${roleName}" attaches policies ${JSON.stringify(policies)}, not "${policyName}": logins succeed but every read is 403.`,
        'Deploy the stack to restore the policy list.',
      );
    const audience = text(data.audience);
    if (audience !== '' && audience !== tokenAudience) {
      throw new Broken(
        `Role "${roleName}" expects audience "${audience}" but tokens are requested for "${tokenAudience}": logins are refused.`,
        'Keep the role audience and the store serviceAccountRef.audiences equal (deploy the stack).',
      );
    }
    const storeRole = get(storeVault(ctx), 'auth.kubernetes.role');
    if (storeRole !== undefined && storeRole !== roleName)
      throw new Broken(
        `ClusterSecretStore logs in with role "${text(storeRole)}" but the role is "${roleName}".`,
        'Deploy the stack again to restore the store.',
      );
    return `"${roleName}" binds ${namespace}/${serviceAccountName}, policy "${policyName}", audience "${audience || '(any)'}"`;
  },
};

const kubernetesBinding: Link = {
  id: 'kubernetes-rbac',
  title: 'the service account exists and may create TokenReviews',
  async check(ctx) {
    const { serviceAccountName, namespace, clusterRoleBindingName } = ctx.config.kubernetes;
    const sa = await ctx.kubectl.getJson(['serviceaccount', serviceAccountName, '-n', namespace]);
    if (sa instanceof Error)
      throw new Broken(
        `Cannot read service accounts: ${sa.message}`,
        'Check KUBECONFIG/KUBECTL and that the cluster is reachable.',
      );
    if (sa === undefined)
      throw new Broken(
        `Service account "${namespace}/${serviceAccountName}" does not exist: ESO cannot request its token.`,
        'Deploy the stack to create it.',
      );
    const binding = await ctx.kubectl.getJson(['clusterrolebinding', clusterRoleBindingName]);
    if (binding instanceof Error)
      throw new Broken(
        `Cannot read ClusterRoleBindings: ${binding.message}`,
        'Check the cluster credentials.',
      );
    const subjects =
      (get(binding, 'subjects') as
        { kind?: string; name?: string; namespace?: string }[] | undefined) ?? [];
    const bound =
      binding !== undefined &&
      get(binding, 'roleRef.name') === 'system:auth-delegator' &&
      subjects.some(
        (s) =>
          s.kind === 'ServiceAccount' && s.name === serviceAccountName && s.namespace === namespace,
      );
    if (!bound) {
      throw new Broken(
        binding === undefined
          ? `ClusterRoleBinding "${clusterRoleBindingName}" is missing: "${serviceAccountName}" may not create TokenReviews, so Vault cannot verify its tokens and every login is 403.`
          : `ClusterRoleBinding "${clusterRoleBindingName}" does not bind system:auth-delegator to ${namespace}/${serviceAccountName} (a ServiceAccount subject needs its namespace).`,
        'Deploy the stack to restore the binding.',
      );
    }
    const canI = await ctx.kubectl.run([
      'auth',
      'can-i',
      'create',
      'tokenreviews.authentication.k8s.io',
      `--as=system:serviceaccount:${namespace}:${serviceAccountName}`,
    ]);
    if (canI.stdout.trim() !== 'yes')
      throw new Broken(
        `"${serviceAccountName}" may not create TokenReviews (kubectl auth can-i says "${canI.stdout.trim() || canI.stderr.trim()}").`,
        'Check the binding and the cluster RBAC.',
      );
    return `${namespace}/${serviceAccountName} exists and may create TokenReviews`;
  },
};

const login: Link = {
  id: 'login',
  title: "a real login with the service account's token succeeds",
  async check(ctx) {
    const { serviceAccountName, namespace, tokenAudience } = ctx.config.kubernetes;
    const token = await ctx.kubectl.run([
      'create',
      'token',
      serviceAccountName,
      '-n',
      namespace,
      `--audience=${tokenAudience}`,
      '--duration=10m',
    ]);
    if (token.code !== 0)
      throw new Broken(
        `TokenRequest for ${namespace}/${serviceAccountName} failed: ${token.stderr.trim()}`,
        'Check the cluster credentials (they need create on serviceaccounts/token).',
      );
    const { authPath, roleName } = ctx.config.vault;
    const response = await ctx.vault
      .withToken('')
      .request('POST', `auth/${authPath}/login`, { role: roleName, jwt: token.stdout.trim() });
    if (response.status !== 200) {
      throw new Broken(
        `Login at auth/${authPath} with role "${roleName}" was refused (${response.status}: ${response.errors || 'no detail'}).`,
        response.errors.includes('permission denied')
          ? "Vault could not review the token: check the auth config's host and CA, the auth-delegator binding, and (client-jwt mode) that the token's audience is one the API server accepts."
          : 'Read the error above: it names the claim Vault rejected.',
      );
    }
    ctx.state.loginToken = text(get(response.body, 'auth.client_token'));
    const policies = (get(response.body, 'auth.policies') as string[] | undefined) ?? [];
    return `logged in as ${namespace}/${serviceAccountName}, policies ${JSON.stringify(policies)}`;
  },
};

const readSecrets: Link = {
  id: 'read-secrets',
  title: 'that login reads each secret',
  async check(ctx) {
    const client = ctx.vault.withToken(ctx.state.loginToken ?? '');
    const path = ctx.config.vault.kvMount.path;
    const found: string[] = [];
    try {
      for (const secret of ctx.config.secrets) {
        const response = await client.request('GET', `${path}/data/${secret.name}`);
        if (response.status !== 200) {
          throw new Broken(
            `The login token may not read "${path}/data/${secret.name}" (${response.status}: ${response.errors || 'no detail'}).`,
            'Check the policy attached to the role.',
          );
        }
        const keys = Object.keys(
          (get(response.body, 'data.data') as Record<string, unknown> | undefined) ?? {},
        );
        found.push(`${secret.name} [${keys.join(', ')}]`);
      }
    } finally {
      await client.request('POST', 'auth/token/revoke-self').catch(() => undefined);
    }
    return `read ${found.join('; ')} (keys only)`;
  },
};

function readyCondition(
  object: unknown,
): { status?: string; reason?: string; message?: string } | undefined {
  const conditions =
    (get(object, 'status.conditions') as
      { type?: string; status?: string; reason?: string; message?: string }[] | undefined) ?? [];
  return conditions.find((c) => c.type === 'Ready');
}

const esoReady: Link = {
  id: 'eso-ready',
  title: 'the ESO store and every ExternalSecret are Ready',
  async check(ctx) {
    const storeName = ctx.config.eso.storeName;
    const store = ctx.state.store ?? (await ctx.kubectl.getJson(['clustersecretstore', storeName]));
    if (store instanceof Error || store === undefined)
      throw new Broken(`ClusterSecretStore "${storeName}" does not exist.`, 'Deploy the stack.');
    const storeReady = readyCondition(store);
    if (!storeReady)
      throw new Broken(
        `ClusterSecretStore "${storeName}" has no Ready condition: is the ESO controller running?`,
        'Start the External Secrets Operator.',
      );
    if (storeReady.status !== 'True')
      throw new Broken(
        `ClusterSecretStore "${storeName}" is not Ready: ${storeReady.reason ?? ''} ${storeReady.message ?? ''}`.trim(),
        'Read the controller message above.',
      );
    for (const secret of ctx.config.secrets) {
      const es = await ctx.kubectl.getJson([
        'externalsecret',
        secret.externalSecretName,
        '-n',
        ctx.config.kubernetes.namespace,
      ]);
      if (es instanceof Error || es === undefined)
        throw new Broken(
          `ExternalSecret "${secret.externalSecretName}" does not exist.`,
          'Deploy the stack.',
        );
      const ready = readyCondition(es);
      if (ready?.status !== 'True') {
        throw new Broken(
          `ExternalSecret "${secret.externalSecretName}" is not Ready: ${ready ? `${ready.reason ?? ''}: ${ready.message ?? ''}` : 'no status yet'}`,
          'Read the controller message above.',
        );
      }
    }
    return `store Ready; ${ctx.config.secrets.length} ExternalSecret(s) synced`;
  },
};

/** Every link, in the order a login travels. */
export const LINKS: readonly Link[] = [
  vaultReachable,
  vaultNamespace,
  kvMount,
  secretsExist,
  policyGrants,
  authMethod,
  authConfig,
  role,
  kubernetesBinding,
  login,
  readSecrets,
  esoReady,
];

/** Walks the links; the first broken one is explained and the rest are not checked. */
export async function diagnose(
  ctx: DoctorContext,
  links: readonly Link[] = LINKS,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let broken = false;
  for (const link of links) {
    if (broken) {
      results.push({
        id: link.id,
        title: link.title,
        status: 'not-checked',
        detail: 'not checked: an earlier link is broken',
      });
      continue;
    }
    try {
      results.push({ id: link.id, title: link.title, status: 'ok', detail: await link.check(ctx) });
    } catch (error) {
      if (!(error instanceof Broken) && !(error instanceof VaultUnreachable)) throw error;
      broken = true;
      results.push({
        id: link.id,
        title: link.title,
        status: 'fail',
        detail:
          error instanceof Broken ? error.message : `Vault became unreachable: ${error.message}`,
        fix: error instanceof Broken ? error.fix : 'Check that Vault is running and reachable.',
      });
    }
  }
  return results;
}
