/**
 * A broken environment list, as a person makes one by copying a file: an import that finds
 * nothing, and a file that does not compile. Synthesis and every command say what is wrong in a
 * line or a list, never with a stack trace, and every command's --help still works. Each case runs
 * in a copy of this checkout (its files, node_modules linked) with one file changed.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const COMMANDS = [
  'deploy',
  'diff',
  'destroy',
  'adopt',
  'recover',
  'drift',
  'doctor',
  'ledger',
  'move-secret',
  'adopt-secret',
];
const STACK_TRACE = /\n\s+at /;

// Each case starts node processes (a second or two each on a busy machine).
jest.setTimeout(60_000);

/** A copy of the checkout's files (tracked and new, not ignored), with node_modules linked. */
function copyCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'broken-environments-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f !== '');
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      writeFileSync(join(dir, file), readFileSync(join(ROOT, file)));
    } catch {
      // a file deleted in the working tree but still tracked
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function run(dir: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['scripts/run-ts.js', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A copy of dev.ts as `dev-eu.ts`, changed by `edit`, and registered in the index. */
function addCopy(dir: string, edit: (text: string) => string, importName = 'devEu'): void {
  const dev = readFileSync(join(dir, 'environments', 'dev.ts'), 'utf8');
  writeFileSync(join(dir, 'environments', 'dev-eu.ts'), edit(dev));
  const index = join(dir, 'environments', 'index.ts');
  writeFileSync(
    index,
    readFileSync(index, 'utf8')
      .replace("import { dev } from './dev';", `$&\nimport { ${importName} } from './dev-eu';`)
      .replace(/^ {2}localTenants,$/m, `$&\n  ${importName},`),
  );
}

/** Every command still prints its usage (exit 0) and says, in it, why no environment loads. */
async function expectEveryHelp(
  dir: string,
  saying: string,
  commands: readonly string[] = COMMANDS,
): Promise<void> {
  // All at once: each is a node process that only prints.
  const helps = await Promise.all(
    commands.map(
      (command) =>
        new Promise<{ command: string; status: number | null; stdout: string; stderr: string }>(
          (resolve) => {
            execFile(
              process.execPath,
              ['scripts/run-ts.js', `ops/${command}.ts`, '--help'],
              { cwd: dir, encoding: 'utf8' },
              (error, stdout, stderr) =>
                resolve({ command, status: error ? Number(error.code) : 0, stdout, stderr }),
            );
          },
        ),
    ),
  );
  for (const help of helps) {
    expect({ command: help.command, status: help.status, stderr: help.stderr }).toEqual({
      command: help.command,
      status: 0,
      stderr: '',
    });
    expect(help.stdout).toContain(`usage: npm run ${help.command}`);
    expect(help.stdout).toContain(saying);
  }
}

describe('a broken environment list', () => {
  let dir: string;
  beforeEach(() => {
    dir = copyCheckout();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('an import that finds nothing (the copy still exports `dev`) is named, everywhere', async () => {
    addCopy(dir, (text) => text.replace("name: 'dev'", "name: 'dev-eu'"));
    const outdir = join(dir, 'out');
    const synth = run(dir, ['main.ts'], { CDKTF_OUTDIR: outdir });
    expect(synth.status).toBe(1);
    expect(synth.stderr).toBe(
      'error: invalid environment configuration (1 problem); nothing was synthesized:\n' +
        '  - ALL_ENVIRONMENTS[5]: (environment) = (missing): an environment object: the import in environments/index.ts found nothing (does its file export that name? a copied file may still say `export const dev`)\n',
    );
    expect(() => readdirSync(outdir)).toThrow();
    await expectEveryHelp(dir, '(ALL_ENVIRONMENTS[5]: no environment)');
    const deploy = run(dir, ['ops/deploy.ts', '--env', 'dev']);
    expect(deploy.status).toBe(2);
    expect(deploy.stderr).toContain('ALL_ENVIRONMENTS[5]: (environment) = (missing)');
    expect(deploy.stderr).not.toMatch(STACK_TRACE);
  });

  it('a file that does not compile is one line with its file, line and column', async () => {
    addCopy(dir, (text) =>
      text
        .replace("name: 'dev',", "name: 'dev-eu'")
        .replace('export const dev', 'export const devEu'),
    );
    const line = 'environments/dev-eu.ts:9:3: Expected "}" but found "aws"';
    const synth = run(dir, ['main.ts'], { CDKTF_OUTDIR: join(dir, 'out') });
    expect({ status: synth.status, stderr: synth.stderr }).toEqual({
      status: 1,
      stderr: `error: ${line}\n`,
    });
    // Every command loads the environments one way (ops/cli.ts); three stand for all here.
    await expectEveryHelp(dir, `none loaded: the environment files do not load: ${line}`, [
      'deploy',
      'drift',
      'ledger',
    ]);
    const doctor = run(dir, ['ops/doctor.ts', '--env', 'dev']);
    expect(doctor.status).toBe(2);
    expect(doctor.stderr).toBe(
      `doctor: the environment files do not load: ${line}; nothing was run\n(run with --help for usage)\n`,
    );
  });

  it('a misspelt constant (a ReferenceError when the file runs) is one line naming the file', () => {
    const local = join(dir, 'environments', 'local.ts');
    writeFileSync(
      local,
      readFileSync(local, 'utf8').replace('region: LAB_REGION,', 'region: LAB_REGON,'),
    );
    const line = 'environments/local.ts: ReferenceError: LAB_REGON is not defined';
    const synth = run(dir, ['main.ts'], { CDKTF_OUTDIR: join(dir, 'out') });
    expect({ status: synth.status, stderr: synth.stderr }).toEqual({
      status: 1,
      stderr: `error: ${line}\n`,
    });
    const drift = run(dir, ['ops/drift.ts', '--help']);
    expect(drift.status).toBe(0);
    expect(drift.stdout).toContain(`none loaded: the environment files do not load: ${line}`);
  });

  it('two imports of one name (the copy imported as `dev`) are named by their places', () => {
    addCopy(dir, (text) => text.replace("name: 'dev'", "name: 'dev-eu'"), 'dev');
    const synth = run(dir, ['main.ts'], { CDKTF_OUTDIR: join(dir, 'out') });
    expect(synth.status).toBe(1);
    expect(synth.stderr).toBe(
      'error: invalid environment configuration (1 problem); nothing was synthesized:\n' +
        '  - dev-eu: name = "dev-eu": a name no other environment uses (ALL_ENVIRONMENTS[0] and [5] are both "dev-eu": a copied file keeps the name it was copied from, or one file is imported twice)\n',
    );
  });

  it("the lab's destroy opt-in at a real Vault: synthesis goes on, and says so on stderr", () => {
    const dev = join(dir, 'environments', 'dev.ts');
    writeFileSync(
      dev,
      readFileSync(dev, 'utf8').replace(
        "kvMount: { path: 'secret', managed: false }",
        "kvMount: { path: 'secret', managed: true, allowDestroy: true }",
      ),
    );
    const outdir = join(dir, 'out');
    const synth = run(dir, ['main.ts'], { CDKTF_OUTDIR: outdir, ENVIRONMENTS: 'dev' });
    expect(synth.status).toBe(0);
    expect(synth.stderr).toBe(
      'warning: dev: vault.kvMount.allowDestroy = true at a real Vault (https://xxxxxxx.hashicorp.cloud:8200): `npm run destroy -- --env dev` deletes what it protects, with everything in it. The lab sets it because its tests rebuild everything; keep it only in the change that decommissions this environment.\n',
    );
    expect(readdirSync(join(outdir, 'stacks'))).toEqual(['dev']);
  });
});
