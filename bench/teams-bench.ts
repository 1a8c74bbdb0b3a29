// Benchmark: an environment of team files at scale, each figure beside a same-run yardstick.
//
//   npm run bench:teams [-- --runs N] [--skip-lab | --plans-only]
//
// Generates `bench-teams` (bench/teams-app.ts: the lab's local-tenants with a KV mount, an auth
// path and state files of its own) with team files of 10 secrets each, written to a temporary
// TEAMS_DIR (with an empty LEDGER_DIR of its own), and measures N times (default 3; the median
// wall time, the largest peak RSS):
//  - synthesis of 2, 50 and 200 teams, writing every stack and writing t001's alone (STACKS, as
//    npm run diff -- --team does): cold (a fresh output directory), and after a one-secret change
//    in t001 with the other teams kept from a synthesis before (stacks/remembered-stacks.ts),
//    beside the same app with one team (the yardstick);
//  - in the lab (npm run lab -- up), `npm run diff -- --env bench-teams --team t001` after a
//    one-secret change (an 11th secret in t001's file) at 2, 50 and 200 teams: once with nothing
//    remembered (cold), then N times (the others remembered by the first), beside a bare
//    `tofu plan` of t001's stack directory (the yardstick);
//  - once: the deploy of 2 teams, then of 50 teams, each from nothing (npm run deploy), the
//    second plan of the 50 (npm run diff, every stack), and their destroy.
// Deployed when the one-team plans run: at 2 teams the shared stack and both teams; at 50 and 200
// the shared stack and t001..t050 (t051..t200 are synthesized, never deployed). Nothing is left
// deployed. Writes .lab/bench/teams.txt and teams.json (npm run figures draws docs/teams-scale.svg);
// --skip-lab measures synthesis alone (teams-synth.txt/.json); --plans-only the one-team plans
// alone, with only 2 teams deployed at every size (teams-plans.txt/.json).
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labProcessEnv, readLabInfo } from '../lab/info';
import {
  type Measured,
  ROOT,
  Report,
  benchArgs,
  headerUsage,
  median,
  runsOption,
  timedWithPeak,
} from './measure';
import { memoryDirOf } from '../stacks/remembered-stacks';
import { BENCH_TEAMS, teamName, writeTeamFile, writeTeamFolder } from './team-folder';

const TOOL = 'bench:teams';
const SECRETS = 10;
const SYNTH_TEAMS = [1, 2, 50, 200];
const PLAN_TEAMS = [2, 50, 200];
const DEPLOYED_TEAMS = 50;
const MEASURED_TEAM = teamName(1);
const node = process.execPath;
const runTs = join(ROOT, 'scripts/run-ts.js');
const APP = `node scripts/run-ts.js bench/teams-app.ts`;

/** A case's runs: median wall time, fastest, largest peak RSS. */
interface Figure {
  readonly medianS: number;
  readonly minS: number;
  readonly peakMb: number;
}

function figure(samples: readonly Measured[]): Figure {
  const seconds = samples.map((s) => s.seconds);
  return {
    medianS: median(seconds),
    minS: Math.min(...seconds),
    peakMb: Math.max(...samples.map((s) => s.peakMb)),
  };
}

const repeat = (runs: number, run: () => Measured) =>
  figure(Array.from({ length: runs }, () => run()));

const cells = (f: Figure) =>
  `${f.medianS.toFixed(2).padStart(9)} ${f.minS.toFixed(2).padStart(7)} ${f.peakMb.toFixed(0).padStart(8)}`;

/** Where the generated team files and their ledgers are, for the app and the tools. */
interface Workspace {
  readonly teamsDir: string;
  readonly env: NodeJS.ProcessEnv;
  teams(count: number): void;
  remove(): void;
}

function workspace(base: NodeJS.ProcessEnv): Workspace {
  const teamsDir = mkdtempSync(join(tmpdir(), 'bench-teams-'));
  const ledgerDir = mkdtempSync(join(tmpdir(), 'bench-ledgers-'));
  return {
    teamsDir,
    env: {
      ...base,
      TEAMS_DIR: teamsDir,
      LEDGER_DIR: ledgerDir,
      CHECKPOINT_DISABLE: '1',
      DISABLE_VERSION_CHECK: '1',
      CI: '1',
    },
    teams: (count) => writeTeamFolder(teamsDir, BENCH_TEAMS, count, SECRETS),
    remove() {
      rmSync(teamsDir, { recursive: true, force: true });
      rmSync(ledgerDir, { recursive: true, force: true });
    },
  };
}

