import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ALL_ENVIRONMENTS } from '../../environments';
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

describe('main.ts', () => {
  // Only node on PATH: synthesis runs no terraform or tofu (the cloud backends included).
  const all = runMain({ ENVIRONMENTS: '', PATH: dirname(process.execPath) });
  afterAll(() => rmSync(all.outdir, { recursive: true, force: true }));

  it('writes one stack per environment, with no terraform binary anywhere', () => {
    expect(all.stderr).toBe('');
    expect(all.status).toBe(0);
    expect(readdirSync(join(all.outdir, 'stacks')).sort()).toEqual([...NAMES].sort());
    const manifest = JSON.parse(readFileSync(join(all.outdir, 'manifest.json'), 'utf8')) as {
      stacks: Record<string, unknown>;
    };
    expect(Object.keys(manifest.stacks).sort()).toEqual([...NAMES].sort());
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
