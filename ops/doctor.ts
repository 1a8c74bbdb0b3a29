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
import { type ResolvedTenant, tenantsOf } from '../environments/tenants';
import { teamOption } from './stacks';
import { diagnose } from './doctor/diagnose';
import { renderDoctorMarkdown } from './doctor/markdown';
import { chainOfTenants } from './review/chain';
import type { CheckResult, DoctorContext } from './doctor/model';
import { synthesizeInProcess } from './synthesized';
import { Kubectl } from './kubectl';
import { VaultClient } from './vault-http';

const TOOL = 'doctor';
const USAGE = `usage: npm run doctor -- --env NAME [--team NAME] [--identity deploy|drift|none] [--json|--markdown] [--context KUBE_CONTEXT]

Checks a deployed environment link by link, in the order an ESO login travels:
Vault reachable -> namespace -> KV v2 mount -> secrets -> policy -> auth method -> its config ->
role -> service account and auth-delegator binding -> a real login -> reading each secret ->
ESO store and ExternalSecrets Ready. The first broken link is explained in words, with a fix.
In an environment with tenants the links from "secrets" on are walked for each tenant, and the
login also tries to read one secret of every other tenant (which must be refused).

  --env NAME        the environment (one of ${environmentNames()})
  --team NAME       walk the environment's links, then this team's alone
  --identity NAME   first check that the credentials hold every grant of that run identity
                    (npm run identities), naming each one they lack: drift (default: what the
                    drift check and the doctor need), deploy (npm run deploy asks this after a
                    failed deploy), or none
  --json            print the result as JSON
  --markdown        print the result as Markdown (for a job summary): each link, and the
                    chain's picture (cluster -> service account -> role -> policy -> paths ->
                    store -> ExternalSecrets) with the broken links marked
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

/** The tenants to walk: every one, or the one `--team` names (a usage error naming the others). */
function teamTenants(config: EnvironmentConfig, team: string | undefined): ResolvedTenant[] {
  const all = tenantsOf(config);
  if (team === undefined) return all;
  const found = all.filter((t) => !t.singleChain && t.name === team);
  if (found.length === 0)
    throw new UsageError(
      `--team ${team}: ${config.name} has no team "${team}"${all[0]?.singleChain ? ' (it is a single chain)' : ` (its teams: ${all.map((t) => t.name).join(', ')})`}`,
    );
  return found;
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
    values: ['--env', '--team', '--context', '--identity'],
    booleans: ['--json', '--markdown'],
  });
  const config = requiredEnvironment(values);
  const identity = identityToCheck(config, values.get('--identity')?.[0] ?? 'drift');
  const name = config.name;
  const tenants = teamTenants(config, teamOption(values));
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
    tenants,
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
  } else if (booleans.has('--markdown')) {
    process.stdout.write(renderDoctorMarkdown(name, results, chainOfTenants(config, tenants)));
  } else {
    process.stdout.write(renderHuman(name, results));
  }
  return broken ? EXIT.error : EXIT.ok;
}

runMain(TOOL, USAGE, main);
