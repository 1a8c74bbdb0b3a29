import type { Component } from '../toolchain';
import { esoEarlierVersions } from '../toolchain';

// The groups a user can pick with `up --parts`, and what each one needs.

export const PART_GROUPS = [
  'vault',
  'eks',
  'kubernetes',
  'eso',
  'clusters',
  'database',
  'toolchain',
] as const;
export type PartGroup = (typeof PART_GROUPS)[number];

/** kubernetes authenticates EKS tokens through the emulator's webhook; ESO runs against kubernetes. */
const NEEDS: Record<PartGroup, PartGroup[]> = {
  vault: [],
  eks: [],
  kubernetes: ['eks'],
  eso: ['kubernetes'],
  // A second cluster beside the first: its own API server and ESO, in the same emulator and etcd.
  clusters: ['eso'],
  database: [],
  toolchain: [],
};

/** The binaries each group runs (built by lab/toolchain/build.sh). */
export const COMPONENTS: Record<PartGroup, readonly Component[]> = {
  vault: [],
  eks: [],
  kubernetes: ['etcd', 'kubernetes'],
  // The earlier ESO releases too: the upgrade suite switches the lab's controller to them.
  eso: ['eso', ...esoEarlierVersions().map((v) => `eso-${v}` as const)],
  clusters: ['etcd', 'kubernetes', 'eso'],
  database: [],
  // Both engines: the suites run under each (LAB_ENGINE).
  toolchain: ['tofu', 'terraform', 'provider-vault', 'provider-kubernetes', 'provider-aws'],
};

export function isPartGroup(name: string): name is PartGroup {
  return (PART_GROUPS as readonly string[]).includes(name);
}

/** The requested groups plus everything they need, in PART_GROUPS order. */
export function withDependencies(requested: PartGroup[]): PartGroup[] {
  const selected = new Set<PartGroup>();
  const add = (group: PartGroup) => {
    if (selected.has(group)) return;
    selected.add(group);
    NEEDS[group].forEach(add);
  };
  requested.forEach(add);
  return PART_GROUPS.filter((group) => selected.has(group));
}
