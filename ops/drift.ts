/**
 * Drift check: synthesize, refresh and plan each environment, and report what changed outside
 * Terraform, resource by resource and attribute by attribute.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SynthesizedStack } from '../common/synthesized-stack';
import {
  environmentNames,
  CommandError,
  EXIT,
  UsageError,
  parseFlags,
  progress,
  runMain,
  selectEnvironments,
} from './cli';
import {
  type EnvironmentDrift,
  type PlanJson,
  driftFromPlan,
  renderMarkdown,
} from './drift-report';
import { type Chain, chainOfStack } from './review/chain';
import { mermaidBlock } from './review/picture';
import { planPicture } from './review/plan';
import { inParallel, selectStacks, teamOption } from './stacks';
import {
  outputDir,
  PROJECT_ROOT,
  init,
  requireWorkspace,
  run,
  sharedWorkspaceRefusal,
  stackDirOf,
  summarizeTerraformError,
  synthesize,
  terraformBinary,
  unreachableLocalState,
  writeOnlyStandIns,
} from './terraform';

/** How many stacks plan at once: each is an engine and three providers in memory. */
const PARALLEL_CHECKS = 4;

const TOOL = 'drift';
const USAGE = `usage: npm run drift -- [--env NAME]... [--team NAME] [--report-dir DIR] [--json]

Synthesizes each environment, runs a refreshing plan of each of its stacks (with team files:
its own and each team's) with detailed exit codes, and writes DIR/drift.json (for machines) and
DIR/drift.md (for people, with a picture of each stack's chain), naming each drifted resource
and attribute. Secret values never appear: sensitive attributes read "(sensitive)".

  --env NAME        an environment to check (repeatable); default: all of ${environmentNames()}
  --team NAME       only this team's stack (with one --env that has team files)
  --report-dir DIR  where to write the reports (default: reports)
  --json            print the JSON report instead of the Markdown summary

Terraform or OpenTofu is TERRAFORM_BINARY_NAME (default terraform); credentials come from the
usual variables (VAULT_TOKEN, AWS_*, KUBECONFIG for exec mode; TF_VAR_kubernetes_token for
static-token mode). Write-only values are not needed: their variables get empty stand-ins, which
cannot show as drift.

An environment whose state is a local file that is not on this machine is refused (exit 1):
planning it would report everything as drift. Stacks are checked ${PARALLEL_CHECKS} at a time.

Exit status: 0 no drift, 2 drift, 1 error (a server unreachable, credentials refused, a state
out of reach, a bad argument).
`;

/** A report that the check could not run. */
function failed(environment: string, checkedAt: string, error: string): EnvironmentDrift {
  return { environment, status: 'error', checkedAt, resources: [], error };
}

/** Initializes one synthesized stack; refuses a local state that is not here. */
async function prepare(
  name: string,
  start: number,
): Promise<{ stackDir: string; stack: SynthesizedStack }> {
  const stackDir = stackDirOf(name);
  requireWorkspace(name, SynthesizedStack.read(stackDir).cloudBlock());
  const missingState = unreachableLocalState(stackDir);
  if (missingState !== undefined)
    throw new CommandError(
      `${name} keeps its state in a local file, ${missingState}, which is not on this machine: a plan would start from nothing and report every resource as drift. Run the check where that state is, or give ${name} a remote backend (backend: { type: 'cloud', ... }).`,
    );
  progress(TOOL, `${name}: ${terraformBinary()} init`, start);
  await init(stackDir);
  return { stackDir, stack: SynthesizedStack.read(stackDir) };
}

