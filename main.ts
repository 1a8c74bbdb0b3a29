// Wires the app: pick environments, build each one's stacks, synthesize. Nothing else lives here.
import { App } from 'cdktf';
import {
  ALL_ENVIRONMENTS,
  ConfigError,
  environmentWarnings,
  loadEnvironments,
} from './environments';
import { LEDGER_DIR, readLedger } from './environments/ledger';
import { synthesizeEnvironments } from './stacks/environment-stacks';

// ENVIRONMENTS=dev,local narrows synthesis to those stacks; unset means every environment.
const selected = (process.env.ENVIRONMENTS ?? '')
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name.length > 0);

try {
  // Validate before the App exists: a bad configuration writes nothing at all.
  // LEDGER_DIR points the app at other ledgers (the lab suites keep theirs apart), TEAMS_DIR at
  // other team folders.
  const ledgerDir = process.env.LEDGER_DIR || LEDGER_DIR;
  const teamsDir = process.env.TEAMS_DIR || undefined;
  const environments = loadEnvironments(selected, ALL_ENVIRONMENTS, { ledgerDir, teamsDir });
  for (const line of environmentWarnings(environments)) process.stderr.write(`warning: ${line}\n`);
  // One stack per environment, and one per team file beside it; STACKS narrows what is written.
  synthesizeEnvironments(
    new App(),
    environments,
    (stack) => readLedger(stack, ledgerDir),
    process.env.STACKS,
  );
} catch (error) {
  // User mistakes (configuration, broken invariants) are reported as text, not stack traces.
  const message =
    error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = 1;
}
