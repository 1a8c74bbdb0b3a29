/**
 * The one way this project runs a command and waits for it: captured (a tool that parses the
 * output, which may hold values, so it is never inherited), inherited (the user sees cdktf's plan
 * and answers its prompt), or logged to a file (the lab suites). Offline-friendly: HashiCorp's
 * checkpoint service is never asked for news.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time, seconds. */
  readonly seconds: number;
}

export interface RunOptions {
  readonly cwd?: string;
  /** The whole environment of the command. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to its standard input, which is then closed. @default nothing */
  readonly input?: string;
  /**
   * `capture`: output collected and returned; `inherit`: the terminal's (nothing is returned).
   * @default 'capture'
   */
  readonly stdio?: 'capture' | 'inherit';
  /** Appends the command line and its output to this file as they come. @default none */
  readonly logFile?: string;
  /**
   * Runs it in a process group of its own (so a signal to the group reaches its children, and
   * an interrupt of ours does not reach it).
   * @default false
   */
  readonly ownGroup?: boolean;
  /** Called with its pid once it runs. @default none */
  readonly onSpawn?: (pid: number) => void;
  /** Called with the standard output so far, after each chunk. @default none */
  readonly onStdout?: (soFar: string) => void;
  /** What a missing command means to the user (`ENOENT`). @default the system's error */
  readonly notFound?: (command: string) => Error;
}

/** Runs `command` to completion. A command killed by a signal exits 128 + 9 (137). */
export function runProcess(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const started = Date.now();
  if (options.logFile) appendFileSync(options.logFile, `\n$ ${command} ${args.join(' ')}\n`);
  const log = (text: string) => {
    if (options.logFile) appendFileSync(options.logFile, text);
  };
  return new Promise((resolve, reject) => {
    const inherit = options.stdio === 'inherit';
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { CHECKPOINT_DISABLE: '1', ...(options.env ?? process.env) },
      stdio: inherit
        ? 'inherit'
        : [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: options.ownGroup ?? false,
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      const text = d.toString('utf8');
      stdout += text;
      log(text);
      options.onStdout?.(stdout);
    });
    child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString('utf8');
      stderr += text;
      log(text);
    });
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' && options.notFound ? options.notFound(command) : e),
    );
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 137 : 1),
        stdout,
        stderr,
        seconds: (Date.now() - started) / 1000,
      }),
    );
    if (child.stdin) {
      // A command that never reads its input may exit first: its closed pipe is not an error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input ?? '');
    }
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
 * Runs a command with the terminal, in a process group of its own, so that an interrupt aimed at
 * this process (Ctrl-C, a cancelled CI job's SIGTERM to the whole group) reaches only the
 * descendants named `programs`, as SIGINT: OpenTofu stops gracefully and saves its state while
 * cdktf, still alive, keeps reading its output. (A plain group kill ends cdktf, and OpenTofu,
 * under cdktf's pseudo-terminal, dies of the hang-up before saving.) A second interrupt, or one
 * before any such descendant runs, kills the whole group. Resolves with the exit code and whether
 * it was interrupted.
 */
export async function runShielded(
  command: string,
  args: readonly string[],
  options: {
    readonly cwd: string;
    readonly programs: readonly string[];
    readonly onInterrupt: (message: string) => void;
  },
): Promise<{ code: number; interrupted: boolean }> {
  let pid: number | undefined;
  let interrupts = 0;
  const interrupt = (): void => {
    interrupts += 1;
    if (pid === undefined) return;
    const targets = descendantsNamed(pid, options.programs);
    if (interrupts > 1 || targets.length === 0) {
      options.onInterrupt(
        'interrupted again (or before OpenTofu started): stopping everything now',
      );
      try {
        process.kill(-pid, interrupts > 1 ? 'SIGKILL' : 'SIGTERM');
      } catch {
        /* already gone */
      }
      return;
    }
    options.onInterrupt(
      'interrupted: OpenTofu finishes what is in flight and saves its state (interrupt again to kill)',
    );
    for (const target of targets) process.kill(target, 'SIGINT');
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    const { code } = await runProcess(command, args, {
      cwd: options.cwd,
      stdio: 'inherit',
      ownGroup: true,
      onSpawn: (spawned) => (pid = spawned),
    });
    return { code, interrupted: interrupts > 0 };
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}
