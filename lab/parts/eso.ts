// External Secrets Operator: its CRDs (from the build, same version) and the controller on the host.
// `up` runs ESO_VERSION; switchEso() (npm run lab -- use-eso VERSION) runs another built version
// until the next `up`: it stops the controller, applies that version's CRDs and starts its binary.
import { execFile, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { request } from '../http';
import { logPath, pidPath } from '../paths';
import { runningPid, stopTracked } from '../process';
import { LabError } from '../report';
import type { Component } from '../toolchain';
import { ensureBuilt, esoComponent, esoEarlierVersions, requireVersion } from '../toolchain';
import type { LabContext } from './context';
import { kubectlPath } from './context';
import { kubeRequest } from './kubernetes';
import type { Health, ServiceDefinition } from './service';
import { upService } from './service';

/** The annotation the lab puts on each ESO CRD: the ESO version whose CRDs are installed. */
export const ESO_VERSION_ANNOTATION = 'lab.eks-vault-eso/eso-version';

/** ESO_VERSION: the one `up` runs. */
export function pinnedEsoVersion(ctx: LabContext): string {
  return requireVersion(ctx.versions, 'ESO_VERSION');
}

/** Every ESO version the lab can run: ESO_VERSION, then ESO_EARLIER_VERSIONS. */
export function esoVersions(ctx: LabContext): string[] {
  return [pinnedEsoVersion(ctx), ...esoEarlierVersions(ctx.versions)];
}

function esoBinary(ctx: LabContext, version: string): string {
  return ctx.tools[esoComponent(version, ctx.versions)];
}

export function esoCrdsDir(ctx: LabContext, version: string = pinnedEsoVersion(ctx)): string {
  return path.join(path.dirname(esoBinary(ctx, version)), 'crds');
}

/** The version of the running controller (by its executable), if one runs and is the lab's. */
export function runningEsoVersion(ctx: LabContext): string | undefined {
  const pid = runningPid(pidPath(ctx.paths, 'eso'));
  if (pid === undefined) return undefined;
  let exe: string;
  try {
    exe = fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
  return esoVersions(ctx).find((version) => esoBinary(ctx, version) === exe);
}

/**
 * The CRD manifests: controller-gen names each <group>_<plural>.yaml (the CRD <plural>.<group>).
 * The directory also holds a kustomization.yaml, which is not a resource to apply.
 */
function crdFiles(crdsDir: string): { file: string; name: string }[] {
  return fs
    .readdirSync(crdsDir)
    .filter((file) => /^[a-z0-9.-]+_[a-z0-9]+\.yaml$/.test(file))
    .sort()
    .map((file) => {
      const [group, plural] = file.replace(/\.yaml$/, '').split('_');
      return { file: path.join(crdsDir, file), name: `${plural}.${group}` };
    });
}

interface CrdList {
  items: {
    metadata: { name: string; annotations?: Record<string, string> };
    status?: { conditions?: { type: string; status: string }[] };
  }[];
}

/** Names of the CRDs that are Established and carry the lab's annotation for `version`. */
async function establishedCrds(ctx: LabContext, version: string): Promise<Set<string>> {
  const response = await kubeRequest(
    ctx,
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
  );
  if (response.status !== 200) throw new Error(`listing CRDs answered HTTP ${response.status}`);
  const list = JSON.parse(response.body) as CrdList;
  return new Set(
    list.items
      .filter(
        (crd) =>
          crd.metadata.annotations?.[ESO_VERSION_ANNOTATION] === version &&
          crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'),
      )
      .map((crd) => crd.metadata.name),
  );
}

function kubectl(ctx: LabContext, args: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      kubectlPath(ctx),
      [`--kubeconfig=${ctx.paths.kubeconfig}`, ...args],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        fs.appendFileSync(logFile, `$ kubectl ${args.join(' ')}\n${stdout}${stderr}`, {
          mode: 0o600,
        });
        if (error) reject(new Error(stderr.trim().split('\n').pop() ?? error.message));
        else resolve();
      },
    );
  });
}

/**
 * Installs (server-side apply) the CRDs of an ESO version that are missing, not Established or of
 * another version, and waits for them. The apply replaces what another version's apply set: a CRD
 * of 0.20 loses v1beta1 again after 0.16's. The API server refuses a version's CRDs that no longer
 * serve a version its objects are stored in (status.storedVersions): that error is shown as it is.
 */
export async function ensureEsoCrds(
  ctx: LabContext,
  version: string = pinnedEsoVersion(ctx),
): Promise<string> {
  const component: Component = esoComponent(version, ctx.versions);
  await ensureBuilt(ctx.config, ctx.tools, component);
  const crdsDir = esoCrdsDir(ctx, version);
  const crds = fs.existsSync(crdsDir) ? crdFiles(crdsDir) : [];
  if (crds.length === 0) {
    const rebuild = `rm -r ${path.dirname(crdsDir)} && lab/toolchain/build.sh ${component}`;
    throw new LabError('eso-crds', `no CRD manifests in ${crdsDir}; rebuild: ${rebuild}`);
  }
  const logFile = logPath(ctx.paths, 'eso-crds');
  try {
    const present = await establishedCrds(ctx, version);
    if (crds.every((crd) => present.has(crd.name)))
      return `${crds.length} CRDs of ESO ${version} established`;
    const files = crds.flatMap((crd) => ['-f', crd.file]);
    await kubectl(ctx, ['apply', '--server-side', '--force-conflicts', ...files], logFile);
    await kubectl(ctx, ['wait', '--for=condition=Established', '--timeout=60s', ...files], logFile);
    await kubectl(
      ctx,
      ['annotate', '--overwrite', ...files, `${ESO_VERSION_ANNOTATION}=${version}`],
      logFile,
    );
  } catch (error) {
    throw new LabError('eso-crds', (error as Error).message, logFile);
  }
  return `${crds.length} CRDs of ESO ${version} applied and established`;
}

