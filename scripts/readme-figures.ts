// Writes the README's measured figures from the files the measurements leave behind, between
// `<!-- figures:NAME -->` and `<!-- /figures:NAME -->` markers; a figure without its source is
// left as it is and named on stderr.
//
//   npm run figures [-- --build-times PATH] [--cold-run LAB_DIR] [--check]
//
// Sources: .lab/ci-times.tsv (.ci/run), .lab/test-all-times.tsv, .lab/unit-results.json,
// .lab/e2e-results/<engine>[-<lane>].json (npm test: one per jest process),
// .lab/e2e-timings.tsv (the lab suites), .lab/bench/{synth,plan,tenants,teams}.txt (npm run
// bench, bench:plan, bench:tenants, bench:teams; the last also draws docs/teams-scale.svg from
// .lab/bench/teams.json, scripts/plot-teams.ts), and the build-times.tsv of a cold build
// (--build-times PATH: build.sh's log in an LAB_CACHE_DIR that started empty), the .lab
// directory of a .ci/run from empty caches (--cold-run) and .lab/verify-trim.txt (npm run lab --
// verify-trim).
// --check: exit 1 if the README is not what the sources say (nothing is written).
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { VERIFY_TRIM_REPORT } from '../lab/verify-trim';
import { TEAMS_SVG, teamsSvgFromBench } from './plot-teams';

const ROOT = join(__dirname, '..');
const README = join(ROOT, 'README.md');
const LAB = join(ROOT, '.lab');

function read(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function tsv(path: string): string[][] | undefined {
  return read(path)
    ?.trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

const minutes = (seconds: number) =>
  seconds >= 60 ? `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s` : `${seconds} s`;

interface JestResults {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; startTime: number; endTime: number }[];
}

/** The jest results of each process of the e2e tier, by file name (tofu, terraform-tenants, ...). */
function e2eResultFiles(lab: string): [string, JestResults][] | undefined {
  const dir = join(lab, 'e2e-results');
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) return undefined;
  return files.map((f) => [
    basename(f, '.json'),
    JSON.parse(readFileSync(join(dir, f), 'utf8')) as JestResults,
  ]);
}

/** Tier times of a `.ci/run` whose .lab directory is `lab`. */
function tierRows(lab: string): string[] | undefined {
  const times = tsv(join(lab, 'test-all-times.tsv'));
  if (!times) return undefined;
  // .ci/run adds npm ci and its own total (absent after a bare npm test).
  const ci = tsv(join(lab, 'ci-times.tsv')) ?? [];
  return [...ci.slice(0, 1), ...times, ...ci.slice(1)].map(
    ([tier, seconds]) => `| ${tier} | ${minutes(Number(seconds))} |`,
  );
}

/** The unit and lab suites' jest results of an `npm test` whose .lab directory is `lab`. */
function testResults(lab: string): { unit: JestResults; e2e: JestResults } | undefined {
  const unit = read(join(lab, 'unit-results.json'));
  // The lab suites run as several jest processes, per engine (scripts/test-all.sh); a suite run
  // with Terraform is named "<file> (terraform)".
  const files = e2eResultFiles(lab);
  if (!unit || !files) return undefined;
  const parts = files.map(([name, results]) => ({
    ...results,
    testResults: results.testResults.map((r) => ({
      ...r,
      name: name.startsWith('terraform') ? `${basename(r.name)} (terraform)` : basename(r.name),
    })),
  }));
  return {
    unit: JSON.parse(unit) as JestResults,
    e2e: {
      numTotalTests: parts.reduce((n, p) => n + p.numTotalTests, 0),
      numPassedTests: parts.reduce((n, p) => n + p.numPassedTests, 0),
      numFailedTests: parts.reduce((n, p) => n + p.numFailedTests, 0),
      testResults: parts.flatMap((p) => p.testResults),
    },
  };
}

function passedLine({ unit, e2e }: { unit: JestResults; e2e: JestResults }): string {
  return `${unit.numPassedTests}/${unit.numTotalTests} unit tests and ${e2e.numPassedTests}/${e2e.numTotalTests} lab tests passed.`;
}

function coldRunFigure(lab: string): string | undefined {
  const rows = tierRows(lab);
  const results = testResults(lab);
  if (!rows || !results) return undefined;
  return [passedLine(results), '', '| tier | wall time |', '| --- | --- |', ...rows].join('\n');
}

