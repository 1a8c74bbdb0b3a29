/**
 * Adopt: take over a chain built by hand (the manual procedure in docs/manual-procedure.md).
 * Every declared object that already exists is imported (the auth mount, its config and role,
 * the policy, the KV mount, the service account, the binding, the store, the ExternalSecrets);
 * KV secrets are never imported nor written: the stack seeds only secrets that do not exist. The
 * long-lived token Secret of the manual procedure is reported, and deleted only when asked.
 */
import { tenantsOf } from '../environments/tenants';
import type { EnvironmentConfig } from '../environments/types';
import {
  environmentNames,
  CommandError,
  EXIT,
  parseFlags,
  progress,
  runMain,
  requiredEnvironment,
} from './cli';
import { applySaved, planWithImports } from './import-plan';
import { Kubectl } from './kubectl';
import { DEFAULT_APP, init, synthesize } from './terraform';

const TOOL = 'adopt';
const USAGE = `usage: npm run adopt -- --env NAME [--plan-only] [--remove-token-secret] [--app COMMAND]

Takes over a chain built by hand. Synthesizes the environment, imports every declared object
that already exists, creates the missing ones and applies the configuration to all of them.
Secrets in Vault are neither imported nor written: their versions and values stay as they are.
Afterwards a plan shows no changes.

  --env NAME             the environment (one of ${environmentNames()})
  --plan-only            show what would be imported, created and changed; change nothing
  --remove-token-secret  delete the manual procedure's long-lived service-account token Secret
                         (only once the apply no longer uses it; it is reported either way)
  --app COMMAND          the cdktf app (default: ${DEFAULT_APP}); its stack must be NAME, with
                         the objects of the environment NAME

Needs the same credentials and TF_VAR_ values as a deploy, and kubectl for the token Secret.
Exit status: 0 adopted (or planned), 1 error, 2 bad arguments.
`;

/**
 * The manual procedure's `kubernetes.io/service-account-token` Secret of the service account: a
 * token that never expires. The stack's token-secret mode declares a Secret of the same name (an
 * empty revocation handle), which the apply replaces it with.
 */
async function longLivedTokenSecrets(
  kubectl: Kubectl,
  config: EnvironmentConfig,
): Promise<string[]> {
  const found: string[] = [];
  for (const { namespace, serviceAccountName } of tenantsOf(config)) {
    const secret = await kubectl.getJson(['secret', serviceAccountName, '-n', namespace]);
    if (secret instanceof Error)
      throw new CommandError(
        `kubectl could not read Secret ${namespace}/${serviceAccountName}: ${secret.message}`,
      );
    if (secret?.type === 'kubernetes.io/service-account-token')
      found.push(`${namespace}/${serviceAccountName}`);
  }
  return found;
}

async function main(argv: string[]): Promise<number> {
  const { values, booleans } = parseFlags(argv, {
    values: ['--env', '--app'],
    booleans: ['--plan-only', '--remove-token-secret'],
  });
  const config = requiredEnvironment(values);
  const { name } = config;
  const kubectl = new Kubectl();
  const start = Date.now();

  const tokenSecrets = await longLivedTokenSecrets(kubectl, config);
  progress(TOOL, `${name}: synthesizing`);
  const stackDir = await synthesize(name, process.env, values.get('--app')?.[0]);
  progress(TOOL, `${name}: init`, start);
  await init(stackDir);
  const plan = await planWithImports(TOOL, name, stackDir, 'everything-that-exists', start);
  try {
    for (const c of plan.imported) process.stdout.write(`import  ${c.address}  (id ${c.id})\n`);
    for (const tokenSecret of tokenSecrets) {
      const replaced = config.vault.reviewerMode === 'token-secret';
      process.stdout.write(
        `token Secret  ${tokenSecret}: the manual procedure's service-account token, which never expires. ` +
          (replaced
            ? 'This environment uses token-secret mode: the apply replaces it with an empty Secret that only revokes the reviewer JWT it mints.\n'
            : 'This environment uses client-jwt mode: once applied, Vault no longer holds it; delete it with --remove-token-secret.\n'),
      );
    }
    if (booleans.has('--plan-only')) return EXIT.ok;
    progress(TOOL, `${name}: applying (${plan.summary})`, start);
    const applied = await applySaved(stackDir, plan.planFile);
    progress(TOOL, `${name}: adopted (${applied})`, start);
  } finally {
    plan.remove();
  }

  if (config.vault.reviewerMode === 'client-jwt' && booleans.has('--remove-token-secret')) {
    for (const tokenSecret of tokenSecrets) {
      const [namespace, secretName] = tokenSecret.split('/');
      const deleted = await kubectl.run(['delete', 'secret', secretName, '-n', namespace]);
      if (deleted.code !== 0)
        throw new CommandError(`could not delete Secret ${tokenSecret}: ${deleted.stderr.trim()}`);
      progress(TOOL, `${name}: deleted the long-lived token Secret ${tokenSecret}`, start);
    }
  }
  return EXIT.ok;
}

runMain(TOOL, USAGE, main);
