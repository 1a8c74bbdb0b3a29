import { isGoDuration } from '../common/go-duration';
import { kebabId } from '../common/names';

/**
 * Validation of environment configuration. It runs once, on every environment, before any
 * construct exists; every problem is collected, so one run shows them all.
 */

/** One thing wrong with one key of one environment. */
export interface ConfigProblem {
  readonly environment: string;
  /** Dotted path of the key, e.g. `vault.namespace` or `secrets[0].name`. */
  readonly key: string;
  /** What the file holds there (`undefined` when the key is missing). */
  readonly value: unknown;
  /** What would be accepted, in words. */
  readonly allowed: string;
}

/** Thrown by `loadEnvironments` when any environment is invalid; nothing is synthesized then. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = 'ConfigError';
  }
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.map(
    (p) => `  - ${p.environment}: ${p.key} = ${show(p.value)}: ${p.allowed}`,
  );
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return `invalid environment configuration (${count}); nothing was synthesized:\n${lines.join('\n')}`;
}

function show(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

// Patterns, with the words used in messages.
const KEBAB = /^[a-z][a-z0-9-]{0,62}$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const VAULT_PATH = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
const VAULT_NAME = /^[A-Za-z0-9_.-]+$/;
const PROVIDER_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

const KUBERNETES_AUTH_MODES = ['eks-token', 'exec', 'static-token'] as const;
const REVIEWER_MODES = ['client-jwt', 'token-secret'] as const;
const SECRET_VALUE_MODES = ['placeholder', 'write-only'] as const;
const STORE_AUTH_MODES = ['kubernetes', 'token'] as const;
const ESO_API_VERSIONS = ['external-secrets.io/v1', 'external-secrets.io/v1beta1'] as const;

const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': [
    'name',
    'aws',
    'kubernetes',
    'vault',
    'secretValues',
    'secrets',
    'retiredSecrets',
    'eso',
    'backend',
  ],
  aws: ['region', 'clusterName', 'endpoints'],
  'aws.endpoints': ['eks', 'sts'],
  kubernetes: [
    'auth',
    'namespace',
    'manageNamespace',
    'allowNamespaceDestroy',
    'serviceAccountName',
    'clusterRoleBindingName',
    'tokenAudience',
  ],
  vault: [
    'address',
    'namespace',
    'versionOverride',
    'kvMount',
    'policyName',
    'authPath',
    'roleName',
    'reviewerMode',
    'tokenTtlSeconds',
    'tokenMaxTtlSeconds',
    'reviewerTokenTtlSeconds',
    'reviewerTokenVersion',
  ],
  'vault.kvMount': ['path', 'managed', 'allowDestroy', 'purgeSecretsOnDestroy'],
  'secrets[]': [
    'name',
    'externalSecretName',
    'targetSecretName',
    'placeholder',
    'listMetadata',
    'writeOnlyVersion',
  ],
  eso: ['apiVersion', 'storeName', 'storeAuth', 'refreshInterval', 'readyTimeout'],
  backend: ['type', 'organization', 'workspace', 'tags', 'hostname', 'runsOnAgentWithAwsCli'],
};

// Names Vault and Kubernetes reserve or create themselves; owning one would break the cluster or
// Vault, or let one binding stand in for a built-in one.
const RESERVED_POLICIES = ['root', 'default'];
const RESERVED_AUTH_PATHS = ['token'];
const RESERVED_MOUNTS = ['sys', 'identity', 'cubbyhole'];
const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'default'];
const BUILT_IN_BINDINGS = /^(cluster-admin|system:.*)$/;

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects problems for one environment. */
class Checker {
  readonly problems: ConfigProblem[] = [];

  constructor(private readonly environment: string) {}

  add(key: string, value: unknown, allowed: string): void {
    this.problems.push({ environment: this.environment, key, value, allowed });
  }

  object(key: string, value: unknown, knownKeysOf: string): Obj | undefined {
    if (!isObject(value)) {
      this.add(key || '(environment)', value, 'an object');
      return undefined;
    }
    const known = KNOWN_KEYS[knownKeysOf] ?? [];
    for (const k of Object.keys(value)) {
      if (!known.includes(k)) {
        this.add(
          `${key ? `${key}.` : ''}${k}`,
          value[k],
          `not a known key; known: ${known.join(', ')}`,
        );
      }
    }
    return value;
  }

