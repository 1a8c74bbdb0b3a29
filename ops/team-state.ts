/**
 * Moving a team's resources from its environment's state into its own: the same objects at the
 * same addresses, only held by another state. Pure functions over state files (format 4, which
 * OpenTofu and Terraform both write); `npm run split-teams` pulls and pushes them.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';

export interface StateResource {
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly name: string;
  readonly module?: string;
  readonly provider: string;
  readonly instances: readonly unknown[];
}

export interface StateFile {
  readonly version: number;
  readonly terraform_version: string;
  readonly serial: number;
  readonly lineage: string;
  readonly outputs: Record<string, unknown>;
  readonly resources: readonly StateResource[];
  readonly check_results?: unknown;
}

/** `type.name` of a managed resource of the root module (cdktf writes no modules). */
export function addressOf(resource: StateResource): string | undefined {
  return resource.mode === 'managed' && resource.module === undefined
    ? `${resource.type}.${resource.name}`
    : undefined;
}

export interface Move {
  /** The environment's state without the moved resources (unchanged: the same object). */
  readonly source: StateFile;
  /** The team's state with them (unchanged: the same object). */
  readonly target: StateFile;
  /** Addresses now in the team's state that were not. */
  readonly moved: readonly string[];
  /** Addresses both states held with the same objects (an interrupted move): dropped from the source. */
  readonly finished: readonly string[];
  /** Addresses both states hold with different objects: left alone, for a person to decide. */
  readonly conflicts: readonly string[];
}

/** A state that holds nothing yet, for a team stack never applied. */
export function emptyState(like: StateFile): StateFile {
  return {
    version: like.version,
    terraform_version: like.terraform_version,
    serial: 0,
    lineage: randomUUID(),
    outputs: {},
    resources: [],
  };
}

/**
 * Moves every managed resource of `source` whose address is in `addresses` into `target`
 * (`undefined`: a team state that does not exist yet). An address `target` holds already is
 * dropped from `source` when both objects are the same, and is a conflict otherwise. Each state
 * that changes gets the next serial.
 */
export function moveResources(
  source: StateFile,
  target: StateFile | undefined,
  addresses: ReadonlySet<string>,
): Move {
  const into = target ?? emptyState(source);
  const held = new Map(into.resources.map((r) => [addressOf(r), r]));
  const moved: string[] = [];
  const finished: string[] = [];
  const conflicts: string[] = [];
  const kept: StateResource[] = [];
  const added: StateResource[] = [];
  for (const resource of source.resources) {
    const address = addressOf(resource);
    if (address === undefined || !addresses.has(address)) {
      kept.push(resource);
      continue;
    }
    const there = held.get(address);
    if (there === undefined) {
      added.push(resource);
      moved.push(address);
    } else if (isDeepStrictEqual(there.instances, resource.instances)) finished.push(address);
    else {
      conflicts.push(address);
      kept.push(resource);
    }
  }
  const next = (state: StateFile, resources: readonly StateResource[]): StateFile => ({
    ...state,
    serial: state.serial + 1,
    resources,
  });
  return {
    source: kept.length === source.resources.length ? source : next(source, kept),
    target: added.length === 0 ? into : next(into, [...into.resources, ...added]),
    moved,
    finished,
    conflicts,
  };
}
