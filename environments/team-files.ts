/**
 * Team files: an environment with `teamFiles: '<folder>'` has one file per team in
 * `environments/teams/<folder>/` (`<team>.yaml`, `.yml` or `.json`), each a tenant's keys plus
 * its `owners`. Loading reads them, in file-name order, into the environment's `tenants`; every
 * problem of a file (it does not parse, its name is not its team's, a key the validator refuses)
 * names the file and the key in it.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { YAMLParseError, parse as parseYaml, parseDocument } from 'yaml';
import { opsCommand, teamStackName } from '../common/names';
import type { EnvironmentConfig } from './types';
import { ConfigError, type ConfigProblem, isObject, type Obj } from './validate/checker';

/** Where the team folders are: `environments/teams/<folder>/<team>.yaml`. */
export const TEAMS_DIR = join(__dirname, 'teams');

/** The schema editors validate team files with (written by `npm run teams`). */
export const TEAM_SCHEMA_FILE = join(TEAMS_DIR, 'team.schema.json');

/** The file names a team file may have: `<team>` and one of these. */
export const TEAM_FILE_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

const PROJECT_ROOT = join(__dirname, '..');

/** A path as messages show it: relative to the project when inside it. */
function shownPath(path: string): string {
  const inside = relative(PROJECT_ROOT, path);
  return inside.startsWith('..') ? path : inside;
}

/** GitHub owners as CODEOWNERS takes them: `@user`, `@org/team`, or an e-mail address. */
export const OWNER_SHAPE =
  /^(@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)?|[^@\s]+@[^@\s]+\.[a-z]{2,})$/;

/** One team file as read: where it is, the tenant it declares, and who owns it. */
export interface TeamSource {
  /** Its path relative to the project, as messages and CODEOWNERS name it. */
  readonly file: string;
  /** The tenant it declares (its keys without `owners` and `$schema`). */
  readonly tenant: Obj;
  readonly owners: readonly string[];
}

export interface TeamFolder {
  readonly sources: readonly TeamSource[];
  /** What is wrong with the folder or a file on its own (parse errors, names, owners). */
  readonly problems: readonly ConfigProblem[];
}

/** The team files of a folder, by file name. */
export function teamFileNames(folder: string, dir: string = TEAMS_DIR): string[] {
  const path = join(dir, folder);
  if (!existsSync(path) || !statSync(path).isDirectory()) return [];
  return readdirSync(path)
    .filter((f) => (TEAM_FILE_EXTENSIONS as readonly string[]).includes(extname(f)))
    .sort();
}

/** A file's text as data: YAML (a superset of JSON) or, for `.json`, JSON strictly. */
function parseTeamFile(path: string, text: string): unknown {
  if (extname(path) === '.json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      // JSON's message has no line; the YAML reader, given the same text, finds where it breaks.
      const at = parseDocument(text).errors[0]?.linePos?.[0].line;
      throw new Error(`${at ? `line ${at}: ` : ''}${(error as Error).message.split('\n')[0]}`);
    }
  }
  try {
    return parseYaml(text, { uniqueKeys: true, prettyErrors: true }) as unknown;
  } catch (error) {
    if (error instanceof YAMLParseError)
      throw new Error(`line ${error.linePos?.[0].line ?? '?'}: ${error.message.split('\n')[0]}`);
    throw error;
  }
}

/** One file: parsed, named after its team, with owners; its tenant keys for the validator. */
function readTeamFile(environment: string, path: string, problems: ConfigProblem[]) {
  const file = shownPath(path);
  const add = (key: string, value: unknown, allowed: string) =>
    problems.push({ environment, file, key, value, allowed });
  let parsed: unknown;
  try {
    parsed = parseTeamFile(path, readFileSync(path, 'utf8'));
  } catch (error) {
    add('(file)', undefined, `a team file that parses: ${(error as Error).message}`);
    return undefined;
  }
  if (!isObject(parsed)) {
    add('(file)', parsed, 'an object of team keys (name, namespace, secrets, owners, ...)');
    return undefined;
  }
  const { owners, $schema, databaseCredentials, renamedFrom, ...tenant } = parsed;
  const team = basename(path, extname(path));
  if (tenant.name !== team)
    add(
      'name',
      tenant.name,
      `"${team}", the file's own name: a team file is named after its team (rename the file or the team)`,
    );
  if (!Array.isArray(owners) || owners.length === 0)
    add(
      'owners',
      owners,
      'a non-empty list of GitHub owners ("@org/team" or "@user") who review this file (CODEOWNERS)',
    );
  else
    owners.forEach((o: unknown, i: number) => {
      if (typeof o !== 'string' || !OWNER_SHAPE.test(o))
        add(`owners[${i}]`, o, 'a GitHub owner: "@org/team", "@user" or an e-mail address');
    });
  if ($schema !== undefined && typeof $schema !== 'string')
    add('$schema', $schema, 'the path of the team schema, e.g. "../team.schema.json"');
  if (databaseCredentials !== undefined)
    add(
      'databaseCredentials',
      databaseCredentials,
      "none in a team file: a credential's role is listed in the shared engine's connection, which a team's stack cannot change (declare it with an inline tenant in the environment file)",
    );
  if (renamedFrom !== undefined)
    add(
      'renamedFrom',
      renamedFrom,
      `none in a team file: a team's objects are a stack named after its file (${teamStackName(environment, team)}), and moved blocks cannot carry them from one stack's state to another's; to rename a team, destroy its stack while its file still has the old name (${opsCommand('destroy', environment, '--team', typeof renamedFrom === 'string' ? renamedFrom : 'OLD-NAME')}), then rename the file`,
    );
  return { file, tenant, owners: Array.isArray(owners) ? owners.map(String) : [] };
}

