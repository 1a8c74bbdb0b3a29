// Prints, as a JSON list, the environments whose state is remote (Terraform Cloud): the scheduled
// drift workflow's matrix, derived from the configuration so that adding a cloud environment
// needs no workflow edit.
//   node scripts/run-ts.js scripts/remote-environments.ts
import { ConfigError, loadEnvironments } from '../environments';

const USAGE = `usage: node scripts/run-ts.js scripts/remote-environments.ts

Prints the names of the environments with a cloud backend as one JSON list, e.g. ["staging","prod"]
(the drift workflow's matrix). Exit 1 with the problems when the configuration is invalid.
`;

function main(argv: readonly string[]): number {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(`remote-environments: unknown argument ${argv[0]}\n${USAGE}`);
    return 2;
  }
  try {
    const remote = loadEnvironments().filter((e) => e.backend.type === 'cloud');
    process.stdout.write(`${JSON.stringify(remote.map((e) => e.name))}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`remote-environments: ${error.message}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