  pattern(key: string, value: unknown, re: RegExp, allowed: string): value is string {
    if (typeof value === 'string' && value.includes('*')) {
      // Said on its own: a wildcard name would bind more than the one service account meant.
      this.add(key, value, 'a name without "*" (wildcards bind more than the one object meant)');
      return false;
    }
    if (typeof value !== 'string' || !re.test(value)) {
      this.add(key, value, allowed);
      return false;
    }
    return true;
  }

  oneOf<T extends string>(key: string, value: unknown, options: readonly T[]): value is T {
    if (typeof value !== 'string' || !(options as readonly string[]).includes(value)) {
      this.add(key, value, `one of ${options.map((o) => `"${o}"`).join(', ')}`);
      return false;
    }
    return true;
  }

  boolean(key: string, value: unknown): void {
    if (typeof value !== 'boolean') this.add(key, value, 'true or false');
  }

  positiveInteger(key: string, value: unknown): value is number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      this.add(key, value, 'a positive whole number');
      return false;
    }
    return true;
  }

  url(key: string, value: unknown): URL | undefined {
    if (typeof value !== 'string') {
      this.add(key, value, 'an http(s) URL');
      return undefined;
    }
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      this.add(key, value, 'an http(s) URL');
      return undefined;
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      this.add(key, value, 'an http(s) URL');
      return undefined;
    }
    if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) {
      this.add(key, value, 'an https URL (plain http only on 127.0.0.1 or localhost)');
      return undefined;
    }
    if (value.endsWith('/')) {
      this.add(key, value, 'a URL without a trailing slash');
      return undefined;
    }
    if (parsed.username !== '' || parsed.password !== '') {
      // Shown without the credentials: they would otherwise land in cdk.tf.json, and here.
      this.add(
        key,
        `${parsed.protocol}//***@${parsed.host}`,
        'a URL without credentials (user:password@ would be written into cdk.tf.json); credentials come from the environment',
      );
      return undefined;
    }
    return parsed;
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}