function esoHealthUrl(ctx: LabContext): string {
  return `http://${ctx.config.host}:${ctx.config.ports.esoHealth}`;
}

/** The controller of one ESO version: a running controller of another version is stale. */
export function esoControllerOf(version: string): ServiceDefinition {
  return {
    ...esoController,
    async health(ctx): Promise<Health> {
      const running = runningEsoVersion(ctx);
      if (running !== version)
        return {
          ok: false,
          stale: true,
          detail: `runs ESO ${running ?? 'of an unknown binary'}, wanted ${version}`,
        };
      return esoHealth(ctx, esoBinary(ctx, version));
    },
    async prepare(ctx) {
      return esoLaunch(
        await ensureBuilt(ctx.config, ctx.tools, esoComponent(version, ctx.versions)),
        ctx,
      );
    },
  };
}

const liveAddrSupport = new Map<string, boolean>();

/** Whether the binary has --live-addr (/healthz); 0.16 has none, only the metrics listener. */
function hasLiveAddr(binary: string): boolean {
  let known = liveAddrSupport.get(binary);
  if (known === undefined) {
    const help = spawnSync(binary, ['--help'], { encoding: 'utf8' });
    known = `${help.stdout}${help.stderr}`.includes('--live-addr');
    liveAddrSupport.set(binary, known);
  }
  return known;
}

async function esoHealth(ctx: LabContext, binary: string): Promise<Health> {
  const url = hasLiveAddr(binary)
    ? `${esoHealthUrl(ctx)}/healthz`
    : `http://${ctx.config.host}:${ctx.config.ports.esoMetrics}/metrics`;
  const response = await request(url);
  if (!hasLiveAddr(binary))
    return {
      ok: response.status === 200,
      detail: `/metrics (no /healthz before 0.17): HTTP ${response.status}`,
    };
  return {
    ok: response.status === 200,
    detail: `/healthz: HTTP ${response.status} ${response.body.trim().slice(0, 60)}`,
  };
}

/**
 * The caller's environment without Vault's variables: the Vault client library inside ESO takes
 * VAULT_TOKEN as its default token, and ESO 0.16 revoked that token (the lab's root token, when
 * `use-eso` ran from a shell or a suite with the lab's env) after a store's login.
 */
function controllerEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(VAULT|BAO)_/.test(name)),
  );
}

function esoLaunch(binary: string, ctx: LabContext) {
  return {
    command: binary,
    // The root command is the controller; the webhook and cert-controller are other subcommands,
    // not run here (no admission webhooks in the lab).
    args: [
      `--metrics-addr=${ctx.config.host}:${ctx.config.ports.esoMetrics}`,
      ...(hasLiveAddr(binary)
        ? [`--live-addr=${ctx.config.host}:${ctx.config.ports.esoHealth}`]
        : []),
      '--enable-leader-election=false',
      '--loglevel=info',
    ],
    env: { ...controllerEnv(), KUBECONFIG: ctx.paths.kubeconfig },
  };
}

/**
 * Runs ESO `version` instead of the running one (npm run lab -- use-eso VERSION): stops the
 * controller, applies that version's CRDs, starts its binary and waits until it is healthy. The
 * objects stay in the API server throughout; Secrets are ESO's to keep or change, not the lab's.
 * `up` goes back to ESO_VERSION.
 */
export async function switchEso(ctx: LabContext, version: string): Promise<string> {
  const service = esoControllerOf(version);
  await ensureBuilt(ctx.config, ctx.tools, esoComponent(version, ctx.versions));
  const before = runningEsoVersion(ctx);
  await stopTracked(pidPath(ctx.paths, 'eso'));
  const crds = await ensureEsoCrds(ctx, version);
  const started = await upService(ctx, service);
  return `ESO ${before ?? '(none)'} -> ${version}: ${crds}; ${started}`;
}

export const esoController: ServiceDefinition = {
  name: 'eso',
  group: 'eso',
  address: (ctx) =>
    `${esoHealthUrl(ctx)}/healthz (health), http://${ctx.config.host}:${ctx.config.ports.esoMetrics}/metrics`,
  ports: (ctx) => [
    { port: ctx.config.ports.esoMetrics, variable: 'LAB_ESO_METRICS_PORT' },
    { port: ctx.config.ports.esoHealth, variable: 'LAB_ESO_HEALTH_PORT' },
  ],
  startTimeoutMs: 60_000,

  // `up`: ESO_VERSION; a controller that runs another version (after use-eso) is restarted.
  async health(ctx): Promise<Health> {
    return esoControllerOf(pinnedEsoVersion(ctx)).health(ctx);
  },

  async prepare(ctx) {
    return esoLaunch(await ensureBuilt(ctx.config, ctx.tools, 'eso'), ctx);
  },
};
