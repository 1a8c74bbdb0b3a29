/**
 * Ledger: writes an environment's ledger (environments/ledgers/NAME.json), the committed record
 * of the secrets it deployed, for runs that do not go through npm run deploy (Terraform Cloud).
 */
import { LEDGER_DIR, readLedger, writeLedger } from '../environments/ledger';
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
import { deployedEntries, ledgerOfStack } from './ledger-state';
import { teamStackName } from '../common/names';
import { selectStacks, teamOption } from './stacks';
import { DEFAULT_APP, init, outputDir, stackDirOf, synthesize } from './terraform';

const TOOL = 'ledger';
const USAGE = `usage: npm run ledger -- --env NAME [--team NAME] [--from-state] [--drop SECRET]... [--app COMMAND]

Writes the ledger of one environment, environments/ledgers/NAME.json (with team files, one per
stack: NAME.json and NAME--TEAM.json; with --team, that team's alone): the secrets it deploys
(mount and full name, ExternalSecret, target Secret). Synthesis checks the environment against
it: a deployed secret that leaves the configuration must be retired or moved, and a path that
changes under a deployed ExternalSecret must be declared moved. npm run deploy writes it after
each deploy; run this after a deploy made another way (a Terraform Cloud run), and commit it.

  --env NAME      the environment (one of ${environmentNames()})
  --team NAME     only this team's stack's ledger
  --from-state    record what the deployed state holds instead (an environment deployed before
                  ledgers existed); needs the state's credentials
  --drop SECRET   forget a secret recorded by mistake (never deployed); repeatable
  --app COMMAND   the cdktf app (default: ${DEFAULT_APP}); NAME is one of its stacks

LEDGER_DIR points at another directory of ledgers. Exit status: 0 written, 1 refused (the
configuration loses a secret the ledger records: the message says what to declare), 2 bad
arguments.
`;

async function main(argv: string[]): Promise<number> {
  const { values, booleans } = parseFlags(argv, {
    values: ['--env', '--team', '--app', '--drop'],
    booleans: ['--from-state'],
    repeatable: ['--drop'],
  });
  const required = requiredStack(values);
  const team = teamOption(values);
  const { app } = required;
  // A team's ledger is its stack's.
  const name = team === undefined ? required.name : teamStackName(required.name, team);
  const ledgerDir = process.env.LEDGER_DIR || LEDGER_DIR;
  const drop = values.get('--drop') ?? [];
  if (drop.length > 0) {
    const ledger = readLedger(name, ledgerDir);
    const unknown = drop.filter((d) => !ledger.entries.some((e) => e.secret === d));
    if (unknown.length > 0)
      throw new CommandError(`the ledger of ${name} records no secret ${unknown.join(', ')}`);
    const file = writeLedger(
      { ...ledger, entries: ledger.entries.filter((e) => !drop.includes(e.secret)) },
      ledgerDir,
    );
    progress(TOOL, `${name}: forgot ${drop.join(', ')} in ${file}`);
    return EXIT.ok;
  }
  // Synthesis refuses a configuration that loses what the current ledgers record.
  progress(TOOL, `${required.name}: synthesizing`);
  await synthesize(required.name, process.env, app);
  for (const stackName of selectStacks(outputDir(), required.name, team)) {
    const stackDir = stackDirOf(stackName);
    const stack = SynthesizedStack.read(stackDir);
    let ledger = ledgerOfStack(stackName, stack);
    if (booleans.has('--from-state')) {
      progress(TOOL, `${stackName}: reading the deployed state`);
      await init(stackDir);
      const mount = stack.declaredSecrets()[0]?.mount ?? '';
      ledger = { ...ledger, entries: await deployedEntries(stackDir, mount) };
    }
    const file = writeLedger(ledger, ledgerDir);
    progress(
      TOOL,
      `${stackName}: ${ledger.entries.length} secret(s) recorded in ${file} (commit it)`,
    );
  }
  return EXIT.ok;
}

runMain(TOOL, USAGE, main);
