// Where every lab file lives, derived from the configuration.
import * as path from 'path';
import type { LabConfig } from './config';

export interface LabPaths {
  labDir: string;
  logsDir: string;
  pidsDir: string;
  binDir: string;
  labJson: string;
  envSh: string;
  lockFile: string;
  tofuRc: string;
  baoDir: string;
  rootToken: string;
  pkiDir: string;
  etcdDataDir: string;
  kubeconfig: string;
  controllerManagerKubeconfig: string;
  webhookKubeconfig: string;
  mirrorDir: string;
  venvRoot: string;
  /** PostgreSQL: its data directory and superuser password. */
  postgresDir: string;
  /** The second cluster's PKI and kubeconfigs (`clusters` part). */
  greenDir: string;
}

export function labPaths(config: LabConfig): LabPaths {
  const dir = config.labDir;
  return {
    labDir: dir,
    logsDir: path.join(dir, 'logs'),
    pidsDir: path.join(dir, 'pids'),
    binDir: path.join(dir, 'bin'),
    labJson: path.join(dir, 'lab.json'),
    envSh: path.join(dir, 'env.sh'),
    lockFile: path.join(dir, 'lab.lock'),
    tofuRc: path.join(dir, 'tofu.rc'),
    baoDir: path.join(dir, 'bao'),
    rootToken: path.join(dir, 'bao', 'root-token'),
    pkiDir: path.join(dir, 'pki'),
    etcdDataDir: path.join(dir, 'etcd'),
    kubeconfig: path.join(dir, 'kubeconfig'),
    controllerManagerKubeconfig: path.join(dir, 'kube-controller-manager.kubeconfig'),
    webhookKubeconfig: path.join(dir, 'eks-token-webhook.kubeconfig'),
    mirrorDir: path.join(config.cacheDir, 'mirror'),
    venvRoot: path.join(config.cacheDir, 'venv'),
    postgresDir: path.join(dir, 'postgres'),
    greenDir: path.join(dir, 'green'),
  };
}

/** Everything `down` removes: only entries the lab itself creates, never the whole LAB_DIR blindly. */
export function labOwnedEntries(paths: LabPaths): string[] {
  return [
    paths.logsDir,
    paths.pidsDir,
    paths.binDir,
    paths.labJson,
    paths.envSh,
    paths.tofuRc,
    paths.baoDir,
    paths.pkiDir,
    paths.etcdDataDir,
    paths.kubeconfig,
    paths.controllerManagerKubeconfig,
    paths.webhookKubeconfig,
    paths.postgresDir,
    paths.greenDir,
  ];
}

export function logPath(paths: LabPaths, part: string): string {
  return path.join(paths.logsDir, `${part}.log`);
}

export function pidPath(paths: LabPaths, part: string): string {
  return path.join(paths.pidsDir, `${part}.pid`);
}