interface SynthRow {
  readonly teams: number;
  /** Every stack written (npm run synth, deploy). */
  readonly figure: Figure;
  /** t001's stack alone written (STACKS, as npm run diff -- --team writes it), nothing remembered. */
  readonly oneWritten: Figure;
  /** The same after a one-secret change in t001, the other teams remembered by a synthesis before. */
  readonly remembered: Figure;
}

/** The app, in a fresh process, into `outdir` (a fresh output directory when not given). */
function synthOnce(ws: Workspace, only: string, outdir?: string): Measured {
  const dir = outdir ?? mkdtempSync(join(tmpdir(), 'bench-out-'));
  const run = timedWithPeak(TOOL, [node, runTs, 'bench/teams-app.ts'], {
    ...ws.env,
    CDKTF_OUTDIR: dir,
    STACKS: only,
  });
  if (outdir === undefined) rmSync(dir, { recursive: true, force: true });
  return run;
}

/**
 * t001's stack written after a one-secret change in its file, into an output directory where a
 * synthesis of every stack came first (the others are recalled, stacks/remembered-stacks.ts).
 */
function rememberedSynth(ws: Workspace, runs: number): Figure {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-out-'));
  synthOnce(ws, '', outdir);
  writeTeamFile(ws.teamsDir, BENCH_TEAMS, MEASURED_TEAM, SECRETS + 1);
  const figure = repeat(runs, () => synthOnce(ws, `${BENCH_TEAMS}--${MEASURED_TEAM}`, outdir));
  writeTeamFile(ws.teamsDir, BENCH_TEAMS, MEASURED_TEAM, SECRETS);
  rmSync(outdir, { recursive: true, force: true });
  return figure;
}

/** Synthesis at each size, writing every stack and writing one team's, beside one team. */
function synthesis(report: Report, runs: number): SynthRow[] {
  const ws = workspace(process.env);
  report.line(`synthesis of bench-teams, ${SECRETS} secrets per team (${runs} runs each)`);
  report.line(
    `${'case'.padEnd(40)} ${'median s'.padStart(9)} ${'min s'.padStart(7)} ${'peak MB'.padStart(8)}  vs`,
  );
  const rows: SynthRow[] = [];
  // Unmeasured: the first run of a checkout compiles the app (scripts/run-ts.js caches it).
  ws.teams(1);
  synthOnce(ws, '');
  const line = (label: string, f: Figure, yardstick: number | undefined) =>
    report.line(
      `${label.padEnd(40)} ${cells(f)}  ${yardstick === undefined ? '' : `${(f.medianS / yardstick).toFixed(2)}x 1 team`}`,
    );
  for (const teams of SYNTH_TEAMS) {
    ws.teams(teams);
    const figure = repeat(runs, () => synthOnce(ws, ''));
    const oneWritten = repeat(runs, () => synthOnce(ws, `${BENCH_TEAMS}--${MEASURED_TEAM}`));
    const remembered = rememberedSynth(ws, runs);
    rows.push({ teams, figure, oneWritten, remembered });
    const yardstick = teams === 1 ? undefined : rows[0].figure.medianS;
    line(
      teams === 1 ? '1 team (yardstick)' : `${teams} teams, every stack written`,
      figure,
      yardstick,
    );
    if (teams === 1) continue;
    line(`${teams} teams, ${MEASURED_TEAM}'s written, cold`, oneWritten, yardstick);
    line(`${teams} teams, ${MEASURED_TEAM}'s written, others kept`, remembered, yardstick);
  }
  ws.remove();
  return rows;
}

/** The ops tools, run as npm runs them (without npm's own start), on the bench's app. */
function ops(ws: Workspace, tool: string, args: string[], ok: number[] = [0]): Measured {
  process.stderr.write(`[${TOOL}] ${tool} ${args.join(' ')}\n`);
  return timedWithPeak(
    TOOL,
    [node, runTs, `ops/${tool}.ts`, '--env', BENCH_TEAMS, '--app', APP, ...args],
    ws.env,
    { ok },
  );
}

const deployFlags = ['--auto-approve', '--skip-provider-lock'];

