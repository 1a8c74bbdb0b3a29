/**
 * Diff: the plan loop without cdktf's CLI. Synthesizes one environment with the app, initializes
 * its directory only when its terraform block changed, and plans. `cdktf diff` does the same
 * work but starts its own CLI each time (about 3 s before OpenTofu even runs).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { teamStackName } from '../common/names';
import { SynthesizedStack } from '../common/synthesized-stack';
import { environmentNames, EXIT, parseFlags, progress, requiredStack, runMain } from './cli';
import { selectStacks, teamOption } from './stacks';
import {
  DEFAULT_APP,
  init,
  outputDir,
  requireWorkspaces,
  runInherited,
  stackDirOf,
  synthesize,
  terraformBinary,
} from './terraform';

const TOOL = 'diff';
const USAGE = `usage: npm run diff -- --env NAME [--team NAME] [--app COMMAND]

Shows what a deploy of one environment would change: synthesizes it, runs init when a stack's
terraform block (backend, provider versions) changed since the last one, and plans each of its
stacks (with team files: its own, then each team's; with --team, that team's alone, and only its
stack is written: every stack is still checked by the chain rules, the other teams' from what an
earlier synthesis into the same output directory rendered when their inputs are unchanged, built
again otherwise). The same plan as cdktf diff, without cdktf's CLI start.

  --env NAME     the environment (one of ${environmentNames()})
  --team NAME    only this team's stack (an environment with team files)
  --app COMMAND  the cdktf app (default: ${DEFAULT_APP}); NAME is one of its stacks

Needs the credentials of a deploy. Exit status: 0 no changes, 2 changes (in any stack), 1 error,
as terraform plan -detailed-exitcode.
`;

/** Init is needed when the directory has never been initialized for this terraform block. */
function initStamp(stackDir: string): { current: string; path: string } {
  const terraform = SynthesizedStack.read(stackDir).terraformBlock();
  const current = createHash('sha256').update(JSON.stringify(terraform)).digest('hex');
  return { current, path: join(stackDir, '.terraform', 'eks-vault-eso-init') };
}

/** Plans one synthesized stack (init first when its terraform block changed). */
async function plan(stack: string, start: number): Promise<number> {
  const stackDir = stackDirOf(stack);
  const stamp = initStamp(stackDir);
  if (!existsSync(stamp.path) || readFileSync(stamp.path, 'utf8') !== stamp.current) {
    progress(TOOL, `${stack}: init`, start);
    await init(stackDir);
    writeFileSync(stamp.path, stamp.current);
  }
  progress(TOOL, `${stack}: planning`, start);
  return runInherited(terraformBinary(), ['plan', '-detailed-exitcode', '-input=false'], stackDir);
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { values: ['--env', '--team', '--app'], booleans: [] });
  const { name, app } = requiredStack(values);
  const team = teamOption(values);
  const start = Date.now();
  // One team's plan writes that team's stack alone (every stack is still checked: the others are
  // recalled from the output directory when unchanged, stacks/remembered-stacks.ts).
  await synthesize(
    name,
    process.env,
    app,
    team === undefined ? undefined : [teamStackName(name, team)],
  );
  const stacks = selectStacks(outputDir(), name, team);
  requireWorkspaces(
    stacks.map((s) => ({ name: s, cloud: SynthesizedStack.read(stackDirOf(s)).cloudBlock() })),
  );
  let result: number = EXIT.ok;
  for (const stack of stacks) {
    const code = await plan(stack, start);
    if (code !== 0 && code !== 2) return EXIT.error;
    if (code === 2) result = 2;
  }
  return result;
}

runMain(TOOL, USAGE, main, EXIT.error);
