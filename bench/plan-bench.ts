// Benchmark: the plan loop against the lab, each case beside a bare plan of the same directory,
// under OpenTofu and under Terraform.
//
//   npm run bench:plan [-- --runs N]
//
// Needs the lab (npm run lab -- up). Deploys `local` and `local-tenants` when they are not yet
// deployed (and leaves them deployed), then times, N times each (default 5), median printed:
// bare `tofu plan` in cdktf.out/stacks/local (the yardstick), `cdktf diff local`,
// `npm run diff -- --env local`, `npm run drift -- --env local` (a refreshing plan, saved and
// shown as JSON), and the drift check of both environments at once beside one after the other;
// then bare `terraform plan`, `npm run diff` and `npm run drift` with Terraform (in
// cdktf.out.terraform: each engine keeps its own providers).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { labProcessEnv, readLabInfo, withEngine } from '../lab/info';
import { ROOT, Report, benchArgs, headerUsage, median, runsOption, timed } from './measure';

const TOOL = 'bench:plan';
const node = process.execPath;
const runTs = join(ROOT, 'scripts/run-ts.js');
const cdktf = join(ROOT, 'node_modules/.bin/cdktf');

/** `timed`, failing as this tool. */
const timedRun = (
  command: string[],
  env: NodeJS.ProcessEnv,
  options: { cwd?: string; ok?: number[] } = {},
) => timed(TOOL, command, env, options);

/** The lab stacks the plans run against, deployed unless they already are (they stay deployed). */
function deployFirst(env: NodeJS.ProcessEnv): void {
  for (const name of ['local', 'local-tenants']) {
    if (existsSync(join(ROOT, `terraform.${name}.tfstate`))) continue;
    process.stdout.write(`deploying ${name} first (it stays deployed)...\n`);
    timedRun(
      [node, runTs, 'ops/deploy.ts', '--env', name, '--auto-approve', '--skip-provider-lock'],
      env,
    );
  }
}

/** The timed cases, each with the yardstick it is compared with. */
function planCases(
  env: NodeJS.ProcessEnv,
  tofu: string,
  stackDir: string,
): { name: string; run: () => number; yardstick?: string }[] {
  const plan = ['plan', '-input=false', '-lock=false', '-no-color', '-detailed-exitcode'];
  return [
    {
      name: 'tofu plan (bare, yardstick)',
      run: () => timedRun([tofu, ...plan], env, { cwd: stackDir, ok: [0, 2] }),
    },
    {
      name: 'cdktf diff local',
      yardstick: 'tofu plan (bare, yardstick)',
      run: () =>
        timedRun([cdktf, 'diff', 'local', '--skip-provider-lock', '--no-color'], env, { ok: [0] }),
    },
    {
      name: 'npm run diff -- --env local',
      yardstick: 'tofu plan (bare, yardstick)',
      run: () => timedRun([node, runTs, 'ops/diff.ts', '--env', 'local'], env, { ok: [0, 2] }),
    },
    {
      name: 'npm run drift -- --env local',
      yardstick: 'tofu plan (bare, yardstick)',
      run: () => timedRun([node, runTs, 'ops/drift.ts', '--env', 'local'], env, { ok: [0, 2] }),
    },
    {
      name: 'drift: local, then local-tenants',
      run: () =>
        timedRun([node, runTs, 'ops/drift.ts', '--env', 'local'], env, { ok: [0, 2] }) +
        timedRun([node, runTs, 'ops/drift.ts', '--env', 'local-tenants'], env, { ok: [0, 2] }),
    },
    {
      name: 'drift: both at once (parallel)',
      yardstick: 'drift: local, then local-tenants',
      run: () =>
        timedRun([node, runTs, 'ops/drift.ts', '--env', 'local', '--env', 'local-tenants'], env, {
          ok: [0, 2],
        }),
    },
  ];
}

/** Terraform's bare plan, and the tools run with Terraform, each beside it and bare tofu. */
function terraformCases(
  env: NodeJS.ProcessEnv,
  terraform: string,
): { name: string; run: () => number; yardstick?: string }[] {
  const stackDir = join(ROOT, 'cdktf.out.terraform', 'stacks', 'local');
  const plan = ['plan', '-input=false', '-lock=false', '-no-color', '-detailed-exitcode'];
  return [
    {
      name: 'terraform plan (bare)',
      yardstick: 'tofu plan (bare, yardstick)',
      run: () => timedRun([terraform, ...plan], env, { cwd: stackDir, ok: [0, 2] }),
    },
    {
      name: 'npm run diff (Terraform)',
      yardstick: 'terraform plan (bare)',
      run: () => timedRun([node, runTs, 'ops/diff.ts', '--env', 'local'], env, { ok: [0, 2] }),
    },
    {
      name: 'npm run drift (Terraform)',
      yardstick: 'terraform plan (bare)',
      run: () => timedRun([node, runTs, 'ops/drift.ts', '--env', 'local'], env, { ok: [0, 2] }),
    },
  ];
}

function main(): void {
  const { values } = benchArgs(TOOL, {
    args: process.argv.slice(2),
    options: {
      runs: { type: 'string', default: '5' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(headerUsage(__filename, 12));
    return;
  }
  const runs = runsOption(TOOL, values.runs);

  const info = readLabInfo();
  const env = labProcessEnv(info);
  deployFirst(env);
  // The synthesized directory the bare runs plan in: the same one cdktf diff writes.
  timedRun([node, runTs, 'ops/diff.ts', '--env', 'local'], env, { ok: [0, 2] });
  const stackDir = join(ROOT, 'cdktf.out', 'stacks', 'local');
  // The same plans under Terraform, in a directory of its own (each engine keeps its providers).
  const terraformEnv = {
    ...labProcessEnv(withEngine(info, 'terraform')),
    CDKTF_OUTDIR: 'cdktf.out.terraform',
  };
  timedRun([node, runTs, 'ops/diff.ts', '--env', 'local'], terraformEnv, { ok: [0, 2] });
  const cases = [
    ...planCases(env, info.toolchain.tfBinary, stackDir),
    ...terraformCases(terraformEnv, info.toolchain.engines.terraform),
  ];

  const report = new Report('plan');
  report.line(`plan-loop benchmark against the lab, ${runs} runs per case (median)`);
  report.line(`${'case'.padEnd(40)} ${'median s'.padStart(9)} ${'min s'.padStart(7)}  vs`);
  const medians = new Map<string, number>();
  for (const c of cases) {
    const samples = Array.from({ length: runs }, () => c.run());
    medians.set(c.name, median(samples));
    const yardstick = c.yardstick ? medians.get(c.yardstick) : undefined;
    const ratio =
      yardstick === undefined ? '' : `${(median(samples) / yardstick).toFixed(2)}x ${c.yardstick}`;
    report.line(
      `${c.name.padEnd(40)} ${median(samples).toFixed(2).padStart(9)} ${Math.min(...samples)
        .toFixed(2)
        .padStart(7)}  ${ratio}`,
    );
  }
  report.save();
}

main();
