// Entry point: `node scripts/run-ts.js lab/cli.ts <command>` (also `npm run lab -- <command>`).
import { parseArgs } from 'node:util';
import { DEFAULT_ENGINE, ENGINES, portVariableHelp } from './config';
import { down, env, status, up, useEso } from './commands';
import { createContext } from './parts/context';
import { verifyTrim } from './verify-trim';
import { LabError, errorMessage } from './report';
import type { PartGroup } from './parts/groups';
import { PART_GROUPS, isPartGroup } from './parts/groups';

const USAGE = `usage: npm run lab -- <command> [options]

A local lab on 127.0.0.1: OpenBao (namespace admin), etcd + kube-apiserver + kube-controller-manager,
an EKS emulator (moto) with an EKS-token webhook, the External Secrets Operator, and both engines,
OpenTofu and Terraform, with one provider mirror.

commands:
  up       start every part that is not running and healthy (idempotent); writes $LAB_DIR/env.sh and lab.json
  status   show each part's state and health; exit 0 all healthy, 3 not running, 1 partly
  down     stop every lab process and remove the lab data in $LAB_DIR
  env      print the export lines: eval "$(npm run -s lab -- env)"
  verify-trim  compare the trimmed aws provider's schema for the stacks' types with an untrimmed build
  use-eso  run another built ESO version in the running lab, until the next up (upgrade tests)

engine: LAB_ENGINE=${ENGINES.join('|')} (default ${DEFAULT_ENGINE}) picks the one that env, env.sh, lab.json and
the suites use (TERRAFORM_BINARY_NAME); \`up\` builds both. Example: LAB_ENGINE=terraform npm run test:e2e

Run \`npm run lab -- <command> --help\` for a command's options. Configuration is by environment
variables (see lab/README.md): LAB_ENGINE, LAB_DIR, LAB_CACHE_DIR, LAB_TF_BINARY, LAB_PROVIDER_MIRROR,
and the ports ${portVariableHelp()}.
`;

const COMMAND_HELP: Record<string, string> = {
  up: `usage: npm run lab -- up [--parts ${PART_GROUPS.join(',')}]

Starts the lab, or the parts of it that are not running; leaves running healthy parts alone and
restarts dead ones. Builds missing binaries with lab/toolchain/build.sh. Prints each step with its
time, then the addresses and environment (also written to $LAB_DIR/env.sh and $LAB_DIR/lab.json).

  --parts LIST   only these groups (plus what they need: kubernetes needs eks, eso needs kubernetes,
                 clusters, a second cluster with its own API server and ESO, needs eso).
                 Default: all. Without toolchain, up does not wait for the engine and provider builds.

Builds and links both engines (tofu and terraform); LAB_ENGINE (default ${DEFAULT_ENGINE}) only picks the one
written as TERRAFORM_BINARY_NAME into env.sh and lab.json. LAB_TF_BINARY replaces the built binary
of that engine.
`,
  status: `usage: npm run lab -- status

Shows, for each part, running/stopped, pid, address and health.
Exit code: 0 all healthy, 3 nothing running, 1 partly running or unhealthy.
`,
  down: `usage: npm run lab -- down

Stops every process the lab started (SIGTERM, SIGKILL after 10 s) and removes the lab data in $LAB_DIR
(the build cache in $LAB_CACHE_DIR stays). Idempotent.
`,
  env: `usage: npm run lab -- env

Prints the export lines for the running lab: eval "$(npm run -s lab -- env)".
The Vault token is read from its 0600 file when evaluated, never printed.
TERRAFORM_BINARY_NAME is the engine LAB_ENGINE picks: LAB_ENGINE=terraform npm run -s lab -- env
`,
  'use-eso': `usage: npm run lab -- use-eso VERSION

Runs ESO VERSION in the running lab instead of the running one: stops the controller, applies
VERSION's CRDs (server-side, so what another version's CRDs added goes; annotated with the version),
starts VERSION's binary and waits until it is healthy. The ESO objects stay in the API server.
VERSION is ESO_VERSION or one of ESO_EARLIER_VERSIONS (common/versions.sh), built and cached by
version like the rest (lab/toolchain/build.sh eso-VERSION). \`up\` goes back to ESO_VERSION.
`,
  'verify-trim': `usage: npm run lab -- verify-trim

The lab's aws provider is compiled with only the services that serve AWS_PROVIDER_TYPES
(lab/toolchain/trim.py). This builds the same commit untrimmed (build.sh provider-aws-full: about
an hour and 9 GB on two cores, once; cached after), reads both schemas with tofu providers schema
and compares the provider block and every kind (resource, data source, ephemeral) of each type,
then every other type the trimmed build serves.
Needs no running lab. Exit code: 0 identical, 1 a difference (each one printed with its JSON path).
`,
};

class UsageError extends Error {}

function parseParts(value: string | undefined): PartGroup[] {
  if (value === undefined || value === '')
    throw new UsageError('--parts needs a comma-separated list');
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !isPartGroup(name));
  if (unknown.length > 0)
    throw new UsageError(`unknown part(s) ${unknown.join(', ')}; known: ${PART_GROUPS.join(', ')}`);
  return names as PartGroup[];
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process[command === undefined ? 'stderr' : 'stdout'].write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (!(command in COMMAND_HELP)) throw new UsageError(`unknown command '${command}'`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(COMMAND_HELP[command]);
    return 0;
  }
  let options;
  try {
    ({ values: options } = parseArgs({
      args: rest,
      options: command === 'up' ? { parts: { type: 'string' } } : {},
      strict: true,
      allowPositionals: command === 'use-eso',
    }));
  } catch (error) {
    throw new UsageError(`${errorMessage(error)} (${command})`);
  }
  if (command === 'use-eso') {
    const positionals = rest.filter((arg) => !arg.startsWith('-'));
    if (positionals.length !== 1) throw new UsageError('use-eso needs one VERSION, e.g. 0.16.2');
    await useEso(positionals[0]);
    return 0;
  }
  const parts = options.parts === undefined ? undefined : parseParts(options.parts as string);
  switch (command) {
    case 'up':
      await up(parts);
      return 0;
    case 'status':
      return status();
    case 'down':
      await down();
      return 0;
    case 'verify-trim':
      return verifyTrim(createContext());
    default:
      env();
      return 0;
  }
}

// `npm run lab -- status | head`: a closed pipe is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`lab: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (error instanceof LabError) {
      process.stderr.write(`${error.describe()}\n`);
      process.exitCode = error.exitCode;
    } else {
      // Unexpected: keep the stack, it is a bug in the lab.
      process.stderr.write(
        `[lab] internal error: ${errorMessage(error)}\n${error instanceof Error ? (error.stack ?? '') : ''}\n`,
      );
      process.exitCode = 1;
    }
  },
);
