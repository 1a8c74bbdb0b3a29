// etcd, the kube-apiserver's storage: one member, plain HTTP on loopback.
import { request } from '../http';
import { ensureBuilt } from '../toolchain';
import { ensurePrivateDir, etcdUrl } from './context';
import type { Health, ServiceDefinition } from './service';

export const etcd: ServiceDefinition = {
  name: 'etcd',
  group: 'kubernetes',
  address: etcdUrl,
  ports: (ctx) => [
    { port: ctx.config.ports.etcd, variable: 'LAB_ETCD_PORT' },
    { port: ctx.config.ports.etcdPeer, variable: 'LAB_ETCD_PEER_PORT' },
  ],
  startTimeoutMs: 30_000,

  async health(ctx): Promise<Health> {
    const response = await request(`${etcdUrl(ctx)}/health`);
    const healthy = response.status === 200 && /"health":\s*"true"/.test(response.body);
    return { ok: healthy, detail: `/health: ${response.body.trim().slice(0, 100)}` };
  },

  async prepare(ctx) {
    const binary = await ensureBuilt(ctx.config, ctx.tools, 'etcd');
    ensurePrivateDir(ctx.paths.etcdDataDir);
    const peer = `http://${ctx.config.host}:${ctx.config.ports.etcdPeer}`;
    return {
      command: binary,
      args: [
        '--name=lab',
        `--data-dir=${ctx.paths.etcdDataDir}`,
        `--listen-client-urls=${etcdUrl(ctx)}`,
        `--advertise-client-urls=${etcdUrl(ctx)}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=lab=${peer}`,
        '--initial-cluster-state=new',
        // A throwaway lab store: skipping fsync keeps a 2-core machine's apiserver snappy.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
    };
  },
};
