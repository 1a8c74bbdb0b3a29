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
import { DEFAULT_APP, init, synthesize } from './terraform';

const TOOL = 'recover';
const USAGE = `usage: npm run recover -- --env NAME [--plan-only] [--app COMMAND]

After an apply was killed before it could save its state, the objects it created exist but are
not in the state, and the next deploy fails with "already exists". recover synthesizes the
environment, adds an import block for every declared resource missing from the state, drops
those that do not exist remotely, and applies: existing objects are adopted, missing ones
created. Afterwards a plan shows no changes.

  --env NAME     the environment (one of ${environmentNames()})
  --plan-only    show what would be adopted and created; change nothing
  --app COMMAND  the cdktf app to synthesize (default: ${DEFAULT_APP}); its stack must be NAME

Needs the same credentials and TF_VAR_ values as a deploy. A gracefully interrupted apply
(SIGINT/SIGTERM, Ctrl-C, a cancelled CI job) saves its state and needs no recovery.

Exit status: 0 converged (or planned), 1 error, 2 bad arguments.
`;

async function main(argv: string[]): Promise<number> {
  const { values, booleans } = parseFlags(argv, {
    values: ['--env', '--app'],
    booleans: ['--plan-only'],
  });
  const app = values.get('--app')?.[0];
  // With another app, NAME is one of its stacks, not necessarily an environment of this one.
  const name = app === undefined ? requiredEnvironment(values).name : values.get('--env')?.[0];
  if (!name) throw new UsageError('--env is required');
  const start = Date.now();
  progress(TOOL, `${name}: synthesizing`);
  const stackDir = await synthesize(name, process.env, app);
  progress(TOOL, `${name}: init`, start);
  await init(stackDir);
  const plan = await planWithImports(TOOL, name, stackDir, 'create-fails-if-exists', start);
  try {
    for (const c of plan.imported) process.stdout.write(`adopt  ${c.address}  (id ${c.id})\n`);
    if (booleans.has('--plan-only')) return EXIT.ok;
    progress(TOOL, `${name}: applying`, start);
    const applied = await applySaved(stackDir, plan.planFile);
    progress(TOOL, `${name}: converged (${applied})`, start);
    return EXIT.ok;
  } finally {
    plan.remove();
  }
}

runMain(TOOL, USAGE, main);
