/**
 * Deploy: `cdktf deploy` for one environment, and when the apply leaves the chain broken (a store
 * or an ExternalSecret that ESO does not report Ready within the wait), the doctor's diagnosis of
 * the first broken link, instead of only "Operation timed out".
 */
import { join } from 'node:path';
import { ALL_ENVIRONMENTS } from '../environments';
import { EXIT, parseFlags, progress, requiredStack, runMain } from './cli';
import {
  cdktfArgs,
  DEFAULT_APP,
  PROJECT_ROOT,
  requireWorkspace,
  runCdktfShielded,
  runInherited,
} from './terraform';

const TOOL = 'deploy';
const USAGE = `usage: npm run deploy -- --env NAME [--auto-approve] [--skip-provider-lock] [--app COMMAND]

Runs cdktf deploy for one environment. Every apply that creates or changes the ESO store or an
ExternalSecret waits until ESO reports it Ready; if the deploy fails, the doctor runs and names
the broken link (Vault namespace, policy path, role binding, audience, ...) and its fix.

  --env NAME            the environment (one of ${ALL_ENVIRONMENTS.map((e) => e.name).join(', ')})
  --auto-approve        apply without asking
  --skip-provider-lock  for mirrors without registry access (the lab): cdktf's providers lock
                        asks the registry
  --app COMMAND         the cdktf app (default: ${DEFAULT_APP}); NAME is one of its stacks (the
                        doctor runs when NAME is also an environment of this app)

An interrupt (Ctrl-C, a cancelled CI job's SIGTERM) reaches OpenTofu alone: it finishes what is in
flight and saves its state, and the next deploy simply finishes the job; a second interrupt
kills it (then run npm run recover).

Needs the deploy's credentials (AWS, VAULT_TOKEN, TF_VAR_ values) and, for the diagnosis,
kubectl. Exit status: 0 deployed, 1 failed or interrupted, 2 bad arguments.
`;

async function main(argv: string[]): Promise<number> {
  const { values, booleans } = parseFlags(argv, {
    values: ['--env', '--app'],
    booleans: ['--auto-approve', '--skip-provider-lock'],
  });
  const { name, app, config } = requiredStack(values);
  if (config?.backend.type === 'cloud')
    requireWorkspace(name, { workspace: config.backend.workspace, tags: config.backend.tags });
  const start = Date.now();
  const { code, interrupted } = await runCdktfShielded(
    cdktfArgs('deploy', name, booleans, app),
    (message) => progress(TOOL, `${name}: ${message}`, start),
  );
  if (code === EXIT.ok) {
    progress(TOOL, `${name}: deployed`, start);
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
