/**
 * Destroy: `cdktf destroy` for one environment, refused up front (with the resource and the key
 * that allows it) when the environment protects its KV mount or namespace. cdktf 0.21's destroy
 * stops on OpenTofu's prevent_destroy error too, but prints no reason; this says it.
 */
import { SynthesizedStack } from '../common/synthesized-stack';
import {
  environmentNames,
  CommandError,
  EXIT,
  parseFlags,
  progress,
  requiredStack,
  runMain,
} from './cli';
import { selectStacks, teamOption } from './stacks';
import {
  CDKTF,
  cdktfArgs,
  DEFAULT_APP,
  DEFAULT_PARALLEL,
  outputDir,
  parallelOption,
  requireWorkspaces,
  runInherited,
  stackDirOf,
  synthesize,
} from './terraform';

const TOOL = 'destroy';
const USAGE = `usage: npm run destroy -- --env NAME [--team NAME] [--parallel N] [--auto-approve] [--skip-provider-lock] [--app COMMAND]

Runs cdktf destroy for one environment (with team files: every team's stack, then its own; with
--team, that team's stack alone, as when a team leaves). KV secrets in Vault keep every version unless the
environment opted in to purging (vault.kvMount.purgeSecretsOnDestroy). A managed KV mount or
namespace is destroyed only if the environment allows it (vault.kvMount.allowDestroy,
kubernetes.allowNamespaceDestroy): otherwise this refuses before planning, naming them.

  --env NAME            the environment (one of ${environmentNames()})
  --team NAME           only this team's stack
  --parallel N          how many team stacks are destroyed at once (default ${DEFAULT_PARALLEL})
  --auto-approve        destroy without asking
  --skip-provider-lock  for mirrors without registry access (the lab)
  --app COMMAND         the cdktf app (default: ${DEFAULT_APP}); NAME is one of its stacks

Exit status: 0 destroyed, 1 refused or failed, 2 bad arguments.
`;

async function main(argv: string[]): Promise<number> {
  const { values, booleans } = parseFlags(argv, {
    values: ['--env', '--team', '--parallel', '--app'],
    booleans: ['--auto-approve', '--skip-provider-lock'],
  });
  const { name, app } = requiredStack(values);
  const team = teamOption(values);
  const parallel = parallelOption(values);
  await synthesize(name, process.env, app);
  const stacks = selectStacks(outputDir(), name, team).map((s) => ({
    name: s,
    stack: SynthesizedStack.read(stackDirOf(s)),
  }));
  requireWorkspaces(stacks.map((s) => ({ name: s.name, cloud: s.stack.cloudBlock() })));
  const guarded = stacks.flatMap((s) => s.stack.destroyGuards());
  if (guarded.length > 0)
    throw new CommandError(
      `refusing to destroy ${name}: it protects ${guarded.map((g) => `${g.protects} (set ${g.allowKey}: true)`).join(' and ')}. ` +
        `Set the key in ${team === undefined ? `environments/${name}.ts` : `the team file of ${team}`} and deploy it first; what Terraform would then delete is gone for good.`,
    );
  const code = await runInherited(
    CDKTF,
    cdktfArgs(
      'destroy',
      stacks.map((s) => s.name),
      booleans,
      app,
      { alone: team !== undefined, parallel },
    ),
  );
  if (code === EXIT.ok) progress(TOOL, `${stacks.map((s) => s.name).join(', ')}: destroyed`);
  return code === EXIT.ok ? EXIT.ok : EXIT.error;
}

runMain(TOOL, USAGE, main);
