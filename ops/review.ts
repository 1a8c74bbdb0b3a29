/**
 * Review: what a change of the configuration does, stack by stack, in Markdown a pull request can
 * carry. Synthesizes one environment, plans each of its stacks into a saved plan, reads the plan
 * as JSON in memory (it holds values in clear: never written) and writes what it adds, changes,
 * replaces, destroys and forgets, the secret paths it makes newly readable and by whom, and the
 * chain's picture with the changed and broken links marked.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SynthesizedStack } from '../common/synthesized-stack';
import type { EnvironmentConfig } from '../environments/types';
import { CommandError, EXIT, environmentNames, parseFlags, progress } from './cli';
import { requiredEnvironment, runMain } from './cli';
import type { PlanJson } from './drift-report';
import { chainOfStack } from './review/chain';
import { type StackReview, failedReview, renderReview, reviewStack } from './review/markdown';
import { changeCount } from './review/plan';
import { selectStacks, teamOption } from './stacks';
import * as terraform from './terraform';

const TOOL = 'review';
const USAGE = `usage: npm run review -- --env NAME [--team NAME] [--out FILE]

Reviews what a deploy of one environment would do, in Markdown: synthesizes it, plans each of
its stacks (with team files: its own, then each team's; with --team, that team's alone) and
writes, per stack, the objects the plan adds, changes, replaces, destroys and forgets (removed
from the state, not destroyed), the secret paths that become readable and by which role and
service account, and a Mermaid picture of the chain (cluster -> service account -> role ->
policy -> paths -> store -> ExternalSecrets) with added and changed links coloured and broken
links (a policy without a path an ExternalSecret reads, a store logging in as another role)
marked. The pull-request workflow posts it as a comment.

  --env NAME   the environment (one of ${environmentNames()})
  --team NAME  only this team's stack (an environment with team files)
  --out FILE   write the Markdown there (default: standard output)

Needs the credentials of a plan (as npm run diff). Write-only secret values are not needed.
Values never appear: only addresses, names and paths. A stack whose state is in Terraform Cloud
is planned as a saved cloud plan (Terraform 1.6 or later; showing it as JSON needs a token that
may administer the workspace); an engine that cannot save it fails that stack's section.

Exit status: 0 no changes, 2 changes (in any stack), 1 error, as npm run diff.
`;

/** The plan of one stack, shown as JSON and parsed; the saved plan is removed at once. */
async function planJson(stack: string, start: number): Promise<PlanJson> {
  const stackDir = terraform.stackDirOf(stack);
  progress(TOOL, `${stack}: init`, start);
  await terraform.init(stackDir);
  const synthesized = SynthesizedStack.read(stackDir);
  const env = { ...process.env, ...terraform.writeOnlyStandIns(synthesized, process.env) };
  const planDir = mkdtempSync(join(tmpdir(), 'review-plan-'));
  try {
    const planFile = join(planDir, 'plan.bin');
    progress(TOOL, `${stack}: planning`, start);
    const tf = terraform.terraformBinary();
    const planned = await terraform.run(
      tf,
      ['plan', '-input=false', '-no-color', '-lock=false', `-out=${planFile}`],
      { cwd: stackDir, env },
    );
    if (planned.code !== 0)
      throw new CommandError(terraform.summarizeTerraformError(planned.stderr));
    const shown = await terraform.run(tf, ['show', '-json', planFile], { cwd: stackDir, env });
    if (shown.code !== 0) throw new CommandError(terraform.summarizeTerraformError(shown.stderr));
    return JSON.parse(shown.stdout) as PlanJson;
  } finally {
    rmSync(planDir, { recursive: true, force: true });
  }
}

async function reviewOne(
  config: EnvironmentConfig,
  stack: string,
  start: number,
): Promise<StackReview> {
  try {
    const review = reviewStack(chainOfStack(config, stack), await planJson(stack, start));
    progress(TOOL, `${stack}: ${changeCount(review.changes!)} change(s)`, start);
    return review;
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    progress(TOOL, `${stack}: the plan failed`, start);
    return failedReview(stack, error.message);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { values: ['--env', '--team', '--out'], booleans: [] });
  const config = requiredEnvironment(values);
  const team = teamOption(values);
  const out = values.get('--out')?.[0];
  const start = Date.now();
  progress(TOOL, `synthesizing ${config.name}`, start);
  await terraform.synthesize(config.name);
  const stacks = selectStacks(terraform.outputDir(), config.name, team);
  terraform.requireWorkspaces(
    stacks.map((s) => ({
      name: s,
      cloud: SynthesizedStack.read(terraform.stackDirOf(s)).cloudBlock(),
    })),
  );
  const reviews: StackReview[] = [];
  // One after another: each plan is an engine and three providers in memory.
  for (const stack of stacks) reviews.push(await reviewOne(config, stack, start));
  const markdown = renderReview(config.name, reviews);
  if (out === undefined) process.stdout.write(markdown);
  else {
    writeFileSync(resolve(out), markdown);
    progress(TOOL, `review written to ${out}`, start);
  }
  for (const r of reviews.filter((r) => r.error !== undefined))
    process.stderr.write(`${TOOL}: error: ${r.stack}: ${r.error}\n`);
  if (reviews.some((r) => r.changes === undefined)) return EXIT.error;
  return reviews.some((r) => changeCount(r.changes!) > 0) ? 2 : EXIT.ok;
}

// Exit 2 means changes here, so a usage mistake exits 1 like any other error.
runMain(TOOL, USAGE, main, EXIT.error);
