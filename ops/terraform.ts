import { existsSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { type RunResult, runProcess, runShielded } from '../common/process';
import { type CloudBlockRead, STACK_FILE, SynthesizedStack } from '../common/synthesized-stack';
import { VARIABLES, isSecretValuesVariable } from '../common/names';
import { CommandError, UsageError } from './cli';

export type { RunResult };

/** Project root (cdktf.json lives here; local state files sit beside it). */
export const PROJECT_ROOT = join(__dirname, '..');

/** The Terraform-compatible binary, chosen the way cdktf chooses it. */
export function terraformBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.TERRAFORM_BINARY_NAME ?? 'terraform';
}

/** Runs a command to completion, capturing its output (never inheriting it: it may hold values). */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return runProcess(command, args, {
    ...options,
    notFound: (missing) =>
      new CommandError(
        `"${missing}" not found; set TERRAFORM_BINARY_NAME to terraform or tofu (the lab's env.sh sets it)`,
      ),
  });
}

/**
 * Runs a command with the terminal (the user sees cdktf's plan and may answer its prompt);
 * resolves with its exit code.
 */
export async function runInherited(
  command: string,
  args: readonly string[],
  cwd: string = PROJECT_ROOT,
): Promise<number> {
  return (await runProcess(command, args, { cwd, stdio: 'inherit' })).code;
}

/**
 * cdktf deploy or destroy, shielded: an interrupt aimed at this tool reaches OpenTofu (or
 * Terraform) alone, which saves its state (see runShielded).
 */
export function runCdktfShielded(
  args: readonly string[],
  onInterrupt: (message: string) => void,
): Promise<{ code: number; interrupted: boolean }> {
  return runShielded(CDKTF, args, {
    cwd: PROJECT_ROOT,
    programs: ['tofu', 'terraform', basename(terraformBinary())],
    onInterrupt,
  });
}

/** cdktf as installed in the project. */
export const CDKTF = join(PROJECT_ROOT, 'node_modules', '.bin', 'cdktf');

/**
 * How many stacks cdktf deploys or destroys at once, unless `--parallel` says: each stack runs
 * its own engine and providers, and 50 at once overload a small runner and its API server (the
 * lab's kube-apiserver timed out serving OpenAPI to a 50-team destroy run all at once).
 */
export const DEFAULT_PARALLEL = 4;

/** `--parallel N` (a whole number >= 1), or the default. */
export function parallelOption(values: Map<string, string[]>): number {
  const given = values.get('--parallel')?.[0];
  if (given === undefined) return DEFAULT_PARALLEL;
  if (!/^[1-9]\d*$/.test(given))
    throw new UsageError(`--parallel takes a whole number >= 1, got "${given}"`);
  return Number(given);
}

/**
 * `cdktf deploy|destroy NAME...` with the pass-through flags the ops tools accept. cdktf
 * synthesizes into the tool's output directory (CDKTF_OUTDIR), the one whose stacks the tool
 * checked: cdktf itself reads only cdktf.json. Several stacks (an environment and its teams') run
 * `parallel` at a time, in their dependency order; a team's stack alone runs without its
 * environment's, which is deployed already.
 */
export function cdktfArgs(
  command: 'deploy' | 'destroy',
  stack: string | readonly string[],
  flags: ReadonlySet<string>,
  app: string | undefined,
  options: {
    readonly parallel?: number;
    readonly alone?: boolean;
    readonly env?: NodeJS.ProcessEnv;
  } = {},
): string[] {
  const stacks = typeof stack === 'string' ? [stack] : stack;
  return [
    command,
    ...stacks,
    ...['--auto-approve', '--skip-provider-lock'].filter((f) => flags.has(f)),
    ...(app ? ['--app', app] : []),
    '--output',
    relative(PROJECT_ROOT, outputDir(options.env)),
    ...(stacks.length > 1 && options.parallel ? ['--parallelism', String(options.parallel)] : []),
    ...(options.alone ? ['--ignore-missing-stack-dependencies'] : []),
  ];
}

/** The app command of cdktf.json (split into words where run: it holds no quoting). */
export const DEFAULT_APP = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdktf.json'), 'utf8')) as { app: string }
).app;

/**
 * Where the tools synthesize: the project's cdktf.out, or CDKTF_OUTDIR (a directory beside it,
 * e.g. one per engine: each engine keeps its own providers there). Its stacks' local state paths
 * point back at the project root, so it must sit directly in the project.
 */
export function outputDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(PROJECT_ROOT, env.CDKTF_OUTDIR || 'cdktf.out');
}

/** A stack's directory in the output directory. */
export function stackDirOf(stack: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(outputDir(env), 'stacks', stack);
}

/**
 * Synthesizes one environment (with team files, its own stack and each team's) into the output
 * directory (where its local state paths point) and returns its own stack's directory. `app` is
 * a cdktf-style app command. With `only` (stack names), those stacks alone are written (STACKS):
 * the others are built for the chain rules and listed in the manifest, their directories left
 * as they were.
 */
export async function synthesize(
  environment: string,
  env: NodeJS.ProcessEnv = process.env,
  app: string = DEFAULT_APP,
  only?: readonly string[],
): Promise<string> {
  const [command, ...args] = app.split(/\s+/).filter(Boolean);
  const result = await run(command === 'node' ? process.execPath : command, args, {
    cwd: PROJECT_ROOT,
    env: {
      ...env,
      ENVIRONMENTS: environment,
      CDKTF_OUTDIR: outputDir(env),
      STACKS: only?.join(',') ?? '',
    },
  });
  if (result.code !== 0)
    throw new CommandError(`synthesis of "${environment}" failed:\n${result.stderr.trim()}`);
  return stackDirOf(environment, env);
}

