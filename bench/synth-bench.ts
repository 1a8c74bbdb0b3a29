// Benchmark: wall time and peak RSS of synthesis, as the README reports them.
//
//   npm run bench [-- --runs N] [--skip-cli]
//
// Cases: the app (main.ts, all environments), a scaled app (200 secrets x 4 environments) and
// 50 tenants x 10 secrets in each isolation design, run directly (node + scripts/run-ts.js, as
// cdktf.json runs it), and the first two end to end through `cdktf synth`. Each case runs N times
// (default 5) in a fresh process; the median wall time and the largest peak RSS are printed.
// Peak RSS comes from GNU time (/usr/bin/time, Debian package "time"). The plan loop: bench:plan.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, Report, benchArgs, fail, headerUsage, median, runsOption } from './measure';

interface Case {
  readonly name: string;
  readonly target?: string;
  readonly command: string[];
  readonly env?: Record<string, string>;
}

const GNU_TIME = '/usr/bin/time';
const TARGETS: Record<string, string> = {
  'app: all environments': '<= 0.8 s median, <= 150 MB',
  'app: 200 secrets x 4 environments': '<= 1.2 s median',
  'app: 50 tenants x 10 secrets, per-tenant': '< 2 s median, < 250 MB',
  'app: 50 tenants x 10 secrets, shared-store': '< 2 s median, < 250 MB',
};

function parseCommandLine(argv: string[]): { runs: number; cli: boolean; help: boolean } {
  const parsed = benchArgs(TOOL, {
    args: argv,
    options: {
      runs: { type: 'string', default: '5' },
      'skip-cli': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  return {
    runs: runsOption(TOOL, parsed.values.runs),
    cli: !parsed.values['skip-cli'],
    help: parsed.values.help,
  };
}

const TOOL = 'bench';

function measure(
  command: string[],
  env: Record<string, string>,
): { seconds: number; peakMb: number } {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-out-'));
  const rssFile = join(outdir, 'rss');
  const started = process.hrtime.bigint();
  const result = spawnSync(GNU_TIME, ['-f', '%M', '-o', rssFile, ...command], {
    cwd: ROOT,
    env: { ...process.env, ...env, CDKTF_OUTDIR: join(outdir, 'cdktf.out') },
    encoding: 'utf8',
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    fail(TOOL, `"${command.join(' ')}" exited ${result.status}:\n${result.stderr}${result.stdout}`);
  }
  const peakMb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024;
  rmSync(outdir, { recursive: true, force: true });
  return { seconds, peakMb };
}

function main(): void {
  const { runs, cli, help } = parseCommandLine(process.argv.slice(2));
  if (help) {
    // The usage is the header comment of this file.
    process.stdout.write(headerUsage(__filename, 9));
    return;
  }
  if (!existsSync(GNU_TIME))
    fail(
      TOOL,
      `${GNU_TIME} not found: install it (Debian: apt-get install time) to measure peak memory`,
    );

  const node = process.execPath;
  const runTs = join(ROOT, 'scripts/run-ts.js');
  const cdktf = join(ROOT, 'node_modules/.bin/cdktf');
  const cases: Case[] = [
    { name: 'node + cdktf (baseline)', command: [node, '-e', "require('cdktf')"] },
    { name: 'app: all environments', command: [node, runTs, 'main.ts'] },
    { name: 'app: 200 secrets x 4 environments', command: [node, runTs, 'bench/scaled-app.ts'] },
    ...(['per-tenant', 'shared-store'] as const).map((isolation) => ({
      name: `app: 50 tenants x 10 secrets, ${isolation}`,
      command: [node, runTs, 'bench/tenants-app.ts'],
      env: { BENCH_ISOLATION: isolation },
    })),
  ];
  if (cli) {
    cases.push(
      { name: 'cdktf synth: all environments', command: [cdktf, 'synth', '--output', 'cdktf.out'] },
      {
        name: 'cdktf synth: 200 secrets x 4 environments',
        command: [
          cdktf,
          'synth',
          '--app',
          `${node} ${runTs} bench/scaled-app.ts`,
          '--output',
          'cdktf.out',
        ],
      },
    );
  }
  // The CLI asks for a terraform/tofu version even to synthesize; keep it quiet and offline.
  const env = { CHECKPOINT_DISABLE: '1', DISABLE_VERSION_CHECK: '1', CI: '1' };

  const report = new Report('synth');
  report.line(`synthesis benchmark, ${runs} runs per case (median wall time, largest peak RSS)`);
  report.line(
    `${'case'.padEnd(44)} ${'median s'.padStart(9)} ${'min s'.padStart(7)} ${'peak MB'.padStart(8)}  target`,
  );
  for (const c of cases) {
    const samples = Array.from({ length: runs }, () => measure(c.command, { ...env, ...c.env }));
    const seconds = samples.map((s) => s.seconds);
    const peak = Math.max(...samples.map((s) => s.peakMb));
    report.line(
      `${c.name.padEnd(44)} ${median(seconds).toFixed(2).padStart(9)} ${Math.min(...seconds)
        .toFixed(2)
        .padStart(7)} ${peak.toFixed(0).padStart(8)}  ${TARGETS[c.name] ?? ''}`,
    );
  }
  report.save();
}

main();
