import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { ALL_ENVIRONMENTS } from '../../environments';
import { teamFileNames } from '../../environments/team-files';
import { teamOfStack, teamStackName } from '../../common/names';
import { findSecretLikeValues } from '../../common/secret-shapes';

const root = join(__dirname, '..', '..');

/** Runs main.ts the way `cdktf synth` does (cdktf.json's app command, CDKTF_OUTDIR), into a fresh directory. */
function runMain(env: Record<string, string>): {
  status: number | null;
  stderr: string;
  outdir: string;
} {
  const outdir = mkdtempSync(join(tmpdir(), 'cdktf-out-'));
  const result = spawnSync(process.execPath, [join(root, 'scripts/run-ts.js'), 'main.ts'], {
    cwd: root,
    env: { ...process.env, CDKTF_OUTDIR: outdir, ...env },
    encoding: 'utf8',
  });
  return { status: result.status, stderr: result.stderr, outdir };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const NAMES = ALL_ENVIRONMENTS.map((e) => e.name);
/** Every stack main.ts writes: one per environment, and one per team file beside it. */
const STACKS = ALL_ENVIRONMENTS.flatMap((e) => [
  e.name,
  ...(e.teamFiles === undefined ? [] : teamFileNames(e.teamFiles)).map((f) =>
    teamStackName(e.name, basename(f, extname(f))),
  ),
]);

describe('main.ts', () => {
  // Only node on PATH: synthesis runs no terraform or tofu (the cloud backends included).
  const all = runMain({ ENVIRONMENTS: '', PATH: dirname(process.execPath) });
  afterAll(() => rmSync(all.outdir, { recursive: true, force: true }));

  it('writes one stack per environment and per team file, with no terraform binary anywhere', () => {
    expect(all.stderr).toBe('');
    expect(all.status).toBe(0);
    expect(STACKS.length).toBeGreaterThan(NAMES.length);
    expect(readdirSync(join(all.outdir, 'stacks')).sort()).toEqual([...STACKS].sort());
    const manifest = JSON.parse(readFileSync(join(all.outdir, 'manifest.json'), 'utf8')) as {
      stacks: Record<string, { dependencies: string[] }>;
    };
    expect(Object.keys(manifest.stacks).sort()).toEqual([...STACKS].sort());
    // A team's stack is deployed after its environment's.
    for (const stack of STACKS.filter((s) => teamOfStack(s)))
      expect(manifest.stacks[stack].dependencies).toEqual([teamOfStack(stack)!.environment]);
  });

  it('writes no secret-like value anywhere in cdktf.out', () => {
    const files = filesUnder(all.outdir);
    expect(files.length).toBeGreaterThanOrEqual(5);
    const findings = files.flatMap((file) =>
      findSecretLikeValues(readFileSync(file, 'utf8')).map((f) => `${file}: ${f.name}`),
    );
    expect(findings).toEqual([]);
  });

  it('synthesizes only the environments named in ENVIRONMENTS', () => {
    const [first, , last] = NAMES;
    const some = runMain({ ENVIRONMENTS: `${last}, ${first}` });
    try {
      expect(some.status).toBe(0);
      expect(readdirSync(join(some.outdir, 'stacks')).sort()).toEqual([first, last].sort());
    } finally {
      rmSync(some.outdir, { recursive: true, force: true });
    }
  });

  it('reports a bad selection as one clear line, exit 1, no stack trace, nothing written', () => {
    const unknown = `no-such-environment-${NAMES.length}`;
    const bad = runMain({ ENVIRONMENTS: unknown });
    try {
      expect(bad.status).toBe(1);
      expect(bad.stderr).toBe(
        `error: invalid environment configuration (1 problem); nothing was synthesized:\n  - ${unknown}: (selection) = "${unknown}": one of the environments: ${NAMES.join(', ')}\n`,
      );
      expect(() => readdirSync(join(bad.outdir, 'stacks'))).toThrow();
    } finally {
      rmSync(bad.outdir, { recursive: true, force: true });
    }
  });
});
