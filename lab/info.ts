// lab.json (machine-readable description of a running lab) and the environment to use it.
// Exported for the e2e tests: readLabInfo(), labEnv(), labProcessEnv().
import * as fs from 'fs';
import * as path from 'path';
import type { Engine, LabPorts } from './config';
import { ENGINES, engineFromEnv, loadConfig } from './config';
import type { LabContext } from './parts/context';
import {
  apiserverUrl,
  etcdUrl,
  kubectlPath,
  kubernetesBinDir,
  motoUrl,
  vaultAddr,
  venvDir,
  venvPython,
  webhookUrl,
  writeFileAtomic,
} from './parts/context';
import { esoCrdsDir, pinnedEsoVersion, runningEsoVersion } from './parts/eso';
import type { PartGroup } from './parts/groups';
import { SERVICE_CLUSTER_IP_RANGE, serviceAccountIssuer } from './parts/kubernetes';
import { VAULT_NAMESPACE } from './parts/openbao';
import { SERVICES } from './parts';
import { pkiFiles } from './parts/pki';
import { engineBinary, providerBinary, providerMirror } from './parts/terraform';
import { POSTGRES_SUPERUSER, postgresBinDir, postgresFiles } from './parts/postgres';
import { greenContext } from './parts/clusters';
import { LAB_POSTGRES_VAULT_USER } from '../common/lab-coordinates';
import { labPaths, logPath, pidPath } from './paths';
import { runningPid } from './process';
import { LabError } from './report';
import type { ProviderType } from './toolchain';
import { PROVIDER_TYPES, esoComponent, providerVersion } from './toolchain';

export interface LabInfo {
  schemaVersion: 1;
  updatedAt: string;
  labDir: string;
  cacheDir: string;
  /** The groups the last `up` brought up. */
  parts: PartGroup[];
  ports: LabPorts;
  envFile: string;
  binDir: string;
  vault: { addr: string; namespace: string; rootTokenPath: string; pid?: number };
  etcd: { url: string; peerUrl: string; dataDir: string; pid?: number };
  kubernetes: {
    apiserverUrl: string;
    kubeconfig: string;
    caFile: string;
    binDir: string;
    kubectl: string;
    serviceAccountIssuer: string;
    serviceClusterIpRange: string;
    apiserverPid?: number;
    controllerManagerPid?: number;
  };
  eks: {
    clusterName: string;
    region: string;
    motoUrl: string;
    stsUrl: string;
    webhookUrl: string;
    pid?: number;
  };
  eso: {
    /** The version running (ESO_VERSION after `up`, another after `use-eso`). */
    version: string;
    binary: string;
    crdsDir: string;
    metricsUrl: string;
    healthUrl: string;
    pid?: number;
  };
  postgres: {
    host: string;
    port: number;
    binDir: string;
    superuser: string;
    superuserPasswordPath: string;
    /** The user the stack's connection gives Vault (no password until a deploy's bootstrap). */
    vaultUser: string;
    pid?: number;
  };
  toolchain: {
    /** The engine this reader picked (LAB_ENGINE when read, see readLabInfo). */
    engine: Engine;
    /** Its binary: TERRAFORM_BINARY_NAME. */
    tfBinary: string;
    /** Both engines' binaries: `up` builds both, each suite run picks one. */
    engines: Record<Engine, string>;
    tfCliConfigFile: string;
    providerMirror: string;
    providers: Record<ProviderType, { version: string; binary: string }>;
  };
  python: { venv: string; python: string };
  /** The second cluster, when the last `up` started it (`clusters` part). */
  green?: {
    clusterName: string;
    region: string;
    apiserverUrl: string;
    /** Its admin kubeconfig: `KUBECONFIG=... kubectl` reaches it. */
    kubeconfig: string;
    caFile: string;
    serviceAccountIssuer: string;
    esoHealthUrl: string;
    apiserverPid?: number;
    controllerManagerPid?: number;
    esoPid?: number;
  };
  logs: Record<string, string>;
  pidFiles: Record<string, string>;
}

function pidOf(ctx: LabContext, part: string): number | undefined {
  return runningPid(pidPath(ctx.paths, part));
}

/** The toolchain section: both engines, the provider mirror and each provider. */
function toolchainInfo(ctx: LabContext): LabInfo['toolchain'] {
  const providers = {} as LabInfo['toolchain']['providers'];
  for (const type of PROVIDER_TYPES)
    providers[type] = {
      version: providerVersion(ctx.versions, type),
      binary: providerBinary(ctx, type),
    };
  const engines = {} as Record<Engine, string>;
  for (const engine of ENGINES) {
    try {
      engines[engine] = engineBinary(ctx, engine);
    } catch {
      engines[engine] = ctx.config.tfBinaryOverride ?? ctx.tools[engine];
    }
  }
  return {
    engine: ctx.config.engine,
    tfBinary: engines[ctx.config.engine],
    engines,
    tfCliConfigFile: ctx.paths.tofuRc,
    providerMirror: providerMirror(ctx),
    providers,
  };
}

