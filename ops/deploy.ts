/**
 * Deploy: `cdktf deploy` for one environment, and when the apply leaves the chain broken (a store
 * or an ExternalSecret that ESO does not report Ready within the wait), the doctor's diagnosis of
 * the first broken link, instead of only "Operation timed out".
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { providerConfig } from '../common/stack-json';
import { SynthesizedStack } from '../common/synthesized-stack';
import type { EnvironmentConfig } from '../environments';
import { LEDGER_DIR, ledgerPath, writeLedger } from '../environments/ledger';
import {
  CommandError,
  environmentNames,
  EXIT,
  parseFlags,
  progress,
  requiredStack,
  runMain,
} from './cli';
import { Kubectl } from './kubectl';
import { deployedEntries, ledgerOfStack } from './ledger-state';
import { bringValue, pendingArrivals, takeoverRisks } from './secret-values';
import { VaultClient } from './vault-http';
import {
  cdktfArgs,
  DEFAULT_APP,
  init,
  PROJECT_ROOT,
  requireWorkspace,
  runCdktfShielded,
  runInherited,
  synthesize,
  unreachableLocalState,
} from './terraform';
import { revokeOrphanedLeases } from './database-leases';

const TOOL = 'deploy';
const USAGE = `usage: npm run deploy -- --env NAME [--auto-approve] [--skip-provider-lock] [--app COMMAND]

Runs cdktf deploy for one environment, keeping what people own:
  - the environment is checked against its ledger (environments/ledgers/NAME.json): a deployed
    secret that leaves unsaid, or a path that changes under a deployed ExternalSecret, is
    refused (an environment deployed before ledgers existed gets its ledger from its state);
  - a target Secret that exists and was not made by External Secrets is refused (ESO would
    overwrite it) unless the environment adopts it;
  - a moved secret's versions are copied to its new path, and an adopted Secret's value written
    to Vault, before ESO reads them;
  - after the deploy, the ledger records what is deployed: commit it.
Every apply that creates or changes the ESO store or an ExternalSecret waits until ESO reports
it Ready; if the deploy fails, the doctor runs and names the broken link (Vault namespace,
policy path, role binding, audience, ...) and its fix.

  --env NAME            the environment (one of ${environmentNames()})
  --auto-approve        apply without asking
  --skip-provider-lock  for mirrors without registry access (the lab): cdktf's providers lock
                        asks the registry
  --app COMMAND         the cdktf app (default: ${DEFAULT_APP}); NAME is one of its stacks (the
                        doctor runs when NAME is also an environment of this app)

An interrupt (Ctrl-C, a cancelled CI job's SIGTERM) reaches OpenTofu alone: it finishes what is in
flight and saves its state, and the next deploy simply finishes the job; a second interrupt
kills it (then run npm run recover).

Needs the deploy's credentials (AWS, VAULT_TOKEN, TF_VAR_ values) and kubectl (KUBECTL, or
kubectl on PATH) for the takeover check and the diagnosis. LEDGER_DIR points at other ledgers. With dynamic database
credentials, a deploy that removed one revokes its leases at once (Vault drops its users), which
deleting the role alone does not. Exit status: 0 deployed, 1 failed or interrupted, 2 bad arguments.
`;

/**
 * The stack to deploy, synthesized and checked against its ledger. An environment without a
 * ledger that was deployed before ledgers existed gets one from its state first, so a secret it
 * dropped in the same change as the upgrade is refused, not purged.
 */
async function checkedStack(
  name: string,
  app: string | undefined,
  ledgerDir: string,
  start: number,
): Promise<{ stackDir: string; stack: SynthesizedStack }> {
  progress(TOOL, `${name}: synthesizing`, start);
  let stackDir = await synthesize(name, process.env, app);
  if (!existsSync(ledgerPath(name, ledgerDir)) && unreachableLocalState(stackDir) === undefined) {
    await init(stackDir);
    const stack = SynthesizedStack.read(stackDir);
    const deployed = await deployedEntries(stackDir, stack.declaredSecrets()[0]?.mount ?? '');
    if (deployed.length > 0) {
      const file = writeLedger({ environment: name, entries: deployed }, ledgerDir);
      progress(
        TOOL,
        `${name}: recorded the ${deployed.length} deployed secret(s) in ${file}`,
        start,
      );
      stackDir = await synthesize(name, process.env, app);
    }
  }
  return { stackDir, stack: SynthesizedStack.read(stackDir) };
}

