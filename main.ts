// Wires the app: pick environments, build one stack each, synthesize. Nothing else lives here.
import { App } from 'cdktf';
import {
  ALL_ENVIRONMENTS,
  ConfigError,
  environmentWarnings,
  loadEnvironments,
} from './environments';
import { LEDGER_DIR, readLedger } from './environments/ledger';
import { EsoVaultStack } from './stacks/eso-vault-stack';

// ENVIRONMENTS=dev,local narrows synthesis to those stacks; unset means every environment.
const selected = (process.env.ENVIRONMENTS ?? '')
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name.length > 0);

try {
  // Validate before the App exists: a bad configuration writes nothing at all.
  // LEDGER_DIR points the app at other ledgers (the lab suites keep theirs apart).
  const ledgerDir = process.env.LEDGER_DIR || LEDGER_DIR;
  const environments = loadEnvironments(selected, ALL_ENVIRONMENTS, { ledgerDir });
  for (const line of environmentWarnings(environments)) process.stderr.write(`warning: ${line}\n`);
  const app = new App();
  for (const config of environments) {
    new EsoVaultStack(app, config.name, { config, ledger: readLedger(config.name, ledgerDir) });
  }
  app.synth();
} catch (error) {
  // User mistakes (configuration, broken invariants) are reported as text, not stack traces.
  const message =
    error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = 1;
}
