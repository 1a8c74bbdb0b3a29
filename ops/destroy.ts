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
import {
  CDKTF,
  cdktfArgs,
  DEFAULT_APP,
  requireWorkspace,
  runInherited,
  synthesize,
} from './terraform';

const TOOL = 'destroy';
const USAGE = `usage: npm run destroy -- --env NAME [--auto-approve] [--skip-provider-lock] [--app COMMAND]

Runs cdktf destroy for one environment. KV secrets in Vault keep every version unless the
environment opted in to purging (vault.kvMount.purgeSecretsOnDestroy). A managed KV mount or
namespace is destroyed only if the environment allows it (vault.kvMount.allowDestroy,
kubernetes.allowNamespaceDestroy): otherwise this refuses before planning, naming them.

  --env NAME            the environment (one of ${environmentNames()})
  --auto-approve        destroy without asking
  --skip-provider-lock  for mirrors without registry access (the lab)
  --app COMMAND         the cdktf app (default: ${DEFAULT_APP}); NAME is one of its stacks

Exit status: 0 destroyed, 1 refused or failed, 2 bad arguments.
`;

async function main(argv: string[]): Promise<number> {
  const { values, booleans } = parseFlags(argv, {
    values: ['--env', '--app'],
    booleans: ['--auto-approve', '--skip-provider-lock'],
  });
  const { name, app } = requiredStack(values);
  const stackDir = await synthesize(name, process.env, app);
  const stack = SynthesizedStack.read(stackDir);
  requireWorkspace(name, stack.cloudBlock());
  const guarded = stack.destroyGuards();
  if (guarded.length > 0)
    throw new CommandError(
      `refusing to destroy ${name}: it protects ${guarded.map((g) => `${g.protects} (set ${g.allowKey}: true)`).join(' and ')}. ` +
        `Set the key in environments/${name}.ts and deploy it first; what Terraform would then delete is gone for good.`,
    );
  const code = await runInherited(CDKTF, cdktfArgs('destroy', name, booleans, app));
  if (code === EXIT.ok) progress(TOOL, `${name}: destroyed`);
  return code === EXIT.ok ? EXIT.ok : EXIT.error;
}

runMain(TOOL, USAGE, main);
