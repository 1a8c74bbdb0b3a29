/**
 * Workspace: what a Terraform Cloud workspace needs to run one environment (settings, variables,
 * dynamic credentials of the run identities, EKS access entries), read from its synthesized stack.
 */
import { ALL_ENVIRONMENTS } from '../environments';
import { CommandError, EXIT, parseFlags, requiredEnvironment, runMain } from './cli';
import { synthesizeInProcess } from './synthesized';
import { renderSettings, workspaceSettings } from './workspace-settings';

const TOOL = 'workspace';
const USAGE = `usage: npm run workspace -- --env NAME [--json]

Prints the settings of the Terraform Cloud (HCP Terraform) workspace that runs one environment,
read from its synthesized stack: how runs select the workspace (by name, or by tags with
TF_WORKSPACE), the working directory (empty: the CLI uploads the stack's directory alone), the
Terraform version, every Terraform variable, the dynamic provider credentials (the plan phase
runs as the drift identity, the apply phase as the deploy identity: npm run identities), and
the EKS access entries of the two run roles.

  --env NAME  the environment (one of ${ALL_ENVIRONMENTS.map((e) => e.name).join(', ')})
  --json      print them as JSON

Exit status: 0 printed, 1 the environment has no cloud backend, 2 bad arguments.
`;

function main(argv: string[]): Promise<number> {
  const { values, booleans } = parseFlags(argv, { values: ['--env'], booleans: ['--json'] });
  const config = requiredEnvironment(values);
  const settings = workspaceSettings(synthesizeInProcess(config), config.name);
  if (settings === undefined)
    throw new CommandError(
      `${config.name} keeps its state in a local file (backend.type "local"): it has no Terraform Cloud workspace`,
    );
  process.stdout.write(
    booleans.has('--json') ? `${JSON.stringify(settings, null, 2)}\n` : renderSettings(settings),
  );
  return Promise.resolve(EXIT.ok);
}

runMain(TOOL, USAGE, main);
