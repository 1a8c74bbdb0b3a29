/**
 * How the chain modules read a value, wherever the object comes from: an object Vault or the
 * cluster answered with holds plain values; the synthesized stack may hold references
 * (`${vault_policy.x.name}`), which its reader resolves to the literal they point at. Each chain
 * module reads through one of these, so one reader serves the chain rules, the doctor and drift.
 */
export interface ValueReader {
  /** The value as text; undefined when it is not one (or is computed by Terraform). */
  text(value: unknown): string | undefined;
  /** The value as a list of texts; undefined when it is not one. */
  list(value: unknown): string[] | undefined;
}

/** Values as they are: objects read from Vault or the cluster. */
export const LITERAL_VALUES: ValueReader = {
  text: (value) => (typeof value === 'string' ? value : undefined),
  list: (value) =>
    Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined,
};

/** A value at a dotted path (`a.b.c`) of a plain object. */
export function at(value: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (v, k) =>
        v !== null && typeof v === 'object' && !Array.isArray(v)
          ? (v as Record<string, unknown>)[k]
          : undefined,
      value,
    );
}

/**
 * A list Vault may answer either as an array or as one comma-separated string (role bindings,
 * bound claims); an empty string is no entry.
 */
export function commaList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' && value !== '' ? value.split(',') : [];
}
