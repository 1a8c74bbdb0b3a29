/**
 * Planning with import blocks, shared by recover and adopt: every declared resource missing from
 * the state gets one, and those whose objects do not exist are dropped (to be created) until the
 * plan succeeds. The plan is saved, so what is applied is what was shown.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SynthesizedStack } from '../common/synthesized-stack';
import { CommandError, progress } from './cli';
import { type ImportCandidate, importCandidates, missingRemoteObjects } from './import-ids';
import { run, summarizeTerraformError, terraformBinary } from './terraform';

const IMPORTS_FILE = 'imports.tf.json';
export const PLAN_FILE = 'imports.tfplan';

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

export interface ImportPlan {
  /** What the saved plan imports. */
  readonly imported: readonly ImportCandidate[];
  /** The plan's summary line, e.g. "Plan: 2 to import, 3 to add, 1 to change, 0 to destroy." */
  readonly summary: string;
  /** The saved plan, to apply; remove() deletes it and the import blocks. */
  readonly planFile: string;
  remove(): void;
}

export async function planWithImports(
  tool: string,
  name: string,
  stackDir: string,
  scope: Parameters<typeof importCandidates>[2],
  start: number,
): Promise<ImportPlan> {
  const stack = SynthesizedStack.read(stackDir).json;
  let candidates = importCandidates(stack, await stateAddresses(stackDir), scope);
  progress(
    tool,
    `${name}: ${candidates.length} declared resource(s) missing from the state`,
    start,
  );
  const importsPath = join(stackDir, IMPORTS_FILE);
  const planFile = join(stackDir, PLAN_FILE);
  const remove = () => {
    rmSync(importsPath, { force: true });
    rmSync(planFile, { force: true });
  };
  try {
    for (let attempt = 0; ; attempt++) {
      writeFileSync(
        importsPath,
        `${JSON.stringify({ import: candidates.map((c) => ({ to: c.address, id: c.id })) }, null, 2)}\n`,
      );
      progress(tool, `${name}: planning with ${candidates.length} import(s)`, start);
      const plan = await run(
        terraformBinary(),
        ['plan', '-input=false', '-no-color', `-out=${planFile}`],
        { cwd: stackDir },
      );
      if (plan.code === 0) {
        const summary = /Plan: [^\n]+/.exec(plan.stdout)?.[0] ?? 'No changes.';
        progress(tool, `${name}: ${summary}`, start);
        return { imported: candidates, summary, planFile, remove };
      }
      const missing = missingRemoteObjects(plan.stderr + plan.stdout, candidates);
      if (missing.length === 0 || attempt > candidates.length)
        throw new CommandError(`plan failed:\n${summarizeTerraformError(plan.stderr)}`);
      // They do not exist: leave them to be created.
      candidates = candidates.filter((c) => !missing.includes(c.address));
      progress(
        tool,
        `${name}: ${missing.length} object(s) do not exist and will be created`,
        start,
      );
    }
  } catch (error) {
    remove();
    throw error;
  }
}

/** Applies a saved plan; returns OpenTofu's closing line. */
export async function applySaved(stackDir: string, planFile: string): Promise<string> {
  const apply = await run(terraformBinary(), ['apply', '-input=false', '-no-color', planFile], {
    cwd: stackDir,
  });
  if (apply.code !== 0)
    throw new CommandError(`apply failed:\n${summarizeTerraformError(apply.stderr)}`);
  return /Apply complete![^\n]*/.exec(apply.stdout)?.[0] ?? 'applied';
}