/** The cluster's sections: the API server and controller manager, the EKS emulator. */
function clusterInfo(ctx: LabContext): Pick<LabInfo, 'kubernetes' | 'eks'> {
  const { config, paths } = ctx;
  return {
    kubernetes: {
      apiserverUrl: apiserverUrl(ctx),
      kubeconfig: paths.kubeconfig,
      caFile: pkiFiles(ctx).caCert,
      binDir: kubernetesBinDir(ctx),
      kubectl: kubectlPath(ctx),
      serviceAccountIssuer: serviceAccountIssuer(ctx),
      serviceClusterIpRange: SERVICE_CLUSTER_IP_RANGE,
      apiserverPid: pidOf(ctx, 'kube-apiserver'),
      controllerManagerPid: pidOf(ctx, 'kube-controller-manager'),
    },
    eks: {
      clusterName: config.clusterName,
      region: config.region,
      motoUrl: motoUrl(ctx),
      stsUrl: motoUrl(ctx),
      webhookUrl: webhookUrl(ctx),
      pid: pidOf(ctx, 'eks-emulator'),
    },
  };
}

/** The sections of the servers the chain talks to: Vault, etcd, ESO, PostgreSQL. */
function serverInfo(ctx: LabContext): Pick<LabInfo, 'vault' | 'etcd' | 'eso' | 'postgres'> {
  const { config, paths } = ctx;
  const esoVersion = runningEsoVersion(ctx) ?? pinnedEsoVersion(ctx);
  return {
    vault: {
      addr: vaultAddr(ctx),
      namespace: VAULT_NAMESPACE,
      rootTokenPath: paths.rootToken,
      pid: pidOf(ctx, 'openbao'),
    },
    etcd: {
      url: etcdUrl(ctx),
      peerUrl: `http://${config.host}:${config.ports.etcdPeer}`,
      dataDir: paths.etcdDataDir,
      pid: pidOf(ctx, 'etcd'),
    },
    eso: {
      version: esoVersion,
      binary: ctx.tools[esoComponent(esoVersion, ctx.versions)],
      crdsDir: esoCrdsDir(ctx, esoVersion),
      metricsUrl: `http://${config.host}:${config.ports.esoMetrics}/metrics`,
      healthUrl: `http://${config.host}:${config.ports.esoHealth}/healthz`,
      pid: pidOf(ctx, 'eso'),
    },
    postgres: {
      host: config.host,
      port: config.ports.postgres,
      binDir: postgresBinDir(ctx),
      superuser: POSTGRES_SUPERUSER,
      superuserPasswordPath: postgresFiles(ctx).superuserPassword,
      vaultUser: LAB_POSTGRES_VAULT_USER,
      pid: pidOf(ctx, 'postgres'),
    },
  };
}

export function buildLabInfo(ctx: LabContext, parts: PartGroup[]): LabInfo {
  const { config, paths } = ctx;
  const partNames = [
    ...SERVICES.map((service) => service.name),
    'venv',
    'eso-crds',
    'postgres-venv',
    'postgres-initdb',
  ];
  return {
    schemaVersion: 1,
    updatedAt: new Date().toISOString(),
    labDir: config.labDir,
    cacheDir: config.cacheDir,
    parts,
    ports: config.ports,
    envFile: paths.envSh,
    binDir: paths.binDir,
    ...serverInfo(ctx),
    ...clusterInfo(ctx),
    toolchain: toolchainInfo(ctx),
    python: { venv: venvDir(ctx), python: venvPython(ctx) },
    ...(parts.includes('clusters') ? { green: greenInfo(ctx) } : {}),
    logs: Object.fromEntries(partNames.map((name) => [name, logPath(paths, name)])),
    pidFiles: Object.fromEntries(
      SERVICES.map((service) => [service.name, pidPath(paths, service.name)]),
    ),
  };
}

/** The second cluster's addresses and files. */
function greenInfo(ctx: LabContext): NonNullable<LabInfo['green']> {
  const green = greenContext(ctx);
  return {
    clusterName: green.config.clusterName,
    region: green.config.region,
    apiserverUrl: apiserverUrl(green),
    kubeconfig: green.paths.kubeconfig,
    caFile: pkiFiles(green).caCert,
    serviceAccountIssuer: serviceAccountIssuer(green),
    esoHealthUrl: `http://${ctx.config.host}:${ctx.config.ports.esoGreenHealth}/healthz`,
    apiserverPid: pidOf(ctx, 'kube-apiserver-green'),
    controllerManagerPid: pidOf(ctx, 'kube-controller-manager-green'),
    esoPid: pidOf(ctx, 'eso-green'),
  };
}

/**
 * The lab as seen with `engine`: toolchain.engine and toolchain.tfBinary name it. One lab serves
 * both engines at once (the suites of each run side by side).
 */
export function withEngine(info: LabInfo, engine: Engine): LabInfo {
  const binary = info.toolchain.engines?.[engine];
  if (binary === undefined)
    throw new LabError(
      'lab',
      `the lab at ${info.labDir} has no ${engine} (started by an older \`up\`): run \`npm run lab -- up\``,
    );
  return { ...info, toolchain: { ...info.toolchain, engine, tfBinary: binary } };
}

