import { dev } from './dev';
import { local } from './local';
import { localTenants } from './local-tenants';
import { prod } from './prod';
import { staging } from './staging';
import { LEDGER_DIR, ledgerProblems, readLedger } from './ledger';
import { sharedOwnership } from './ownership';
import type { EnvironmentConfig } from './types';
import { ConfigError, type ConfigProblem, validateEnvironment } from './validate';

export * from './types';
export { ConfigError, formatProblems, validateEnvironment } from './validate';
export type { ConfigProblem } from './validate';

/** Every environment of the app, in the order stacks are built. */
export const ALL_ENVIRONMENTS: readonly EnvironmentConfig[] = [
  dev,
  staging,
  prod,
  local,
  localTenants,
];

export interface LoadOptions {
  /**
   * Where the ledgers are (`environments/ledgers/<name>.json`): each environment is checked
   * against its own, so a deployed secret never leaves or moves unsaid.
   * @default LEDGER_DIR
   */
  readonly ledgerDir?: string;
}

/**
 * Validates the given environments (all problems at once, against their ledgers too) and returns
 * those selected by name. Throws `ConfigError` listing every problem, or naming unknown
 * selections, before any stack exists.
 */
export function loadEnvironments(
  selected?: readonly string[],
  environments: readonly unknown[] = ALL_ENVIRONMENTS,
  options: LoadOptions = {},
): EnvironmentConfig[] {
  const problems: ConfigProblem[] = environments.flatMap((env, i) =>
    validateEnvironment(env, `environment #${i}`),
  );
  const valid = environments as readonly EnvironmentConfig[];
  const names = valid.map((e) => e.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) {
      problems.push({
        environment: name,
        key: 'name',
        value: name,
        allowed: 'a name no other environment uses',
      });
    }
  });
  // Only when each is valid on its own: the comparison reads their keys.
  if (problems.length === 0) problems.push(...sharedOwnership(valid));
  if (problems.length === 0)
    for (const env of valid)
      problems.push(...ledgerProblems(env, readLedger(env.name, options.ledgerDir ?? LEDGER_DIR)));
  for (const wanted of selected ?? []) {
    if (!names.includes(wanted)) {
      problems.push({
        environment: wanted,
        key: '(selection)',
        value: wanted,
        allowed: `one of the environments: ${names.join(', ')}`,
      });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return selected && selected.length > 0
    ? valid.filter((e) => selected.includes(e.name))
    : [...valid];
}
