// Draws the team benchmark's curves (npm run bench:teams) as an SVG written by hand: seconds and
// peak memory against the number of teams, for synthesis, one team's plan and its yardstick.
//
//   node scripts/run-ts.js scripts/plot-teams.ts [--check]
//
// Reads .lab/bench/teams.json and writes docs/teams-scale.svg (npm run figures does it too);
// --check: exit 1 if the SVG is not what the measurements say (nothing is written).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
export const TEAMS_JSON = join(ROOT, '.lab', 'bench', 'teams.json');
export const TEAMS_SVG = join(ROOT, 'docs', 'teams-scale.svg');

interface Figure {
  readonly medianS: number;
  readonly peakMb: number;
}

/** What the plot reads of .lab/bench/teams.json. */
export interface TeamsBench {
  readonly measured: string;
  readonly runs: number;
  readonly secrets: number;
  readonly synth: readonly {
    teams: number;
    figure: Figure;
    oneWritten?: Figure;
    remembered?: Figure;
  }[];
  readonly plans?: readonly {
    teams: number;
    diff: Figure;
    bare: Figure;
    cold?: { seconds: number; peakMb: number };
  }[];
}

interface Series {
  readonly name: string;
  readonly colour: string;
  readonly dashed?: boolean;
  readonly points: readonly (readonly [number, number])[];
}

const W = 360;
const H = 240;
const PAD = { left: 48, right: 12, top: 28, bottom: 36 };

/** A round step for about five ticks up to `max`. */
function tickStep(max: number): number {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
}

/** One chart: its axes, ticks, lines and points, at horizontal offset `x0`. */
function chart(x0: number, title: string, unit: string, series: readonly Series[]): string[] {
  const xMax = Math.max(...series.flatMap((s) => s.points.map((p) => p[0])));
  const yStep = tickStep(Math.max(...series.flatMap((s) => s.points.map((p) => p[1]))) * 1.1);
  const yMax =
    yStep *
    Math.ceil((Math.max(...series.flatMap((s) => s.points.map((p) => p[1]))) * 1.1) / yStep);
  const px = (x: number) => x0 + PAD.left + (x / xMax) * (W - PAD.left - PAD.right);
  const py = (y: number) => H - PAD.bottom - (y / yMax) * (H - PAD.top - PAD.bottom);
  const out = [
    `<text x="${x0 + W / 2}" y="16" text-anchor="middle" font-weight="bold">${title}</text>`,
    `<line x1="${px(0)}" y1="${py(0)}" x2="${px(xMax)}" y2="${py(0)}" stroke="#333"/>`,
    `<line x1="${px(0)}" y1="${py(0)}" x2="${px(0)}" y2="${py(yMax)}" stroke="#333"/>`,
    `<text x="${x0 + W / 2}" y="${H - 4}" text-anchor="middle">teams (10 secrets each)</text>`,
    `<text x="${x0 + 12}" y="${PAD.top - 8}">${unit}</text>`,
  ];
  for (let y = 0; y <= yMax + 1e-9; y += yStep)
    out.push(
      `<line x1="${px(0)}" y1="${py(y).toFixed(1)}" x2="${px(xMax)}" y2="${py(y).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${px(0) - 4}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">${Number(y.toFixed(2))}</text>`,
    );
  for (const x of [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))])
    out.push(`<text x="${px(x).toFixed(1)}" y="${py(0) + 14}" text-anchor="middle">${x}</text>`);
  for (const s of series) {
    const path = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    out.push(
      `<polyline points="${path}" fill="none" stroke="${s.colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`,
      ...s.points.map(
        ([x, y]) =>
          `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${s.colour}"><title>${s.name}: ${x} teams, ${Number(y.toFixed(2))} ${unit}</title></circle>`,
      ),
    );
  }
  return out;
}