/** `init` in a synthesized stack directory (offline-friendly: no upgrade, no input). */
export async function init(stackDir: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!existsSync(join(stackDir, STACK_FILE)))
    throw new CommandError(`${stackDir} has no ${STACK_FILE}; synthesize first`);
  const result = await run(terraformBinary(env), ['init', '-input=false', '-no-color'], {
    cwd: stackDir,
    env,
  });
  if (result.code !== 0)
    throw new CommandError(
      `${terraformBinary(env)} init failed in ${stackDir}:\n${summarizeTerraformError(result.stderr)}`,
    );
}

/**
 * Turns Terraform's error output into the few lines that say what is wrong, naming the common
 * causes plainly (server unreachable, credentials refused).
 */
export function summarizeTerraformError(stderr: string): string {
  // eslint-disable-next-line no-control-regex -- strips ANSI colour codes
  const text = stderr.replace(/\x1b\[[0-9;]*m/g, '');
  const hints: string[] = [];
  const refused =
    /dial tcp ([0-9.:[\]a-z-]+): connect: connection refused/i.exec(text) ??
    /(https?:\/\/[^\s"]+)[^\n]*connection refused/i.exec(text);
  if (refused) hints.push(`a server is unreachable: connection refused at ${refused[1]}`);
  if (/Code: 403|permission denied/i.test(text))
    hints.push(
      'Vault refused the credentials (403 permission denied): check VAULT_TOKEN and the Vault namespace',
    );
  if (/Unauthorized|401/i.test(text) && /kubernetes|k8s/i.test(text))
    hints.push('the Kubernetes API refused the credentials (401)');
  if (/no such host/i.test(text)) hints.push('a host name does not resolve');
  const errors = [...text.matchAll(/Error: ([^\n]+)/g)].map((m) => m[1].trim());
  const unique = [...new Set(errors)].slice(0, 5);
  return (
    [...hints, ...unique.map((e) => `Terraform: ${e}`)].join('\n') ||
    text.trim().split('\n').slice(-5).join('\n')
  );
}

/**
 * A local backend's state file, when the synthesized stack has one and it is not on this
 * machine (a CI runner's fresh clone): a plan would start from an empty state. Relative to the
 * project; undefined for remote backends and present files.
 */
export function unreachableLocalState(stackDir: string): string | undefined {
  const path = SynthesizedStack.read(stackDir).localStatePath();
  if (path === undefined) return undefined;
  const file = resolve(stackDir, path);
  return existsSync(file) ? undefined : relative(PROJECT_ROOT, file);
}

/**
 * Why a Terraform Cloud run of a stack cannot pick its workspace, or undefined when it can. A
 * stack that selects workspaces by tags needs TF_WORKSPACE: a run without a terminal cannot
 * choose one. A stack that names its workspace must not be pointed at another.
 */
export function workspaceRefusal(
  name: string,
  cloud: CloudBlockRead | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const selected = env.TF_WORKSPACE ?? '';
  if (cloud?.tags !== undefined && selected === '')
    return `${name} selects its Terraform Cloud workspace by the tags ${cloud.tags.join(', ')}: set TF_WORKSPACE to the name of the one workspace this run is for (a workspace with those tags); npm run workspace -- --env ${name} lists its settings`;
  if (cloud?.workspace !== undefined && selected !== '' && selected !== cloud.workspace)
    return `TF_WORKSPACE is "${selected}", but ${name} names its Terraform Cloud workspace "${cloud.workspace}": unset TF_WORKSPACE for ${name}`;
  return undefined;
}

/** Refuses, before anything runs, a stack whose Terraform Cloud workspace cannot be picked. */
export function requireWorkspace(name: string, cloud: CloudBlockRead | undefined): void {
  const refusal = workspaceRefusal(name, cloud);
  if (refusal !== undefined) throw new CommandError(refusal);
}

/**
 * Why stacks run together (an environment and its teams') cannot share TF_WORKSPACE, or
 * undefined when they can: a stack that selects its workspace by tags runs in the one workspace
 * TF_WORKSPACE names, which would then take every one's state.
 */
export function sharedWorkspaceRefusal(
  stacks: readonly { readonly name: string; readonly cloud: CloudBlockRead | undefined }[],
): string | undefined {
  const tagged = stacks.filter((s) => s.cloud?.tags !== undefined).map((s) => s.name);
  if (tagged.length === 0 || stacks.length < 2) return undefined;
  return `${tagged.join(', ')} select their Terraform Cloud workspaces by tags, and TF_WORKSPACE names one workspace: run one stack at a time (--team NAME for a team's)`;
}

/**
 * Refuses, before anything runs, stacks whose Terraform Cloud workspaces cannot be picked: each
 * one as `requireWorkspace` does, and those that cannot share TF_WORKSPACE.
 */
export function requireWorkspaces(
  stacks: readonly { readonly name: string; readonly cloud: CloudBlockRead | undefined }[],
  env: NodeJS.ProcessEnv = process.env,
): void {
  for (const { name, cloud } of stacks) {
    const refusal = workspaceRefusal(name, cloud, env);
    if (refusal !== undefined) throw new CommandError(refusal);
  }
  const shared = sharedWorkspaceRefusal(stacks);
  if (shared !== undefined) throw new CommandError(shared);
}

/**
 * Stand-ins for write-only inputs (the drift check and the review plan without the values): a
 * plan needs a value, and write-only values never diff.
 */
export function writeOnlyStandIns(
  stack: SynthesizedStack,
  env: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
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