/** Every team file of an environment's folder, each on its own. */
export function readTeamFolder(
  environment: string,
  folder: string,
  dir: string = TEAMS_DIR,
): TeamFolder {
  const problems: ConfigProblem[] = [];
  const names = teamFileNames(folder, dir);
  if (names.length === 0) {
    problems.push({
      environment,
      key: 'teamFiles',
      value: folder,
      allowed: `a folder of team files: ${shownPath(join(dir, folder))}/ holds none (one <team>.yaml per team)`,
    });
    return { sources: [], problems };
  }
  const sources = names.flatMap((name) => {
    const source = readTeamFile(environment, join(dir, folder, name), problems);
    return source ? [source] : [];
  });
  return { sources, problems };
}

/** `tenants[i]...` of the environment's problems, said as the i-th file's keys. */
export function inTeamFiles(
  problems: readonly ConfigProblem[],
  files: readonly string[],
): ConfigProblem[] {
  const fileOf = (i: string) => files[Number(i)] ?? `tenants[${i}]`;
  return problems.map((p) => {
    const allowed = p.allowed.replace(/tenants\[(\d+)\]/g, (_m, i: string) => fileOf(i));
    const at = /^tenants\[(\d+)\](?:\.(.+))?$/.exec(p.key);
    if (!at || files[Number(at[1])] === undefined) return { ...p, allowed };
    return { ...p, file: files[Number(at[1])], key: at[2] ?? '(file)', allowed };
  });
}

export interface WithTeams {
  /** The environment with its team files read into `tenants` (unchanged without `teamFiles`). */
  readonly env: unknown;
  /** Each tenant's file, in `tenants` order (none without `teamFiles`). */
  readonly files: readonly string[];
  /** Each tenant's owners, in `tenants` order. */
  readonly owners: readonly (readonly string[])[];
  readonly problems: readonly ConfigProblem[];
}

/** An environment as written, with its team files (if it has them) read into `tenants`. */
export function withTeamFiles(raw: unknown, name: string, dir: string = TEAMS_DIR): WithTeams {
  if (!isObject(raw) || raw.teamFiles === undefined)
    return { env: raw, files: [], owners: [], problems: [] };
  if (typeof raw.teamFiles !== 'string') return { env: raw, files: [], owners: [], problems: [] };
  const problems: ConfigProblem[] = [];
  if (raw.tenants !== undefined || raw.secrets !== undefined)
    problems.push({
      environment: name,
      key: raw.tenants !== undefined ? 'tenants' : 'secrets',
      value: raw.tenants ?? raw.secrets,
      allowed: `none beside teamFiles: exactly one of secrets, tenants or teamFiles (the teams are the files of environments/teams/${raw.teamFiles}/)`,
    });
  const folder = readTeamFolder(name, raw.teamFiles, dir);
  problems.push(...folder.problems);
  return {
    env: { ...raw, tenants: folder.sources.map((s) => s.tenant) },
    files: folder.sources.map((s) => s.file),
    owners: folder.sources.map((s) => s.owners),
    problems,
  };
}

/**
 * A valid environment with its team files read into `tenants`, for callers that need the teams
 * of a configuration they built (tests, variants); `loadEnvironments` also validates them.
 */
export function resolveTeamFiles(
  config: EnvironmentConfig,
  dir: string = TEAMS_DIR,
): EnvironmentConfig {
  // Read already (loadEnvironments returns environments with their teams in `tenants`).
  if (config.tenants !== undefined) return config;
  const loaded = withTeamFiles(config, config.name, dir);
  if (loaded.problems.length > 0) throw new ConfigError(loaded.problems);
  return loaded.env as EnvironmentConfig;
}
