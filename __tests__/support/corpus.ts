/**
 * The configuration corpus (`__tests__/corpus/{bad,good}/*.json`): each file is a shipped
 * environment with one change, as a person makes one by copying a file. This reads a case and
 * builds its environment (and the environments loaded beside it).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_ENVIRONMENTS } from '../../environments';
import { resolveTeamFiles } from '../../environments/team-files';
import type { EnvironmentConfig } from '../../environments/types';

/** An environment with its team files (if any) read into inline tenants. */
export function inlineTeams(env: EnvironmentConfig): EnvironmentConfig {
  if (env.teamFiles === undefined) return env;
  return { ...resolveTeamFiles(env), teamFiles: undefined };
}

export const CORPUS_DIR = join(__dirname, '..', 'corpus');

/**
 * A ledger directory that holds none: a copy of a shipped environment is a new environment,
 * never deployed, so nothing it changes was deployed under another name.
 */
export const NO_LEDGERS = join(CORPUS_DIR, 'no-ledgers');

/** Another environment loaded beside the case: a shipped one by name, or one changed. */
type Other = string | { readonly base: string; readonly set?: Record<string, unknown> };

export interface CorpusCase {
  readonly file: string;
  /** Why the case is bad, or why it is unusual but good. */
  readonly about: string;
  /** The shipped environment it is a copy of. */
  readonly base: string;
  /** Dotted paths (`secrets[0].name`) and the values they get. */
  readonly set?: Record<string, unknown>;
  readonly delete?: readonly string[];
  readonly others?: readonly Other[];
  /** Bad cases: the key refused, and words of what is allowed there. */
  readonly refused?: { readonly key: string; readonly allowed?: string };
}

/**
 * Values JSON cannot write: `{"$": "undefined" | "NaN" | "Infinity" | "-Infinity" | "bigint:N"}`,
 * `{"$repeat": [text, n]}`, `{"$secrets": n}` (n placeholder secrets) and `{"$join": [a, b]}`:
 * the fake credentials the validator must refuse, split so no committed file holds one whole
 * (secret scanners would flag the repository).
 */
function decode(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return Array.isArray(value) ? value.map(decode) : value;
  const v = value as Record<string, unknown>;
  if (typeof v.$ === 'string') {
    if (v.$ === 'undefined') return undefined;
    if (v.$.startsWith('bigint:')) return BigInt(v.$.slice('bigint:'.length));
    return Number(v.$);
  }
  if (Array.isArray(v.$repeat)) return String(v.$repeat[0]).repeat(Number(v.$repeat[1]));
  if (Array.isArray(v.$join)) return v.$join.join('');
  if (typeof v.$secrets === 'number')
    return Array.from({ length: v.$secrets }, (_, i) => ({
      name: `generated/s-${i}`,
      externalSecretName: `generated-${i}`,
      targetSecretName: `generated-${i}`,
      placeholder: { key: `value-${i}` },
    }));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
}

/** `a.b[0].c` -> ['a', 'b', 0, 'c']. */
function pathOf(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) =>
    m[2] !== undefined ? Number(m[2]) : m[1],
  );
}

/** Sets (or, for undefined, deletes) `path` in `target`, making the objects on the way. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = pathOf(path);
  let node = target as Record<string | number, unknown>;
  for (const [i, part] of parts.slice(0, -1).entries()) {
    if (typeof node[part] !== 'object' || node[part] === null)
      node[part] = typeof parts[i + 1] === 'number' ? [] : {};
    node = node[part] as Record<string | number, unknown>;
  }
  const last = parts[parts.length - 1];
  if (value === undefined && !Array.isArray(node)) delete node[last];
  else node[last] = value;
}

/** A shipped environment by name, with `set` applied and `remove` deleted. */
export function environmentOf(
  base: string,
  set: Record<string, unknown> = {},
  remove: readonly string[] = [],
): Record<string, unknown> {
  const shipped = ALL_ENVIRONMENTS.find((e) => e.name === base);
  if (!shipped) throw new Error(`no shipped environment "${base}"`);
  // A copy of an environment of team files holds its teams inline, as a person copies them.
  const env = JSON.parse(JSON.stringify(inlineTeams(shipped))) as Record<string, unknown>;
  for (const [path, value] of Object.entries(set)) setPath(env, path, decode(value));
  for (const path of remove) setPath(env, path, undefined);
  return env;
}

/** Every case of one kind, read from its file. */
export function corpus(kind: 'bad' | 'good'): CorpusCase[] {
  const dir = join(CORPUS_DIR, kind);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(join(dir, file), 'utf8')) as object) }))
    .map((c) => c as CorpusCase);
}

/** The case's environment first, then the others it is loaded with. */
export function environmentsOf(c: CorpusCase): Record<string, unknown>[] {
  return [
    environmentOf(c.base, c.set, c.delete),
    ...(c.others ?? []).map((o) =>
      typeof o === 'string' ? environmentOf(o) : environmentOf(o.base, o.set),
    ),
  ];
}
