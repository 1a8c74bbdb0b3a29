/**
 * What a Terraform Cloud (HCP Terraform) workspace needs to run one environment's stack, read
 * from the synthesized stack: how runs pick it, what they upload, the Terraform version, every
 * variable, the dynamic provider credentials of the run identities (plan phase: drift; apply
 * phase: deploy) and the EKS access entries that let those roles reach the cluster's API.
 */
import { identityNames } from '../common/identity';
import { providerConfig } from '../common/stack-json';
import type { SynthesizedStack } from '../common/synthesized-stack';

/** One setting: its name, its value (or what to put there) and why. */
export interface Setting {
  readonly name: string;
  readonly value: string;
  readonly why?: string;
}

export interface WorkspaceSettings {
  readonly environment: string;
  readonly workspace: readonly Setting[];
  /** Terraform variables: the stack's inputs, all sensitive. */
  readonly terraformVariables: readonly Setting[];
  readonly environmentVariables: readonly Setting[];
  /** Commands an AWS administrator runs once per run role. */
  readonly accessEntries: readonly string[];
}

/** The directory runs start from, and upload: the stack's own. */
export const stackDirectory = (environment: string) => `cdktf.out/stacks/${environment}`;

function workspaceSection(stack: SynthesizedStack, environment: string): Setting[] {
  const cloud = stack.cloudBlock()!;
  return [
    { name: 'organization', value: cloud.organization ?? '?' },
    { name: 'host', value: cloud.hostname ?? 'app.terraform.io' },
    cloud.tags !== undefined
      ? {
          name: 'workspace',
          value: `one with the tags ${cloud.tags.join(', ')}; set TF_WORKSPACE to its name for every CLI run`,
          why: 'a run without a terminal cannot choose among tagged workspaces: npm run deploy, diff, drift and destroy refuse without TF_WORKSPACE',
        }
      : { name: 'workspace', value: cloud.workspace ?? '?' },
    { name: 'execution mode', value: 'remote' },
    {
      name: 'workflow',
      value: `CLI-driven, from ${stackDirectory(environment)} (npm run deploy synthesizes it first)`,
      why: 'cdktf.out is synthesized, never committed: a VCS-driven run has no configuration to plan',
    },
    {
      name: 'working directory',
      value: '(empty)',
      why: `the CLI then uploads ${stackDirectory(environment)} alone; with a working directory set it uploads the repository root (node_modules, local state files) down to it`,
    },
    {
      name: 'Terraform version',
      value: stack.requiredVersion() ?? '?',
      why: "the stack's required_version: ephemeral resources and write-only arguments",
    },
    { name: 'health assessments', value: 'on', why: 'drift detection between runs' },
  ];
}

function terraformVariables(stack: SynthesizedStack): Setting[] {
  return Object.entries(stack.variables()).map(([name, variable]) => ({
    name,
    value: `(sensitive, HCL, ${String(variable.type ?? 'string')})`,
    why: 'ephemeral: given to each run, never written to the state',
  }));
}

function environmentVariables(stack: SynthesizedStack, environment: string): Setting[] {
  const vault = providerConfig(stack.json, 'vault');
  const [drift, deploy] = (['drift', 'deploy'] as const).map((i) => identityNames(i, environment));
  const identities = `npm run identities -- --env ${environment}`;
  return [
    { name: 'TFC_AWS_PROVIDER_AUTH', value: 'true' },
    {
      name: 'TFC_AWS_PLAN_ROLE_ARN',
      value: `<ARN of the role ${drift.awsRole}>`,
      why: `plans read only (its IAM policy: ${identities} --identity drift --only aws)`,
    },
    {
      name: 'TFC_AWS_APPLY_ROLE_ARN',
      value: `<ARN of the role ${deploy.awsRole}>`,
      why: `applies (${identities} --identity deploy --only aws)`,
    },
    { name: 'TFC_VAULT_PROVIDER_AUTH', value: 'true' },
    { name: 'TFC_VAULT_ADDR', value: stack.values.text(vault?.address) ?? '?' },
    {
      name: 'TFC_VAULT_NAMESPACE',
      value: stack.values.text(vault?.namespace) ?? '(root)',
      why: "the stack's Vault namespace, where the run roles and their policies live",
    },
    {
      name: 'TFC_VAULT_PLAN_ROLE',
      value: drift.vaultPolicy,
      why: `a jwt role for the plan phase, with the policy of ${identities} --identity drift --only vault`,
    },
    {
      name: 'TFC_VAULT_APPLY_ROLE',
      value: deploy.vaultPolicy,
      why: `a jwt role for the apply phase, with the policy of ${identities} --identity deploy --only vault`,
    },
    {
      name: 'TERRAFORM_VAULT_SKIP_CHILD_TOKEN',
      value: 'true',
      why: "the run's token lives as long as the run; the plan-phase identity may create no token",
    },
  ];
}

function accessEntries(stack: SynthesizedStack, environment: string): string[] {
  const region = stack.values.text(providerConfig(stack.json, 'aws')?.region) ?? '?';
  const cluster =
    stack.dataSources('aws_eks_cluster').map((d) => stack.values.text(d.body.name))[0] ?? '?';
  return (['drift', 'deploy'] as const).map((identity) => {
    const names = identityNames(identity, environment);
    return `aws eks create-access-entry --region ${region} --cluster-name ${cluster} --principal-arn <ARN of the role ${names.awsRole}> --kubernetes-groups ${names.kubernetes}`;
  });
}

/** The settings; undefined for a stack with no cloud block (its state is elsewhere). */
export function workspaceSettings(
  stack: SynthesizedStack,
  environment: string,
): WorkspaceSettings | undefined {
  if (stack.cloudBlock() === undefined) return undefined;
  return {
    environment,
    workspace: workspaceSection(stack, environment),
    terraformVariables: terraformVariables(stack),
    environmentVariables: environmentVariables(stack, environment),
    accessEntries: accessEntries(stack, environment),
  };
}

function section(title: string, settings: readonly Setting[]): string[] {
  const width = Math.max(...settings.map((s) => s.name.length));
  return [
    title,
    ...settings.flatMap((s) => [
      `  ${s.name.padEnd(width)}  ${s.value}`,
      ...(s.why ? [`  ${' '.repeat(width)}    (${s.why})`] : []),
    ]),
    '',
  ];
}

export function renderSettings(settings: WorkspaceSettings): string {
  const env = settings.environment;
  return [
    `Terraform Cloud workspace of ${env}, read from its synthesized stack`,
    '',
    ...section('Workspace', settings.workspace),
    ...section(
      'Terraform variables (category terraform, sensitive, HCL)',
      settings.terraformVariables,
    ),
    ...section(
      'Environment variables (dynamic provider credentials)',
      settings.environmentVariables,
    ),
    'EKS access entries (the run roles reach the API server through them, not through IAM):',
    ...settings.accessEntries.map((c) => `  ${c}`),
    `  then once, as a cluster administrator, the RBAC those groups are bound to:`,
    `  npm run identities -- --env ${env} --only kubernetes --out DIR && kubectl apply -f DIR`,
    '',
  ].join('\n');
}
