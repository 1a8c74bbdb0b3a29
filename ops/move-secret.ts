/** move-secret: copy a moved secret's versions to its new path (npm run deploy does it too). */
import { bringOneValue } from './arrival-command';
import { environmentNames, runMain } from './cli';
import { DEFAULT_APP } from './terraform';

const TOOL = 'move-secret';
const USAGE = `usage: npm run move-secret -- --env NAME --secret SECRET [--app COMMAND]

Copies every readable version of the path a secret declares it moved from (movedFrom) to its
new path, oldest first, so that ESO reads the same value there; the old path is never changed.
Refused if the new path holds versions already. npm run deploy does this before each apply; a
plan of a moved secret without its value stops naming this command.

  --env NAME       the environment (one of ${environmentNames()})
  --secret SECRET  the secret's full name in the mount (its new name)
  --app COMMAND    the cdktf app (default: ${DEFAULT_APP}); NAME is one of its stacks

Needs VAULT_TOKEN. Values are never printed. Exit status: 0 copied (or nothing to do), 1
refused or failed, 2 bad arguments.
`;

runMain(TOOL, USAGE, (argv) => bringOneValue(TOOL, 'moved', argv));
