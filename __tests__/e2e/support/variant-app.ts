// A cdktf app for the end-to-end suites: a real environment (`local` unless E2E_VARIANT names
// another) with some keys changed, as one stack. E2E_VARIANT is JSON { name, base?, changes }.
import { App } from 'cdktf';
import { loadEnvironments } from '../../../environments';
import { LEDGER_DIR, readLedger } from '../../../environments/ledger';
import { EsoVaultStack } from '../../../stacks/eso-vault-stack';
import { type VariantSpec, variantConfig } from './variant-config';

const spec = JSON.parse(process.env.E2E_VARIANT ?? '{"name":"local","changes":{}}') as VariantSpec;
const ledgerDir = process.env.LEDGER_DIR || LEDGER_DIR;
const [valid] = loadEnvironments(undefined, [variantConfig(spec)], { ledgerDir });
const app = new App();
new EsoVaultStack(app, valid.name, { config: valid, ledger: readLedger(valid.name, ledgerDir) });
app.synth();
