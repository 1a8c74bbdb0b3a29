import type { App, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { teamStackName } from '../common/names';
import type { Ledger } from '../environments/ledger';
import { tenantsOf } from '../environments/tenants';
import type { EnvironmentConfig } from '../environments/types';
import { EnvironmentChain } from './environment-chain';
import { EsoVaultStack, type EsoVaultStackProps } from './eso-vault-stack';
import { RecalledStack, RememberedStacks, teamConfig } from './remembered-stacks';

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
 * stack is built from the environment's settings and its own file (`teamConfig`), and told what
 * its ledger holds and what the environment's recorded of that team before the team had a stack
 * of its own (so the writers of earlier versions at those names are forgotten there). With
 * `written` (stack names), synthesis writes those stacks alone; the others are listed in the
 * manifest and checked by the chain rules: built, or, with `remembered`, recalled from what an
 * earlier synthesis rendered from the same inputs. With `remembered`, every team stack built is
 * noted for `remembered.record()`, which the app calls after `app.synth()`.
 */
export function environmentStacks(
  scope: Construct,
  config: EnvironmentConfig,
  ledgerOf: LedgerOf = NO_LEDGER,
  written?: readonly string[],
  remembered?: RememberedStacks,
): TerraformStack[] {
  const isWritten = (name: string) => written === undefined || written.includes(name);
  const own = ledgerOf(config.name);
  const listed = (stack: EsoVaultStack) => (isWritten(stack.node.id) ? stack : stack.listOnly());
  if (config.teamFiles === undefined)
    return [listed(new EsoVaultStack(scope, config.name, { config, ledger: own }))];
  const chain = new EnvironmentChain();
  const shared = listed(
    new EsoVaultStack(scope, config.name, { config, ledger: own, part: { kind: 'shared' }, chain }),
  );
  const teams = tenantsOf(config).map((tenant) => {
    const name = teamStackName(config.name, tenant.name);
    const props: TeamStackProps = {
      config: teamConfig(config, tenant.name),
      ledger: {
        environment: name,
        entries: [
          ...ledgerOf(name).entries,
          ...own.entries.filter((e) => e.tenant === tenant.name),
        ],
      },
      part: { kind: 'team', team: tenant.name },
      chain,
    };
    const stack = teamStack(scope, name, props, isWritten(name), remembered);
    stack.addDependency(shared);
    return stack;
  });
  return [shared, ...teams];
}

type TeamStackProps = EsoVaultStackProps & { readonly chain: EnvironmentChain };

/**
 * A team's stack: built, or recalled when it is not written and `remembered` holds its JSON
 * from the same inputs. A built stack not written is listed only; every built one is noted, to
 * be remembered once the rules have checked it.
 */
function teamStack(
  scope: Construct,
  name: string,
  props: TeamStackProps,
  write: boolean,
  remembered: RememberedStacks | undefined,
): TerraformStack {
  const input = remembered?.inputOf(scope, name, { ...props, chain: undefined });
  const recalled = !write && input !== undefined ? remembered?.recall(name, input) : undefined;
  if (recalled) return new RecalledStack(scope, name, props.chain, recalled);
  const stack = new EsoVaultStack(scope, name, props);
  if (input !== undefined) remembered?.builds(name, input, () => props.chain.checkedJson(name));
  return write ? stack : stack.listOnly();
}

/**
 * An app's synthesis: every environment's stacks, STACKS narrowing what is written (team stacks
 * left unwritten are recalled from the output directory when their inputs are unchanged), then
 * each team stack built remembered with its inputs, for the next narrowed synthesis.
 */
export function synthesizeEnvironments(
  app: App,
  environments: readonly EnvironmentConfig[],
  ledgerOf: LedgerOf,
  stacksVariable: string | undefined,
): void {
  const written = writtenStacks(stacksVariable);
  const remembered = new RememberedStacks(app.outdir);
  for (const config of environments) environmentStacks(app, config, ledgerOf, written, remembered);
  app.synth();
  remembered.record();
}
