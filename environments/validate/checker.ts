/**
 * The validator's vocabulary: a problem names the key, the value found and what would be accepted;
 * a Checker collects every problem of one environment, so one run shows them all.
 */
import { KNOWN_KEYS, type Section } from './schema';

/** One thing wrong with one key of one environment. */
export interface ConfigProblem {
  readonly environment: string;
  /** Dotted path of the key, e.g. `vault.namespace` or `secrets[0].name`. */
  readonly key: string;
  /** What the file holds there (`undefined` when the key is missing). */
  readonly value: unknown;
  /** What would be accepted, in words. */
  readonly allowed: string;
  /**
   * The file the key is in, when it is not the environment's own (a team file), relative to
   * the project.
   */
  readonly file?: string;
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
    (p) =>
      `  - ${p.environment}: ${p.file ? `${p.file}: ` : ''}${p.key} = ${show(p.value)}: ${p.allowed}`,
  );
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return `invalid environment configuration (${count}); nothing was synthesized:\n${lines.join('\n')}`;
}

function show(value: unknown): string {
  if (value === undefined) return '(missing)';
  let text: string;
  try {
    // A bigint is shown as written; anything else JSON cannot write (a cycle) by its kind.
    text =
      JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ??
      String(typeof value);
  } catch {
    text = `(${typeof value})`;
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A pattern and the words that describe it in messages, stated together. */
export interface Shape {
  readonly re: RegExp;
  readonly words: string;
}

export const SHAPES = {
  kebab: {
    re: /^[a-z][a-z0-9-]{0,62}$/,
    words: 'lowercase kebab-case, starting with a letter, at most 63 characters',
  },
  namespace: {
    re: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    words: 'a Kubernetes namespace name: lowercase letters, digits and "-", at most 63 characters',
  },
  objectName: {
    re: /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/,
    words: 'a Kubernetes object name: lowercase letters, digits, "-" and "."',
  },
  region: {
    re: /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/,
    words: 'an AWS region such as "us-west-2"',
  },
  eksCluster: {
    re: /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/,
    words: 'an EKS cluster name: letters, digits, "-" and "_", at most 100 characters',
  },
  vaultNamespace: {
    re: /^[\w-]*[A-Za-z0-9][\w-]*(\/[\w-]*[A-Za-z0-9][\w-]*)*$/,
    words: 'a Vault namespace path such as "admin" or "admin/team" (no leading or trailing "/")',
  },
  mountPath: {
    // Each part with a letter or digit: construct ids are made of them.
    re: /^[\w-]*[A-Za-z0-9][\w-]*(\/[\w-]*[A-Za-z0-9][\w-]*)*$/,
    words:
      'a Vault mount path such as "secret" (no leading or trailing "/"; each part with a letter or digit)',
  },
  authPath: {
    re: /^[\w-]*[A-Za-z0-9][\w-]*(\/[\w-]*[A-Za-z0-9][\w-]*)*$/,
    words:
      'a Vault auth path such as "kubernetes-my-auth" (no leading or trailing "/"; each part with a letter or digit)',
  },
  secretName: {
    // Parts of letters, digits, "_", "-" and "."; never "." or "..", nor the stack's folder
    // markers (".eks-vault-eso-<stack>").
    // Each part with a letter or digit: construct ids and variable names are made of them.
    re: /^(?!(.*\/)?\.eks-vault-eso-)[\w.-]*[A-Za-z0-9][\w.-]*(\/[\w.-]*[A-Za-z0-9][\w.-]*)*$/,
    words:
      'a KV secret name such as "my-secret" or "app/config.v2" (letters, digits, "_", "-", "."; "/" between parts, each with a letter or digit)',
  },
  policyName: {
    re: /^(?!\.\.?$)[a-z0-9_.-]+$/,
    words:
      'a Vault policy name in lowercase: letters, digits, ".", "_" and "-" (Vault stores policy names lower-cased, so "My-Policy" would be read back as "my-policy"), not "." or ".."',
  },
  roleName: {
    re: /^(?!\.\.?$)[A-Za-z0-9_.-]+$/,
    words: 'a Vault role name: letters, digits, ".", "_" and "-", not "." or ".."',
  },
  audience: {
    // Printable, no spaces, and no template start: it is written into the role and the store.
    re: /^(?!.*[$%]\{)[!-~]{1,255}$/,
    words:
      'an audience such as "vault" or "https://kubernetes.default.svc": printable characters without spaces, "${" or "%{", at most 255',
  },
  hostname: {
    re: /^(([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.?|\[[0-9a-f:.]+\])$/,
    words: 'a host name such as "vault.example.com", or an IP address',
  },
  version: { re: /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, words: 'a Vault version such as "1.14.0"' },
} as const satisfies Record<string, Shape>;

/** Audiences EKS API servers (and AWS STS) accept tokens for. */
export const API_AUDIENCES = [
  'https://kubernetes.default.svc',
  'https://kubernetes.default.svc.cluster.local',
  'kubernetes.default.svc',
  'sts.amazonaws.com',
];

export type Obj = Record<string, unknown>;

export function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A host on the machine Terraform runs on: 127.0.0.0/8, localhost, ::1. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/\.$/, '');
  return /^127(\.\d{1,3}){3}$/.test(host) || host === 'localhost' || host === '[::1]';
}

/** Collects problems for one environment. */
export class Checker {
  readonly problems: ConfigProblem[] = [];

  constructor(private readonly environment: string) {}

  add(key: string, value: unknown, allowed: string): void {
    this.problems.push({ environment: this.environment, key, value, allowed });
  }

  /** An object whose keys are all known for its section. */
  object(key: string, value: unknown, section: Section): Obj | undefined {
    if (!isObject(value)) {
      this.add(key || '(environment)', value, 'an object');
      return undefined;
    }
    const known = KNOWN_KEYS[section];
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

  /** A string of a shape (or a pattern with its words). */
  shape(key: string, value: unknown, shape: Shape): value is string {
    if (typeof value === 'string' && value.includes('*')) {
      // Said on its own: a wildcard name would bind more than the one service account meant.
      this.add(key, value, 'a name without "*" (wildcards bind more than the one object meant)');
      return false;
    }
    if (typeof value !== 'string' || !shape.re.test(value)) {
      this.add(key, value, shape.words);
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

  /** A whole number from `min` (default 1) to `max` (default 2^53 - 1), and why the bound is. */
  positiveInteger(
    key: string,
    value: unknown,
    bounds: { min?: number; max?: number; why?: string } = {},
  ): value is number {
    const { min = 1, max = Number.MAX_SAFE_INTEGER, why } = bounds;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      const range =
        min === 1 && max === Number.MAX_SAFE_INTEGER
          ? 'a positive whole number'
          : `a whole number from ${min} to ${max}`;
      this.add(key, value, why ? `${range} (${why})` : range);
      return false;
    }
    return true;
  }

  /** A key that must be absent in this configuration, and why. */
  absent(key: string, value: unknown, because: string): void {
    if (value !== undefined) this.add(key, value, `nothing: ${because}`);
  }

  /**
   * The address of a server (Vault, an AWS endpoint): http(s), a host name or IP address, no
   * credentials, and no path, query or fragment (the clients add their own paths, `/v1/...`).
   */
  url(key: string, value: unknown): URL | undefined {
    const parsed = parseUrl(value);
    if (typeof value !== 'string' || !parsed) {
      this.add(key, value, 'an http(s) URL such as "https://vault.example.com:8200"');
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
    const problem = urlProblem(value, parsed);
    if (problem) {
      this.add(key, value, problem);
      return undefined;
    }
    return parsed;
  }
}

function parseUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed = new URL(value);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** What is wrong with a server address that parsed, if anything. */
function urlProblem(value: string, parsed: URL): string | undefined {
  const host = /^[a-z]+:\/\/([^/?#]*)/i.exec(value)?.[1].replace(/:\d*$/, '') ?? '';
  if (!SHAPES.hostname.re.test(host.toLowerCase()) || host === '')
    return `an http(s) URL whose host is ${SHAPES.hostname.words}`;
  if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname))
    return 'an https URL (plain http only on 127.0.0.1 or localhost)';
  if (value.endsWith('/') && parsed.pathname === '/' && !/[?#]/.test(value))
    return 'a URL without a trailing slash';
  if (parsed.pathname !== '/' || /[?#]/.test(value))
    return `the server's address alone, such as "${parsed.protocol}//${parsed.host}": no path, query or fragment (its clients add their own paths, /v1/...)`;
  return undefined;
}

/** A server address as the same server: scheme, host lower-cased without a trailing dot, port spelled out. */
export function normalizedAddress(address: string): string {
  const parsed = parseUrl(address);
  if (!parsed) return address;
  const host = parsed.hostname.replace(/\.$/, '');
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  return `${parsed.protocol}//${host}:${port}`;
}