/**
 * Before the apply: refuse a target ESO would take over; bring each value that arrives from
 * elsewhere (a moved secret's versions, an adopted Secret's value) before ESO reads it.
 */
async function prepareValues(name: string, stack: SynthesizedStack, start: number): Promise<void> {
  const entries = stack.declaredSync();
  const kubectl = new Kubectl();
  const risks = await takeoverRisks(kubectl, name, entries);
  if (risks.length > 0)
    throw new CommandError(`refusing to deploy ${name}:\n  - ${risks.join('\n  - ')}`);
  if (!entries.some((e) => e.moved_from || e.adopts_target)) return;
  const provider = providerConfig(stack.json, 'vault') ?? {};
  const vault = new VaultClient({
    address: stack.values.text(provider.address) ?? '',
    namespace: stack.values.text(provider.namespace),
    token: process.env.VAULT_TOKEN,
  });
  for (const entry of await pendingArrivals(vault, entries))
    progress(TOOL, `${name}: ${await bringValue(vault, kubectl, entry)}`, start);
}

/**
 * After a deploy with dynamic database credentials: revokes the leases of a credential it removed
 * at once (Vault drops its users), which deleting the role alone does not.
 */
async function revokeRemovedCredentials(
  name: string,
  config: EnvironmentConfig | undefined,
  start: number,
): Promise<void> {
  const engine = config?.vault.database;
  if (config === undefined || engine === undefined || !process.env.VAULT_TOKEN) return;
  const vault = new VaultClient({
    address: config.vault.address,
    namespace: config.vault.namespace,
    token: process.env.VAULT_TOKEN,
  });
  try {
    const revoked = await revokeOrphanedLeases(vault, engine.mountPath);
    if (revoked.length > 0)
      progress(
        TOOL,
        `${name}: revoked the credentials of removed role(s) ${revoked.join(', ')}`,
        start,
      );
  } catch (error) {
    // The deploy itself succeeded: those credentials still end with their lease.
    progress(
      TOOL,
      `${name}: warning: ${(error as Error).message}; they end with their lease`,
      start,
    );
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, booleans } = parseFlags(argv, {
    values: ['--env', '--app'],
    booleans: ['--auto-approve', '--skip-provider-lock'],
  });
  const { name, app, config } = requiredStack(values);
  if (config?.backend.type === 'cloud')
    requireWorkspace(name, { workspace: config.backend.workspace, tags: config.backend.tags });
  const start = Date.now();
  const ledgerDir = process.env.LEDGER_DIR || LEDGER_DIR;
  const { stack } = await checkedStack(name, app, ledgerDir, start);
  await prepareValues(name, stack, start);
  const { code, interrupted } = await runCdktfShielded(
    cdktfArgs('deploy', name, booleans, app),
    (message) => progress(TOOL, `${name}: ${message}`, start),
  );
  if (code === EXIT.ok) {
    const file = writeLedger(ledgerOfStack(name, stack), ledgerDir);
    progress(TOOL, `${name}: deployed; its secrets are recorded in ${file} (commit it)`, start);
    await revokeRemovedCredentials(name, config, start);
    return EXIT.ok;
  }
  if (interrupted) {
    progress(
      TOOL,
      `${name}: stopped; what was created is in the state, and the next deploy finishes the job`,
      start,
    );
    return EXIT.error;
  }
  if (config === undefined) return EXIT.error;
  progress(
    TOOL,
    `${name}: the deploy failed; the doctor checks the chain link by link (npm run doctor -- --env ${name}):`,
    start,
  );
  await runInherited(process.execPath, [
    join(PROJECT_ROOT, 'scripts', 'run-ts.js'),
    'ops/doctor.ts',
    '--env',
    name,
    // A deploy that fails for want of a grant: the doctor names it.
    '--identity',
    'deploy',
  ]);
  return EXIT.error;
}

runMain(TOOL, USAGE, main);
