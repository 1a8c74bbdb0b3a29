// A tenants app for the benchmark: `local-tenants` with 50 tenants x 10 secrets (BENCH_TENANTS,
// BENCH_TENANT_SECRETS), in the design BENCH_ISOLATION names (per-tenant unless shared-store).
// BENCH_STACK renames the stack and gives it a KV mount and auth path of its own, so the lab
// bench can deploy it beside `local-tenants`.
import { App } from 'cdktf';
import { loadEnvironments } from '../environments';
import { localTenants } from '../environments/local-tenants';
import type { IsolationDesign } from '../environments/types';
import { EsoVaultStack } from '../stacks/eso-vault-stack';
import { tenantFleet } from './tenant-fleet';

const tenants = Number(process.env.BENCH_TENANTS ?? '50');
const secrets = Number(process.env.BENCH_TENANT_SECRETS ?? '10');
const isolation: IsolationDesign =
  process.env.BENCH_ISOLATION === 'shared-store' ? 'shared-store' : 'per-tenant';

const stack = process.env.BENCH_STACK;
const app = new App();
const [config] = loadEnvironments(undefined, [
  {
    ...localTenants,
    ...(stack
      ? {
          name: stack,
          vault: {
            ...localTenants.vault,
            kvMount: { ...localTenants.vault.kvMount, path: stack },
            authPath: `jwt-${stack}`,
          },
        }
      : {}),
    eso: { ...localTenants.eso, isolation },
    tenants: tenantFleet(tenants, secrets),
  },
]);
new EsoVaultStack(app, config.name, { config });
app.synth();
