/** Small pieces shared by the command-line tools: argument errors, progress lines, exit codes. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type * as Environments from '../environments';
import type { EnvironmentConfig } from '../environments/types';
import { ConfigError, isObject } from '../environments/validate/checker';

/** A mistake in how the command was called: usage on stderr, exit 2, no stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure the user can act on: one clear message, exit 1, no stack trace. */
export class CommandError extends Error {
  override name = 'CommandError';
}

export const EXIT = { ok: 0, error: 1, usage: 2 } as const;

/** Prints a progress line on stderr (stdout stays for results), with seconds since `start`. */
export function progress(tool: string, message: string, start?: number): void {
  const elapsed = start === undefined ? '' : ` (${((Date.now() - start) / 1000).toFixed(1)} s)`;
  process.stderr.write(`[${tool}] ${message}${elapsed}\n`);
}

/**
 * Runs a command: prints `usage` for -h/--help, otherwise runs `main` with the arguments and turns
 * errors into exit codes: usage and command errors print one line; anything else is a bug and
 * keeps its stack trace. Tools whose exit code 2 means something else (drift) pass their own usage
 * exit code. It exits explicitly: an idle keep-alive socket from fetch must not hold the process.
 */
export function runMain(
  tool: string,
  usage: string,
  main: (argv: string[]) => Promise<number>,
  usageExitCode: number = EXIT.usage,
): void {
  const argv = process.argv.slice(2);
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(usage);
    return;
  }
  // A main that throws before its first await is caught like one that rejects.
  Promise.resolve()
    .then(() => main(argv))
    .then(
      (code) => process.exit(code),
      (error: unknown) => {
        if (error instanceof UsageError) {
          process.stderr.write(`${tool}: ${error.message}\n(run with --help for usage)\n`);
          process.exit(usageExitCode);
        }
        if (error instanceof CommandError) {
          process.stderr.write(`${tool}: error: ${error.message}\n`);
          process.exit(EXIT.error);
        }
        process.stderr.write(`${tool}: internal error (a bug, please report it):\n`);
        process.stderr.write(
          `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
        process.exit(EXIT.error);
      },
    );
}

/**
 * Parses `--flag value`, `--flag=value` and boolean flags with node's parseArgs; anything unknown,
 * a missing value or a flag given twice (unless repeatable) is a usage error.
 */
export function parseFlags(
  argv: readonly string[],
  spec: {
    readonly values: readonly string[];
    readonly booleans: readonly string[];
    readonly repeatable?: readonly string[];
  },
): { values: Map<string, string[]>; booleans: Set<string> } {
  const options: ParseArgsConfig['options'] = {};
  for (const flag of spec.values) options[flag.slice(2)] = { type: 'string', multiple: true };
  for (const flag of spec.booleans) options[flag.slice(2)] = { type: 'boolean' };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = new Map<string, string[]>();
  const booleans = new Set<string>();
  for (const [name, value] of Object.entries(parsed.values)) {
    const flag = `--${name}`;
    if (value === true) {
      booleans.add(flag);
      continue;
    }
    const list = (value as string[] | undefined) ?? [];
    if (list.some((v) => v.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
    if (list.length > 1 && !(spec.repeatable ?? []).includes(flag))
      throw new UsageError(`${flag} given twice`);
    values.set(flag, list);
  }
  return { values, booleans };
}

/** run-ts.js's code for a project file that does not compile (its message names file and line). */
const SOURCE_ERROR = 'ERR_TS_SOURCE';

let loaded: typeof Environments | undefined;

/**
 * environments/index.ts and every environment file, loaded when first needed, so that a file
 * that does not compile costs a command one line naming the file and line, never a stack trace,
 * and never its --help.
 */
function environments(): typeof Environments {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded late on purpose (above)
    loaded ??= require('../environments') as typeof Environments;
    return loaded;
  } catch (error) {
    if ((error as { code?: unknown }).code === SOURCE_ERROR)
      throw new UsageError(
        `the environment files do not load: ${(error as Error).message}; nothing was run`,
      );
    throw error;
  }
}

/** The environments' names, for a usage text; a list that does not load says why instead. */
export function environmentNames(): string {
  try {
    return environments()
      .ALL_ENVIRONMENTS.map((e: unknown, i) =>
        isObject(e) && typeof e.name === 'string'
          ? e.name
          : `(ALL_ENVIRONMENTS[${i}]: no environment)`,
      )
      .join(', ');
  } catch (error) {
    return `none loaded: ${(error as Error).message}`;
  }
}

/**
 * The environments named on the command line (all of them when none is named), validated; an
 * unknown name, an invalid configuration or a file that does not compile is a usage error
 * listing what is wrong.
 */
export function selectEnvironments(names: readonly string[]): EnvironmentConfig[] {
  try {
    const { loadEnvironments, environmentWarnings } = environments();
    const selected = loadEnvironments(names);
    for (const line of environmentWarnings(selected)) process.stderr.write(`warning: ${line}\n`);
    return selected;
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** The one environment a `--env NAME` option names (required). */
export function requiredEnvironment(values: Map<string, string[]>): EnvironmentConfig {
  const name = values.get('--env')?.[0];
  if (!name) throw new UsageError('--env is required');
  return selectEnvironments([name])[0];
}

/**
 * The stack a tool works on: `--env NAME`, an environment of this app; with `--app COMMAND`
 * (another cdktf app, e.g. the end-to-end variants) NAME is one of that app's stacks, and its
 * environment only if it has one of the same name.
 */
export function requiredStack(values: Map<string, string[]>): {
  readonly name: string;
  readonly app?: string;
  readonly config?: EnvironmentConfig;
} {
  const app = values.get('--app')?.[0];
  if (app === undefined) {
    const config = requiredEnvironment(values);
    return { name: config.name, config };
  }
  const name = values.get('--env')?.[0];
  if (!name) throw new UsageError('--env is required');
  const config = environments().ALL_ENVIRONMENTS.find(
    (e: unknown) => isObject(e) && e.name === name,
  );
  return { name, app, config };
}
