import { dev } from './dev';
import { local } from './local';
import { localTenants } from './local-tenants';
import { localDatabase } from './local-database';
import { localClusters } from './local-clusters';
import { prod } from './prod';
import { staging } from './staging';
import { opsCommand, teamStackName } from '../common/names';
import {
  LEDGER_DIR,
  type Ledger,
  type LedgerEntry,
  ledgerPath,
  ledgerProblems,
  readLedger,
  readTeamLedgers,
} from './ledger';
import { sharedOwnership } from './ownership';
import { TEAMS_DIR, inTeamFiles, withTeamFiles } from './team-files';
import type { EnvironmentConfig } from './types';
import {
  ConfigError,
  type ConfigProblem,
  labSettingWarnings,
  validateEnvironment,
} from './validate';
import { isObject } from './validate/checker';

export * from './types';
export { ConfigError, formatProblems, validateEnvironment } from './validate';
export type { ConfigProblem } from './validate';

/** Every environment of the app, in the order stacks are built. */
export const ALL_ENVIRONMENTS: readonly EnvironmentConfig[] = [
  dev,
  staging,
  prod,
  local,
  localTenants,
  localDatabase,
  localClusters,
];

/** The name an entry of the list goes by in messages: its own, or its place in the list. */
function nameOf(entry: unknown, index: number): string {
  return isObject(entry) && typeof entry.name === 'string' && entry.name !== ''
    ? entry.name
    : `ALL_ENVIRONMENTS[${index}]`;
}

/**
 * Entries that are no environment at all: an import that found nothing (a copied file that still
 * exports `dev`), or a value of another kind. Said before anything reads their keys.
 */
function listProblems(environments: readonly unknown[]): ConfigProblem[] {
  return environments.flatMap((entry, i): ConfigProblem[] =>
    isObject(entry)
      ? []
      : [
          {
            environment: `ALL_ENVIRONMENTS[${i}]`,
            key: '(environment)',
            value: entry,
            allowed:
              entry === undefined
                ? 'an environment object: the import in environments/index.ts found nothing (does its file export that name? a copied file may still say `export const dev`)'
                : 'an environment object (EnvironmentConfig), as environments/dev.ts exports',
          },
        ],
  );
}

/**
 * An environment against its ledgers (its own and, with team files, each team stack's); a
 * ledger file that does not read is a problem too, and so is a deployed team without a file.
 */
function ledgerProblemsOf(env: EnvironmentConfig, dir: string): ConfigProblem[] {
  let ledger;
  let teams;
  try {
    ledger = readLedger(env.name, dir);
    teams =
      env.teamFiles === undefined ? new Map<string, Ledger>() : readTeamLedgers(env.name, dir);
  } catch (error) {
    const why = (error as Error).message.split('\n')[0];
    return [
      {
        environment: env.name,
        key: '(ledger)',
        value: ledgerPath(env.name, dir),
        allowed: `a ledger as npm run deploy writes it: ${why}${why.includes('restore it from git') ? '' : '; restore it from git'}`,
      },
    ];
  }
  const declared = new Set((env.tenants ?? []).map((t) => t.name));
  const problems: ConfigProblem[] = [];
  const origin = new Map<LedgerEntry, string>();
  for (const [team, teamLedger] of teams) {
    const file = `environments/ledgers/${teamStackName(env.name, team)}.json`;
    if (!declared.has(team) && teamLedger.entries.length > 0) {
      problems.push({
        environment: env.name,
        key: 'teamFiles',
        value: env.teamFiles,
        allowed: `a file for team "${team}", whose stack deployed secrets (${file}): to offboard a team, destroy its stack first (${opsCommand('destroy', env.name, '--team', team)}), then delete its ledger with its file`,
      });
      continue;
    }
    for (const entry of teamLedger.entries) origin.set(entry, file);
  }
  // The environment's own ledger records its clusters too: they stay with it.
  const all = { ...ledger, entries: [...ledger.entries, ...origin.keys()] };
  return [
    ...problems,
    ...ledgerProblems(
      env,
      all,
      (entry) => origin.get(entry) ?? `environments/ledgers/${env.name}.json`,
    ),
  ];
}

export interface LoadOptions {
  /**
   * Where the ledgers are (`environments/ledgers/<name>.json`): each environment is checked
   * against its own, so a deployed secret never leaves or moves unsaid.
   * @default LEDGER_DIR
   */
  readonly ledgerDir?: string;
  /**
   * Where the team folders are (`<teamsDir>/<teamFiles>/<team>.yaml`).
   * @default TEAMS_DIR (environments/teams)
   */
  readonly teamsDir?: string;
}

/**
 * Validates the given environments (all problems at once, against their ledgers too) and returns
 * those selected by name. Throws `ConfigError` listing every problem, or naming unknown
 * selections, before any stack exists; any list (an undefined entry, a number, a duplicate) is
 * reported, never crashes.
 */
export function loadEnvironments(
  selected?: readonly string[],
  environments: readonly unknown[] = ALL_ENVIRONMENTS,
  options: LoadOptions = {},
): EnvironmentConfig[] {
  const problems: ConfigProblem[] = listProblems(environments);
  // Each environment with its team files read into its tenants, validated with them.
  const files: (readonly string[])[] = [];
  const loaded = environments.map((raw, i) => {
    const teams = withTeamFiles(raw, nameOf(raw, i), options.teamsDir ?? TEAMS_DIR);
    files.push(teams.files);
    problems.push(...teams.problems);
    if (isObject(teams.env))
      problems.push(...inTeamFiles(validateEnvironment(teams.env, nameOf(raw, i)), teams.files));
    return teams.env;
  });
  const names = environments.map(nameOf);
  names.forEach((name, i) => {
    if (isObject(loaded[i]) && names.indexOf(name) !== i) {
      problems.push({
        environment: name,
        key: 'name',
        value: name,
        allowed: `a name no other environment uses (ALL_ENVIRONMENTS[${names.indexOf(name)}] and [${i}] are both "${name}": a copied file keeps the name it was copied from, or one file is imported twice)`,
      });
    }
  });
  const valid = loaded as readonly EnvironmentConfig[];
  // Only when each is valid on its own: the comparison reads their keys.
  if (problems.length === 0) problems.push(...sharedOwnership(valid));
  if (problems.length === 0)
    valid.forEach((env, i) =>
      problems.push(
        ...inTeamFiles(ledgerProblemsOf(env, options.ledgerDir ?? LEDGER_DIR), files[i]),
      ),
    );
  for (const wanted of selected ?? []) {
    if (!names.includes(wanted)) {
      problems.push({
        environment: wanted,
        key: '(selection)',
        value: wanted,
        allowed: `one of the environments: ${names.join(', ')}`,
      });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return selected && selected.length > 0
    ? valid.filter((e) => selected.includes(e.name))
    : [...valid];
}

/**
 * What valid environments allow that a person should hear about at every synthesis and command:
 * the lab's destroy opt-ins at a real Vault (one line each, for stderr).
 */
export function environmentWarnings(environments: readonly EnvironmentConfig[]): string[] {
  return environments.flatMap((env) => labSettingWarnings(env));
}
