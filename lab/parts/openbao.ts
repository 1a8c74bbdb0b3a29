// OpenBao (Vault-compatible) dev server with the HCP-style `admin` namespace.
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import { LAB_VAULT_NAMESPACE } from '../../common/lab-coordinates';
import { request } from '../http';
import type { LabContext } from './context';
import { baoPath, ensurePrivateDir, vaultAddr, writeFileAtomic } from './context';
import type { Health, ServiceDefinition } from './service';

export const VAULT_NAMESPACE = LAB_VAULT_NAMESPACE;

/** One random root token per lab, kept in a 0600 file (the dev server is in-memory: a restart reuses it). */
export function ensureRootToken(ctx: LabContext): string {
  ensurePrivateDir(ctx.paths.baoDir);
  try {
    const token = fs.readFileSync(ctx.paths.rootToken, 'utf8').trim();
    if (token !== '') return token;
  } catch {
    // Not made yet.
  }
  // Hex only: OpenBao refuses custom token ids containing a period.
  const token = crypto.randomBytes(24).toString('hex');
  writeFileAtomic(ctx.paths.rootToken, `${token}\n`, 0o600);
  return token;
}

export function readRootToken(ctx: LabContext): string | undefined {
  try {
    return fs.readFileSync(ctx.paths.rootToken, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

async function ensureNamespace(ctx: LabContext, token: string): Promise<string> {
  const url = `${vaultAddr(ctx)}/v1/sys/namespaces/${VAULT_NAMESPACE}`;
  const headers = { 'X-Vault-Token': token };
  const existing = await request(url, { headers });
  if (existing.status === 200) return `namespace ${VAULT_NAMESPACE} present`;
  const created = await request(url, { method: 'POST', headers, body: '{}' });
  if (created.status !== 200 && created.status !== 204) {
    throw new Error(
      `creating namespace ${VAULT_NAMESPACE} answered HTTP ${created.status}: ${created.body.slice(0, 200)}`,
    );
  }
  return `namespace ${VAULT_NAMESPACE} created`;
}

export function baoVersion(ctx: LabContext): string {
  return execFileSync(baoPath(ctx), ['version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
    .split('\n')[0]
    .replace(/ \(.*$/, '')
    .trim();
}

export const openbao: ServiceDefinition = {
  name: 'openbao',
  group: 'vault',
  address: vaultAddr,
  ports: (ctx) => [
    { port: ctx.config.ports.vault, variable: 'LAB_VAULT_PORT' },
    // The dev server's cluster listener takes the next port.
    { port: ctx.config.ports.vault + 1, variable: 'LAB_VAULT_PORT (its port + 1)' },
  ],
  startTimeoutMs: 30_000,

  async health(ctx): Promise<Health> {
    const response = await request(`${vaultAddr(ctx)}/v1/sys/health`);
    if (response.status !== 200)
      return { ok: false, detail: `sys/health answered HTTP ${response.status}` };
    const token = readRootToken(ctx);
    // A server of a previous lab (another token) would refuse every call: restart it with ours.
    if (token !== undefined) {
      const self = await request(`${vaultAddr(ctx)}/v1/auth/token/lookup-self`, {
        headers: { 'X-Vault-Token': token },
      });
      if (self.status === 403)
        return { ok: false, stale: true, detail: "it does not know the lab's root token" };
    }
    return { ok: true, detail: 'sys/health: initialized, unsealed' };
  },

  prepare(ctx) {
    const token = ensureRootToken(ctx);
    return {
      command: baoPath(ctx),
      args: [
        'server',
        '-dev',
        `-dev-listen-address=${ctx.config.host}:${ctx.config.ports.vault}`,
        '-dev-no-store-token',
      ],
      // The token goes in the environment (same as -dev-root-token-id) so `ps` does not show it;
      // -dev-no-store-token keeps bao from overwriting the user's ~/.vault-token.
      env: {
        ...process.env,
        BAO_DEV_ROOT_TOKEN_ID: token,
        VAULT_DEV_ROOT_TOKEN_ID: token,
        HOME: ctx.paths.baoDir,
      },
      cwd: ctx.paths.baoDir,
    };
  },

  async afterHealthy(ctx) {
    const token = ensureRootToken(ctx);
    const namespace = await ensureNamespace(ctx, token);
    return `${baoVersion(ctx)}, ${namespace}`;
  },
};
