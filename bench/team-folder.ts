/**
 * Generated team files, for the benchmarks: an environment's folder of `count` team files
 * (`t001.json`...), written to a temporary directory that TEAMS_DIR points at, so that no
 * generated file is ever committed beside environments/teams/.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedTenant } from './tenant-fleet';

/** The environment the team benchmark generates (bench/teams-app.ts). */
export const BENCH_TEAMS = 'bench-teams';

/** The name of the i-th generated team (from 1): `t001`, `t002`... */
export function teamName(i: number): string {
  return `t${String(i).padStart(3, '0')}`;
}

/** One team file's JSON: a generated tenant with `secrets` secrets and an owner. */
export function teamFileText(name: string, secrets: number): string {
  const owners = [`@eks-vault-eso/team-${name}`];
  return `${JSON.stringify({ ...generatedTenant(name, secrets), owners }, null, 2)}\n`;
}

/**
 * Makes `<teamsDir>/<folder>/` hold exactly `count` team files of `secrets` secrets each (files
 * of an earlier count beyond it are removed; those it keeps are rewritten identically).
 */
export function writeTeamFolder(
  teamsDir: string,
  folder: string,
  count: number,
  secrets: number,
): void {
  const dir = join(teamsDir, folder);
  mkdirSync(dir, { recursive: true });
  const wanted = new Set(Array.from({ length: count }, (_, i) => `${teamName(i + 1)}.json`));
  for (const file of readdirSync(dir)) if (!wanted.has(file)) rmSync(join(dir, file));
  for (const file of wanted) writeTeamFile(teamsDir, folder, file.replace(/\.json$/, ''), secrets);
}

/** (Re)writes one team's file with `secrets` secrets: the benchmark's one-secret change. */
export function writeTeamFile(
  teamsDir: string,
  folder: string,
  team: string,
  secrets: number,
): void {
  writeFileSync(join(teamsDir, folder, `${team}.json`), teamFileText(team, secrets));
}
