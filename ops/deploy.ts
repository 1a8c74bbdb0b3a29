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
import { opsCommand, teamOfStack } from '../common/names';
import { splitTeams } from './split-teams';
import { selectStacks, teamOption } from './stacks';
import { Kubectl } from './kubectl';
import { deployedEntries, ledgerOfStack } from './ledger-state';
import { bringValue, pendingArrivals, takeoverRisks } from './secret-values';
import { VaultClient } from './vault-http';
import {
  cdktfArgs,
  DEFAULT_APP,
  init,
  outputDir,
  PROJECT_ROOT,
  requireWorkspace,
  requireWorkspaces,
  runCdktfShielded,
  runInherited,
  stackDirOf,
  DEFAULT_PARALLEL,
  parallelOption,
  synthesize,
  unreachableLocalState,
} from './terraform';
import { revokeOrphanedLeases } from './database-leases';

const TOOL = 'deploy';
const USAGE = `usage: npm run deploy -- --env NAME [--team NAME] [--parallel N] [--auto-approve] [--skip-provider-lock] [--app COMMAND]

Runs cdktf deploy for one environment (with team files: its own stack, then each team's stack;
with --team, that team's stack alone), keeping what people own:
  - the environment is checked against its ledger (environments/ledgers/NAME.json): a deployed
    secret that leaves unsaid, or a path that changes under a deployed ExternalSecret, is
    refused (an environment deployed before ledgers existed gets its ledger from its state);
  - a target Secret that exists and was not made by External Secrets is refused (ESO would
    overwrite it) unless the environment adopts it;
  - a moved secret's versions are copied to its new path, and an adopted Secret's value written
    to Vault, before ESO reads them;
  - a team's resources still in the environment's state (deployed before its team became a
    file) move into the team's own state first, at the same addresses (npm run split-teams);
  - after the deploy, the ledger of each stack records what is deployed: commit it.
Every apply that creates or changes the ESO store or an ExternalSecret waits until ESO reports
it Ready; if the deploy fails, the doctor runs and names the broken link (Vault namespace,
policy path, role binding, audience, ...) and its fix.

  --env NAME            the environment (one of ${environmentNames()})
  --team NAME           only this team's stack (an environment with team files)
  --parallel N          how many team stacks apply at once (default ${DEFAULT_PARALLEL})
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
 * The stacks to deploy, synthesized and checked against their ledgers. A stack without a ledger
 * that was deployed before ledgers existed gets one from its state first, so a secret it dropped
 * in the same change as the upgrade is refused, not purged.
 */
async function checkedStacks(
  name: string,
  team: string | undefined,
  app: string | undefined,
  ledgerDir: string,
  start: number,
): Promise<{ name: string; stack: SynthesizedStack }[]> {
  progress(TOOL, `${name}: synthesizing`, start);
  await synthesize(name, process.env, app);
  const names = selectStacks(outputDir(), name, team);
  // Each stack's workspace (a team's is its own), before any of them is initialized.
  requireWorkspaces(
    names.map((stackName) => ({
      name: stackName,
      cloud: SynthesizedStack.read(stackDirOf(stackName)).cloudBlock(),
    })),
  );
  let recorded = false;
  for (const stackName of names) {
    const stackDir = stackDirOf(stackName);
    if (
      existsSync(ledgerPath(stackName, ledgerDir)) ||
      unreachableLocalState(stackDir) !== undefined
    )
      continue;
    await init(stackDir);
    const mount = SynthesizedStack.read(stackDir).declaredSecrets()[0]?.mount ?? '';
    const deployed = await deployedEntries(stackDir, mount);
    if (deployed.length === 0) continue;
    const file = writeLedger({ environment: stackName, entries: deployed }, ledgerDir);
    progress(
      TOOL,
      `${stackName}: recorded the ${deployed.length} deployed secret(s) in ${file}`,
      start,
    );
    recorded = true;
  }
  if (recorded) await synthesize(name, process.env, app);
  return names.map((stackName) => ({
    name: stackName,
    stack: SynthesizedStack.read(stackDirOf(stackName)),
  }));
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
    values: ['--env', '--team', '--parallel', '--app'],
    booleans: ['--auto-approve', '--skip-provider-lock'],
  });
  const { name, app, config } = requiredStack(values);
  const team = teamOption(values);
  const parallel = parallelOption(values);
  // The environment's own stack is deployed too: refuse its workspace before synthesizing.
  if (config?.backend.type === 'cloud' && team === undefined)
    requireWorkspace(name, { workspace: config.backend.workspace, tags: config.backend.tags });
  const start = Date.now();
  const ledgerDir = process.env.LEDGER_DIR || LEDGER_DIR;
  const stacks = await checkedStacks(name, team, app, ledgerDir, start);
  const teams = stacks.map((s) => s.name).filter((s) => teamOfStack(s) !== undefined);
  await splitTeams(outputDir(), name, teams, { log: (line) => progress(TOOL, line, start) });
  for (const { name: stackName, stack } of stacks) await prepareValues(stackName, stack, start);
  const { code, interrupted } = await runCdktfShielded(
    cdktfArgs(
      'deploy',
      stacks.map((s) => s.name),
      booleans,
      app,
      { parallel, alone: team !== undefined },
    ),
    (message) => progress(TOOL, `${name}: ${message}`, start),
  );
  if (code === EXIT.ok) {
    for (const { name: stackName, stack } of stacks) {
      const file = writeLedger(ledgerOfStack(stackName, stack), ledgerDir);
      progress(
        TOOL,
        `${stackName}: deployed; its secrets are recorded in ${file} (commit it)`,
        start,
      );
    }
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
  if (config !== undefined) await runDoctor(name, team, start);
  return EXIT.error;
}

/** After a failed deploy: the doctor walks the chain (the team's links with --team). */
async function runDoctor(name: string, team: string | undefined, start: number): Promise<void> {
  const teamArgs = team === undefined ? [] : ['--team', team];
  progress(
    TOOL,
    `${name}: the deploy failed; the doctor checks the chain link by link (${opsCommand('doctor', name, ...teamArgs)}):`,
    start,
  );
  await runInherited(process.execPath, [
    join(PROJECT_ROOT, 'scripts', 'run-ts.js'),
    'ops/doctor.ts',
    '--env',
    name,
    ...teamArgs,
    // A deploy that fails for want of a grant: the doctor names it.
    '--identity',
    'deploy',
  ]);
}

runMain(TOOL, USAGE, main);