/** One stack's refreshing plan, as a report (its environment, or `<environment>--<team>`). */
async function checkStack(name: string, chain: Chain): Promise<EnvironmentDrift> {
  const start = Date.now();
  const checkedAt = new Date().toISOString();
  try {
    const { stackDir, stack } = await prepare(name, start);
    const env = {
      // The plan reads, never writes: the drift identity needs no child token of its own.
      TERRAFORM_VAULT_SKIP_CHILD_TOKEN: 'true',
      ...process.env,
      ...writeOnlyStandIns(stack, process.env),
    };
    const tf = terraformBinary();
    const cloud = stack.usesCloudBackend();
    const planDir = mkdtempSync(join(tmpdir(), 'drift-plan-'));
    try {
      const planFile = join(planDir, 'plan.bin');
      progress(TOOL, `${name}: refreshing plan`, start);
      const args = [
        'plan',
        '-refresh=true',
        '-detailed-exitcode',
        '-input=false',
        '-no-color',
        '-lock=false',
      ];
      // Remote (Terraform Cloud) plans cannot be saved locally; the exit code still tells drift.
      const plan = await run(tf, cloud ? args : [...args, `-out=${planFile}`], {
        cwd: stackDir,
        env,
      });
      if (plan.code === 1) return failed(name, checkedAt, summarizeTerraformError(plan.stderr));
      if (cloud)
        return {
          environment: name,
          status: plan.code === 2 ? 'drift' : 'no-drift',
          checkedAt,
          resources: [],
        };
      // The JSON form holds sensitive values in clear: it is parsed here and never written.
      const shown = await run(tf, ['show', '-json', planFile], { cwd: stackDir, env });
      if (shown.code !== 0) return failed(name, checkedAt, summarizeTerraformError(shown.stderr));
      const planJson = JSON.parse(shown.stdout) as PlanJson;
      const report = {
        ...driftFromPlan(name, planJson, checkedAt, stack.tenantNames()),
        picture: mermaidBlock(planPicture(chain, planJson)),
      };
      progress(
        TOOL,
        `${name}: ${report.status === 'drift' ? `drift in ${report.resources.length} resource(s)` : 'no drift'}`,
        start,
      );
      return report;
    } finally {
      rmSync(planDir, { recursive: true, force: true });
    }
  } catch (error) {
    if (error instanceof CommandError) return failed(name, checkedAt, error.message);
    throw error;
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, booleans } = parseFlags(argv, {
    values: ['--env', '--team', '--report-dir'],
    booleans: ['--json'],
    repeatable: ['--env'],
  });
  const selected = (values.get('--env') ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  const team = teamOption(values);
  if (team !== undefined && selected.length !== 1)
    throw new UsageError('--team needs exactly one --env: the environment the team is in');
  const configs = selectEnvironments(selected);
  const names = configs.map((e) => e.name);
  const reportDir = resolve(PROJECT_ROOT, values.get('--report-dir')?.[0] ?? 'reports');

  // One synthesis of them all; each stack then plans in its own directory, a few at once.
  progress(TOOL, `synthesizing ${names.join(', ')}`);
  await synthesize(names.join(','));
  const stacks = configs.flatMap((config) => {
    const own = selectStacks(outputDir(), config.name, team);
    // An environment's stacks that cannot share TF_WORKSPACE are not planned in it.
    const shared = sharedWorkspaceRefusal(
      own.map((s) => ({ name: s, cloud: SynthesizedStack.read(stackDirOf(s)).cloudBlock() })),
    );
    return own.map((stack) => ({ stack, refusal: shared, chain: chainOfStack(config, stack) }));
  });
  const reports = await inParallel(stacks, PARALLEL_CHECKS, ({ stack, refusal, chain }) =>
    refusal === undefined
      ? checkStack(stack, chain)
      : Promise.resolve(failed(stack, new Date().toISOString(), refusal)),
  );

  mkdirSync(reportDir, { recursive: true });
  const json = `${JSON.stringify(reports, null, 2)}\n`;
  const markdown = renderMarkdown(reports);
  writeFileSync(join(reportDir, 'drift.json'), json);
  writeFileSync(join(reportDir, 'drift.md'), markdown);
  process.stdout.write(booleans.has('--json') ? json : markdown);
  for (const r of reports.filter((r) => r.status === 'error'))
    process.stderr.write(`${TOOL}: error: ${r.environment}: ${r.error}\n`);
  progress(TOOL, `reports written to ${join(reportDir, 'drift.json')} and drift.md`);

  if (reports.some((r) => r.status === 'error')) return EXIT.error;
  return reports.some((r) => r.status === 'drift') ? 2 : EXIT.ok;
}

// Exit 2 means drift here, so a usage mistake exits 1 like any other error.
runMain(TOOL, USAGE, main, EXIT.error);
