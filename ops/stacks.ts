/**
 * The stacks a command works on. An environment is one stack, or (team files) its own stack and
 * one per team: `--team NAME` narrows a command to that team's stack. Read from the manifest
 * synthesis writes, so it holds for any app (the end-to-end variants too).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEAM_STACK_SEPARATOR, teamOfStack, teamStackName } from '../common/names';
import { UsageError } from './cli';

interface Manifest {
  readonly stacks: Record<string, { readonly dependencies?: readonly string[] }>;
}

/** The stacks synthesis wrote for `environment`, its own first, in the order they deploy. */
export function environmentStackNames(outdir: string, environment: string): string[] {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as Manifest;
  const teams = Object.keys(manifest.stacks)
    .filter((name) => teamOfStack(name)?.environment === environment)
    .sort();
  return [environment, ...teams];
}

/**
 * The stacks of `environment` a command covers: every one, or with `team` that team's alone (a
 * team the environment does not have is a usage error naming those it has).
 */
export function selectStacks(outdir: string, environment: string, team?: string): string[] {
  const all = environmentStackNames(outdir, environment);
  if (team === undefined) return all;
  const wanted = teamStackName(environment, team);
  if (all.includes(wanted)) return [wanted];
  const teams = all.slice(1).map((s) => teamOfStack(s)!.team);
  throw new UsageError(
    teams.length === 0
      ? `--team ${team}: ${environment} has no team files (each of its teams is in its own file only with teamFiles)`
      : `--team ${team}: ${environment} has no team "${team}" (its teams: ${teams.join(', ')})`,
  );
}

/** `--team NAME`, when given: a team's name (never a stack's). */
export function teamOption(values: Map<string, string[]>): string | undefined {
  const team = values.get('--team')?.[0];
  if (team !== undefined && team.includes(TEAM_STACK_SEPARATOR))
    throw new UsageError(`--team takes a team's name, not a stack's: "${team}"`);
  return team;
}

/** `work` on every item, at most `limit` at once; the results in the items' order. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
