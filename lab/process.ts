// Detached server processes: start with stdio to a log file, track by pid file, stop by pid.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface TrackedProcess {
  pid: number;
  /** Exit code or signal once the process has ended while this CLI was still watching. */
  exitStatus(): string | undefined;
}

/**
 * A pid file holds the pid; a sibling `.starttime` file holds the kernel start time of that pid, so a
 * recycled pid is never mistaken for (or killed as) a lab process.
 */
function startTimePath(pidFile: string): string {
  return pidFile.replace(/\.pid$/, '.starttime');
}

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, ...]; undefined if gone. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function procStartTime(pid: number): string | undefined {
  // Field 22 of stat is starttime; index 19 once pid and comm are cut off.
  return procStat(pid)?.[19];
}

export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isPidAlive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat[0] !== 'Z' && stat[0] !== 'X';
}

/** The pid recorded in pidFile if that very process still runs, else undefined. */
export function runningPid(pidFile: string): number | undefined {
  const pid = readPid(pidFile);
  if (pid === undefined || !isPidAlive(pid)) return undefined;
  try {
    const recorded = fs.readFileSync(startTimePath(pidFile), 'utf8').trim();
    if (recorded !== procStartTime(pid)) return undefined;
  } catch {
    return undefined;
  }
  return pid;
}

export interface StartOptions {
  command: string;
  args: string[];
  logFile: string;
  pidFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Starts a process in its own session so it outlives this CLI; its stdout and stderr go to logFile. */
export function startDetached(options: StartOptions): TrackedProcess {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.dirname(options.pidFile), { recursive: true, mode: 0o700 });
  // Logs can hold secrets (the OpenBao dev server prints its root token), hence 0600.
  const log = fs.openSync(options.logFile, 'a', 0o600);
  fs.writeSync(
    log,
    `\n=== ${new Date().toISOString()} lab starts: ${options.command} ${options.args.join(' ')}\n`,
  );
  let exit: string | undefined;
  const child = spawn(options.command, options.args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  fs.closeSync(log);
  child.on('error', (error) => {
    exit = `could not start ${options.command}: ${error.message}`;
  });
  child.on('exit', (code, signal) => {
    exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
  });
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    return { pid: -1, exitStatus: () => exit ?? `could not start ${options.command}` };
  }
  fs.writeFileSync(options.pidFile, `${pid}\n`);
  fs.writeFileSync(startTimePath(options.pidFile), `${procStartTime(pid) ?? ''}\n`);
  return { pid, exitStatus: () => exit };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // Each lab process leads its own process group (detached), so this also reaches its children.
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** SIGTERM, wait up to graceMs, then SIGKILL. Returns what happened, or undefined if nothing ran. */
export async function stopTracked(pidFile: string, graceMs = 10_000): Promise<string | undefined> {
  const pid = runningPid(pidFile);
  let outcome: string | undefined;
  if (pid !== undefined) {
    signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isPidAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isPidAlive(pid)) {
      signalGroup(pid, 'SIGKILL');
      const killDeadline = Date.now() + 5_000;
      while (isPidAlive(pid) && Date.now() < killDeadline) await sleep(50);
      outcome = `killed pid ${pid} (SIGKILL after ${graceMs / 1000} s)`;
    } else {
      outcome = `stopped pid ${pid}`;
    }
  }
  fs.rmSync(pidFile, { force: true });
  fs.rmSync(startTimePath(pidFile), { force: true });
  return outcome;
}

/** Last non-empty line of a log, for one-line error messages. */
export function lastLogLine(logFile: string, maxLength = 200): string | undefined {
  try {
    const size = fs.statSync(logFile).size;
    const fd = fs.openSync(logFile, 'r');
    const length = Math.min(size, 8192);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    fs.closeSync(fd);
    const lines = buffer
      .toString('utf8')
      .split('\n')
      .map((line) => line.trim());
    const last = lines.filter((line) => line !== '' && !line.startsWith('=== ')).pop();
    return last === undefined ? undefined : last.slice(0, maxLength);
  } catch {
    return undefined;
  }
}
