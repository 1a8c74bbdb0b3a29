/**
 * Recover after an apply that was killed (SIGKILL, a lost runner) before it wrote its state:
 * adopt the objects it created into the state with import blocks, then apply the rest, so that
 * the environment converges instead of failing on "already exists".
 */
import {
  environmentNames,
  EXIT,
  UsageError,
  parseFlags,
  progress,
  requiredEnvironment,
  runMain,
} from './cli';
import { applySaved, planWithImports } from './import-plan';
import { selectStacks, teamOption } from './stacks';
import { DEFAULT_APP, init, outputDir, stackDirOf, synthesize } from './terraform';

const TOOL = 'recover';
const USAGE = `usage: npm run recover -- --env NAME [--team NAME] [--plan-only] [--app COMMAND]

After an apply was killed before it could save its state, the objects it created exist but are
not in the state, and the next deploy fails with "already exists". recover synthesizes the
environment, adds an import block for every declared resource missing from the state, drops
those that do not exist remotely, and applies: existing objects are adopted, missing ones
created. Afterwards a plan shows no changes.

  --env NAME     the environment (one of ${environmentNames()}); with team files, each of
                 its stacks in turn
  --team NAME    only this team's stack
  --plan-only    show what would be adopted and created; change nothing
  --app COMMAND  the cdktf app to synthesize (default: ${DEFAULT_APP}); its stack must be NAME

Needs the same credentials and TF_VAR_ values as a deploy. A gracefully interrupted apply
(SIGINT/SIGTERM, Ctrl-C, a cancelled CI job) saves its state and needs no recovery.

Exit status: 0 converged (or planned), 1 error, 2 bad arguments.
`;

async function main(argv: string[]): Promise<number> {
  const { values, booleans } = parseFlags(argv, {
    values: ['--env', '--team', '--app'],
    booleans: ['--plan-only'],
  });
  const team = teamOption(values);
  const app = values.get('--app')?.[0];
  // With another app, NAME is one of its stacks, not necessarily an environment of this one.
  const name = app === undefined ? requiredEnvironment(values).name : values.get('--env')?.[0];
  if (!name) throw new UsageError('--env is required');
  const start = Date.now();
  progress(TOOL, `${name}: synthesizing`);
  await synthesize(name, process.env, app);
  for (const stack of selectStacks(outputDir(), name, team))
    await recoverStack(stack, booleans.has('--plan-only'), start);
  return EXIT.ok;
}

/** Adopts what one stack's killed apply created, then applies the rest. */
async function recoverStack(name: string, planOnly: boolean, start: number): Promise<void> {
  const stackDir = stackDirOf(name);
  progress(TOOL, `${name}: init`, start);
  await init(stackDir);
  const plan = await planWithImports(TOOL, name, stackDir, 'create-fails-if-exists', start);
  try {
    for (const c of plan.imported) process.stdout.write(`adopt  ${c.address}  (id ${c.id})\n`);
    if (planOnly) return;
    progress(TOOL, `${name}: applying`, start);
    const applied = await applySaved(stackDir, plan.planFile);
    progress(TOOL, `${name}: converged (${applied})`, start);
  } finally {
    plan.remove();
  }
}

runMain(TOOL, USAGE, main);
