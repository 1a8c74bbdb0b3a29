/**
 * The ledger: a committed record, per environment, of the secrets it has deployed (each secret's
 * mount and full name, its ExternalSecret and the Kubernetes Secret that writes). Synthesis
 * compares the configuration with it and refuses what would lose a value without saying so: a
 * deployed secret that leaves the configuration (it must be retired or moved), and a path that
 * changes under a deployed ExternalSecret (it must be declared moved). `npm run deploy` writes
 * it after each deploy; `npm run ledger` writes it by hand (from a deployed state, too).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEAM_STACK_SEPARATOR, teamStackName } from '../common/names';
import { clusterLedgerProblems, deployedClusterNames } from './clusters';
import { tenantsOf } from './tenants';
import type { EnvironmentConfig, RetiredSecret } from './types';
import type { ConfigProblem } from './validate';

/** Where the committed ledgers live: `environments/ledgers/<environment>.json`. */
export const LEDGER_DIR = join(__dirname, 'ledgers');

export interface LedgerEntry {
  /** The KV v2 mount of the secret. */
  readonly mount: string;
  /** Its full name in the mount, e.g. `payments/database`. */
  readonly secret: string;
  /** The tenant whose secret it is (absent for a single chain). */
  readonly tenant?: string;
  /** `namespace/name` of the ExternalSecret that syncs it. */
  readonly externalSecret: string;
  /** The Kubernetes Secret ESO writes, in the ExternalSecret's namespace. */
  readonly target: string;
}

export interface Ledger {
  readonly environment: string;
  /**
   * The clusters it is deployed to, by name, when it lists several (`clusters`); absent for an
   * environment of one cluster. A secret's entry stands for its ExternalSecret in every one.
   */
  readonly clusters?: readonly string[];
  readonly entries: readonly LedgerEntry[];
}

export function ledgerPath(environment: string, dir: string = LEDGER_DIR): string {
  return join(dir, `${environment}.json`);
}

/** The environment's ledger; an empty one when none was written yet (never deployed). */
export function readLedger(environment: string, dir: string = LEDGER_DIR): Ledger {
  const file = ledgerPath(environment, dir);
  if (!existsSync(file)) return { environment, entries: [] };
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Ledger>;
  if (!Array.isArray(parsed.entries))
    throw new Error(`${file} is not a ledger (no "entries" list); restore it from git`);
  if (parsed.clusters !== undefined && !isNameList(parsed.clusters))
    throw new Error(
      `${file} is not a ledger ("clusters" is not a list of names); restore it from git`,
    );
  return {
    environment,
    ...(parsed.clusters !== undefined ? { clusters: parsed.clusters } : {}),
    entries: parsed.entries,
  };
}

function isNameList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/**
 * The ledgers of an environment's team stacks (`<environment>--<team>.json`), by team: what each
 * team's own stack deployed.
 */
export function readTeamLedgers(
  environment: string,
  dir: string = LEDGER_DIR,
): Map<string, Ledger> {
  const prefix = `${environment}${TEAM_STACK_SEPARATOR}`;
  const teams = new Map<string, Ledger>();
  if (!existsSync(dir)) return teams;
  for (const file of readdirSync(dir).sort())
    if (file.startsWith(prefix) && file.endsWith('.json')) {
      const team = file.slice(prefix.length, -'.json'.length);
      teams.set(team, readLedger(teamStackName(environment, team), dir));
    }
  return teams;
}

/** Writes a ledger, entries sorted so that a diff shows only what changed. */
export function writeLedger(ledger: Ledger, dir: string = LEDGER_DIR): string {
  mkdirSync(dir, { recursive: true });
  const file = ledgerPath(ledger.environment, dir);
  const entries = [...ledger.entries].sort((a, b) =>
    `${a.externalSecret} ${a.mount}/${a.secret}`.localeCompare(
      `${b.externalSecret} ${b.mount}/${b.secret}`,
    ),
  );
  const clusters = ledger.clusters ? { clusters: [...ledger.clusters].sort() } : {};
  writeFileSync(
    file,
    `${JSON.stringify({ environment: ledger.environment, ...clusters, entries }, null, 2)}\n`,
  );
  return file;
}

/** What the configuration deploys, as ledger entries. */
export function entriesOf(config: EnvironmentConfig): LedgerEntry[] {
  const mount = config.vault.kvMount.path;
  return tenantsOf(config).flatMap((tenant) =>
    tenant.secrets.map((s): LedgerEntry => ({
      mount,
      secret: s.name,
      ...(tenant.singleChain ? {} : { tenant: tenant.name }),
      externalSecret: `${tenant.namespace}/${s.externalSecretName}`,
      target: s.targetSecretName,
    })),
  );
}

/** A retired secret's name and whether it is purged. */
export function retiredEntry(retired: RetiredSecret): { name: string; purge: boolean } {
  return typeof retired === 'string'
    ? { name: retired, purge: false }
    : { name: retired.name, purge: retired.purge ?? false };
}

const pathOf = (mount: string, name: string): string => `${mount}/${name}`;

