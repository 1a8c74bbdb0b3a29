/**
 * The ExternalSecret: every key of one Vault secret copied into one Kubernetes Secret. Written by
 * the ExternalSecret construct, read by the chain rules (CHAIN-003, CHAIN-006) in the synthesized
 * JSON and by the doctor in the objects the cluster holds.
 */
import type { StoreKind } from './store';
import { type ValueReader, at } from './values';

export interface ExternalSecretSpec {
  /** ESO API version, e.g. `external-secrets.io/v1`. */
  readonly apiVersion: string;
  readonly name: string;
  /** Its namespace (where the target Secret is written). */
  readonly namespace: string;
  /** The store it reads from: a ClusterSecretStore, or a SecretStore of its namespace. */
  readonly store: { readonly kind: StoreKind; readonly name: string };
  /** Name of the Kubernetes Secret ESO writes. */
  readonly targetSecretName: string;
  /** Secret name in the store's KV mount; every key of it is copied (`dataFrom.extract`). */
  readonly remoteKey: string;
  /** Go duration between syncs, in the form ESO writes back (`1m0s`). */
  readonly refreshInterval: string;
}

type ManifestFields = Pick<
  ExternalSecretSpec,
  'apiVersion' | 'name' | 'namespace' | 'targetSecretName' | 'refreshInterval'
>;

/** An ExternalSecret's manifest around its source: a store's ref, and what it reads. */
function manifestAround(
  spec: ManifestFields,
  storeRef: Record<string, unknown>,
  dataFrom: unknown,
): Record<string, unknown> {
  return {
    apiVersion: spec.apiVersion,
    kind: 'ExternalSecret',
    metadata: { name: spec.name, namespace: spec.namespace },
    spec: {
      refreshInterval: spec.refreshInterval,
      ...storeRef,
      // Orphan: deleting or replacing the ExternalSecret (a rename, a namespace move, an API
      // version switch) never deletes the Secret the workload reads, and ESO never deletes a
      // Secret whose target name changed; ESO still creates and updates it.
      target: { name: spec.targetSecretName, creationPolicy: 'Orphan' },
      dataFrom: [dataFrom],
    },
  };
}

/** The ExternalSecret's manifest. */
export function externalSecretManifest(spec: ExternalSecretSpec): Record<string, unknown> {
  return manifestAround(
    spec,
    { secretStoreRef: { name: spec.store.name, kind: spec.store.kind } },
    { extract: { key: spec.remoteKey } },
  );
}

/** An ExternalSecret fed by a generator (dynamic credentials) instead of a store. */
export interface GeneratedExternalSecretSpec extends ManifestFields {
  /** The generator of its namespace it asks at each refresh (each time a new credential). */
  readonly generator: { readonly apiVersion: string; readonly kind: string; readonly name: string };
}

/** The manifest of an ExternalSecret whose keys come from a generator. */
export function generatedExternalSecretManifest(
  spec: GeneratedExternalSecretSpec,
): Record<string, unknown> {
  return manifestAround(spec, {}, { sourceRef: { generatorRef: { ...spec.generator } } });
}

/** An ExternalSecret as read back (undefined fields: not set, or not readable). */
export interface ExternalSecretRead {
  readonly name?: string;
  readonly namespace?: string;
  readonly store: { readonly kind?: string; readonly name?: string };
  /** The Secret it writes, and what deleting the ExternalSecret does to it. */
  readonly target: { readonly name?: string; readonly creationPolicy?: string };
  /** The Vault keys whose every key it copies (`dataFrom[].extract.key`; unreadable: undefined). */
  readonly extractKeys: readonly (string | undefined)[];
  /** The Vault keys it reads one key of (`data[].remoteRef.key`). */
  readonly remoteRefKeys: readonly (string | undefined)[];
  /** The generators it asks (`dataFrom[].sourceRef.generatorRef`). */
  readonly generatorRefs: readonly { readonly kind?: string; readonly name?: string }[];
}

function entries(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** An ExternalSecret manifest (or live object) read through `read`. */
export function readExternalSecret(manifest: unknown, read: ValueReader): ExternalSecretRead {
  return {
    name: read.text(at(manifest, 'metadata.name')),
    namespace: read.text(at(manifest, 'metadata.namespace')),
    store: {
      kind: read.text(at(manifest, 'spec.secretStoreRef.kind')),
      name: read.text(at(manifest, 'spec.secretStoreRef.name')),
    },
    target: {
      name: read.text(at(manifest, 'spec.target.name')),
      creationPolicy: read.text(at(manifest, 'spec.target.creationPolicy')),
    },
    extractKeys: entries(at(manifest, 'spec.dataFrom'))
      .filter((d) => at(d, 'sourceRef.generatorRef') === undefined)
      .map((d) => read.text(at(d, 'extract.key'))),
    remoteRefKeys: entries(at(manifest, 'spec.data')).map((d) => read.text(at(d, 'remoteRef.key'))),
    generatorRefs: entries(at(manifest, 'spec.dataFrom'))
      .filter((d) => at(d, 'sourceRef.generatorRef') !== undefined)
      .map((d) => ({
        kind: read.text(at(d, 'sourceRef.generatorRef.kind')),
        name: read.text(at(d, 'sourceRef.generatorRef.name')),
      })),
  };
}
