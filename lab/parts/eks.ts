// The EKS emulator (lab/eks_emulator.py): moto with the lab cluster, and the EKS-token webhook.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { LAB_SOURCE_DIR } from '../config';
import { portInUse, request } from '../http';
import type { LabContext } from './context';
import { apiserverUrl, motoUrl, venvPython, webhookUrl } from './context';
import { SERVICE_CLUSTER_IP_RANGE, serviceAccountIssuer } from './kubernetes';
import { pkiFiles } from './pki';
import { requireVersion } from '../toolchain';
import type { Health, ServiceDefinition } from './service';

const EMULATOR = path.join(LAB_SOURCE_DIR, 'eks_emulator.py');

interface EmulatorHealth {
  cluster?: string;
  endpoint?: string;
  oidcIssuer?: string;
  caSha256?: string;
  /** It holds more clusters on request (the `clusters` part's second cluster). */
  registersClusters?: boolean;
}

/** The sha256 the emulator reports for the CA data it serves (base64 of the CA PEM). */
function expectedCaSha256(ctx: LabContext): string {
  const caData = fs.readFileSync(pkiFiles(ctx).caCert).toString('base64');
  return crypto.createHash('sha256').update(caData).digest('hex');
}

/** Never let the emulator's boto3 read the user's real AWS profile or credentials. */
function emulatorEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  delete env.AWS_PROFILE;
  delete env.AWS_DEFAULT_PROFILE;
  return env;
}

export const eksEmulator: ServiceDefinition = {
  name: 'eks-emulator',
  group: 'eks',
  address: (ctx) => `${motoUrl(ctx)} (AWS APIs), ${webhookUrl(ctx)} (TokenReview webhook)`,
  ports: (ctx) => [
    { port: ctx.config.ports.moto, variable: 'LAB_MOTO_PORT' },
    { port: ctx.config.ports.webhook, variable: 'LAB_WEBHOOK_PORT' },
  ],
  startTimeoutMs: 60_000,

  async health(ctx): Promise<Health> {
    const response = await request(`${webhookUrl(ctx)}/healthz`);
    if (response.status !== 200)
      return { ok: false, detail: `webhook /healthz: HTTP ${response.status}` };
    const reported = JSON.parse(response.body) as EmulatorHealth;
    if (
      reported.cluster !== ctx.config.clusterName ||
      reported.endpoint !== apiserverUrl(ctx) ||
      reported.oidcIssuer !== serviceAccountIssuer(ctx)
    ) {
      return {
        ok: false,
        stale: true,
        detail: `serves cluster ${reported.cluster} at ${reported.endpoint}, issuer ${reported.oidcIssuer ?? '(none)'}`,
      };
    }
    if (reported.caSha256 !== expectedCaSha256(ctx))
      return { ok: false, stale: true, detail: 'serves an older lab CA' };
    if (reported.registersClusters !== true)
      return { ok: false, stale: true, detail: 'an older emulator, which holds one cluster only' };
    if (!(await portInUse(ctx.config.host, ctx.config.ports.moto)))
      return { ok: false, detail: `moto does not answer on ${motoUrl(ctx)}` };
    return { ok: true, detail: `cluster ${reported.cluster} -> ${reported.endpoint}` };
  },

  prepare(ctx) {
    return {
      command: venvPython(ctx),
      args: [
        '-u',
        EMULATOR,
        `--host=${ctx.config.host}`,
        `--moto-port=${ctx.config.ports.moto}`,
        `--webhook-port=${ctx.config.ports.webhook}`,
        `--cluster-name=${ctx.config.clusterName}`,
        `--region=${ctx.config.region}`,
        `--kubernetes-version=${requireVersion(ctx.versions, 'KUBERNETES_VERSION').split('.').slice(0, 2).join('.')}`,
        `--service-cidr=${SERVICE_CLUSTER_IP_RANGE}`,
        `--apiserver-url=${apiserverUrl(ctx)}`,
        `--oidc-issuer=${serviceAccountIssuer(ctx)}`,
        `--ca-file=${pkiFiles(ctx).caCert}`,
      ],
      env: emulatorEnv(),
    };
  },
};
