import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSecretLikeValues } from '../../rules/no-secret-values';

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

describe('main.ts', () => {
  const all = runMain({ ENVIRONMENTS: '' });
  afterAll(() => rmSync(all.outdir, { recursive: true, force: true }));

  it('writes one stack per environment', () => {
    expect(all.stderr).toBe('');
    expect(all.status).toBe(0);
    expect(readdirSync(join(all.outdir, 'stacks')).sort()).toEqual([
      'dev',
      'local',
      'prod',
      'staging',
    ]);
    const manifest = JSON.parse(readFileSync(join(all.outdir, 'manifest.json'), 'utf8')) as {
      stacks: Record<string, unknown>;
    };
    expect(Object.keys(manifest.stacks).sort()).toEqual(['dev', 'local', 'prod', 'staging']);
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
    const some = runMain({ ENVIRONMENTS: 'local, dev' });
    try {
      expect(some.status).toBe(0);
      expect(readdirSync(join(some.outdir, 'stacks')).sort()).toEqual(['dev', 'local']);
    } finally {
      rmSync(some.outdir, { recursive: true, force: true });
    }
  });

  it('reports a bad selection as one clear line, exit 1, no stack trace, nothing written', () => {
    const bad = runMain({ ENVIRONMENTS: 'qa' });
    try {
      expect(bad.status).toBe(1);
      expect(bad.stderr).toBe(
        'error: invalid environment configuration (1 problem); nothing was synthesized:\n  - qa: (selection) = "qa": one of the environments: dev, staging, prod, local\n',
      );
      expect(() => readdirSync(join(bad.outdir, 'stacks'))).toThrow();
    } finally {
      rmSync(bad.outdir, { recursive: true, force: true });
    }
  });
});
