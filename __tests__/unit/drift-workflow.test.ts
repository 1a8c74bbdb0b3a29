/**
 * The scheduled drift check tells the truth: it refuses an environment whose state it cannot
 * reach (a plan from nothing would call everything drift), and the workflow's matrix holds exactly
 * the environments with remote state.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ALL_ENVIRONMENTS } from '../../environments';
import { unreachableLocalState } from '../../ops/terraform';
import { readVersions, requireVersion } from '../../common/versions';

const ROOT = join(__dirname, '..', '..');

describe('the scheduled drift workflow', () => {
  const workflow = parse(readFileSync(join(ROOT, '.github', 'workflows', 'drift.yml'), 'utf8')) as {
    jobs: {
      environments: { steps: { id?: string; run?: string }[] };
      drift: { needs: string; strategy: { matrix: { environment: string } } };
    };
  };

  it('checks exactly the environments whose state is remote, derived from the configuration', () => {
    expect(workflow.jobs.drift.needs).toBe('environments');
    expect(workflow.jobs.drift.strategy.matrix.environment).toBe(
      '${{ fromJSON(needs.environments.outputs.remote) }}',
    );
    // The step that lists them, run as the runner would (GITHUB_OUTPUT a file).
    const list = workflow.jobs.environments.steps.find((s) => s.id === 'list');
    const dir = mkdtempSync(join(tmpdir(), 'drift-matrix-'));
    try {
      const output = join(dir, 'output');
      writeFileSync(output, '');
      const ran = spawnSync('bash', ['--norc', '-euo', 'pipefail', '-c', list?.run ?? 'exit 9'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, GITHUB_OUTPUT: output },
      });
      expect(ran.stderr).toBe('');
      const remote = ALL_ENVIRONMENTS.filter((e) => e.backend.type === 'cloud').map((e) => e.name);
      expect(remote.length).toBeGreaterThan(0);
      expect(readFileSync(output, 'utf8')).toBe(`remote=${JSON.stringify(remote)}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sets up the Terraform version the lab builds and tests, read from common/versions.sh', () => {
    const steps = (workflow.jobs.drift as unknown as { steps: WorkflowStep[] }).steps;
    const setup = steps.filter((s) => s.uses?.startsWith('hashicorp/setup-terraform@'));
    expect(setup).toHaveLength(1);
    const reference = /^\$\{\{ steps\.(\w+)\.outputs\.(\w+) \}\}$/.exec(
      String(setup[0].with?.terraform_version),
    );
    expect(reference).not.toBeNull();
    const [, stepId, output] = reference!;
    const pins = steps.find((s) => s.id === stepId);
    // The step sources the pin file and writes the output from TERRAFORM_VERSION: run it as the
    // runner would, with GITHUB_OUTPUT pointing at a file.
    const dir = mkdtempSync(join(tmpdir(), 'drift-pins-'));
    try {
      const outputFile = join(dir, 'output');
      writeFileSync(outputFile, '');
      const ran = spawnSync('bash', ['-euo', 'pipefail', '-c', pins?.run ?? 'exit 9'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, GITHUB_OUTPUT: outputFile },
      });
      expect(ran.status).toBe(0);
      expect(readFileSync(outputFile, 'utf8')).toBe(
        `${output}=${requireVersion(readVersions(), 'TERRAFORM_VERSION')}\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface WorkflowStep {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

describe('drift refuses a state it cannot reach', () => {
  it('names a local state file that is not there, and one that is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drift-state-'));
    try {
      const stackDir = join(dir, 'cdktf.out', 'stacks', 'dev');
      const config = {
        terraform: { backend: { local: { path: '../../../terraform.dev.tfstate' } } },
      };
      mkdirSync(stackDir, { recursive: true });
      writeFileSync(join(stackDir, 'cdk.tf.json'), JSON.stringify(config));
      expect(unreachableLocalState(stackDir)).toMatch(/terraform\.dev\.tfstate$/);
      writeFileSync(join(dir, 'terraform.dev.tfstate'), '{}');
      expect(unreachableLocalState(stackDir)).toBeUndefined();
      writeFileSync(join(stackDir, 'cdk.tf.json'), JSON.stringify({ terraform: { cloud: {} } }));
      expect(unreachableLocalState(stackDir)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('npm run drift exits 1 for an environment with local state that is not here, saying why', () => {
    // An environment with a local backend whose state is not in this checkout (the lab's may be).
    const local = ALL_ENVIRONMENTS.find(
      (e) => e.backend.type === 'local' && !existsSync(join(ROOT, `terraform.${e.name}.tfstate`)),
    )!;
    expect(local).toBeDefined();
    const reportDir = mkdtempSync(join(tmpdir(), 'drift-report-'));
    try {
      const result = spawnSync(
        process.execPath,
        ['scripts/run-ts.js', 'ops/drift.ts', '--env', local.name, '--report-dir', reportDir],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TERRAFORM_BINARY_NAME: 'false' } },
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        `drift: error: ${local.name}: ${local.name} keeps its state in a local file, terraform.${local.name}.tfstate, which is not on this machine: a plan would start from nothing and report every resource as drift.`,
      );
      expect(readFileSync(join(reportDir, 'drift.md'), 'utf8')).toContain(
        `| ${local.name} | error | - |`,
      );
    } finally {
      rmSync(reportDir, { recursive: true, force: true });
    }
  });
});
