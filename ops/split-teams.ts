/**
 * Split teams: an environment deployed as one stack, whose teams are now files with stacks of
 * their own, hands each team's resources from its state to the team's, at the same addresses:
 * nothing is destroyed, created or replaced. `npm run deploy` runs it first; run it by hand to
 * see what moves (--plan-only) or before a deploy made another way.
 */
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { teamOfStack } from '../common/names';
import { SynthesizedStack } from '../common/synthesized-stack';
import {
  CommandError,
  EXIT,
  environmentNames,
  parseFlags,
  progress,
  requiredStack,
  runMain,
} from './cli';
import { selectStacks, teamOption } from './stacks';
import { type StateFile, addressOf, moveResources } from './team-state';
import {
  DEFAULT_APP,
  init,
  outputDir,
  requireWorkspaces,
  run,
  summarizeTerraformError,
  synthesize,
  terraformBinary,
} from './terraform';

const TOOL = 'split-teams';
const USAGE = `usage: npm run split-teams -- --env NAME [--team NAME] [--plan-only] [--app COMMAND]

Moves each team's resources out of the environment's state into the state of the team's own
stack (<environment>--<team>), where its team file now declares them, at the same addresses:
nothing is destroyed, created or replaced. For an environment deployed as one stack before its
teams became files; npm run deploy runs it first, so it is needed by hand only before a deploy
made another way. Each team's state is written before the environment's, so an interrupted run
is finished by the next one. A resource both states hold with different objects is refused.

  --env NAME     the environment (one of ${environmentNames()})
  --team NAME    only this team's resources
  --plan-only    say what would move; change nothing
  --app COMMAND  the cdktf app (default: ${DEFAULT_APP}); NAME is one of its stacks

Needs the states' credentials (a remote backend's: state pull and push). Exit status: 0 moved
(or nothing to move), 1 refused or failed, 2 bad arguments.
`;

/** A stack's state as the backend holds it (undefined: none yet). */
async function pull(stackDir: string): Promise<StateFile | undefined> {
  const pulled = await run(terraformBinary(), ['state', 'pull'], { cwd: stackDir });
  if (pulled.code !== 0)
    throw new CommandError(
      `reading the state of ${stackDir} failed:\n${summarizeTerraformError(pulled.stderr)}`,
    );
  return pulled.stdout.trim() === '' ? undefined : (JSON.parse(pulled.stdout) as StateFile);
}

/** Writes a stack's state through its backend (a file of our own, 0600, removed at once). */
async function push(stackDir: string, state: StateFile): Promise<void> {
  const file = join(stackDir, '.terraform', 'split-teams.tfstate');
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  try {
    const pushed = await run(terraformBinary(), ['state', 'push', file], { cwd: stackDir });
    if (pushed.code !== 0)
      throw new CommandError(
        `writing the state of ${stackDir} failed:\n${summarizeTerraformError(pushed.stderr)}`,
      );
  } finally {
    rmSync(file, { force: true });
  }
}

/** The managed resources a synthesized stack declares, by address. */
function declared(stackDir: string): Set<string> {
  const json = SynthesizedStack.read(stackDir).json;
  return new Set(
    Object.entries(json.resource ?? {}).flatMap(([type, items]) =>
      Object.keys(items).map((name) => `${type}.${name}`),
    ),
  );
}

export interface TeamMove {
  readonly stack: string;
  readonly moved: readonly string[];
}

/**
 * Moves the resources of the team stacks `teams` (directories under `outdir`) out of the state
 * of `environment`. An address several team stacks declare (each has its own takeover guard)
 * is no one team's: it stays, and the environment's next apply deletes it. Every move is
 * computed, and every conflict refused, before anything is written.
 */
export async function splitTeams(
  outdir: string,
  environment: string,
  teams: readonly string[],
  options: { readonly planOnly?: boolean; readonly log?: (line: string) => void } = {},
): Promise<TeamMove[]> {
  const dirOf = (stack: string) => join(outdir, 'stacks', stack);
  if (teams.length === 0) return [];
  // Both the environment's state and the teams' are read: each in its own workspace.
  requireWorkspaces(
    [environment, ...teams].map((s) => ({
      name: s,
      cloud: SynthesizedStack.read(dirOf(s)).cloudBlock(),
    })),
  );
  await init(dirOf(environment));
  const original = await pull(dirOf(environment));
  if (original === undefined) return [];
  const held = new Set(original.resources.map(addressOf));
  const wanted = new Map(teams.map((t) => [t, declared(dirOf(t))]));
  const counts = new Map<string, number>();
  for (const addresses of wanted.values())
    for (const a of addresses) counts.set(a, (counts.get(a) ?? 0) + 1);
  let source = original;
  const writes: [string, StateFile][] = [];
  const moves: TeamMove[] = [];
  for (const [stack, addresses] of wanted) {
    const own = new Set([...addresses].filter((a) => counts.get(a) === 1 && held.has(a)));
    if (own.size === 0) continue;
    await init(dirOf(stack));
    const target = await pull(dirOf(stack));
    const move = moveResources(source, target, own);
    if (move.conflicts.length > 0)
      throw new CommandError(
        `refusing to move ${teamOfStack(stack)?.team ?? stack}'s resources: both ${environment}'s state and ${stack}'s hold other objects at ${move.conflicts.join(', ')}; look at both (state show) and remove the stale one by hand (state rm)`,
      );
    source = move.source;
    if (move.target !== target) writes.push([stack, move.target]);
    moves.push({ stack, moved: [...move.moved, ...move.finished] });
    options.log?.(
      `${stack}: ${move.moved.length} resource(s) move from ${environment}'s state${move.finished.length > 0 ? `, ${move.finished.length} already moved` : ''}`,
    );
  }
  if (options.planOnly) return moves;
  // The teams' states first: a run stopped in between leaves both holding them, finished next time.
  for (const [stack, state] of writes) await push(dirOf(stack), state);
  if (source !== original) await push(dirOf(environment), source);
  return moves;
}

async function main(argv: string[]): Promise<number> {
  const { values, booleans } = parseFlags(argv, {
    values: ['--env', '--team', '--app'],
    booleans: ['--plan-only'],
  });
  const { name, app } = requiredStack(values);
  const team = teamOption(values);
  const start = Date.now();
  progress(TOOL, `${name}: synthesizing`, start);
  await synthesize(name, process.env, app);
  const outdir = outputDir();
  const teams = selectStacks(outdir, name, team).filter((s) => teamOfStack(s) !== undefined);
  const moves = await splitTeams(outdir, name, teams, {
    planOnly: booleans.has('--plan-only'),
    log: (line) => progress(TOOL, line, start),
  });
  for (const { stack, moved } of moves)
    for (const a of moved) process.stdout.write(`${stack}  ${a}\n`);
  progress(
    TOOL,
    moves.length === 0
      ? `${name}: nothing to move`
      : `${name}: ${booleans.has('--plan-only') ? 'would move' : 'moved'} the resources of ${moves.length} team(s)`,
    start,
  );
  return EXIT.ok;
}

if (require.main === module) runMain(TOOL, USAGE, main);
