/**
 * The configuration of an end-to-end variant: a real environment (by default `local`) with some
 * keys changed and its own name. The variant app and the suites' cleanup both build it here.
 */
import { join } from 'node:path';
import { teamStackName } from '../../../common/names';
import { ALL_ENVIRONMENTS } from '../../../environments';
import { TEAMS_DIR, resolveTeamFiles } from '../../../environments/team-files';
import { tenantsOf } from '../../../environments/tenants';
import type { EnvironmentConfig } from '../../../environments/types';
import { type Variant, variant } from '../../support/stack';

export interface VariantSpec {
  /** Stack name; also names its state file terraform.<name>.tfstate. */
  readonly name: string;
  /** The environment it starts from. @default 'local' */
  readonly base?: string;
  readonly changes: Variant<EnvironmentConfig>;
  /**
   * Where its team folders are, relative to the project (a suite's own teams, whose names,
   * namespaces and policies no other suite's touch).
   * @default environments/teams
   */
  readonly teamsDir?: string;
}

/** The directory the variant's team folders are in. */
export function variantTeamsDir(spec: VariantSpec): string {
  return spec.teamsDir === undefined ? TEAMS_DIR : join(__dirname, '..', '..', '..', spec.teamsDir);
}

/** The variant as written: its base with its changes, team files (if any) not read yet. */
export function variantSource(spec: VariantSpec): EnvironmentConfig {
  const base = ALL_ENVIRONMENTS.find((e) => e.name === (spec.base ?? 'local'));
  if (!base) throw new Error(`no environment named ${spec.base}`);
  return variant({ ...spec.changes, name: spec.name }, base);
}

/** The variant as deployed: with team files, their teams read into `tenants`. */
export function variantConfig(spec: VariantSpec): EnvironmentConfig {
  return resolveTeamFiles(variantSource(spec), variantTeamsDir(spec));
}

/**
 * The stacks the variant app synthesizes for it, in deploy order: its own, then (team files) one
 * per team, `<name>--<team>`, each with a state file and a ledger of its own.
 */
export function variantStackNames(spec: VariantSpec): string[] {
  const config = variantConfig(spec);
  if (config.teamFiles === undefined) return [spec.name];
  return [spec.name, ...tenantsOf(config).map((t) => teamStackName(spec.name, t.name))];
}