/**
 * Reads $LAB_DIR/lab.json (LAB_DIR from the environment, as for the CLI), with the engine that
 * LAB_ENGINE picks (default tofu).
 */
export function readLabInfo(
  labDir: string = loadConfig().labDir,
  engine: Engine = engineFromEnv(),
): LabInfo {
  const file = path.join(labDir, 'lab.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new LabError(
      'lab',
      `no lab at ${labDir} (${file} is missing): start it with \`npm run lab -- up\``,
    );
  }
  let info: LabInfo;
  try {
    info = JSON.parse(text) as LabInfo;
  } catch {
    throw new LabError(
      'lab',
      `${file} is not valid JSON: run \`npm run lab -- down\` and \`npm run lab -- up\``,
    );
  }
  return withEngine(info, engine);
}

/** Variables whose values must be unset, not set, when using the lab. */
export const LAB_UNSET_VARIABLES = ['TF_PLUGIN_CACHE_DIR'];

function readToken(info: LabInfo): string | undefined {
  try {
    return fs.readFileSync(info.vault.rootTokenPath, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The variables to run cdktf, tofu, kubectl, bao and the AWS SDKs against the lab.
 * VAULT_TOKEN comes from the 0600 token file. PATH gets $LAB_DIR/bin in front.
 */
export function labEnv(
  info: LabInfo = readLabInfo(),
  options: { includeToken?: boolean } = {},
): Record<string, string> {
  const env: Record<string, string> = {
    LAB_DIR: info.labDir,
    VAULT_ADDR: info.vault.addr,
    BAO_ADDR: info.vault.addr,
    LAB_VAULT_NAMESPACE: info.vault.namespace,
    KUBECONFIG: info.kubernetes.kubeconfig,
    LAB_EKS_CLUSTER_NAME: info.eks.clusterName,
    AWS_REGION: info.eks.region,
    AWS_DEFAULT_REGION: info.eks.region,
    AWS_ACCESS_KEY_ID: 'lab',
    AWS_SECRET_ACCESS_KEY: 'lab',
    AWS_ENDPOINT_URL: info.eks.motoUrl,
    AWS_EC2_METADATA_DISABLED: 'true',
    CHECKPOINT_DISABLE: '1',
    DISABLE_VERSION_CHECK: '1',
    CI: '1',
    // cdktf points TF_PLUGIN_CACHE_DIR at ~/.terraform.d/plugin-cache unless told not to.
    CDKTF_DISABLE_PLUGIN_CACHE_ENV: '1',
    PATH: `${info.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  };
  if (fs.existsSync(info.toolchain.tfCliConfigFile)) {
    env.TF_CLI_CONFIG_FILE = info.toolchain.tfCliConfigFile;
    // cdktf runs it with node-pty/child_process, both of which take an absolute path.
    env.TERRAFORM_BINARY_NAME = info.toolchain.tfBinary;
    // Children that read the lab again (the ops tools, a nested jest) pick the same engine.
    env.LAB_ENGINE = info.toolchain.engine;
  }
  if (options.includeToken !== false) {
    const token = readToken(info);
    if (token !== undefined) {
      env.VAULT_TOKEN = token;
      env.BAO_TOKEN = token;
    }
  }
  return env;
}

/** A complete environment for child processes: base + labEnv(), minus LAB_UNSET_VARIABLES. */
export function labProcessEnv(
  info: LabInfo = readLabInfo(),
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...labEnv(info) };
  for (const name of LAB_UNSET_VARIABLES) delete env[name];
  return env;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Shell lines for the environment. withToken=false writes VAULT_TOKEN as a read of the token file,
 * so the output can be printed or eval'ed without the token ever appearing on stdout.
 */
export function renderEnvLines(info: LabInfo, withToken: boolean): string[] {
  const env = labEnv(info, { includeToken: withToken });
  const lines = Object.entries(env).map(([name, value]) =>
    name === 'PATH'
      ? `export PATH=${shellQuote(info.binDir)}:"$PATH"`
      : `export ${name}=${shellQuote(value)}`,
  );
  if (!withToken && fs.existsSync(info.vault.rootTokenPath)) {
    const read = `"$(cat ${shellQuote(info.vault.rootTokenPath)})"`;
    lines.push(`export VAULT_TOKEN=${read}`, `export BAO_TOKEN=${read}`);
  }
  for (const name of LAB_UNSET_VARIABLES) lines.push(`unset ${name}`);
  return lines;
}

export function writeLabFiles(ctx: LabContext, parts: PartGroup[]): LabInfo {
  const info = buildLabInfo(ctx, parts);
  const paths = labPaths(ctx.config);
  writeFileAtomic(paths.labJson, `${JSON.stringify(info, null, 2)}\n`, 0o644);
  const header =
    '# Environment of the local lab, written by `npm run lab -- up`. Use: source this file.\n';
  writeFileAtomic(paths.envSh, `${header}${renderEnvLines(info, true).join('\n')}\n`, 0o600);
  return info;
}
