/** What the benchmark scripts share: running a command against the clock, medians, their usage. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

export const ROOT = join(__dirname, '..');

/** A bad argument or a failed command: one line on stderr, exit 2. */
export function fail(tool: string, message: string): never {
  process.stderr.write(`${tool}: ${message}\n`);
  process.exit(2);
}

/** parseArgs over the command line; a bad flag fails as `tool` (exit 2), pointing at --help. */
export function benchArgs<T extends ParseArgsConfig>(
  tool: string,
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    fail(tool, `${(error as Error).message} (see --help)`);
  }
}

/** The usage text: the script's header comment, lines 2 to `last`. */
export function headerUsage(file: string, last: number): string {
  return `${readFileSync(file, 'utf8')
    .split('\n')
    .slice(1, last)
    .map((l) => l.replace(/^\/\/ ?/, ''))
    .join('\n')}\n`;
}

/** Runs a command to completion and returns its wall time; an exit code not in `ok` fails. */
export function timed(
  tool: string,
  command: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { cwd?: string; ok?: readonly number[] } = {},
): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command[0], command.slice(1), {
    cwd: options.cwd ?? ROOT,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (!(options.ok ?? [0]).includes(result.status ?? -1))
    fail(
      tool,
      `"${command.join(' ')}" exited ${result.status}:\n${(result.stdout + result.stderr).slice(-3000)}`,
    );
  return seconds;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `--runs N` (a whole number >= 1). */
export function runsOption(tool: string, value: string): number {
  const runs = Number(value);
  if (!Number.isInteger(runs) || runs < 1)
    fail(tool, `--runs takes a whole number >= 1, got "${value}"`);
  return runs;
}

/**
 * A benchmark's result table: printed as it grows, and saved to .lab/bench/<name>.txt when done,
 * where scripts/readme-figures.ts takes the README's figures from.
 */
export class Report {
  private readonly lines: string[] = [];

  constructor(private readonly name: string) {}

  line(text: string): void {
    this.lines.push(text);
    process.stdout.write(`${text}\n`);
  }

  /** Writes the table, and with `data` its figures as .lab/bench/<name>.json (for plots). */
  save(data?: object): void {
    const dir = join(ROOT, '.lab', 'bench');
    mkdirSync(dir, { recursive: true });
    const now = new Date().toISOString();
    const stamp = `measured ${now.slice(0, 16).replace('T', ' ')} UTC`;
    writeFileSync(join(dir, `${this.name}.txt`), `${[...this.lines, stamp].join('\n')}\n`);
    if (data !== undefined)
      writeFileSync(
        join(dir, `${this.name}.json`),
        `${JSON.stringify({ measured: now, ...data }, null, 2)}\n`,
      );
  }
}

/** GNU time, for the peak RSS of a command (Debian package "time"). */
export const GNU_TIME = '/usr/bin/time';

/** One run of a command: its wall time, its exit code and its largest process's peak RSS. */
export interface Measured {
  readonly seconds: number;
  readonly peakMb: number;
  readonly code: number;
}

/**
 * Runs a command under GNU time: wall time, exit code (one not in `ok` fails), and the peak RSS
 * of the largest process it ran (the command or any child it waited for: ru_maxrss of
 * RUSAGE_CHILDREN), not their sum.
 */
export function timedWithPeak(
  tool: string,
  command: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { cwd?: string; ok?: readonly number[] } = {},
): Measured {
  if (!existsSync(GNU_TIME))
    fail(
      tool,
      `${GNU_TIME} not found: install it (Debian: apt-get install time) to measure memory`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'bench-rss-'));
  const rssFile = join(dir, 'rss');
  const started = process.hrtime.bigint();
  const result = spawnSync(GNU_TIME, ['-f', '%M', '-o', rssFile, ...command], {
    cwd: options.cwd ?? ROOT,
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const code = result.status ?? -1;
  if (!(options.ok ?? [0]).includes(code))
    fail(
      tool,
      `"${command.join(' ')}" exited ${code}:\n${(result.stdout + result.stderr).slice(-3000)}`,
    );
  // GNU time writes "Command exited with non-zero status N" before the figure.
  const peakMb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024;
  rmSync(dir, { recursive: true, force: true });
  return { seconds, peakMb, code };
}
