// The lab commands: up, status, down, env.
import * as fs from 'fs';
import * as path from 'path';
import type { LabInfo } from './info';
import { readLabInfo, renderEnvLines, writeLabFiles } from './info';
import { labOwnedEntries, pidPath } from './paths';
import { isPidAlive, stopTracked } from './process';
import { LabError, formatSeconds, say, timedStep } from './report';
import type { LabContext } from './parts/context';
import { baoPath, createContext, ensurePrivateDir, kubectlPath } from './parts/context';
import type { PartGroup } from './parts/groups';
import { COMPONENTS, PART_GROUPS, withDependencies } from './parts/groups';
import { SERVICES, servicesFor, stepsFor } from './parts';
import type { ServiceStatus } from './parts/service';
import { serviceStatus } from './parts/service';
import { engineBinary, toolchainState } from './parts/terraform';
import { ENGINES } from './config';
import { buildMissing, isExecutable } from './toolchain';
import { esoVersions, switchEso } from './parts/eso';

/** One `up` or `down` at a time per LAB_DIR. */
function withLock<T>(ctx: LabContext, run: () => Promise<T>): Promise<T> {
  ensurePrivateDir(ctx.paths.labDir);
  const lock = ctx.paths.lockFile;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      return run().finally(() => fs.rmSync(lock, { force: true }));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(holder) && isPidAlive(holder)) {
        throw new LabError(
          'lab',
          `another lab command (pid ${holder}) is working on ${ctx.paths.labDir}; wait for it`,
        );
      }
      fs.rmSync(lock, { force: true }); // left behind by a killed run
    }
  }
  throw new LabError('lab', `could not take the lock ${lock}`);
}

/** $LAB_DIR/bin: tofu, terraform, kubectl and bao on one PATH entry, without the venv's python shadowing the user's. */
function linkLabBinaries(ctx: LabContext): void {
  const links: [string, () => string][] = [
    ...ENGINES.map((engine): [string, () => string] => [engine, () => engineBinary(ctx, engine)]),
    ['kubectl', () => kubectlPath(ctx)],
    ['bao', () => baoPath(ctx)],
  ];
  ensurePrivateDir(ctx.paths.binDir);
  for (const [name, target] of links) {
    const link = path.join(ctx.paths.binDir, name);
    let resolved: string | undefined;
    try {
      resolved = target();
    } catch {
      resolved = undefined;
    }
    fs.rmSync(link, { force: true });
    if (resolved !== undefined && isExecutable(resolved)) fs.symlinkSync(resolved, link);
  }
}

function printSummary(info: LabInfo): void {
  say('addresses:');
  const rows: [PartGroup, string, string][] = [
    [
      'vault',
      'OpenBao',
      `${info.vault.addr} (namespace ${info.vault.namespace}; root token in ${info.vault.rootTokenPath})`,
    ],
    [
      'kubernetes',
      'kube-apiserver',
      `${info.kubernetes.apiserverUrl} (KUBECONFIG=${info.kubernetes.kubeconfig})`,
    ],
    ['kubernetes', 'etcd', info.etcd.url],
    [
      'eks',
      'EKS/STS (moto)',
      `${info.eks.motoUrl} (cluster ${info.eks.clusterName}, ${info.eks.region})`,
    ],
    ['eks', 'EKS token webhook', info.eks.webhookUrl],
    ['eso', 'ESO controller', `${info.eso.healthUrl}, ${info.eso.metricsUrl}`],
    [
      'clusters',
      'second cluster',
      info.green
        ? `${info.green.apiserverUrl} (${info.green.clusterName}, ${info.green.region}; KUBECONFIG=${info.green.kubeconfig}; ESO ${info.green.esoHealthUrl})`
        : '-',
    ],
    [
      'database',
      'PostgreSQL',
      `postgresql://${info.postgres.host}:${info.postgres.port} (superuser password in ${info.postgres.superuserPasswordPath})`,
    ],
    ...ENGINES.map((engine): [PartGroup, string, string] => [
      'toolchain',
      engine === info.toolchain.engine ? `${engine} (LAB_ENGINE)` : engine,
      `${info.toolchain.engines[engine]} (TF_CLI_CONFIG_FILE=${info.toolchain.tfCliConfigFile})`,
    ]),
  ];
  for (const [group, name, address] of rows)
    if (info.parts.includes(group)) say(`  ${name.padEnd(18)} ${address}`);
  say(`environment (also in ${info.envFile}; lab.json: ${path.join(info.labDir, 'lab.json')}):`);
  for (const line of renderEnvLines(info, false)) process.stdout.write(`${line}\n`);
}

