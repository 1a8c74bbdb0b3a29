/**
 * The configuration of an end-to-end variant: a real environment (by default `local`) with some
 * keys changed and its own name. The variant app and the suites' cleanup both build it here.
 */
import { ALL_ENVIRONMENTS } from '../../../environments';
import type { EnvironmentConfig } from '../../../environments/types';
import { type Variant, variant } from '../../support/stack';

export interface VariantSpec {
  /** Stack name; also names its state file terraform.<name>.tfstate. */
  readonly name: string;
  /** The environment it starts from. @default 'local' */
  readonly base?: string;
  readonly changes: Variant<EnvironmentConfig>;
}

export function variantConfig(spec: VariantSpec): EnvironmentConfig {
  const base = ALL_ENVIRONMENTS.find((e) => e.name === (spec.base ?? 'local'));
  if (!base) throw new Error(`no environment named ${spec.base}`);
  return variant({ ...spec.changes, name: spec.name }, base);
}
