import { Testing, type TerraformStack } from 'cdktf';
import { local } from '../../environments/local';
import type { EnvironmentConfig } from '../../environments/types';
import type { StackJson } from '../../common/stack-json';
import { environmentStacks } from '../../stacks/environment-stacks';
import { resolveTeamFiles } from '../../environments/team-files';

/** Deep partial, for config variants in tests; `null` removes a key. */
export type Variant<T> = {
  readonly [K in keyof T]?:
    (T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? Variant<T[K]> : T[K]) | null;
};

/** `base` with `changes` merged in (objects merged, arrays and scalars replaced, null removes). */
export function variant(
  changes: Variant<EnvironmentConfig>,
  base: EnvironmentConfig = local,
): EnvironmentConfig {
  const merge = (a: unknown, b: unknown): unknown => {
    if (b === undefined) return a;
    if (
      typeof a !== 'object' ||
      a === null ||
      Array.isArray(a) ||
      typeof b !== 'object' ||
      b === null ||
      Array.isArray(b)
    )
      return b;
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b)) {
      if (v === null) delete out[k];
      else out[k] = merge(out[k], v);
    }
    return out;
  };
  return merge(base, changes) as EnvironmentConfig;
}

/**
 * Every stack of one environment (its own first, then one per team file), its team files read.
 */
export function buildStacks(config: EnvironmentConfig): TerraformStack[] {
  return environmentStacks(Testing.app(), resolveTeamFiles(config));
}

/** The environment's own stack (with team files: what the teams share). */
export function buildStack(config: EnvironmentConfig): TerraformStack {
  return buildStacks(config)[0];
}

/** Synthesized JSON text of one environment's stack (validations on unless asked). */
export function synthText(config: EnvironmentConfig, runValidations = true): string {
  return Testing.synth(buildStack(config), runValidations);
}

/** Synthesized JSON text of every stack of an environment, by stack name. */
export function synthTexts(config: EnvironmentConfig, runValidations = true): Map<string, string> {
  return new Map(
    buildStacks(config).map((stack) => [stack.node.id, Testing.synth(stack, runValidations)]),
  );
}

export function synthJson(config: EnvironmentConfig, runValidations = true): StackJson {
  return JSON.parse(synthText(config, runValidations)) as StackJson;
}