/** Returns every problem of one environment's configuration; an empty list means valid. */
export function validateEnvironment(raw: unknown, fileName = '(unnamed)'): ConfigProblem[] {
  const name = isObject(raw) && typeof raw.name === 'string' ? raw.name : fileName;
  const c = new Checker(name);
  const env = c.object('', raw, '');
  if (!env) return c.problems;

  c.pattern(
    'name',
    env.name,
    KEBAB,
    'lowercase kebab-case, starting with a letter, at most 63 characters',
  );

  const aws = c.object('aws', env.aws, 'aws');
  if (aws) {
    c.pattern('aws.region', aws.region, REGION, 'an AWS region such as "us-west-2"');
    c.pattern(
      'aws.clusterName',
      aws.clusterName,
      EKS_CLUSTER_NAME,
      'an EKS cluster name: letters, digits, "-" and "_", at most 100 characters',
    );
    if (aws.endpoints !== undefined) {
      const endpoints = c.object('aws.endpoints', aws.endpoints, 'aws.endpoints');
      if (endpoints) {
        for (const service of ['eks', 'sts'] as const) {
          if (endpoints[service] !== undefined)
            c.url(`aws.endpoints.${service}`, endpoints[service]);
        }
      }
    }
  }

  const k8s = c.object('kubernetes', env.kubernetes, 'kubernetes');
  if (k8s) {
    c.oneOf('kubernetes.auth', k8s.auth, KUBERNETES_AUTH_MODES);
    c.pattern(
      'kubernetes.namespace',
      k8s.namespace,
      DNS_LABEL,
      'a Kubernetes namespace name: lowercase letters, digits and "-", at most 63 characters',
    );
    c.boolean('kubernetes.manageNamespace', k8s.manageNamespace);
    if (k8s.manageNamespace === true && SYSTEM_NAMESPACES.includes(String(k8s.namespace))) {
      c.add(
        'kubernetes.namespace',
        k8s.namespace,
        `a namespace of your own when kubernetes.manageNamespace is true (${SYSTEM_NAMESPACES.join(', ')} belong to Kubernetes)`,
      );
    }
    if (k8s.allowNamespaceDestroy !== undefined)
      c.boolean('kubernetes.allowNamespaceDestroy', k8s.allowNamespaceDestroy);
    c.pattern(
      'kubernetes.serviceAccountName',
      k8s.serviceAccountName,
      DNS_SUBDOMAIN,
      'a Kubernetes object name: lowercase letters, digits, "-" and "."',
    );
    if (
      typeof k8s.clusterRoleBindingName === 'string' &&
      BUILT_IN_BINDINGS.test(k8s.clusterRoleBindingName)
    )
      c.add(
        'kubernetes.clusterRoleBindingName',
        k8s.clusterRoleBindingName,
        'a name of your own (cluster-admin and system:* are bindings Kubernetes creates itself)',
      );
    else
      c.pattern(
        'kubernetes.clusterRoleBindingName',
        k8s.clusterRoleBindingName,
        DNS_SUBDOMAIN,
        'a Kubernetes object name: lowercase letters, digits, "-" and "."',
      );
    if (typeof k8s.tokenAudience !== 'string' || k8s.tokenAudience.length === 0) {
      c.add(
        'kubernetes.tokenAudience',
        k8s.tokenAudience,
        'a non-empty audience, e.g. "https://kubernetes.default.svc"',
      );
    } else if (k8s.tokenAudience.includes('*')) {
      c.add('kubernetes.tokenAudience', k8s.tokenAudience, 'an exact audience, without "*"');
    }
  }

  const vault = c.object('vault', env.vault, 'vault');
  if (vault) {
    const address = c.url('vault.address', vault.address);
    if (vault.namespace !== undefined) {
      c.pattern(
        'vault.namespace',
        vault.namespace,
        VAULT_PATH,
        'a Vault namespace path such as "admin" or "admin/team" (no leading or trailing "/")',
      );
    } else if (address && /(^|\.)hashicorp\.cloud$/.test(address.hostname)) {
      c.add(
        'vault.namespace',
        undefined,
        'required for an HCP Vault address (*.hashicorp.cloud): its API lives in the namespace "admin", and without it every request is answered 403',
      );
    }
    if (vault.versionOverride !== undefined) {
      c.pattern(
        'vault.versionOverride',
        vault.versionOverride,
        PROVIDER_VERSION,
        'a Vault version such as "1.14.0"',
      );
    }
    const kvMount = c.object('vault.kvMount', vault.kvMount, 'vault.kvMount');
    if (kvMount) {
      c.pattern(
        'vault.kvMount.path',
        kvMount.path,
        VAULT_PATH,
        'a Vault mount path such as "secret" (no leading or trailing "/")',
      );
      c.boolean('vault.kvMount.managed', kvMount.managed);
      if (RESERVED_MOUNTS.includes(String(kvMount.path)))
        c.add(
          'vault.kvMount.path',
          kvMount.path,
          `a mount of your own (${RESERVED_MOUNTS.join(', ')} are Vault's)`,
        );
      for (const flag of ['allowDestroy', 'purgeSecretsOnDestroy'] as const) {
        if (kvMount[flag] !== undefined) c.boolean(`vault.kvMount.${flag}`, kvMount[flag]);
      }
    }
    if (RESERVED_POLICIES.includes(String(vault.policyName)))
      c.add(
        'vault.policyName',
        vault.policyName,
        `a policy of your own (${RESERVED_POLICIES.join(', ')} are Vault's)`,
      );
    else
      c.pattern(
        'vault.policyName',
        vault.policyName,
        VAULT_NAME,
        'a Vault policy name: letters, digits, ".", "_" and "-"',
      );
    if (RESERVED_AUTH_PATHS.includes(String(vault.authPath)))
      c.add(
        'vault.authPath',
        vault.authPath,
        'an auth path of your own ("token" is Vault\'s token auth method)',
      );
    else
      c.pattern(
        'vault.authPath',
        vault.authPath,
        VAULT_PATH,
        'a Vault auth path such as "kubernetes-my-auth" (no leading or trailing "/")',
      );
    c.pattern(
      'vault.roleName',
      vault.roleName,
      VAULT_NAME,
      'a Vault role name: letters, digits, ".", "_" and "-"',
    );
    c.oneOf('vault.reviewerMode', vault.reviewerMode, REVIEWER_MODES);
    const ttl = c.positiveInteger('vault.tokenTtlSeconds', vault.tokenTtlSeconds);
    const maxTtl = c.positiveInteger('vault.tokenMaxTtlSeconds', vault.tokenMaxTtlSeconds);
    if (ttl && maxTtl && (vault.tokenTtlSeconds as number) > (vault.tokenMaxTtlSeconds as number)) {
      c.add(
        'vault.tokenTtlSeconds',
        vault.tokenTtlSeconds,
        `at most vault.tokenMaxTtlSeconds (${String(vault.tokenMaxTtlSeconds)})`,
      );
    }
    if (vault.reviewerTokenTtlSeconds !== undefined)
      c.positiveInteger('vault.reviewerTokenTtlSeconds', vault.reviewerTokenTtlSeconds);
    if (vault.reviewerTokenVersion !== undefined)
      c.positiveInteger('vault.reviewerTokenVersion', vault.reviewerTokenVersion);
    if (kvMount && typeof kvMount.path === 'string' && kvMount.path === vault.authPath) {
      c.add('vault.authPath', vault.authPath, 'a path different from vault.kvMount.path');
    }
  }

  const valueMode = c.oneOf('secretValues', env.secretValues, SECRET_VALUE_MODES)
    ? env.secretValues
    : undefined;
  validateSecrets(c, env.secrets, valueMode);
  validateRetiredSecrets(c, env.retiredSecrets, env.secrets);

  const eso = c.object('eso', env.eso, 'eso');
  if (eso) {
    c.oneOf('eso.apiVersion', eso.apiVersion, ESO_API_VERSIONS);
    c.pattern(
      'eso.storeName',
      eso.storeName,
      DNS_SUBDOMAIN,
      'a Kubernetes object name: lowercase letters, digits, "-" and "."',
    );
    c.oneOf('eso.storeAuth', eso.storeAuth, STORE_AUTH_MODES);
    if (!isGoDuration(eso.refreshInterval))
      c.add(
        'eso.refreshInterval',
        eso.refreshInterval,
        'a Go duration such as "1h", "15m" or "0" (never refresh)',
      );
    if (
      eso.readyTimeout !== undefined &&
      (!isGoDuration(eso.readyTimeout) || eso.readyTimeout === '0')
    )
      c.add('eso.readyTimeout', eso.readyTimeout, 'a Go duration above zero such as "2m" or "90s"');
  }

  validateBackend(c, env.backend);
  if (
    isObject(env.backend) &&
    env.backend.type === 'cloud' &&
    env.backend.runsOnAgentWithAwsCli !== true &&
    isObject(env.kubernetes) &&
    env.kubernetes.auth === 'exec'
  ) {
    c.add(
      'kubernetes.auth',
      'exec',
      '"eks-token" with a cloud backend: Terraform Cloud\'s hosted runners have no AWS CLI for `aws eks get-token` (or set backend.runsOnAgentWithAwsCli: true if runs execute on an agent that has it)',
    );
  }
  validateManagedSecretNames(c, env);
  return c.problems;
}

