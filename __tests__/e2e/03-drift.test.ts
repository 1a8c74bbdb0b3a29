/**
 * `npm run drift` against the deployed `local` environment: quiet right after a deploy; names the
 * resource and attribute of out-of-band changes (policy edited, role rebound, ServiceAccount
 * deleted) with exit 2; ignores values people edit in the KV secret; exit 1 with a plain message
 * when Vault is down. A deploy repairs the drift and leaves people's values alone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { local } from '../../environments/local';
import type { EnvironmentDrift } from '../../ops/drift-report';
import {
  MINUTES,
  ROOT,
  type StackVariant,
  deploy,
  deployedAround,
  exec,
  kubectl,
  lab,
  opsTool,
  vault,
} from './support/lab-chain';
import { recordTiming } from './support/timings';

// The real `local` stack, so `npm run drift -- --env local` checks what this suite deployed.
const variant: StackVariant = { name: 'local', changes: {} };
const reportDir = join(ROOT, '.lab', 'e2e-drift');
const { vault: v, kubernetes: k8s } = local;

async function drift(): Promise<{
  code: number;
  report: EnvironmentDrift;
  markdown: string;
  stderr: string;
}> {
  const result = await opsTool('drift', ['--env', 'local', '--report-dir', reportDir]);
  recordTiming('drift check local', result.seconds);
  const [report] = JSON.parse(
    readFileSync(join(reportDir, 'drift.json'), 'utf8'),
  ) as EnvironmentDrift[];
  return {
    code: result.code,
    report,
    markdown: readFileSync(join(reportDir, 'drift.md'), 'utf8'),
    stderr: result.stderr,
  };
}

deployedAround(variant);

it(
  'reports no drift right after a deploy (exit 0)',
  async () => {
    const result = await drift();
    expect({
      code: result.code,
      status: result.report.status,
      resources: result.report.resources,
    }).toEqual({ code: 0, status: 'no-drift', resources: [] });
    expect(result.markdown).toContain('| local | no drift | 0 |');
  },
  10 * MINUTES,
);

it(
  'names each out-of-band change, resource and attribute (exit 2), and not the values people edit',
  async () => {
    // Three changes made outside Terraform ...
    expect(
      (
        await vault('PUT', `sys/policies/acl/${v.policyName}`, {
          body: { policy: 'path "secret/data/*" { capabilities = ["read", "list"] }' },
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await vault('POST', `auth/${v.authPath}/role/${v.roleName}`, {
          body: { bound_service_account_namespaces: ['default'] },
        })
      ).status,
    ).toBe(204);
    expect(
      (await kubectl(['delete', 'serviceaccount', k8s.serviceAccountName, '-n', k8s.namespace]))
        .code,
    ).toBe(0);
    // ... and the intended workflow: a person edits a value in Vault.
    expect(
      (
        await vault('POST', `${v.kvMount.path}/data/my-secret`, {
          body: { data: { dummy_key1: 'edited-by-a-person' } },
        })
      ).status,
    ).toBe(200);

    const result = await drift();
    expect(result.code).toBe(2);
    const byType = (type: string) => result.report.resources.filter((r) => r.type === type);
    expect(byType('vault_policy').map((r) => r.kind)).toEqual([
      'changed outside Terraform',
      'will update',
    ]);
    expect(byType('vault_policy')[0].attributes.map((a) => a.path)).toEqual(['policy']);
    expect(byType('vault_kubernetes_auth_backend_role')[0].attributes).toEqual([
      { path: 'bound_service_account_namespaces[0]', before: k8s.namespace, after: 'default' },
    ]);
    expect(byType('kubernetes_service_account_v1').map((r) => r.kind)).toEqual([
      'deleted outside Terraform',
      'will create',
    ]);
    // The seeds are never read back, and the folder markers hold only metadata: no value edit
    // is drift.
    expect(byType('vault_generic_endpoint')).toEqual([]);
    expect(byType('vault_kv_secret_v2')).toEqual([]);
    expect(result.markdown).toContain(
      '`bound_service_account_namespaces[0]`: `my-namespace` -> `default`',
    );
    expect(result.markdown).not.toContain('edited-by-a-person');
  },
  10 * MINUTES,
);

it(
  'a deploy repairs the drift and leaves the edited value alone',
  async () => {
    const repaired = await deploy(variant);
    expect(repaired.code).toBe(0);
    const result = await drift();
    expect({ code: result.code, status: result.report.status }).toEqual({
      code: 0,
      status: 'no-drift',
    });
    const read = await vault('GET', `${v.kvMount.path}/data/my-secret`);
    expect((read.body?.data as { data: Record<string, string> }).data.dummy_key1).toBe(
      'edited-by-a-person',
    );
  },
  15 * MINUTES,
);

it(
  'exits 1 with a plain message when Vault is down',
  async () => {
    const pid = lab().vault.pid;
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGTERM');
    try {
      const result = await drift();
      expect(result.code).toBe(1);
      expect(result.report.status).toBe('error');
      expect(result.report.error).toContain(
        `a server is unreachable: connection refused at 127.0.0.1:${lab().ports.vault}`,
      );
      expect(result.stderr).toContain('drift: error: local: a server is unreachable');
    } finally {
      // A dev-mode OpenBao keeps nothing: `lab up` starts a fresh one (with the admin namespace).
      const up = await exec(process.execPath, [
        join(ROOT, 'scripts/run-ts.js'),
        'lab/cli.ts',
        'up',
      ]);
      expect(up.code).toBe(0);
    }
  },
  10 * MINUTES,
);
