/**
 * Terraform import IDs of the resources this app declares, computed from the synthesized JSON.
 * `recover` uses them to adopt objects an interrupted apply created but never recorded.
 */
import { type JsonObject, type StackJson, getPath, str } from '../common/stack-json';

type IdOf = (stack: StackJson, body: JsonObject) => string | undefined;

const join = (...parts: (string | undefined)[]): string | undefined =>
  parts.some((p) => p === undefined) ? undefined : parts.join('/');

/**
 * Resources whose create fails when the object exists: an interrupted apply's leftovers of these
 * must be imported. KV secrets are never imported: their seeds write only where nothing exists.
 */
const IMPORT_IDS: Record<string, IdOf> = {
  vault_mount: (s, b) => str(s, b.path),
  vault_auth_backend: (s, b) => str(s, b.path),
  kubernetes_namespace_v1: (s, b) => str(s, getPath(b, 'metadata.name')),
  kubernetes_cluster_role_binding_v1: (s, b) => str(s, getPath(b, 'metadata.name')),
  kubernetes_service_account_v1: (s, b) =>
    join(str(s, getPath(b, 'metadata.namespace')), str(s, getPath(b, 'metadata.name'))),
  kubernetes_secret_v1: (s, b) =>
    join(str(s, getPath(b, 'metadata.namespace')), str(s, getPath(b, 'metadata.name'))),
  kubernetes_manifest: (s, b) => {
    const apiVersion = str(s, getPath(b, 'manifest.apiVersion'));
    const kind = str(s, getPath(b, 'manifest.kind'));
    const name = str(s, getPath(b, 'manifest.metadata.name'));
    const namespace =
      getPath(b, 'manifest.metadata.namespace') === undefined
        ? undefined
        : str(s, getPath(b, 'manifest.metadata.namespace'));
    if (!apiVersion || !kind || !name) return undefined;
    return [
      `apiVersion=${apiVersion}`,
      `kind=${kind}`,
      ...(namespace ? [`namespace=${namespace}`] : []),
      `name=${name}`,
    ].join(',');
  },
};

/**
 * Resources created with a write that overwrites: recover simply writes them again, but adopting
 * a chain built by hand imports them too, so the plan shows what changes in them.
 */
const OVERWRITTEN_IDS: Record<string, IdOf> = {
  vault_policy: (s, b) => str(s, b.name),
  vault_kubernetes_auth_backend_config: (s, b) => join('auth', str(s, b.backend), 'config'),
  vault_kubernetes_auth_backend_role: (s, b) =>
    join('auth', str(s, b.backend), 'role', str(s, b.role_name)),
};

export interface ImportCandidate {
  readonly address: string;
  readonly id: string;
}

/**
 * Every managed resource of the stack that is not in `managed` (addresses already in state), with
 * its import ID. Resources whose ID cannot be known before apply are skipped: they are created.
 */
export function importCandidates(
  stack: StackJson,
  managed: ReadonlySet<string>,
  scope: 'create-fails-if-exists' | 'everything-that-exists' = 'create-fails-if-exists',
): ImportCandidate[] {
  const ids =
    scope === 'everything-that-exists' ? { ...IMPORT_IDS, ...OVERWRITTEN_IDS } : IMPORT_IDS;
  const out: ImportCandidate[] = [];
  for (const [type, byName] of Object.entries(stack.resource ?? {})) {
    const idOf = ids[type];
    if (!idOf) continue;
    for (const [name, body] of Object.entries(byName)) {
      const address = `${type}.${name}`;
      if (managed.has(address)) continue;
      const id = idOf(stack, body);
      if (id !== undefined) out.push({ address, id });
    }
  }
  return out.sort((a, b) => a.address.localeCompare(b.address));
}

/**
 * The candidates a plan could not import because their objects do not exist (the kill came before
 * they were created). OpenTofu names the address when an importer finds nothing; importers that
 * fetch the object themselves fail in their own words and name the object: kubernetes_manifest,
 * and kubernetes_service_account_v1 (which also looks up the account's token Secret).
 */
export function missingRemoteObjects(
  planOutput: string,
  candidates: readonly ImportCandidate[],
): string[] {
  const text = planOutput.replace(/\s+/g, ' ');
  const addresses = new Set<string>();
  for (const match of text.matchAll(
    /Cannot import non-existent remote object While attempting to import an existing object to "([^"]+)"/g,
  )) {
    addresses.add(match[1]);
  }
  for (const match of text.matchAll(
    /Failed to get resource \{Object:map\[apiVersion:(\S+) kind:(\S+) metadata:map\[name:([^\s\]]+)(?: namespace:([^\s\]]+))?/g,
  )) {
    const [, apiVersion, kind, name] = match;
    const candidate = candidates.find(
      (c) =>
        c.id.startsWith(`apiVersion=${apiVersion},kind=${kind},`) && c.id.endsWith(`,name=${name}`),
    );
    if (candidate) addresses.add(candidate.address);
  }
  for (const match of text.matchAll(
    /Unable to fetch service account "([^"]+)" from Kubernetes: serviceaccounts "[^"]+" not found/g,
  )) {
    const candidate = candidates.find(
      (c) => c.address.startsWith('kubernetes_service_account_v1.') && c.id === match[1],
    );
    if (candidate) addresses.add(candidate.address);
  }
  return [...addresses];
}
