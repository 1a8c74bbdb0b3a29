// Benchmark: what the lab's second cluster costs, beside the first cluster's same parts.
//
//   npm run bench:lab-clusters [-- --restart]
//
// Needs the lab with its clusters part (npm run lab -- up). Prints the resident memory (VmRSS)
// of each lab process, and per cluster the sum of its API server, controller manager and ESO
// controller: the first cluster's is the yardstick the second's is printed beside (etcd, OpenBao,
// the emulator and PostgreSQL serve both). With --restart it first stops the lab (npm run lab --
// down: every lab process, and its data) and starts it from nothing (npm run lab -- up), and also
// prints each cluster's start steps from what `up` printed, and the whole `up`. Saved to
// .lab/bench/lab-clusters.txt.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readLabInfo } from '../lab/info';
import { runningPid } from '../lab/process';
import { ROOT, Report, benchArgs, fail, headerUsage } from './measure';

const TOOL = 'bench:lab-clusters';

/** Each cluster's own processes and `up` steps (etcd and the other parts serve both). */
const CLUSTERS = {
  first: {
    processes: ['kube-apiserver', 'kube-controller-manager', 'eso'],
    steps: ['pki', 'kube-apiserver', 'kube-controller-manager', 'eso-crds', 'eso'],
  },
  second: {
    processes: ['kube-apiserver-green', 'kube-controller-manager-green', 'eso-green'],
    steps: [
      'pki-green',
      'eks-green',
      'kube-apiserver-green',
      'kube-controller-manager-green',
      'eso-crds-green',
      'eso-green',
    ],
  },
} as const;
const SHARED = ['etcd', 'openbao', 'eks-emulator', 'postgres'];

/** Resident memory of a lab process, in MB (undefined: not running). */
function rssMb(pidFile: string): number | undefined {
  const pid = runningPid(pidFile);
  if (pid === undefined) return undefined;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  return kb === undefined ? undefined : Number(kb) / 1024;
}

/** `npm run lab -- <command>`, its output (it fails the benchmark when the command fails). */
function lab(command: string): { output: string; seconds: number } {
  const started = process.hrtime.bigint();
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'scripts/run-ts.js'), 'lab/cli.ts', command],
    {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (result.status !== 0) fail(TOOL, `lab ${command} exited ${result.status}:\n${result.stderr}`);
  return { output: result.stdout, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/** Seconds of each step `up` printed (`[lab] <step>: ... (1.2 s)`). */
function stepSeconds(output: string): Map<string, number> {
  const steps = new Map<string, number>();
  for (const match of output.matchAll(/^\[lab\] ([\w-]+): .*\((\d+(?:\.\d+)?) s\)$/gm))
    steps.set(match[1], Number(match[2]));
  return steps;
}

function startTimes(report: Report, up: { output: string; seconds: number }): void {
  const steps = stepSeconds(up.output);
  report.line('start from nothing (npm run lab -- up), seconds as up printed them');
  for (const [name, cluster] of Object.entries(CLUSTERS)) {
    const parts = cluster.steps.map((s) => `${s} ${(steps.get(s) ?? NaN).toFixed(1)}`);
    const sum = cluster.steps.reduce((n, s) => n + (steps.get(s) ?? NaN), 0);
    report.line(
      `  ${`${name} cluster`.padEnd(15)} ${sum.toFixed(1).padStart(6)} s  (${parts.join(', ')})`,
    );
  }
  report.line(
    `  ${'whole up'.padEnd(15)} ${up.seconds.toFixed(1).padStart(6)} s  (wall, every part)`,
  );
}

function memory(report: Report): void {
  const info = readLabInfo();
  if (info.green === undefined)
    fail(TOOL, 'the lab runs no second cluster: start it with `npm run lab -- up`');
  const mb = (name: string): number => {
    const found = rssMb(info.pidFiles[name] ?? '');
    if (found === undefined) fail(TOOL, `lab part ${name} is not running (npm run lab -- up)`);
    return found;
  };
  report.line('resident memory (VmRSS), MB');
  const sums: Record<string, number> = {};
  for (const [name, cluster] of Object.entries(CLUSTERS)) {
    sums[name] = cluster.processes.reduce((n, p) => n + mb(p), 0);
    const parts = cluster.processes.map((p) => `${p} ${mb(p).toFixed(0)}`);
    report.line(
      `  ${`${name} cluster`.padEnd(15)} ${sums[name].toFixed(0).padStart(6)}  (${parts.join(', ')})`,
    );
  }
  const shared = SHARED.reduce((n, p) => n + mb(p), 0);
  report.line(
    `  ${'shared parts'.padEnd(15)} ${shared.toFixed(0).padStart(6)}  (${SHARED.join(', ')})`,
  );
  const total = shared + sums.first + sums.second;
  report.line(
    `  second cluster: ${(sums.second / sums.first).toFixed(2)}x the first's, ${((100 * sums.second) / total).toFixed(0)}% of the lab's ${total.toFixed(0)} MB`,
  );
}

function main(): void {
  const { values } = benchArgs(TOOL, {
    args: process.argv.slice(2),
    options: { restart: { type: 'boolean' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write(headerUsage(__filename, 11));
    return;
  }
  const report = new Report('lab-clusters');
  report.line('lab with two clusters');
  if (values.restart) {
    process.stderr.write(`${TOOL}: stopping the lab, then starting it from nothing\n`);
    lab('down');
    startTimes(report, lab('up'));
  }
  memory(report);
  report.save();
}

main();
