// A team-files app for the benchmark: `bench-teams`, the lab's `local-tenants` with a KV mount,
// an auth path and state files of its own, whose teams are the files of TEAMS_DIR/bench-teams/
// (bench/team-folder.ts writes them), checked against the ledgers of LEDGER_DIR. Its stacks are
// built as main.ts builds an environment's: its own and one per team (STACKS narrows what is
// written).
import { App } from 'cdktf';
import { loadEnvironments } from '../environments';
import { LEDGER_DIR, readLedger } from '../environments/ledger';
import { localTenants } from '../environments/local-tenants';
import { synthesizeEnvironments } from '../stacks/environment-stacks';
import { BENCH_TEAMS } from './team-folder';

const ledgerDir = process.env.LEDGER_DIR || LEDGER_DIR;
const [config] = loadEnvironments(
  undefined,
  [
    {
      ...localTenants,
      name: BENCH_TEAMS,
      vault: {
        ...localTenants.vault,
        kvMount: { ...localTenants.vault.kvMount, path: BENCH_TEAMS },
        authPath: `jwt-${BENCH_TEAMS}`,
      },
      teamFiles: BENCH_TEAMS,
    },
  ],
  { ledgerDir, teamsDir: process.env.TEAMS_DIR || undefined },
);
synthesizeEnvironments(
  new App(),
  [config],
  (stack) => readLedger(stack, ledgerDir),
  process.env.STACKS,
);
