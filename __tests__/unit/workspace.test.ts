/**
 * The Terraform Cloud path, checked as far as this machine allows: the settings a workspace
 * needs are read from the synthesized stack (and agree with it and with the run identities),
 * and a tag-selected workspace is never run without TF_WORKSPACE.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runIdentity } from '../../common/identity';
import { providerConfig } from '../../common/stack-json';
import { SynthesizedStack } from '../../common/synthesized-stack';
import { ALL_ENVIRONMENTS } from '../../environments';
import { prod } from '../../environments/prod';
import { staging } from '../../environments/staging';
import type { EnvironmentConfig } from '../../environments/types';
import { workspaceRefusal } from '../../ops/terraform';
import { type Setting, workspaceSettings } from '../../ops/workspace-settings';
import { synthJson } from '../support/stack';

const ROOT = join(__dirname, '..', '..');
const stackOf = (config: EnvironmentConfig) => new SynthesizedStack(synthJson(config));
const value = (settings: readonly Setting[], name: string) =>
  settings.find((s) => s.name === name)?.value;

describe.each(
  ALL_ENVIRONMENTS.filter((e) => e.backend.type === 'cloud').map((e) => [e.name, e] as const),
)('the workspace settings of %s', (name, config) => {
  const stack = stackOf(config);
  const settings = workspaceSettings(stack, name)!;

  it('list every variable the stack declares, sensitive', () => {
    expect(settings.terraformVariables.map((v) => v.name)).toEqual(Object.keys(stack.variables()));
    expect(settings.terraformVariables.every((v) => v.value.startsWith('(sensitive'))).toBe(true);
  });

  it("give the Vault credentials the provider's address and namespace", () => {
    const vault = providerConfig(stack.json, 'vault');
    expect(value(settings.environmentVariables, 'TFC_VAULT_ADDR')).toBe(vault?.address);
    expect(value(settings.environmentVariables, 'TFC_VAULT_NAMESPACE')).toBe(vault?.namespace);
  });

  it('run the plan phase as the drift identity and the apply phase as the deploy identity', () => {
    const [drift, deploy] = (['drift', 'deploy'] as const).map((i) => runIdentity(stack, name, i));
    const env = settings.environmentVariables;
    expect(value(env, 'TFC_VAULT_PLAN_ROLE')).toBe(drift.names.vaultPolicy);
    expect(value(env, 'TFC_VAULT_APPLY_ROLE')).toBe(deploy.names.vaultPolicy);
    expect(value(env, 'TFC_AWS_PLAN_ROLE_ARN')).toContain(drift.names.awsRole);
    expect(value(env, 'TFC_AWS_APPLY_ROLE_ARN')).toContain(deploy.names.awsRole);
    // The access entries name the groups the generated RBAC is bound to, on the looked-up cluster.
    for (const [identity, entry] of [drift, deploy].map(
      (i, n) => [i, settings.accessEntries[n]] as const,
    )) {
      const binding = identity.kubernetesRbac.find((o) => o.kind === 'ClusterRoleBinding') as {
        subjects: { name: string }[];
      };
      expect(entry).toContain(`--kubernetes-groups ${binding.subjects[0].name}`);
      expect(entry).toContain(`--cluster-name ${config.aws.clusterName}`);
      expect(entry).toContain(`--region ${config.aws.region}`);
    }
  });

  it("upload the stack's directory alone, on the Terraform version it requires", () => {
    expect(value(settings.workspace, 'working directory')).toBe('(empty)');
    expect(value(settings.workspace, 'workflow')).toContain(`from cdktf.out/stacks/${name}`);
    expect(value(settings.workspace, 'Terraform version')).toBe(stack.requiredVersion());
  });
});

describe('selecting the workspace', () => {
  it('by name (staging), or by tags with TF_WORKSPACE (prod)', () => {
    expect(value(workspaceSettings(stackOf(staging), 'staging')!.workspace, 'workspace')).toBe(
      'eks-vault-eso-staging',
    );
    expect(value(workspaceSettings(stackOf(prod), 'prod')!.workspace, 'workspace')).toBe(
      'one with the tags eks-vault-eso, prod; set TF_WORKSPACE to its name for every CLI run',
    );
    expect(
      workspaceSettings(stackOf(ALL_ENVIRONMENTS.find((e) => e.name === 'local')!), 'local'),
    ).toBe(undefined);
  });

  it.each<[string, 'staging' | 'prod', Record<string, string>, string | undefined]>([
    [
      'tags without TF_WORKSPACE: refused, saying what to set',
      'prod',
      {},
      'prod selects its Terraform Cloud workspace by the tags eks-vault-eso, prod: set TF_WORKSPACE to the name of the one workspace this run is for (a workspace with those tags); npm run workspace -- --env prod lists its settings',
    ],
    ['tags with TF_WORKSPACE', 'prod', { TF_WORKSPACE: 'eks-vault-eso-prod-eu' }, undefined],
    ['a name, TF_WORKSPACE empty', 'staging', { TF_WORKSPACE: '' }, undefined],
    [
      'a name, TF_WORKSPACE another',
      'staging',
      { TF_WORKSPACE: 'other' },
      'TF_WORKSPACE is "other", but staging names its Terraform Cloud workspace "eks-vault-eso-staging": unset TF_WORKSPACE for staging',
    ],
  ])('%s', (_what, name, env, refusal) => {
    const config = name === 'prod' ? prod : staging;
    expect(workspaceRefusal(name, stackOf(config).cloudBlock(), env)).toBe(refusal);
  });

  it('npm run drift and npm run deploy refuse prod without TF_WORKSPACE, before running anything', () => {
    const reports = mkdtempSync(join(tmpdir(), 'drift-workspace-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, TERRAFORM_BINARY_NAME: 'false' };
      delete env.TF_WORKSPACE;
      for (const [tool, args] of [
        ['drift', ['--report-dir', reports]],
        ['deploy', ['--auto-approve']],
      ] as const) {
        const result = spawnSync(
          process.execPath,
          ['scripts/run-ts.js', `ops/${tool}.ts`, '--env', 'prod', ...args],
          { cwd: ROOT, encoding: 'utf8', env },
        );
        expect({
          tool,
          status: result.status,
          said: result.stderr.includes('set TF_WORKSPACE'),
        }).toEqual({
          tool,
          status: 1,
          said: true,
        });
      }
    } finally {
      rmSync(reports, { recursive: true, force: true });
    }
  }, 60_000);

  it('the scheduled drift job hands each environment the TF_WORKSPACE of its GitHub environment', () => {
    const workflow = parse(readFileSync(join(ROOT, '.github/workflows/drift.yml'), 'utf8')) as {
      jobs: { drift: { environment: string; env: Record<string, string> } };
    };
    expect(workflow.jobs.drift.environment).toBe('${{ matrix.environment }}');
    expect(workflow.jobs.drift.env.TF_WORKSPACE).toBe('${{ vars.TF_WORKSPACE }}');
  });
});
