// Lab configuration, read from environment variables only (see lab/README.md).
import * as os from 'os';
import * as path from 'path';
import {
  LAB_CLUSTER_NAME,
  LAB_HOST,
  LAB_POSTGRES_PORT,
  LAB_REGION,
  LAB_VAULT_PORT,
} from '../common/lab-coordinates';
import { LabError } from './report';

/** The repository root: lab/ lives directly under it. */
export const REPO_ROOT = path.resolve(__dirname, '..');
export const LAB_SOURCE_DIR = __dirname;

export interface LabPorts {
  vault: number;
  etcd: number;
  etcdPeer: number;
  apiserver: number;
  moto: number;
  webhook: number;
  esoMetrics: number;
  esoHealth: number;
  postgres: number;
  /** The second cluster (`clusters` part): its API server and ESO controller. */
  apiserverGreen: number;
  esoGreenMetrics: number;
  esoGreenHealth: number;
}

/** The Terraform engines the lab builds and runs the stacks with (LAB_ENGINE picks one). */
export const ENGINES = ['tofu', 'terraform'] as const;
export type Engine = (typeof ENGINES)[number];
export const DEFAULT_ENGINE: Engine = 'tofu';

/** LAB_ENGINE: tofu (default) or terraform; anything else is refused, naming both. */
export function engineFromEnv(env: NodeJS.ProcessEnv = process.env): Engine {
  const raw = env.LAB_ENGINE;
  if (raw === undefined || raw === '') return DEFAULT_ENGINE;
  if ((ENGINES as readonly string[]).includes(raw)) return raw as Engine;
  throw new LabError(
    'config',
    `LAB_ENGINE=${raw} is not an engine the lab has (${ENGINES.join(', ')})`,
  );
}

export interface LabConfig {
  labDir: string;
  cacheDir: string;
  host: string;
  ports: LabPorts;
  clusterName: string;
  region: string;
  /** The engine (LAB_ENGINE) that deploys: its binary is TERRAFORM_BINARY_NAME. */
  engine: Engine;
  /** An existing terraform/tofu (a path, or a name looked up on PATH) to use instead of the built binary of `engine`. */
  tfBinaryOverride?: string;
  /** An existing filesystem-mirror directory to use instead of the built providers. */
  providerMirrorOverride?: string;
  /**
   * Path on the emulator's webhook that reviews this API server's EKS tokens (a second cluster's:
   * `clusters/<name>`).
   * @default the root: the lab's own cluster
   */
  webhookPath?: string;
}

const PORT_VARIABLES: Record<keyof LabPorts, [string, number]> = {
  vault: ['LAB_VAULT_PORT', LAB_VAULT_PORT],
  etcd: ['LAB_ETCD_PORT', 12379],
  etcdPeer: ['LAB_ETCD_PEER_PORT', 12380],
  apiserver: ['LAB_APISERVER_PORT', 16443],
  moto: ['LAB_MOTO_PORT', 15000],
  webhook: ['LAB_WEBHOOK_PORT', 15001],
  esoMetrics: ['LAB_ESO_METRICS_PORT', 18081],
  esoHealth: ['LAB_ESO_HEALTH_PORT', 18082],
  postgres: ['LAB_POSTGRES_PORT', LAB_POSTGRES_PORT],
  apiserverGreen: ['LAB_APISERVER_GREEN_PORT', 16444],
  esoGreenMetrics: ['LAB_ESO_GREEN_METRICS_PORT', 18083],
  esoGreenHealth: ['LAB_ESO_GREEN_HEALTH_PORT', 18084],
};

export const EKS_CLUSTER_NAME = LAB_CLUSTER_NAME;
export const EKS_REGION = LAB_REGION;

function readPort(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new LabError('config', `${variable}=${raw} is not a TCP port (1-65535)`);
  }
  return port;
}

function absoluteOrUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : path.resolve(value);
}

/** Same default as lab/toolchain/build.sh, so the CLI and the build agree on the cache. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  const xdg =
    env.XDG_CACHE_HOME && env.XDG_CACHE_HOME !== ''
      ? env.XDG_CACHE_HOME
      : path.join(os.homedir(), '.cache');
  return path.join(xdg, 'eks-vault-eso-lab');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LabConfig {
  const ports = {} as LabPorts;
  for (const key of Object.keys(PORT_VARIABLES) as (keyof LabPorts)[]) {
    const [variable, fallback] = PORT_VARIABLES[key];
    ports[key] = readPort(env, variable, fallback);
  }
  const seen = new Map<number, string>();
  for (const key of Object.keys(ports) as (keyof LabPorts)[]) {
    const other = seen.get(ports[key]);
    if (other !== undefined) {
      throw new LabError(
        'config',
        `${PORT_VARIABLES[key][0]} and ${other} both use port ${ports[key]}`,
      );
    }
    seen.set(ports[key], PORT_VARIABLES[key][0]);
  }
  return {
    labDir: absoluteOrUndefined(env.LAB_DIR) ?? path.join(REPO_ROOT, '.lab'),
    cacheDir: absoluteOrUndefined(env.LAB_CACHE_DIR) ?? defaultCacheDir(env),
    host: LAB_HOST,
    ports,
    clusterName: EKS_CLUSTER_NAME,
    region: EKS_REGION,
    engine: engineFromEnv(env),
    tfBinaryOverride: env.LAB_TF_BINARY && env.LAB_TF_BINARY !== '' ? env.LAB_TF_BINARY : undefined,
    providerMirrorOverride: absoluteOrUndefined(env.LAB_PROVIDER_MIRROR),
  };
}

/** The environment-variable names, for usage texts. */
export function portVariableHelp(): string {
  return Object.values(PORT_VARIABLES)
    .map(([variable, fallback]) => `${variable}=${fallback}`)
    .join(' ');
}
