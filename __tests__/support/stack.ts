import { Testing } from 'cdktf';
import { local } from '../../environments/local';
import type { EnvironmentConfig } from '../../environments/types';
import type { StackJson } from '../../common/stack-json';
import { EsoVaultStack } from '../../stacks/eso-vault-stack';

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

export function buildStack(config: EnvironmentConfig): EsoVaultStack {
  return new EsoVaultStack(Testing.app(), config.name, { config });
}

/** Synthesized JSON text of one environment's stack (validations on unless asked). */
export function synthText(config: EnvironmentConfig, runValidations = true): string {
  return Testing.synth(buildStack(config), runValidations);
}

export function synthJson(config: EnvironmentConfig, runValidations = true): StackJson {
  return JSON.parse(synthText(config, runValidations)) as StackJson;
}