/** ExternalSecret targets must not overwrite a Secret the stack itself manages. */
function validateManagedSecretNames(c: Checker, env: Obj): void {
  if (!isObject(env.kubernetes) || !isObject(env.vault) || !isObject(env.eso)) return;
  if (!Array.isArray(env.secrets)) return;
  const own = new Map<string, string>();
  if (env.vault.reviewerMode === 'token-secret')
    own.set(
      String(env.kubernetes.serviceAccountName),
      'the reviewer token Secret of token-secret mode',
    );
  if (env.eso.storeAuth === 'token')
    own.set('vault-token', 'the Vault token Secret of token store auth');
  env.secrets.forEach((item: unknown, i: number) => {
    if (!isObject(item) || typeof item.targetSecretName !== 'string') return;
    const what = own.get(item.targetSecretName);
    if (what)
      c.add(
        `secrets[${i}].targetSecretName`,
        item.targetSecretName,
        `another name: "${item.targetSecretName}" is ${what}, which ESO would overwrite`,
      );
  });
}

function validateSecrets(c: Checker, value: unknown, valueMode: string | undefined): void {
  if (!Array.isArray(value) || value.length === 0) {
    c.add('secrets', value, 'a non-empty list of secrets');
    return;
  }
  const seen = {
    name: new Set<string>(),
    externalSecretName: new Set<string>(),
    targetSecretName: new Set<string>(),
  };
  // Resource ids and variable names derive from the name; two names must not map to one.
  const derivedIds = new Map<string, string>();
  value.forEach((item: unknown, i: number) => {
    const key = `secrets[${i}]`;
    const secret = c.object(key, item, 'secrets[]');
    if (!secret) return;
    c.pattern(
      `${key}.name`,
      secret.name,
      VAULT_PATH,
      'a KV secret name such as "my-secret" (letters, digits, "_", "-", "/" between parts)',
    );
    c.pattern(
      `${key}.externalSecretName`,
      secret.externalSecretName,
      DNS_SUBDOMAIN,
      'a Kubernetes object name: lowercase letters, digits, "-" and "."',
    );
    c.pattern(
      `${key}.targetSecretName`,
      secret.targetSecretName,
      DNS_SUBDOMAIN,
      'a Kubernetes object name: lowercase letters, digits, "-" and "."',
    );
    for (const field of ['name', 'externalSecretName', 'targetSecretName'] as const) {
      const v = secret[field];
      if (typeof v !== 'string') continue;
      if (seen[field].has(v))
        c.add(`${key}.${field}`, v, `a value not used by another secret (duplicate ${field})`);
      seen[field].add(v);
    }
    if (typeof secret.name === 'string') {
      const id = kebabId(secret.name);
      const other = derivedIds.get(id);
      if (other !== undefined && other !== secret.name) {
        c.add(
          `${key}.name`,
          secret.name,
          `a name whose resource id "${id}" differs from that of "${other}"`,
        );
      }
      derivedIds.set(id, secret.name);
    }
    if (secret.listMetadata !== undefined) c.boolean(`${key}.listMetadata`, secret.listMetadata);
    if (secret.writeOnlyVersion !== undefined)
      c.positiveInteger(`${key}.writeOnlyVersion`, secret.writeOnlyVersion);
    if (valueMode === 'placeholder') {
      const placeholder = secret.placeholder;
      if (!isObject(placeholder) || Object.keys(placeholder).length === 0) {
        c.add(
          `${key}.placeholder`,
          placeholder,
          'at least one placeholder pair in "placeholder" mode, e.g. { dummy_key1: "dummy_value1" }',
        );
      } else {
        for (const [k, v] of Object.entries(placeholder)) {
          if (!/^[-._a-zA-Z0-9]+$/.test(k))
            c.add(
              `${key}.placeholder`,
              k,
              'keys of letters, digits, "-", "_" and "." (valid Kubernetes Secret keys)',
            );
          if (typeof v !== 'string') c.add(`${key}.placeholder.${k}`, v, 'a string');
        }
      }
    } else if (valueMode === 'write-only' && secret.placeholder !== undefined) {
      c.add(
        `${key}.placeholder`,
        secret.placeholder,
        'nothing in "write-only" mode: values come from the variable secret_values_<name>, never from this file',
      );
    }
  });
}