interface PlanRow {
  readonly teams: number;
  readonly deployed: string;
  /** The first diff after the change, nothing remembered: every team's stack built. */
  readonly cold: Measured;
  /** The diffs after it: the other teams recalled from what the first one rendered. */
  readonly diff: Figure;
  readonly bare: Figure;
}

/** Forgets what earlier syntheses rendered for the bench's stacks (cdktf.out/.chain-memory). */
function forgetRendered(): void {
  const memory = memoryDirOf(join(ROOT, 'cdktf.out'));
  if (existsSync(memory))
    for (const file of readdirSync(memory))
      if (file.startsWith(`${BENCH_TEAMS}--`)) rmSync(join(memory, file), { force: true });
}

/** One team's plan after a one-secret change in its file, beside bare tofu on its directory. */
function teamPlan(ws: Workspace, tofu: string, teams: number, deployed: string, runs: number) {
  ws.teams(teams);
  writeTeamFile(ws.teamsDir, BENCH_TEAMS, MEASURED_TEAM, SECRETS + 1);
  forgetRendered();
  const cold = ops(ws, 'diff', ['--team', MEASURED_TEAM], [2]);
  const diff = repeat(runs, () => ops(ws, 'diff', ['--team', MEASURED_TEAM], [2]));
  const stackDir = join(ROOT, 'cdktf.out', 'stacks', `${BENCH_TEAMS}--${MEASURED_TEAM}`);
  const plan = ['plan', '-input=false', '-lock=false', '-no-color', '-detailed-exitcode'];
  const bare = repeat(runs, () =>
    timedWithPeak(TOOL, [tofu, ...plan], ws.env, { cwd: stackDir, ok: [2] }),
  );
  writeTeamFile(ws.teamsDir, BENCH_TEAMS, MEASURED_TEAM, SECRETS);
  return { teams, deployed, cold, diff, bare };
}

/** The bench's states and synthesized directories, after its destroy. */
function removeLeftovers(): void {
  for (const file of readdirSync(ROOT))
    if (file.startsWith(`terraform.${BENCH_TEAMS}`) && file.includes('.tfstate'))
      rmSync(join(ROOT, file), { force: true });
  const stacks = join(ROOT, 'cdktf.out', 'stacks');
  if (existsSync(stacks))
    for (const dir of readdirSync(stacks))
      if (dir === BENCH_TEAMS || dir.startsWith(`${BENCH_TEAMS}--`))
        rmSync(join(stacks, dir), { recursive: true, force: true });
}

interface LabFigures {
  readonly plans: PlanRow[];
  readonly deploys: { teams: number; deploy: Measured; destroy: Measured }[];
  /** Undefined with --plans-only (no 50-team deploy). */
  readonly secondPlan?: Measured;
}

/** What an interrupted earlier run left deployed: destroyed (its 50 teams cover any stage). */
function destroyEarlierRun(ws: Workspace): void {
  if (!readdirSync(ROOT).some((f) => f.startsWith(`terraform.${BENCH_TEAMS}`))) return;
  ws.teams(DEPLOYED_TEAMS);
  ops(ws, 'destroy', deployFlags);
  removeLeftovers();
}

/**
 * Deploys, one-team plans at each size, the second plan of 50 and the destroys, in order; with
 * `plansOnly`, the one-team plans at every size with 2 teams deployed, and no 50-team deploy.
 */
function labRuns(ws: Workspace, tofu: string, runs: number, plansOnly: boolean): LabFigures {
  destroyEarlierRun(ws);
  removeLeftovers();
  ws.teams(2);
  const deploy2 = ops(ws, 'deploy', deployFlags);
  const sizes = plansOnly ? PLAN_TEAMS : [2];
  const plans = sizes.map((t) => teamPlan(ws, tofu, t, 'shared + t001..t002', runs));
  ws.teams(2);
  const destroy2 = ops(ws, 'destroy', deployFlags);
  if (plansOnly) {
    removeLeftovers();
    return { plans, deploys: [{ teams: 2, deploy: deploy2, destroy: destroy2 }] };
  }
  removeLeftovers();
  ws.teams(DEPLOYED_TEAMS);
  const deploy50 = ops(ws, 'deploy', deployFlags);
  const secondPlan = ops(ws, 'diff', [], [0, 2]);
  const deployed = `shared + t001..t${String(DEPLOYED_TEAMS).padStart(3, '0')}`;
  for (const teams of PLAN_TEAMS.filter((t) => t > 2))
    plans.push(teamPlan(ws, tofu, teams, deployed, runs));
  ws.teams(DEPLOYED_TEAMS);
  const destroy50 = ops(ws, 'destroy', deployFlags);
  removeLeftovers();
  return {
    plans,
    deploys: [
      { teams: 2, deploy: deploy2, destroy: destroy2 },
      { teams: DEPLOYED_TEAMS, deploy: deploy50, destroy: destroy50 },
    ],
    secondPlan,
  };
}

