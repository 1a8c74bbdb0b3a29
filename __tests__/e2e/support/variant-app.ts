// A cdktf app for the end-to-end suites: a real environment (`local` unless E2E_VARIANT names
// another) with some keys changed, as its stacks (one, or with team files its own and one per
// team). E2E_VARIANT is JSON { name, base?, changes, teamsDir? }.
import { App } from 'cdktf';
import { loadEnvironments } from '../../../environments';
import { LEDGER_DIR, readLedger } from '../../../environments/ledger';
import { synthesizeEnvironments } from '../../../stacks/environment-stacks';
import { type VariantSpec, variantSource, variantTeamsDir } from './variant-config';

const spec = JSON.parse(process.env.E2E_VARIANT ?? '{"name":"local","changes":{}}') as VariantSpec;
const ledgerDir = process.env.LEDGER_DIR || LEDGER_DIR;
const [valid] = loadEnvironments(undefined, [variantSource(spec)], {
  ledgerDir,
  teamsDir: variantTeamsDir(spec),
});
synthesizeEnvironments(
  new App(),
  [valid],
  (stack) => readLedger(stack, ledgerDir),
  process.env.STACKS,
);
