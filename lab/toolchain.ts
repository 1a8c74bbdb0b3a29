// The lab's binaries: where lab/toolchain/build.sh puts them, and building the missing ones.
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { LabConfig } from './config';
import { LAB_SOURCE_DIR } from './config';
import { lastLogLine } from './process';
import { LabError, formatSeconds, say } from './report';
import { sleep } from './http';
import { type ProviderType, readVersions, requireVersion } from '../common/versions';

export const BUILD_SCRIPT = path.join(LAB_SOURCE_DIR, 'toolchain', 'build.sh');
export { PROVIDER_TYPES, type ProviderType } from '../common/versions';
export { readVersions, requireVersion };

export type Component =
  | 'tofu'
  | 'terraform'
  | 'provider-vault'
  | 'provider-kubernetes'
  | 'provider-aws'
  | 'etcd'
  | 'kubernetes'
  | 'eso'
  // An earlier ESO (ESO_EARLIER_VERSIONS), e.g. eso-0.16.2: upgrade tests start from it.
  | `eso-${string}`
  // The untrimmed aws provider: never part of the lab, only verify-trim's reference.
  | 'provider-aws-full';

/** The earlier ESO releases the lab builds beside ESO_VERSION (ESO_EARLIER_VERSIONS). */
export function esoEarlierVersions(
  versions: Readonly<Record<string, string>> = readVersions(),
): string[] {
  return (versions.ESO_EARLIER_VERSIONS ?? '').split(/\s+/).filter(Boolean);
}

/** The component of an ESO version: `eso` for ESO_VERSION, `eso-<version>` for an earlier one. */
export function esoComponent(
  version: string,
  versions: Readonly<Record<string, string>> = readVersions(),
): Component {
  if (version === requireVersion(versions, 'ESO_VERSION')) return 'eso';
  if (esoEarlierVersions(versions).includes(version)) return `eso-${version}`;
  throw new LabError(
    'eso',
    `ESO ${version} is not built by the lab: ESO_VERSION=${versions.ESO_VERSION}, ESO_EARLIER_VERSIONS=${versions.ESO_EARLIER_VERSIONS ?? ''} (common/versions.sh)`,
  );
}

export function providerVersion(
  versions: Readonly<Record<string, string>>,
  type: ProviderType,
): string {
  return requireVersion(versions, `${type.toUpperCase()}_PROVIDER_VERSION`);
}

function buildEnv(config: LabConfig): NodeJS.ProcessEnv {
  return { ...process.env, LAB_CACHE_DIR: config.cacheDir };
}

/** Paths of every component, from one `build.sh --list` (build.sh owns the cache layout). */
export function toolPaths(config: LabConfig): Record<Component, string> {
  let listing: string;
  try {
    listing = execFileSync(BUILD_SCRIPT, ['--list'], { env: buildEnv(config), encoding: 'utf8' });
  } catch (error) {
    throw new LabError('toolchain', `${BUILD_SCRIPT} --list failed: ${(error as Error).message}`);
  }
  const paths: Partial<Record<Component, string>> = {};
  for (const line of listing.split('\n')) {
    const [component, toolPath] = line.trim().split(/\s+/);
    if (component && toolPath) paths[component as Component] = toolPath;
  }
  const required: Component[] = [
    'tofu',
    'terraform',
    'provider-vault',
    'provider-kubernetes',
    'provider-aws',
    'etcd',
    'kubernetes',
    'eso',
    'provider-aws-full',
    ...esoEarlierVersions().map((v) => `eso-${v}` as const),
  ];
  for (const component of required) {
    if (!paths[component])
      throw new LabError('toolchain', `build.sh --list does not name ${component}`);
  }
  return paths as Record<Component, string>;
}

export function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Pids of build.sh runs (not --path/--list look-ups) already under way, e.g. a background build. */
function runningBuildPids(): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const script = argv.findIndex((arg) => arg.endsWith('toolchain/build.sh'));
    if (script < 0) continue;
    const rest = argv.slice(script + 1);
    if (rest.some((arg) => ['--path', '--list', '--help', '-h', '--as-library'].includes(arg)))
      continue;
    pids.push(Number(entry));
  }
  return pids;
}

