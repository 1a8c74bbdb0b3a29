// Benchmark: 10 tenants deployed in the lab, in each isolation design, and what each design costs.
//
//   npm run bench:tenants [-- --tenants N] [--secrets N]
//
// Needs the lab (npm run lab -- up). For each design, from nothing: deploy (until every
// ExternalSecret is synced), a second plan (bare tofu plan: nothing to change), then destroy.
// Printed per design: those three times, the Vault and Kubernetes objects the stack manages,
// and the size of the synthesized configuration. Nothing is left deployed.
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { STACK_FILE, SynthesizedStack } from '../common/synthesized-stack';
import { labProcessEnv, readLabInfo } from '../lab/info';
import { ROOT, Report, benchArgs, fail, headerUsage, timed } from './measure';

const TOOL = 'bench:tenants';
const node = process.execPath;
const cdktf = join(ROOT, 'node_modules/.bin/cdktf');
const app = `${node} ${join(ROOT, 'scripts/run-ts.js')} bench/tenants-app.ts`;

const run = (
  command: string[],
  env: NodeJS.ProcessEnv,
  options: { cwd?: string; ok?: number[] } = {},
) => timed(TOOL, command, env, options);

/** Managed resources of the synthesized stack, by provider. */
function objectCounts(stackDir: string): { vault: number; kubernetes: number } {
  const json = SynthesizedStack.read(stackDir).json;
  const count = (prefix: string) =>
    Object.entries(json.resource ?? {})
      .filter(([type]) => type.startsWith(prefix))
      .reduce((n, [, items]) => n + Object.keys(items).length, 0);
  return { vault: count('vault_'), kubernetes: count('kubernetes_') };
}

function main(): void {
  const { values } = benchArgs(TOOL, {
    args: process.argv.slice(2),
    options: {
      tenants: { type: 'string', default: '10' },
      secrets: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(headerUsage(__filename, 8));
    return;
  }
  for (const key of ['tenants', 'secrets'] as const)
    if (!/^[1-9]\d*$/.test(values[key])) fail(TOOL, `--${key} takes a whole number >= 1`);

  const info = readLabInfo();
  const tofu = info.toolchain.tfBinary;
  const report = new Report('tenants');
  report.line(
    `tenants in the lab: ${values.tenants} tenants x ${values.secrets} secret(s), each design from nothing`,
  );
  report.line(
    `${'design'.padEnd(14)} ${'deploy s'.padStart(9)} ${'2nd plan s'.padStart(11)} ${'destroy s'.padStart(10)} ${'vault objs'.padStart(11)} ${'k8s objs'.padStart(9)} ${'config KB'.padStart(10)}`,
  );
  for (const isolation of ['per-tenant', 'shared-store'] as const) {
    const stack = `bench-${isolation}`;
    const env = labProcessEnv(info, {
      ...process.env,
      BENCH_STACK: stack,
      BENCH_ISOLATION: isolation,
      BENCH_TENANTS: values.tenants,
      BENCH_TENANT_SECRETS: values.secrets,
    });
    const state = join(ROOT, `terraform.${stack}.tfstate`);
    const cli = ['--app', app, '--skip-provider-lock', '--no-color'];
    if (existsSync(state)) run([cdktf, 'destroy', stack, '--auto-approve', ...cli], env);
    const deploy = run([cdktf, 'deploy', stack, '--auto-approve', ...cli], env);
    const stackDir = join(ROOT, 'cdktf.out', 'stacks', stack);
    const plan = run(
      [tofu, 'plan', '-input=false', '-lock=false', '-no-color', '-detailed-exitcode'],
      env,
      { cwd: stackDir, ok: [0] },
    );
    const objects = objectCounts(stackDir);
    const size = statSync(join(stackDir, STACK_FILE)).size / 1024;
    const destroy = run([cdktf, 'destroy', stack, '--auto-approve', ...cli], env);
    rmSync(state, { force: true });
    rmSync(`${state}.backup`, { force: true });
    report.line(
      `${isolation.padEnd(14)} ${deploy.toFixed(1).padStart(9)} ${plan.toFixed(1).padStart(11)} ${destroy.toFixed(1).padStart(10)} ${String(objects.vault).padStart(11)} ${String(objects.kubernetes).padStart(9)} ${size.toFixed(0).padStart(10)}`,
    );
  }
  report.save();
}

main();
