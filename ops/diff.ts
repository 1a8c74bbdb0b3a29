/**
 * Diff: the plan loop without cdktf's CLI. Synthesizes one environment with the app, initializes
 * its directory only when its terraform block changed, and plans. `cdktf diff` does the same
 * work but starts its own CLI each time (about 3 s before OpenTofu even runs).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SynthesizedStack } from '../common/synthesized-stack';
import { environmentNames, EXIT, parseFlags, progress, requiredStack, runMain } from './cli';
import {
  DEFAULT_APP,
  init,
  requireWorkspace,
  runInherited,
  synthesize,
  terraformBinary,
} from './terraform';

const TOOL = 'diff';
const USAGE = `usage: npm run diff -- --env NAME [--app COMMAND]

Shows what a deploy of one environment would change: synthesizes it, runs init when its
terraform block (backend, provider versions) changed since the last one, and plans. The same
plan as cdktf diff, without cdktf's CLI start.

  --env NAME     the environment (one of ${environmentNames()})
  --app COMMAND  the cdktf app (default: ${DEFAULT_APP}); NAME is one of its stacks

Needs the credentials of a deploy. Exit status: 0 no changes, 2 changes, 1 error, as
terraform plan -detailed-exitcode.
`;

/** Init is needed when the directory has never been initialized for this terraform block. */
function initStamp(stackDir: string): { current: string; path: string } {
  const terraform = SynthesizedStack.read(stackDir).terraformBlock();
  const current = createHash('sha256').update(JSON.stringify(terraform)).digest('hex');
  return { current, path: join(stackDir, '.terraform', 'eks-vault-eso-init') };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { values: ['--env', '--app'], booleans: [] });
  const { name, app } = requiredStack(values);
  const start = Date.now();
  const stackDir = await synthesize(name, process.env, app);
  requireWorkspace(name, SynthesizedStack.read(stackDir).cloudBlock());
  const stamp = initStamp(stackDir);
  if (!existsSync(stamp.path) || readFileSync(stamp.path, 'utf8') !== stamp.current) {
    progress(TOOL, `${name}: init`, start);
    await init(stackDir);
    writeFileSync(stamp.path, stamp.current);
  }
  progress(TOOL, `${name}: planning`, start);
  const code = await runInherited(
    terraformBinary(),
    ['plan', '-detailed-exitcode', '-input=false'],
    stackDir,
  );
  return code === 0 || code === 2 ? code : EXIT.error;
}

runMain(TOOL, USAGE, main, EXIT.error);
