import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { STACK_FILE, SynthesizedStack } from '../common/synthesized-stack';
import { CommandError } from './cli';

/** Project root (cdktf.json lives here; local state files sit beside it). */
export const PROJECT_ROOT = join(__dirname, '..');

/** The Terraform-compatible binary, chosen the way cdktf chooses it. */
export function terraformBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.TERRAFORM_BINARY_NAME ?? 'terraform';
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion, capturing its output (never inheriting it: it may hold values). */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      // Offline-friendly: no call to HashiCorp's checkpoint service (its error would be logged).
      env: { CHECKPOINT_DISABLE: '1', ...(options.env ?? process.env) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new CommandError(
              `"${command}" not found; set TERRAFORM_BINARY_NAME to terraform or tofu (the lab's env.sh sets it)`,
            )
          : e,
      ),
    );
    child.on('close', (code) =>
      resolve({
        code: code ?? 1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/**
 * Runs a command with the terminal (the user sees cdktf's plan and may answer its prompt);
 * resolves with its exit code.
 */
export function runInherited(
  command: string,
  args: readonly string[],
  cwd: string = PROJECT_ROOT,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { CHECKPOINT_DISABLE: '1', ...process.env },
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/**
 * The descendants of a process whose program is one of `names` (from /proc: Linux only). cdktf
 * runs OpenTofu under a pseudo-terminal, in a session of its own: only ancestry finds it.
 */
function descendantsNamed(root: number, names: readonly string[]): number[] {
  const parents = new Map<number, number>();
  const programs = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command in /proc/<pid>/stat may hold spaces: count fields from its closing ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      programs.set(
        Number(entry),
        basename(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')[0]),
      );
    } catch {
      /* gone meanwhile */
    }
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p))
      if (p === root) return true;
    return false;
  };
  return [...programs]
    .filter(([pid, program]) => names.includes(program) && isDescendant(pid))
    .map(([pid]) => pid);
}

/**
 * Runs cdktf in a process group of its own, so that an interrupt aimed at this tool (Ctrl-C, a
 * cancelled CI job's SIGTERM to the whole group) reaches OpenTofu alone, as SIGINT: it stops
 * gracefully and saves its state while cdktf, still alive, keeps reading its output. (A plain
 * group kill ends cdktf, and OpenTofu, under cdktf's pseudo-terminal, dies of the hang-up before
 * saving.) A second interrupt kills everything. Resolves with the exit code and whether it was
 * interrupted.
 */
export function runShielded(
  command: string,
  args: readonly string[],
  onInterrupt: (message: string) => void,
): Promise<{ code: number; interrupted: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: PROJECT_ROOT,
      env: { CHECKPOINT_DISABLE: '1', ...process.env },
      stdio: 'inherit',
      detached: true,
    });
    let interrupts = 0;
    const interrupt = (): void => {
      interrupts += 1;
      if (child.pid === undefined) return;
      const tofu = descendantsNamed(child.pid, ['tofu', 'terraform', basename(terraformBinary())]);
      if (interrupts > 1 || tofu.length === 0) {
        onInterrupt('interrupted again (or before OpenTofu started): stopping everything now');
        try {
          process.kill(-child.pid, interrupts > 1 ? 'SIGKILL' : 'SIGTERM');
        } catch {
          /* already gone */
        }
        return;
      }
      onInterrupt(
        'interrupted: OpenTofu finishes what is in flight and saves its state (interrupt again to kill)',
      );
      for (const pid of tofu) process.kill(pid, 'SIGINT');
    };
    process.on('SIGINT', interrupt);
    process.on('SIGTERM', interrupt);
    child.on('error', reject);
    child.on('close', (code) => {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
      resolve({ code: code ?? 1, interrupted: interrupts > 0 });
    });
  });
}

/** cdktf as installed in the project. */
export const CDKTF = join(PROJECT_ROOT, 'node_modules', '.bin', 'cdktf');

/** `cdktf deploy|destroy NAME` with the pass-through flags the ops tools accept. */
export function cdktfArgs(
  command: 'deploy' | 'destroy',
  stack: string,
  flags: ReadonlySet<string>,
  app: string | undefined,
): string[] {
  return [
    command,
    stack,
    ...['--auto-approve', '--skip-provider-lock'].filter((f) => flags.has(f)),
    ...(app ? ['--app', app] : []),
  ];
}

/** The app command of cdktf.json, split into words (it holds no quoting). */
export const DEFAULT_APP = 'node scripts/run-ts.js main.ts';

/**
 * Synthesizes one environment into the project's cdktf.out (where its local state path points)
 * and returns its stack directory. `app` is a cdktf-style app command.
 */
export async function synthesize(
  environment: string,
  env: NodeJS.ProcessEnv = process.env,
  app: string = DEFAULT_APP,
): Promise<string> {
  const [command, ...args] = app.split(/\s+/).filter(Boolean);
  const result = await run(command === 'node' ? process.execPath : command, args, {
    cwd: PROJECT_ROOT,
    env: { ...env, ENVIRONMENTS: environment, CDKTF_OUTDIR: join(PROJECT_ROOT, 'cdktf.out') },
  });
  if (result.code !== 0)
    throw new CommandError(`synthesis of "${environment}" failed:\n${result.stderr.trim()}`);
  return join(PROJECT_ROOT, 'cdktf.out', 'stacks', environment);
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
