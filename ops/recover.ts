/**
 * Recover after an apply that was killed (SIGKILL, a lost runner) before it wrote its state:
 * adopt the objects it created into the state with import blocks, then apply the rest, so that
 * the environment converges instead of failing on "already exists".
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_ENVIRONMENTS } from '../environments';
import type { StackJson } from '../rules/stack-json';
import {
  CommandError,
  EXIT,
  UsageError,
  parseFlags,
  progress,
  requiredEnvironment,
  runMain,
} from './cli';
import { importCandidates, missingRemoteObjects } from './import-ids';
import {
  DEFAULT_APP,
  init,
  run,
  summarizeTerraformError,
  synthesize,
  terraformBinary,
} from './terraform';

const TOOL = 'recover';
const USAGE = `usage: npm run recover -- --env NAME [--plan-only] [--app COMMAND]

After an apply was killed before it could save its state, the objects it created exist but are
not in the state, and the next deploy fails with "already exists". recover synthesizes the
environment, adds an import block for every declared resource missing from the state, drops
those that do not exist remotely, and applies: existing objects are adopted, missing ones
created. Afterwards a plan shows no changes.

  --env NAME     the environment (one of ${ALL_ENVIRONMENTS.map((e) => e.name).join(', ')})
  --plan-only    show what would be adopted and created; change nothing
  --app COMMAND  the cdktf app to synthesize (default: ${DEFAULT_APP}); its stack must be NAME

Needs the same credentials and TF_VAR_ values as a deploy. A gracefully interrupted apply
(SIGINT/SIGTERM, Ctrl-C, a cancelled CI job) saves its state and needs no recovery.

Exit status: 0 converged (or planned), 1 error, 2 bad arguments.
`;

const IMPORTS_FILE = 'recover-imports.tf.json';

async function stateAddresses(stackDir: string): Promise<Set<string>> {
  const listed = await run(terraformBinary(), ['state', 'list'], { cwd: stackDir });
  if (listed.code !== 0) {
    if (/No state file was found/i.test(listed.stderr + listed.stdout)) return new Set();
    throw new CommandError(`state list failed:\n${summarizeTerraformError(listed.stderr)}`);
  }
  // Data sources are read, never imported.
  return new Set(
    listed.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('data.')),
  );
}

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
  const stack = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as StackJson;
  let candidates = importCandidates(stack, await stateAddresses(stackDir));
  progress(
    TOOL,
    `${name}: ${candidates.length} declared resource(s) missing from the state`,
    start,
  );

  const importsPath = join(stackDir, IMPORTS_FILE);
  const planFile = join(stackDir, 'recover.tfplan');
  try {
    for (let attempt = 0; ; attempt++) {
      writeFileSync(
        importsPath,
        `${JSON.stringify({ import: candidates.map((c) => ({ to: c.address, id: c.id })) }, null, 2)}\n`,
      );
      progress(TOOL, `${name}: planning with ${candidates.length} import(s)`, start);
      const plan = await run(
        terraformBinary(),
        ['plan', '-input=false', '-no-color', `-out=${planFile}`],
        { cwd: stackDir },
      );
      if (plan.code === 0) {
        const summary = /Plan: [^\n]+/.exec(plan.stdout)?.[0] ?? 'no changes';
        progress(TOOL, `${name}: ${summary}`, start);
        break;
      }
      const missing = missingRemoteObjects(plan.stderr + plan.stdout, candidates);
      if (missing.length === 0 || attempt > candidates.length)
        throw new CommandError(`plan failed:\n${summarizeTerraformError(plan.stderr)}`);
      // Not created before the kill: leave them to be created.
      candidates = candidates.filter((c) => !missing.includes(c.address));
      progress(
        TOOL,
        `${name}: ${missing.length} object(s) do not exist yet and will be created`,
        start,
      );
    }
    for (const c of candidates) process.stdout.write(`adopt  ${c.address}  (id ${c.id})\n`);
    if (booleans.has('--plan-only')) return EXIT.ok;
    progress(TOOL, `${name}: applying`, start);
    const apply = await run(terraformBinary(), ['apply', '-input=false', '-no-color', planFile], {
      cwd: stackDir,
    });
    if (apply.code !== 0)
      throw new CommandError(`apply failed:\n${summarizeTerraformError(apply.stderr)}`);
    progress(
      TOOL,
      `${name}: converged (${/Apply complete![^\n]*/.exec(apply.stdout)?.[0] ?? 'applied'})`,
      start,
    );
    return EXIT.ok;
  } finally {
    rmSync(importsPath, { force: true });
    rmSync(planFile, { force: true });
  }
}

runMain(TOOL, USAGE, main);
