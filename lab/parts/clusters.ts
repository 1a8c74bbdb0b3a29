// The lab's second cluster (`clusters` part): a kube-apiserver with its own CA, service-account
// signing key and OIDC issuer (its own URL), storing in the lab's etcd under another prefix; its
// own controller manager and ESO controller; registered in the EKS emulator in another region.
// Each part is the first cluster's, run with the second cluster's context (ports, PKI, kubeconfigs).
import * as fs from 'fs';
import * as path from 'path';
import { LAB_GREEN_CLUSTER_NAME, LAB_GREEN_REGION } from '../../common/lab-coordinates';
import { request } from '../http';
import { LabError } from '../report';
import type { LabContext } from './context';
import { apiserverUrl, webhookUrl } from './context';
import { esoController, ensureEsoCrds } from './eso';
import { kubeApiserver, kubeControllerManager, serviceAccountIssuer } from './kubernetes';
import { ensurePki, pkiFiles } from './pki';
import type { Health, ServiceDefinition } from './service';

/** Where the second cluster keeps its objects in the shared etcd. */
export const GREEN_ETCD_PREFIX = '/registry-green';

/** The second cluster's context: its ports, its PKI and kubeconfigs, its name in the emulator. */
export function greenContext(ctx: LabContext): LabContext {
  const dir = ctx.paths.greenDir;
  const { ports } = ctx.config;
  return {
    ...ctx,
    config: {
      ...ctx.config,
      clusterName: LAB_GREEN_CLUSTER_NAME,
      region: LAB_GREEN_REGION,
      ports: {
        ...ports,
        apiserver: ports.apiserverGreen,
        esoMetrics: ports.esoGreenMetrics,
        esoHealth: ports.esoGreenHealth,
      },
      webhookPath: `clusters/${LAB_GREEN_CLUSTER_NAME}`,
    },
    paths: {
      ...ctx.paths,
      pkiDir: path.join(dir, 'pki'),
      kubeconfig: path.join(dir, 'kubeconfig'),
      controllerManagerKubeconfig: path.join(dir, 'kube-controller-manager.kubeconfig'),
      webhookKubeconfig: path.join(dir, 'eks-token-webhook.kubeconfig'),
    },
  };
}

const green = greenContext;

/** The second cluster's certificates and keys: a CA and signing key of its own. */
export function ensureGreenPki(ctx: LabContext): string {
  return ensurePki(green(ctx));
}

/** What the emulator says of the second cluster, if it holds it. */
interface Registered {
  region?: string;
  endpoint?: string;
  oidcIssuer?: string;
}

/**
 * The second cluster in the EKS emulator (DescribeCluster in its region returns its API server,
 * CA and issuer; its API server's EKS tokens are reviewed for it). Registered again whenever the
 * emulator does not hold it as it is now (a restarted emulator forgets it).
 */
export async function registerGreenCluster(ctx: LabContext): Promise<string> {
  const g = green(ctx);
  const url = `${webhookUrl(ctx)}/clusters/${LAB_GREEN_CLUSTER_NAME}`;
  const want = {
    region: LAB_GREEN_REGION,
    endpoint: apiserverUrl(g),
    caData: fs.readFileSync(pkiFiles(g).caCert).toString('base64'),
    oidcIssuer: serviceAccountIssuer(g),
  };
  const held = await request(url);
  if (held.status === 200) {
    const found = JSON.parse(held.body) as Registered & { caSha256?: string };
    if (found.endpoint === want.endpoint && found.oidcIssuer === want.oidcIssuer)
      return `cluster ${LAB_GREEN_CLUSTER_NAME} (${LAB_GREEN_REGION}) held`;
  }
  const put = await request(url, { method: 'PUT', body: JSON.stringify(want), timeoutMs: 30_000 });
  if (put.status !== 200)
    throw new LabError(
      'eks-green',
      `the EKS emulator refused the second cluster: HTTP ${put.status} ${put.body.slice(0, 200)}`,
    );
  return `cluster ${LAB_GREEN_CLUSTER_NAME} (${LAB_GREEN_REGION}) -> ${want.endpoint}`;
}

/** The second kube-apiserver: the first's, with the second cluster's context and etcd prefix. */
export const greenApiserver: ServiceDefinition = {
  ...kubeApiserver,
  name: 'kube-apiserver-green',
  group: 'clusters',
  address: (ctx) => apiserverUrl(green(ctx)),
  ports: (ctx) => [{ port: ctx.config.ports.apiserverGreen, variable: 'LAB_APISERVER_GREEN_PORT' }],
  health: (ctx) => kubeApiserver.health(green(ctx)),
  async prepare(ctx) {
    const launch = await kubeApiserver.prepare(green(ctx));
    return { ...launch, args: [...launch.args, `--etcd-prefix=${GREEN_ETCD_PREFIX}`] };
  },
  afterHealthy: (ctx, pid) => kubeApiserver.afterHealthy!(green(ctx), pid),
};

export const greenControllerManager: ServiceDefinition = {
  ...kubeControllerManager,
  name: 'kube-controller-manager-green',
  group: 'clusters',
  health: (ctx) => kubeControllerManager.health(green(ctx)),
  prepare: (ctx) => kubeControllerManager.prepare(green(ctx)),
};

function greenEsoHealthUrl(ctx: LabContext): string {
  return `http://${ctx.config.host}:${ctx.config.ports.esoGreenHealth}/healthz`;
}

/** The second cluster's ESO controller (ESO_VERSION), on its own ports. */
export const greenEso: ServiceDefinition = {
  ...esoController,
  name: 'eso-green',
  group: 'clusters',
  address: (ctx) =>
    `${greenEsoHealthUrl(ctx)} (health), http://${ctx.config.host}:${ctx.config.ports.esoGreenMetrics}/metrics`,
  ports: (ctx) => [
    { port: ctx.config.ports.esoGreenMetrics, variable: 'LAB_ESO_GREEN_METRICS_PORT' },
    { port: ctx.config.ports.esoGreenHealth, variable: 'LAB_ESO_GREEN_HEALTH_PORT' },
  ],
  async health(ctx): Promise<Health> {
    const response = await request(greenEsoHealthUrl(ctx));
    return { ok: response.status === 200, detail: `/healthz: HTTP ${response.status}` };
  },
  prepare: (ctx) => esoController.prepare(green(ctx)),
};

/** ESO's CRDs in the second cluster. */
export function ensureGreenEsoCrds(ctx: LabContext): Promise<string> {
  return ensureEsoCrds(green(ctx));
}
