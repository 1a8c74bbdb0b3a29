// Wires the app: pick environments, build one stack each, synthesize. Nothing else lives here.
import { App } from 'cdktf';
import { ConfigError, environmentWarnings, loadEnvironments } from './environments';
import { EsoVaultStack } from './stacks/eso-vault-stack';

// ENVIRONMENTS=dev,local narrows synthesis to those stacks; unset means every environment.
const selected = (process.env.ENVIRONMENTS ?? '')
  .split(',')
  .map((name) => name.trim())
  .filter((name) => name.length > 0);

try {
  // Validate before the App exists: a bad configuration writes nothing at all.
  const environments = loadEnvironments(selected);
  for (const line of environmentWarnings(environments)) process.stderr.write(`warning: ${line}\n`);
  const app = new App();
  for (const config of environments) {
    new EsoVaultStack(app, config.name, { config });
  }
  app.synth();
} catch (error) {
  // User mistakes (configuration, broken invariants) are reported as text, not stack traces.
  const message =
    error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = 1;
}
