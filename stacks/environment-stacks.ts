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
 * The stacks of one environment: its own, and with team files one per team
 * (`<environment>--<team>`), which depends on the environment's (deployed after it). A team's
 * stack is told what its ledger holds and what the environment's recorded of that team before
 * the team had a stack of its own (so the writers of earlier versions at those names are
 * forgotten there).
 */
export function environmentStacks(
  scope: Construct,
  config: EnvironmentConfig,
  ledgerOf: LedgerOf = NO_LEDGER,
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