/** Every retired name of the configuration: the environment's and each tenant's. */
function retiredNames(config: EnvironmentConfig): Set<string> {
  return new Set(
    [
      ...(config.retiredSecrets ?? []),
      ...(config.tenants ?? []).flatMap((t) => t.retiredSecrets ?? []),
    ].map((r) => retiredEntry(r).name),
  );
}

/** Every declared move of the configuration, as `mount/name` of the old path -> the secret. */
function movesOf(config: EnvironmentConfig): Map<string, string> {
  const moves = new Map<string, string>();
  for (const tenant of tenantsOf(config))
    for (const s of tenant.secrets)
      if (s.movedFrom)
        moves.set(pathOf(s.movedFrom.mount ?? config.vault.kvMount.path, s.movedFrom.name), s.name);
  return moves;
}

/**
 * What the configuration would lose against the ledger: each deployed secret that left it
 * undeclared, and each ExternalSecret whose path changed undeclared. Every problem at once.
 */
export function ledgerProblems(
  config: EnvironmentConfig,
  ledger: Ledger,
  recordedIn: (entry: LedgerEntry) => string = () => `environments/ledgers/${config.name}.json`,
): ConfigProblem[] {
  const current = entriesOf(config);
  const declaredPaths = new Set(current.map((e) => pathOf(e.mount, e.secret)));
  const retired = retiredNames(config);
  const moves = movesOf(config);
  // A team file's secrets are recorded in its stack's ledger, and retired in its file.
  const teamIndex = (entry: LedgerEntry) =>
    config.teamFiles !== undefined && entry.tenant !== undefined
      ? (config.tenants ?? []).findIndex((t) => t.name === entry.tenant)
      : -1;
  const fileOf = recordedIn;
  const problems: ConfigProblem[] = [];
  const add = (key: string, value: unknown, allowed: string) =>
    problems.push({ environment: config.name, key, value, allowed });

  for (const deployed of ledger.entries) {
    const path = pathOf(deployed.mount, deployed.secret);
    const now = current.find((e) => e.externalSecret === deployed.externalSecret);
    if (now !== undefined && pathOf(now.mount, now.secret) !== path) {
      // The same ExternalSecret would read another path: only as a declared move.
      if (moves.get(path) !== now.secret)
        add(
          `${keyOf(config, now)}.movedFrom`,
          undefined,
          `{ name: '${deployed.secret}'${deployed.mount === now.mount ? '' : `, mount: '${deployed.mount}'`} }: ExternalSecret ${now.externalSecret} read "${path}" when deployed (${fileOf(deployed)}) and would now read "${pathOf(now.mount, now.secret)}", serving whatever that path holds over the live Secret. Declaring the move copies every version there first; or retire "${deployed.secret}" and give this ExternalSecret another name`,
        );
      continue;
    }
    if (now !== undefined && deployed.tenant !== undefined && now.tenant !== deployed.tenant) {
      // The same ExternalSecret under another tenant name: only as a declared rename.
      const t = (config.tenants ?? []).findIndex((x) => x.name === now.tenant);
      if (config.tenants?.[t]?.renamedFrom !== deployed.tenant)
        add(
          `tenants[${t}].renamedFrom`,
          undefined,
          `"${deployed.tenant}": tenant "${now.tenant}" holds ExternalSecret ${now.externalSecret}, which tenant "${deployed.tenant}" deployed (${fileOf(deployed)}); declaring the rename moves its objects to their new addresses instead of destroying and creating them again`,
        );
      continue;
    }
    if (declaredPaths.has(path) || retired.has(deployed.secret) || moves.has(path)) continue;
    const team = teamIndex(deployed);
    add(
      team < 0 ? 'retiredSecrets' : `tenants[${team}].retiredSecrets`,
      deployed.secret,
      `a list naming "${deployed.secret}": it was deployed (${fileOf(deployed)}; ExternalSecret ${deployed.externalSecret}, Secret ${deployed.target}) and is no longer declared. Retire it to keep its versions in Vault and stop managing it, declare it again, or declare where it went (movedFrom on the secret that replaces it)`,
    );
  }
  // The clusters are recorded in the environment's own ledger.
  const file = `environments/ledgers/${config.name}.json`;
  return [...problems, ...clusterLedgerProblems(config, ledger, file)];
}

/** The key of a current secret in the environment file, for messages. */
function keyOf(config: EnvironmentConfig, entry: LedgerEntry): string {
  const [namespace, name] = entry.externalSecret.split('/');
  if (config.tenants === undefined)
    return `secrets[${(config.secrets ?? []).findIndex((s) => s.externalSecretName === name)}]`;
  const t = config.tenants.findIndex((x) => x.namespace === namespace);
  const s = t < 0 ? -1 : config.tenants[t].secrets.findIndex((x) => x.externalSecretName === name);
  return `tenants[${t}].secrets[${s}]`;
}

/** The ledger after a deploy of the configuration: what it deploys, nothing retired or moved away. */
export function ledgerAfterDeploy(config: EnvironmentConfig): Ledger {
  const clusters = deployedClusterNames(config);
  return {
    environment: config.name,
    ...(clusters ? { clusters } : {}),
    entries: entriesOf(config),
  };
}
