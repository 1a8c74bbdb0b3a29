/**
 * The stacks of one environment as one JSON: with team files an environment is its own stack and
 * one stack per team, and the chain rules must see all of them at once (a grant of one team's
 * path to another is a problem of neither stack alone). Names two stacks both use (each team
 * stack has its own takeover guard, ESO gate, readiness data sources and cluster lookup) are
 * prefixed with their stack, and that stack's references follow, so every reference still points
 * at the object its stack meant.
 */
import type { Json, StackJson } from './stack-json';

export interface NamedStackJson {
  /** The stack's name, e.g. `local-tenants--payments`. */
  readonly name: string;
  readonly json: StackJson;
}

/** Blocks whose items are addressed as `[prefix]<type>.<name>`. */
const ADDRESSED = { resource: '', data: 'data.', ephemeral: 'ephemeral.' } as const;

type Block = Record<string, Record<string, Json>>;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The stack's JSON with `renames` (old address -> new address) applied to every mention. */
function renamed(json: StackJson, renames: ReadonlyMap<string, string>): StackJson {
  if (renames.size === 0) return json;
  const pattern = new RegExp(
    `(?<![\\w.-])(${[...renames.keys()].map(escapeRegExp).join('|')})(?![\\w-])`,
    'g',
  );
  return JSON.parse(
    JSON.stringify(json).replace(pattern, (address) => renames.get(address) ?? address),
  ) as StackJson;
}

/** Locals merged: lists inside a local of the same name are joined (the `declared_*` locals). */
function mergeLocal(into: Json | undefined, from: Json): Json {
  if (into === undefined) return from;
  if (typeof into !== 'object' || into === null || Array.isArray(into)) return into;
  if (typeof from !== 'object' || from === null || Array.isArray(from)) return into;
  const out: Record<string, Json> = { ...into };
  for (const [key, value] of Object.entries(from)) {
    const mine = out[key];
    out[key] = Array.isArray(mine) && Array.isArray(value) ? [...mine, ...value] : (mine ?? value);
  }
  return out;
}

/** One JSON holding every stack's resources, data, locals, providers and blocks. */
export function mergeStacks(stacks: readonly NamedStackJson[]): StackJson {
  const taken = new Set<string>();
  const out: Record<string, unknown> = {};
  const blockOf = (name: string): Block => (out[name] ??= {}) as Block;
  for (const stack of stacks) {
    const renames = new Map<string, string>();
    for (const [block, prefix] of Object.entries(ADDRESSED))
      for (const [type, items] of Object.entries((stack.json[block] ?? {}) as Block))
        for (const name of Object.keys(items))
          if (taken.has(`${prefix}${type}.${name}`))
            renames.set(`${prefix}${type}.${name}`, `${prefix}${type}.${stack.name}_${name}`);
    const json = renamed(stack.json, renames);
    for (const [block, prefix] of Object.entries(ADDRESSED))
      for (const [type, items] of Object.entries((json[block] ?? {}) as Block)) {
        const into = (blockOf(block)[type] ??= {});
        for (const [name, body] of Object.entries(items)) {
          // The references were renamed in the text; the names are keys, renamed here.
          const address = renames.get(`${prefix}${type}.${name}`) ?? `${prefix}${type}.${name}`;
          into[address.slice(`${prefix}${type}.`.length)] = body;
          taken.add(address);
        }
      }
    for (const [key, value] of Object.entries(json)) {
      if (key in ADDRESSED) continue;
      if (key === 'locals' || key === 'check' || key === 'variable' || key === 'output') {
        const into = blockOf(key);
        for (const [name, v] of Object.entries(value as Block)) {
          if (key === 'locals') into[name] = mergeLocal(into[name], v) as Block[string];
          else if (key === 'variable') into[name] ??= v;
          // Checks and outputs of two stacks are both kept.
          else into[name in into ? `${stack.name}_${name}` : name] = v;
        }
      } else if (key === 'provider') {
        const into = blockOf(key) as unknown as Record<string, Json[]>;
        for (const [name, list] of Object.entries(value as Record<string, Json[]>))
          into[name] = [...(into[name] ?? []), ...list];
      } else if (Array.isArray(value))
        out[key] = [...((out[key] as Json[] | undefined) ?? []), ...(value as Json[])];
      else out[key] ??= value;
    }
  }
  return out;
}