const HEARTBEAT_MS = 60_000;

function buildLog(config: LabConfig, component: Component): string {
  return path.join(config.cacheDir, 'logs', `build-${component}.log`);
}

function heartbeat(config: LabConfig, component: Component, started: number, what: string): void {
  const last = lastLogLine(buildLog(config, component), 120);
  say(`${component}: ${what} ${formatSeconds(Date.now() - started)}${last ? ` — ${last}` : ''}`);
}

/** Waits while another build.sh runs; true if it produced the binary. */
async function waitForOtherBuild(
  config: LabConfig,
  component: Component,
  binary: string,
): Promise<boolean> {
  const started = Date.now();
  let lastBeat = started;
  say(
    `${component}: not built yet; another build.sh is running, waiting for it (log: ${buildLog(config, component)})`,
  );
  while (runningBuildPids().length > 0) {
    if (isExecutable(binary)) return true;
    if (Date.now() - lastBeat >= HEARTBEAT_MS) {
      heartbeat(config, component, started, 'still waiting for the running build,');
      lastBeat = Date.now();
    }
    await sleep(2000);
  }
  return isExecutable(binary);
}

function runBuild(config: LabConfig, components: readonly Component[]): Promise<number> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(BUILD_SCRIPT, [...components], {
      env: buildEnv(config),
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    // build.sh prints one line per build; the compiler output goes to its log. Show signs of
    // life: the most recently written log among the components being built.
    const timer = setInterval(() => {
      const latest = [...components].sort(
        (a, b) => modifiedAt(buildLog(config, b)) - modifiedAt(buildLog(config, a)),
      )[0];
      heartbeat(config, latest, started, 'building,');
    }, HEARTBEAT_MS);
    child.on('error', () => {
      clearInterval(timer);
      resolve(127);
    });
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve(code ?? 1);
    });
  });
}

function modifiedAt(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Builds every missing one of `components` in one build.sh run: two at a time, longest first
 * (build.sh's pool), instead of one after another as the parts come to need them. On a fresh
 * machine that halves the wait. Returns the components it built.
 */
export async function buildMissing(
  config: LabConfig,
  paths: Record<Component, string>,
  components: readonly Component[],
): Promise<Component[]> {
  // build.sh --list names them longest first; keep that order.
  const order = Object.keys(paths) as Component[];
  const missing = order.filter((c) => components.includes(c) && !isExecutable(paths[c]));
  if (missing.length === 0) return [];
  if (runningBuildPids().length > 0) return []; // another build.sh runs: the parts wait for it
  say(`toolchain: building ${missing.join(', ')} (two at a time; logs in ${config.cacheDir}/logs)`);
  const code = await runBuild(config, missing);
  if (code !== 0) {
    const failed = missing.find((c) => !isExecutable(paths[c])) ?? missing[0];
    throw new LabError(
      failed,
      `build.sh ${missing.join(' ')} failed (exit ${code})`,
      buildLog(config, failed),
    );
  }
  return missing;
}

/** Returns the binary of component, building it with build.sh first if it is not cached. */
export async function ensureBuilt(
  config: LabConfig,
  paths: Record<Component, string>,
  component: Component,
): Promise<string> {
  const binary = paths[component];
  if (isExecutable(binary)) return binary;
  if (runningBuildPids().length > 0 && (await waitForOtherBuild(config, component, binary)))
    return binary;
  const code = await runBuild(config, [component]);
  if (code !== 0 || !isExecutable(binary)) {
    throw new LabError(
      component,
      `build.sh ${component} failed (exit ${code})`,
      buildLog(config, component),
    );
  }
  return binary;
}

/** Resolves a command name on PATH (for LAB_TF_BINARY=terraform). */
export function whichOnPath(command: string): string | undefined {
  if (command.includes('/'))
    return isExecutable(path.resolve(command)) ? path.resolve(command) : undefined;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir !== '' && isExecutable(path.join(dir, command))) return path.join(dir, command);
  }
  return undefined;
}