/** The lab part's table, and the verdict on the one-team plan's growth. */
function reportLab(report: Report, lab: LabFigures, runs: number): number {
  report.line('');
  report.line(
    `one team's plan after a one-secret change (npm run diff -- --env bench-teams --team ${MEASURED_TEAM}), ${runs} runs each`,
  );
  report.line(
    `${'case'.padEnd(40)} ${'median s'.padStart(9)} ${'min s'.padStart(7)} ${'peak MB'.padStart(8)}  deployed`,
  );
  for (const row of lab.plans) {
    report.line(
      `${`${row.teams} teams: first diff, cold`.padEnd(40)} ${row.cold.seconds.toFixed(2).padStart(9)} ${''.padStart(7)} ${row.cold.peakMb.toFixed(0).padStart(8)}  nothing remembered`,
    );
    report.line(
      `${`${row.teams} teams: npm run diff`.padEnd(40)} ${cells(row.diff)}  ${row.deployed}`,
    );
    report.line(
      `${`${row.teams} teams: bare tofu plan`.padEnd(40)} ${cells(row.bare)}  (yardstick)`,
    );
  }
  const first = lab.plans[0].diff.medianS;
  const last = lab.plans[lab.plans.length - 1];
  const ratio = last.diff.medianS / first;
  report.line(
    `${last.teams} teams vs 2: ${ratio.toFixed(2)}x (goal: within 1.5x): ${ratio <= 1.5 ? 'met' : 'NOT met'}`,
  );
  const coldRatio = last.cold.seconds / lab.plans[0].cold.seconds;
  report.line(`first diffs (cold), ${last.teams} teams vs 2: ${coldRatio.toFixed(2)}x`);
  report.line('');
  report.line(`deploys from nothing (npm run deploy, every stack), once`);
  report.line(
    `${'case'.padEnd(40)} ${'wall s'.padStart(9)} ${''.padStart(7)} ${'peak MB'.padStart(8)}`,
  );
  const once = (label: string, m: Measured, note = '') =>
    report.line(
      `${label.padEnd(40)} ${m.seconds.toFixed(1).padStart(9)} ${''.padStart(7)} ${m.peakMb.toFixed(0).padStart(8)}  ${note}`,
    );
  for (const d of lab.deploys) once(`deploy ${d.teams} teams`, d.deploy);
  if (lab.secondPlan)
    once(
      `second plan of ${DEPLOYED_TEAMS} teams (all stacks)`,
      lab.secondPlan,
      lab.secondPlan.code === 0 ? 'no changes' : `exit ${lab.secondPlan.code}: changes`,
    );
  for (const d of lab.deploys) once(`destroy ${d.teams} teams`, d.destroy);
  return ratio;
}

function main(): void {
  const { values } = benchArgs(TOOL, {
    args: process.argv.slice(2),
    options: {
      runs: { type: 'string', default: '3' },
      'skip-lab': { type: 'boolean', default: false },
      'plans-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(headerUsage(__filename, 20));
    return;
  }
  const runs = runsOption(TOOL, values.runs);
  // Synthesis alone is saved apart: it never replaces the figures of a full run.
  const plansOnly = values['plans-only'];
  const report = new Report(
    values['skip-lab'] ? 'teams-synth' : plansOnly ? 'teams-plans' : 'teams',
  );
  const synth = plansOnly ? [] : synthesis(report, runs);
  const data = { runs, secrets: SECRETS, measuredTeam: MEASURED_TEAM, synth };
  if (values['skip-lab']) {
    report.save(data);
    return;
  }
  const info = readLabInfo();
  const ws = workspace(labProcessEnv(info));
  try {
    const lab = labRuns(ws, info.toolchain.tfBinary, runs, plansOnly);
    const ratio = reportLab(report, lab, runs);
    report.save({ ...data, ...lab, planRatio: ratio, goal: 1.5 });
  } finally {
    ws.remove();
  }
}

main();
