/**
 * Drift check: synthesize, refresh and plan each environment, and report what changed outside
 * Terraform, resource by resource and attribute by attribute.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { VARIABLES, isSecretValuesVariable } from '../common/names';
import { SynthesizedStack } from '../common/synthesized-stack';
import {
  environmentNames,
  CommandError,
  EXIT,
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
import {
  PROJECT_ROOT,
  init,
  requireWorkspace,
  run,
  summarizeTerraformError,
  synthesize,
  terraformBinary,
  unreachableLocalState,
} from './terraform';

const TOOL = 'drift';
const USAGE = `usage: npm run drift -- [--env NAME]... [--report-dir DIR] [--json]

Synthesizes each environment, runs a refreshing plan with detailed exit codes, and writes
DIR/drift.json (for machines) and DIR/drift.md (for people), naming each drifted resource and
attribute. Secret values never appear: sensitive attributes read "(sensitive)".

  --env NAME        an environment to check (repeatable); default: all of ${environmentNames()}
  --report-dir DIR  where to write the reports (default: reports)
  --json            print the JSON report instead of the Markdown summary

Terraform or OpenTofu is TERRAFORM_BINARY_NAME (default terraform); credentials come from the
usual variables (VAULT_TOKEN, AWS_*, KUBECONFIG for exec mode; TF_VAR_kubernetes_token for
static-token mode). Write-only values are not needed: their variables get empty stand-ins, which
cannot show as drift.

An environment whose state is a local file that is not on this machine is refused (exit 1):
planning it would report everything as drift. Environments are checked in parallel.

Exit status: 0 no drift, 2 drift, 1 error (a server unreachable, credentials refused, a state
out of reach, a bad argument).
`;

/** Stand-ins for write-only inputs: a plan needs a value, and write-only values never diff. */
function writeOnlyStandIns(stack: SynthesizedStack, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, variable] of Object.entries(stack.variables())) {
    if (env[`TF_VAR_${name}`] !== undefined) continue;
    if (isSecretValuesVariable(name)) out[`TF_VAR_${name}`] = '{}';
    else if (name === VARIABLES.esoVaultToken) out[`TF_VAR_${name}`] = 'drift-check-stand-in';
    else if (variable.type !== undefined)
      throw new CommandError(`variable "${name}" has no value; set TF_VAR_${name}`);
  }
  return out;
}

/** A report that the check could not run. */
function failed(environment: string, checkedAt: string, error: string): EnvironmentDrift {
  return { environment, status: 'error', checkedAt, resources: [], error };
}

/** Synthesizes and initializes one environment; refuses a local state that is not here. */
async function prepare(
  name: string,
  start: number,
): Promise<{ stackDir: string; stack: SynthesizedStack }> {
  progress(TOOL, `${name}: synthesizing`);
  const stackDir = await synthesize(name);
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

async function checkEnvironment(name: string): Promise<EnvironmentDrift> {
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
      const report = driftFromPlan(
        name,
        JSON.parse(shown.stdout) as PlanJson,
        checkedAt,
        stack.tenantNames(),
      );
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
    values: ['--env', '--report-dir'],
    booleans: ['--json'],
    repeatable: ['--env'],
  });
  const selected = (values.get('--env') ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  const names = selectEnvironments(selected).map((e) => e.name);
  const reportDir = resolve(PROJECT_ROOT, values.get('--report-dir')?.[0] ?? 'reports');

  // Each environment plans in its own directory against its own servers: all at once.
  const reports = await Promise.all(names.map((name) => checkEnvironment(name)));

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
