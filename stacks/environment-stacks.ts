import type { Construct } from 'constructs';
import { teamStackName } from '../common/names';
import type { Ledger } from '../environments/ledger';
import { tenantsOf } from '../environments/tenants';
import type { EnvironmentConfig } from '../environments/types';
import { EnvironmentChain } from './environment-chain';
import { EsoVaultStack } from './eso-vault-stack';

/** What an environment's stacks were told their ledgers hold, by stack name. */
export type LedgerOf = (stack: string) => Ledger;

const NO_LEDGER: LedgerOf = (stack) => ({ environment: stack, entries: [] });

/**
 * The stacks a synthesis writes, from the app's STACKS (comma-separated names; `npm run diff --
 * --team` sets it to the team's stack): undefined, every stack, when it is unset or empty.
 */
export function writtenStacks(list: string | undefined): string[] | undefined {
  const names = (list ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  return names.length > 0 ? names : undefined;
}

/**
 * The stacks of one environment: its own, and with team files one per team
 * (`<environment>--<team>`), which depends on the environment's (deployed after it). A team's
 * stack is told what its ledger holds and what the environment's recorded of that team before
 * the team had a stack of its own (so the writers of earlier versions at those names are
 * forgotten there). With `written` (stack names), synthesis writes those stacks alone; the others
 * are built, checked by the chain rules and listed in the manifest.
 */
export function environmentStacks(
  scope: Construct,
  config: EnvironmentConfig,
  ledgerOf: LedgerOf = NO_LEDGER,
  written?: readonly string[],
): EsoVaultStack[] {
  const stacks = buildStacks(scope, config, ledgerOf);
  // The others are still built: the chain rules check the whole environment.
  if (written !== undefined)
    for (const stack of stacks) if (!written.includes(stack.node.id)) stack.listOnly();
  return stacks;
}

function buildStacks(
  scope: Construct,
  config: EnvironmentConfig,
  ledgerOf: LedgerOf,
): EsoVaultStack[] {
  const own = ledgerOf(config.name);
  if (config.teamFiles === undefined)
    return [new EsoVaultStack(scope, config.name, { config, ledger: own })];
  const chain = new EnvironmentChain();
  const shared = new EsoVaultStack(scope, config.name, {
    config,
    ledger: own,
    part: { kind: 'shared' },
    chain,
  });
  const teams = tenantsOf(config).map((tenant) => {
    const name = teamStackName(config.name, tenant.name);
    const ledger: Ledger = {
      environment: name,
      entries: [...ledgerOf(name).entries, ...own.entries.filter((e) => e.tenant === tenant.name)],
    };
    const stack = new EsoVaultStack(scope, name, {
      config,
      ledger,
      part: { kind: 'team', team: tenant.name },
      chain,
    });
    stack.addDependency(shared);
    return stack;
  });
  return [shared, ...teams];
}
