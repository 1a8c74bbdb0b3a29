// A cdktf app for the end-to-end suites: a real environment (`local` unless E2E_VARIANT names
// another) with some keys changed, as one stack. E2E_VARIANT is JSON { name, base?, changes }.
import { App } from 'cdktf';
import { loadEnvironments } from '../../../environments';
import { EsoVaultStack } from '../../../stacks/eso-vault-stack';
import { type VariantSpec, variantConfig } from './variant-config';

const spec = JSON.parse(process.env.E2E_VARIANT ?? '{"name":"local","changes":{}}') as VariantSpec;
const [valid] = loadEnvironments(undefined, [variantConfig(spec)]);
const app = new App();
new EsoVaultStack(app, valid.name, { config: valid });
app.synth();
