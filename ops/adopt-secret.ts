/** adopt-secret: write a hand-made Secret's value to Vault before ESO owns it (deploy does too). */
import { bringOneValue } from './arrival-command';
import { environmentNames, runMain } from './cli';
import { DEFAULT_APP } from './terraform';

const TOOL = 'adopt-secret';
const USAGE = `usage: npm run adopt-secret -- --env NAME --secret SECRET [--app COMMAND]

For a secret that sets adoptExistingTarget: reads the Kubernetes Secret it targets (made by hand)
and writes its keys to the secret's Vault path as the first version, so that ESO, once it owns
the Secret, writes back the same value. Refused if the Vault path holds versions already (ESO
would serve those instead). npm run deploy does this before each apply; a plan of an adopted
secret without its value stops naming this command.

  --env NAME       the environment (one of ${environmentNames()})
  --secret SECRET  the secret's full name in the mount
  --app COMMAND    the cdktf app (default: ${DEFAULT_APP}); NAME is one of its stacks

Needs VAULT_TOKEN and kubectl (KUBECTL, or kubectl on PATH). Values are never printed. Exit
status: 0 written (or nothing to do), 1 refused or failed, 2 bad arguments.
`;

runMain(TOOL, USAGE, (argv) => bringOneValue(TOOL, 'adopted', argv));
