/**
 * Doctor: checks a deployed environment link by link and explains the first broken one, instead
 * of the bare 403 Vault gives.
 */
import { IDENTITIES, type IdentityName, runIdentity } from '../common/identity';
import type { EnvironmentConfig } from '../environments';
import {
  environmentNames,
  CommandError,
  EXIT,
  UsageError,
  parseFlags,
  requiredEnvironment,
  runMain,
} from './cli';
import { tenantsOf } from '../environments/tenants';
import { diagnose } from './doctor/diagnose';
import type { CheckResult, DoctorContext } from './doctor/model';
import { synthesizeInProcess } from './synthesized';
import { Kubectl } from './kubectl';
import { VaultClient } from './vault-http';

const TOOL = 'doctor';
const USAGE = `usage: npm run doctor -- --env NAME [--identity deploy|drift|none] [--json] [--context KUBE_CONTEXT]

Checks a deployed environment link by link, in the order an ESO login travels:
Vault reachable -> namespace -> KV v2 mount -> secrets -> policy -> auth method -> its config ->
role -> service account and auth-delegator binding -> a real login -> reading each secret ->
ESO store and ExternalSecrets Ready. The first broken link is explained in words, with a fix.
In an environment with tenants the links from "secrets" on are walked for each tenant, and the
login also tries to read one secret of every other tenant (which must be refused).

  --env NAME        the environment (one of ${environmentNames()})
  --identity NAME   first check that the credentials hold every grant of that run identity
                    (npm run identities), naming each one they lack: drift (default: what the
                    drift check and the doctor need), deploy (npm run deploy asks this after a
                    failed deploy), or none
  --json            print the result as JSON
  --context NAME    kubectl context (default: the current one)

Needs VAULT_TOKEN (the drift identity's token is enough: npm run identities -- --env NAME
prints its policy) and kubectl (KUBECTL, or kubectl on PATH) for the cluster. Values are never
printed: secrets show their keys only.

Exit status: 0 healthy, 1 a link is broken (or the doctor could not run), 2 bad arguments.
`;

const MARK: Record<CheckResult['status'], string> = {
  ok: 'ok  ',
  fail: 'FAIL',
  'not-checked': '--  ',
};

function renderHuman(environment: string, results: readonly CheckResult[]): string {
  const lines = [`doctor: ${environment}`];
  let section: string | undefined;
  for (const r of results) {
    if (r.tenant !== section) {
      section = r.tenant;
      lines.push(`  tenant ${r.tenant}:`);
    }
    const indent = r.tenant === undefined ? '  ' : '    ';
    lines.push(`${indent}${MARK[r.status]}  ${r.title}`);
    if (r.status !== 'not-checked') lines.push(`${indent}      ${r.detail}`);
    if (r.fix) lines.push(`${indent}      fix: ${r.fix}`);
  }
  const broken = results.filter((r) => r.status === 'fail');
  lines.push(
    '',
    broken.length === 0
      ? 'healthy: every link holds'
      : `broken link${broken.length > 1 ? 's' : ''}: ${broken.map(where).join(', ')}`,
  );
  return `${lines.join('\n')}\n`;
}

/** `role`, or `role (tenant payments)`. */
function where(r: CheckResult): string {
  return r.tenant === undefined ? r.id : `${r.id} (tenant ${r.tenant})`;
}

/** The run identity whose grants the credentials must hold, from `--identity`. */
function identityToCheck(
  config: EnvironmentConfig,
  name: string,
): DoctorContext['identity'] | undefined {
  if (name === 'none') return undefined;
  if (!(IDENTITIES as readonly string[]).includes(name))
    throw new UsageError(
      `--identity must be one of ${[...IDENTITIES, 'none'].join(', ')}, not "${name}"`,
    );
  const identity = name as IdentityName;
  return {
    name: identity,
    grants: runIdentity(synthesizeInProcess(config), config.name, identity).grants,
  };
}

async function main(argv: string[]): Promise<number> {
  const { values, booleans } = parseFlags(argv, {
    values: ['--env', '--context', '--identity'],
    booleans: ['--json'],
  });
  const config = requiredEnvironment(values);
  const identity = identityToCheck(config, values.get('--identity')?.[0] ?? 'drift');
  const name = config.name;
  const token = process.env.VAULT_TOKEN;
  if (!token)
    throw new CommandError(
      'VAULT_TOKEN is not set: the doctor needs a token that may read the Vault configuration',
    );

  const results = await diagnose({
    config,
    identity,
    vault: new VaultClient({
      address: config.vault.address,
      namespace: config.vault.namespace,
      token,
    }),
    kubectl: new Kubectl(undefined, values.get('--context')?.[0]),
    tenants: tenantsOf(config),
  });
  const broken = results.find((r) => r.status === 'fail');
  if (booleans.has('--json')) {
    process.stdout.write(
      `${JSON.stringify(
        {
          environment: name,
          healthy: !broken,
          brokenLink: broken?.id ?? null,
          brokenLinks: results
            .filter((r) => r.status === 'fail')
            .map((r) => ({ id: r.id, tenant: r.tenant ?? null })),
          checks: results,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    process.stdout.write(renderHuman(name, results));
  }
  return broken ? EXIT.error : EXIT.ok;
}

runMain(TOOL, USAGE, main);