function testsFigure(): string | undefined {
  const results = testResults(LAB);
  const rows = tierRows(LAB);
  if (!results || !rows) return undefined;
  const suites = results.e2e.testResults
    .map((r) => ({
      name: basename(r.name),
      seconds: (r.endTime - r.startTime) / 1000,
    }))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((r) => `| ${r.name} | ${minutes(Math.round(r.seconds))} |`);
  return [
    `Last \`npm test\`: ${passedLine(results)}`,
    '',
    '| tier | wall time |',
    '| --- | --- |',
    ...rows,
    '',
    '| lab suite | wall time |',
    '| --- | --- |',
    ...suites,
  ].join('\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function stepsFigure(): string | undefined {
  const rows = tsv(join(LAB, 'e2e-timings.tsv'));
  if (!rows) return undefined;
  // Group by the step's kind: its text before the variant in parentheses or the last word.
  const groups = new Map<string, number[]>();
  for (const [, step, seconds] of rows) {
    const kind = step.replace(/\s*\(.*\)$/, '').replace(/\s+\S*local\S*$/, '');
    groups.set(kind, [...(groups.get(kind) ?? []), Number(seconds)]);
  }
  return [
    '| lab step (each run of the suites) | runs | median | max |',
    '| --- | --- | --- | --- |',
    ...[...groups].map(
      ([kind, values]) =>
        `| ${kind} | ${values.length} | ${median(values).toFixed(1)} s | ${Math.max(...values).toFixed(1)} s |`,
    ),
  ].join('\n');
}

function buildFigure(path: string): string | undefined {
  const rows = tsv(path);
  if (!rows) return undefined;
  // The latest entry of each component; `all` is the whole run's wall time (build.sh).
  const latest = new Map<string, string[]>();
  for (const row of rows) latest.set(row[1], row);
  const all = latest.get('all');
  latest.delete('all');
  const table = [...latest.values()]
    .sort((a, b) => Number(b[3]) - Number(a[3]))
    .map(
      ([, component, version, seconds, mb]) =>
        `| ${component} | ${version} | ${minutes(Number(seconds))} | ${mb === '-' ? '' : `${mb} MB`} |`,
    );
  return [
    '| component | version | wall time | peak memory |',
    '| --- | --- | --- | --- |',
    ...table,
    ...(all ? [`| **all** | ${all[2]} | **${minutes(Number(all[3]))}** | |`] : []),
  ].join('\n');
}

function codeBlock(text: string | undefined): string | undefined {
  return text === undefined ? undefined : ['```', text.trimEnd(), '```'].join('\n');
}

function benchFigure(name: string): string | undefined {
  return codeBlock(read(join(LAB, 'bench', `${name}.txt`)));
}

/** bench:teams' full run, then the reruns of its parts (--skip-lab, --plans-only). */
function teamsFigure(): string | undefined {
  const full = read(join(LAB, 'bench', 'teams.txt'));
  if (full === undefined) return undefined;
  const parts = ['teams-synth', 'teams-plans'].flatMap(
    (n) => read(join(LAB, 'bench', `${n}.txt`)) ?? [],
  );
  return codeBlock([full, ...parts].join('\n'));
}

/**
 * The team benchmark's curve, drawn from the same run as its table: written, or with `check`
 * compared; true when the SVG was not what the measurements say.
 */
function teamsPlot(check: boolean): boolean {
  const svg = teamsSvgFromBench();
  if (svg === undefined || read(TEAMS_SVG) === svg) return false;
  if (check) process.stderr.write('figures: docs/teams-scale.svg is not what the sources say\n');
  else writeFileSync(TEAMS_SVG, svg);
  return true;
}

/** The header comment, as --help prints it. */
function usage(): string {
  return `${readFileSync(__filename, 'utf8')
    .split('\n')
    .slice(0, 15)
    .map((l) => l.replace(/^\/\/ ?/, ''))
    .join('\n')}\n`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'build-times': { type: 'string' },
      'cold-run': { type: 'string' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage());
    return 0;
  }
  const figures: Record<string, () => string | undefined> = {
    tests: testsFigure,
    'lab-steps': stepsFigure,
    // Only when named: the cache's own log also holds the incremental rebuilds of a warm machine.
    'cold-build': () =>
      values['build-times'] === undefined ? undefined : buildFigure(values['build-times']),
    'cold-ci': () =>
      values['cold-run'] === undefined ? undefined : coldRunFigure(values['cold-run']),
    ...Object.fromEntries(
      ['synth', 'plan', 'tenants'].map((name) => [name, () => benchFigure(name)]),
    ),
    teams: teamsFigure,
    'verify-trim': () => codeBlock(read(VERIFY_TRIM_REPORT(LAB))),
  };
  const before = readFileSync(README, 'utf8');
  let after = before;
  for (const [name, make] of Object.entries(figures)) {
    const marker = new RegExp(
      `(<!-- figures:${name} -->\\n)[\\s\\S]*?(\\n<!-- /figures:${name} -->)`,
    );
    if (!marker.test(after)) {
      process.stderr.write(`figures: README has no ${name} markers\n`);
      continue;
    }
    const text = make();
    if (text === undefined) {
      process.stderr.write(`figures: no source for ${name} yet: left as it is\n`);
      continue;
    }
    after = after.replace(marker, (_, open: string, close: string) => `${open}${text}${close}`);
  }
  // Tables as Prettier aligns them, so the README stays as `npm run lint` wants it.
  after = await format(after, { ...(await resolveConfig(README)), filepath: README });
  const svgStale = teamsPlot(values.check);
  if (values.check) {
    if (after !== before) process.stderr.write('figures: the README is not what the sources say\n');
    return after === before && !svgStale ? 0 : 1;
  }
  if (after !== before) writeFileSync(README, after);
  process.stdout.write(
    after === before ? 'figures: README unchanged\n' : 'figures: README updated\n',
  );
  return 0;
}

void main().then((code) => {
  process.exitCode = code;
});
