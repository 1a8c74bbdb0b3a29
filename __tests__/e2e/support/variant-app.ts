// A cdktf app for the end-to-end suites: the `local` environment with some keys changed, as one
// stack. E2E_VARIANT is JSON { name, changes } (changes merged into environments/local.ts).
import { App } from 'cdktf';
import { loadEnvironments } from '../../../environments';
import { EsoVaultStack } from '../../../stacks/eso-vault-stack';
import { type Variant, variant } from '../../support/stack';
import type { EnvironmentConfig } from '../../../environments/types';

const spec = JSON.parse(process.env.E2E_VARIANT ?? '{"name":"local","changes":{}}') as {
  name: string;
  changes: Variant<EnvironmentConfig>;
};
const config = variant({ ...spec.changes, name: spec.name });
const [valid] = loadEnvironments(undefined, [config]);
const app = new App();
new EsoVaultStack(app, valid.name, { config: valid });
app.synth();