function validateRetiredSecrets(c: Checker, value: unknown, secrets: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    c.add('retiredSecrets', value, 'a list of secret names');
    return;
  }
  const declared = new Set(
    Array.isArray(secrets) ? secrets.map((s) => (isObject(s) ? s.name : undefined)) : [],
  );
  value.forEach((name: unknown, i: number) => {
    if (
      c.pattern(`retiredSecrets[${i}]`, name, VAULT_PATH, 'a KV secret name such as "my-secret"') &&
      declared.has(name)
    )
      c.add(
        `retiredSecrets[${i}]`,
        name,
        'a name no longer in secrets (it is still declared there)',
      );
  });
}

function validateBackend(c: Checker, value: unknown): void {
  const backend = c.object('backend', value, 'backend');
  if (!backend) return;
  if (!c.oneOf('backend.type', backend.type, ['local', 'cloud'] as const)) return;
  if (backend.type === 'local') {
    for (const k of ['organization', 'workspace', 'tags', 'hostname', 'runsOnAgentWithAwsCli']) {
      if (backend[k] !== undefined)
        c.add(`backend.${k}`, backend[k], 'nothing for a local backend');
    }
    return;
  }
  c.pattern(
    'backend.organization',
    backend.organization,
    /^[A-Za-z0-9_-]+$/,
    'a Terraform Cloud organization name',
  );
  const hasWorkspace = backend.workspace !== undefined;
  const hasTags = backend.tags !== undefined;
  if (hasWorkspace === hasTags) {
    c.add(
      'backend.workspace',
      backend.workspace,
      'exactly one of backend.workspace or backend.tags',
    );
  }
  if (hasWorkspace) {
    c.pattern(
      'backend.workspace',
      backend.workspace,
      /^[A-Za-z0-9_-]{1,90}$/,
      'a workspace name: letters, digits, "-" and "_"',
    );
  }
  if (hasTags) {
    const tags = backend.tags;
    if (
      !Array.isArray(tags) ||
      tags.length === 0 ||
      !tags.every((t) => typeof t === 'string' && /^[a-z0-9:_-]+$/.test(t))
    ) {
      c.add('backend.tags', tags, 'a non-empty list of lowercase workspace tags');
    }
  }
  if (backend.runsOnAgentWithAwsCli !== undefined)
    c.boolean('backend.runsOnAgentWithAwsCli', backend.runsOnAgentWithAwsCli);
  if (backend.hostname !== undefined) {
    c.pattern(
      'backend.hostname',
      backend.hostname,
      /^[a-z0-9.-]+$/,
      'a hostname such as "app.terraform.io"',
    );
  }
}