/** The measured curves, each figure read by `pick` (its seconds or its megabytes). */
function curves(data: TeamsBench, pick: (f: Figure) => number): Series[] {
  const synth = data.synth.filter((r) => r.teams > 1);
  const plans = data.plans ?? [];
  const written = synth.flatMap((r) => (r.oneWritten ? [{ teams: r.teams, f: r.oneWritten }] : []));
  const kept = synth.flatMap((r) => (r.remembered ? [{ teams: r.teams, f: r.remembered }] : []));
  const cold = plans.flatMap((r) =>
    r.cold ? [{ teams: r.teams, f: { medianS: r.cold.seconds, peakMb: r.cold.peakMb } }] : [],
  );
  const all: [string, string, { teams: number; f: Figure }[]][] = [
    [
      'synthesis, every stack written',
      '#1f77b4',
      synth.map((r) => ({ teams: r.teams, f: r.figure })),
    ],
    ["synthesis, one team's stack written, cold", '#9467bd', written],
    ["synthesis, one team's written, others kept", '#8c564b', kept],
    ["one team's first plan, cold (once)", '#ff7f0e', cold],
    [
      "one team's plan (npm run diff --team)",
      '#d62728',
      plans.map((r) => ({ teams: r.teams, f: r.diff })),
    ],
    [
      'bare tofu plan of that team (yardstick)',
      '#2ca02c',
      plans.map((r) => ({ teams: r.teams, f: r.bare })),
    ],
  ];
  return all
    .filter(([, , rows]) => rows.length > 0)
    .map(([name, colour, rows]) => ({
      name,
      colour,
      points: rows.map((r): [number, number] => [r.teams, pick(r.f)]),
    }));
}

/** The series of both charts: seconds (with the 1.5x goal), and peak RSS in MB. */
function seriesOf(data: TeamsBench): { seconds: Series[]; memory: Series[] } {
  const plans = data.plans ?? [];
  const goal: Series[] =
    plans.length === 0
      ? []
      : [
          {
            name: 'goal: 1.5x the 2-team plan',
            colour: '#999',
            dashed: true,
            points: [
              [plans[0].teams, plans[0].diff.medianS * 1.5],
              [plans[plans.length - 1].teams, plans[0].diff.medianS * 1.5],
            ],
          },
        ];
  return {
    seconds: [...curves(data, (f) => f.medianS), ...goal],
    memory: curves(data, (f) => f.peakMb),
  };
}

/** The SVG of both charts and their legend. */
export function teamsSvg(data: TeamsBench): string {
  const { seconds, memory } = seriesOf(data);
  const legend = seconds.map(
    (s, i) =>
      `<g transform="translate(${16 + (i % 2) * 360},${H + 14 + Math.floor(i / 2) * 18})"><line x1="0" y1="-4" x2="18" y2="-4" stroke="${s.colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/><text x="24" y="0">${s.name}</text></g>`,
  );
  const height = H + 28 + Math.ceil(seconds.length / 2) * 18;
  const note = `median of ${data.runs} runs; memory: peak RSS of the largest process; measured ${data.measured.slice(0, 16).replace('T', ' ')} UTC`;
  return `${[
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${height}" viewBox="0 0 ${2 * W} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...chart(0, 'wall time', 's', seconds),
    ...chart(W, 'peak memory', 'MB', memory),
    ...legend,
    `<text x="16" y="${height - 6}" fill="#555">${note}</text>`,
    '</svg>',
  ].join('\n')}\n`;
}

/** The SVG the measurements say, or undefined without them. */
export function teamsSvgFromBench(): string | undefined {
  if (!existsSync(TEAMS_JSON)) return undefined;
  return teamsSvg(JSON.parse(readFileSync(TEAMS_JSON, 'utf8')) as TeamsBench);
}

function main(): number {
  const svg = teamsSvgFromBench();
  if (svg === undefined) {
    process.stderr.write(`plot-teams: no ${TEAMS_JSON} yet: run npm run bench:teams\n`);
    return 1;
  }
  const before = existsSync(TEAMS_SVG) ? readFileSync(TEAMS_SVG, 'utf8') : undefined;
  if (process.argv.includes('--check')) return before === svg ? 0 : 1;
  if (before !== svg) writeFileSync(TEAMS_SVG, svg);
  process.stdout.write(`plot-teams: ${before === svg ? 'unchanged' : 'wrote'} ${TEAMS_SVG}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main();