export async function up(requested: PartGroup[] | undefined): Promise<void> {
  const started = Date.now();
  const ctx = createContext();
  const groups = withDependencies(requested ?? [...PART_GROUPS]);
  // lab.json describes everything up so far: an earlier `up` of other parts still counts.
  const recorded = withDependencies([...groups, ...groupsOfLastUp(ctx, [])]);
  say(`up: ${groups.join(', ')} in ${ctx.paths.labDir}`);
  await withLock(ctx, async () => {
    try {
      // A fresh machine: build what is missing in one run, two at a time, before the parts start.
      const components = groups.flatMap((g) => COMPONENTS[g]);
      if (components.some((c) => !isExecutable(ctx.tools[c])))
        await timedStep('build', async () => {
          const built = await buildMissing(ctx.config, ctx.tools, components);
          return built.length > 0 ? `built ${built.join(', ')}` : 'another build.sh is running';
        });
      for (const step of stepsFor(groups)) await timedStep(step.name, () => step.run(ctx));
    } finally {
      // Even after a failure: what did start stays usable, and `down` / `status` can find it.
      linkLabBinaries(ctx);
      writeLabFiles(ctx, recorded);
    }
  });
  printSummary(readLabInfo(ctx.config.labDir));
  say(`up: done in ${formatSeconds(Date.now() - started)}`);
}

function groupsOfLastUp(ctx: LabContext, fallback: PartGroup[] = [...PART_GROUPS]): PartGroup[] {
  try {
    return readLabInfo(ctx.config.labDir).parts;
  } catch {
    return fallback;
  }
}

/** Exit code: 0 all healthy, 3 nothing running, 1 partly. */
export async function status(): Promise<number> {
  const ctx = createContext();
  const groups = groupsOfLastUp(ctx);
  const expected = servicesFor(groups);
  const results: ServiceStatus[] = await Promise.all(
    SERVICES.map((service) => serviceStatus(ctx, service)),
  );
  const table: string[][] = [['PART', 'STATE', 'PID', 'ADDRESS', 'HEALTH']];
  for (const result of results) {
    const wanted = expected.some((service) => service.name === result.name);
    const state = result.running ? 'running' : wanted ? 'stopped' : 'not requested';
    const health = result.running
      ? `${result.health.ok ? 'healthy' : 'UNHEALTHY'}: ${result.health.detail.replace(/\s+/g, ' ')}`
      : '-';
    table.push([result.name, state, result.pid?.toString() ?? '-', result.address, health]);
  }
  if (groups.includes('toolchain')) {
    const tools = toolchainState(ctx);
    table.push([
      'toolchain',
      tools.ok ? 'ready' : 'incomplete',
      '-',
      ctx.paths.tofuRc,
      tools.detail,
    ]);
  }
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
  for (const row of table) {
    process.stdout.write(
      `${row.map((cell, column) => (column < row.length - 1 ? cell.padEnd(widths[column]) : cell)).join('  ')}\n`,
    );
  }
  const wanted = results.filter((result) =>
    expected.some((service) => service.name === result.name),
  );
  if (wanted.every((result) => result.running && result.health.ok)) return 0;
  if (results.every((result) => !result.running)) return 3;
  return 1;
}

export async function down(): Promise<void> {
  const started = Date.now();
  const ctx = createContext();
  await withLock(ctx, async () => {
    for (const service of [...SERVICES].reverse()) {
      await timedStep(
        service.name,
        async () => (await stopTracked(pidPath(ctx.paths, service.name))) ?? 'not running',
      );
    }
    for (const entry of labOwnedEntries(ctx.paths))
      fs.rmSync(entry, { recursive: true, force: true });
  });
  // Leave LAB_DIR itself only if someone put other files there.
  try {
    fs.rmdirSync(ctx.paths.labDir);
  } catch {
    // Not empty or already gone.
  }
  say(`down: removed the lab data in ${ctx.paths.labDir} (${formatSeconds(Date.now() - started)})`);
}

/** Runs another built ESO version in the running lab (until the next `up`). */
export async function useEso(version: string): Promise<void> {
  const ctx = createContext();
  if (!esoVersions(ctx).includes(version))
    throw new LabError(
      'eso',
      `ESO ${version} is not one the lab builds; known: ${esoVersions(ctx).join(', ')} (ESO_VERSION, ESO_EARLIER_VERSIONS in common/versions.sh)`,
    );
  const parts = readLabInfo(ctx.config.labDir).parts; // fails with "start it with up" when none
  if (!parts.includes('eso'))
    throw new LabError('eso', 'the lab runs no ESO: start it with `npm run lab -- up`');
  await withLock(ctx, async () => {
    try {
      await timedStep('eso', () => switchEso(ctx, version));
    } finally {
      writeLabFiles(ctx, parts);
    }
  });
}

export function env(): void {
  const info = readLabInfo();
  process.stdout.write(`${renderEnvLines(info, false).join('\n')}\n`);
}
