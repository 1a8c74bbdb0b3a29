// External Secrets Operator: its CRDs (from the build, same version) and the controller on the host.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { request } from '../http';
import { logPath } from '../paths';
import { LabError } from '../report';
import { ensureBuilt } from '../toolchain';
import type { LabContext } from './context';
import { kubectlPath } from './context';
import { kubeRequest } from './kubernetes';
import type { Health, ServiceDefinition } from './service';

export function esoCrdsDir(ctx: LabContext): string {
  return path.join(path.dirname(ctx.tools.eso), 'crds');
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
    metadata: { name: string };
    status?: { conditions?: { type: string; status: string }[] };
  }[];
}

async function establishedCrds(ctx: LabContext): Promise<Set<string>> {
  const response = await kubeRequest(
    ctx,
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
  );
  if (response.status !== 200) throw new Error(`listing CRDs answered HTTP ${response.status}`);
  const list = JSON.parse(response.body) as CrdList;
  return new Set(
    list.items
      .filter((crd) =>
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

/** Installs (server-side apply) the CRDs that are missing or not Established, and waits for them. */
export async function ensureEsoCrds(ctx: LabContext): Promise<string> {
  await ensureBuilt(ctx.config, ctx.tools, 'eso');
  const crdsDir = esoCrdsDir(ctx);
  const crds = fs.existsSync(crdsDir) ? crdFiles(crdsDir) : [];
  if (crds.length === 0) {
    const rebuild = `rm -r ${path.dirname(crdsDir)} && lab/toolchain/build.sh eso`;
    throw new LabError('eso-crds', `no CRD manifests in ${crdsDir}; rebuild: ${rebuild}`);
  }
  const logFile = logPath(ctx.paths, 'eso-crds');
  try {
    const present = await establishedCrds(ctx);
    if (crds.every((crd) => present.has(crd.name))) return `${crds.length} CRDs established`;
    const files = crds.flatMap((crd) => ['-f', crd.file]);
    await kubectl(ctx, ['apply', '--server-side', '--force-conflicts', ...files], logFile);
    await kubectl(ctx, ['wait', '--for=condition=Established', '--timeout=60s', ...files], logFile);
  } catch (error) {
    throw new LabError('eso-crds', (error as Error).message, logFile);
  }
  return `${crds.length} CRDs applied and established`;
}

function esoHealthUrl(ctx: LabContext): string {
  return `http://${ctx.config.host}:${ctx.config.ports.esoHealth}`;
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

  async health(ctx): Promise<Health> {
    const response = await request(`${esoHealthUrl(ctx)}/healthz`);
    return {
      ok: response.status === 200,
      detail: `/healthz: HTTP ${response.status} ${response.body.trim().slice(0, 60)}`,
    };
  },

  async prepare(ctx) {
    const binary = await ensureBuilt(ctx.config, ctx.tools, 'eso');
    return {
      command: binary,
      // The root command is the controller; the webhook and cert-controller are other subcommands,
      // not run here (no admission webhooks in the lab).
      args: [
        `--metrics-addr=${ctx.config.host}:${ctx.config.ports.esoMetrics}`,
        `--live-addr=${ctx.config.host}:${ctx.config.ports.esoHealth}`,
        '--enable-leader-election=false',
        '--loglevel=info',
      ],
      env: { ...process.env, KUBECONFIG: ctx.paths.kubeconfig },
    };
  },
};
