/**
 * What the deploy does to values around the apply, so that nothing a person owns is lost: copies
 * a moved secret's versions to its new path and an adopted Secret's value into Vault before ESO
 * reads them, and refuses a target Secret ESO would take over. Values pass through memory only:
 * never printed, never written to a file.
 */
import { kvV2Paths } from '../common/chain/kv-path';
import { unmanagedSecretQuery } from '../common/chain/takeover-guard';
import { opsCommand } from '../common/names';
import type { DeclaredSync } from '../common/stack-json';
import { CommandError } from './cli';
import type { Kubectl } from './kubectl';
import type { VaultClient } from './vault-http';

export interface KvPath {
  readonly mount: string;
  readonly name: string;
}

interface Metadata {
  readonly current_version: number;
  readonly versions: Record<string, { deletion_time: string; destroyed: boolean }>;
}

const label = (p: KvPath) => `${p.mount}/${p.name}`;

/** A secret's metadata, or undefined when it does not exist. */
export async function metadataOf(vault: VaultClient, path: KvPath): Promise<Metadata | undefined> {
  const answer = await vault.request('GET', kvV2Paths(path.mount, path.name).metadata);
  if (answer.status === 404) return undefined;
  if (answer.status !== 200)
    throw new CommandError(
      `cannot read the metadata of ${label(path)} (${answer.status}: ${answer.errors || 'no detail'})`,
    );
  return (answer.body as { data: Metadata }).data;
}

/** Writes one version with check-and-set: refused by Vault if the secret changed meanwhile. */
async function writeVersion(
  vault: VaultClient,
  path: KvPath,
  data: Record<string, unknown>,
  cas: number,
): Promise<void> {
  const answer = await vault.request('POST', kvV2Paths(path.mount, path.name).data, {
    data,
    options: { cas },
  });
  if (answer.status !== 200 && answer.status !== 204)
    throw new CommandError(
      `cannot write ${label(path)} (${answer.status}: ${answer.errors || 'no detail'})`,
    );
}

/**
 * Copies every readable version of `from` (oldest first; deleted and destroyed versions have no
 * data to copy) to `to`, which must not exist yet. `from` is never changed. Returns how many
 * versions were copied.
 */
export async function copyVersions(vault: VaultClient, from: KvPath, to: KvPath): Promise<number> {
  if ((await metadataOf(vault, to)) !== undefined)
    throw new CommandError(
      `${label(to)} exists already: nothing is copied over a secret that holds versions (compare it with ${label(from)} in Vault and delete one of them by hand)`,
    );
  const source = await metadataOf(vault, from);
  if (source === undefined)
    throw new CommandError(
      `${label(from)} does not exist: check movedFrom (its full name in the mount, and the mount)`,
    );
  const readable = Object.entries(source.versions)
    .filter(([, v]) => v.deletion_time === '' && !v.destroyed)
    .map(([n]) => Number(n))
    .sort((a, b) => a - b);
  let written = 0;
  for (const version of readable) {
    const read = await vault.request(
      'GET',
      `${kvV2Paths(from.mount, from.name).data}?version=${version}`,
    );
    const data = (read.body as { data?: { data?: Record<string, unknown> } } | undefined)?.data
      ?.data;
    if (read.status !== 200 || data === undefined)
      throw new CommandError(`cannot read version ${version} of ${label(from)} (${read.status})`);
    await writeVersion(vault, to, data, written);
    written += 1;
  }
  return written;
}

/**
 * Writes the data of the hand-made Kubernetes Secret that `entry` adopts into Vault, as the
 * secret's first version (refused when the secret exists in Vault: ESO would then serve that).
 */
export async function adoptTargetValue(
  vault: VaultClient,
  kubectl: Kubectl,
  entry: DeclaredSync,
): Promise<number> {
  const to = { mount: entry.mount, name: entry.secret };
  if ((await metadataOf(vault, to)) !== undefined)
    throw new CommandError(
      `${label(to)} exists already in Vault: ESO would serve its value, not the Secret's. Compare them, delete the one you do not want, then adopt again`,
    );
  const secret = await kubectl.getJson(['secret', entry.target, '-n', entry.namespace]);
  if (secret instanceof Error)
    throw new CommandError(
      `cannot read Secret ${entry.namespace}/${entry.target}: ${secret.message}`,
    );
  if (secret === undefined)
    throw new CommandError(
      `Secret ${entry.namespace}/${entry.target} does not exist: there is nothing to adopt (drop adoptExistingTarget)`,
    );
  const encoded = (secret.data ?? {}) as Record<string, string>;
  const data = Object.fromEntries(
    Object.entries(encoded).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
  await writeVersion(vault, to, data, 0);
  return Object.keys(data).length;
}

/** The entries whose value arrives from elsewhere (moved, adopted) and has not arrived yet. */
export async function pendingArrivals(
  vault: VaultClient,
  entries: readonly DeclaredSync[],
): Promise<DeclaredSync[]> {
  const pending: DeclaredSync[] = [];
  for (const entry of entries.filter((e) => e.moved_from || e.adopts_target))
    if ((await metadataOf(vault, { mount: entry.mount, name: entry.secret })) === undefined)
      pending.push(entry);
  return pending;
}

/** Brings one pending value: the moved versions, or the adopted Secret's value. */
export async function bringValue(
  vault: VaultClient,
  kubectl: Kubectl,
  entry: DeclaredSync,
): Promise<string> {
  const to = { mount: entry.mount, name: entry.secret };
  if (entry.moved_from) {
    const copied = await copyVersions(vault, entry.moved_from, to);
    return `copied ${copied} version(s) of ${label(entry.moved_from)} to ${label(to)}`;
  }
  const keys = await adoptTargetValue(vault, kubectl, entry);
  return `wrote the ${keys} key(s) of Secret ${entry.namespace}/${entry.target} to ${label(to)}`;
}

/**
 * The targets ESO would take over: a Secret of that name exists and ESO did not create it (no
 * managed label), and the environment does not adopt it. Asked by name and label, so the API
 * server answers with names only.
 */
export async function takeoverRisks(
  kubectl: Kubectl,
  environment: string,
  entries: readonly DeclaredSync[],
): Promise<string[]> {
  const risks: string[] = [];
  for (const entry of entries.filter((e) => !e.adopts_target)) {
    const found = await kubectl.run(unmanagedSecretQuery(entry.namespace, entry.target));
    if (found.code !== 0)
      throw new CommandError(
        `cannot check Secret ${entry.namespace}/${entry.target}: ${found.stderr.trim()}`,
      );
    if (found.stdout.trim() !== '')
      risks.push(
        `Secret ${entry.namespace}/${entry.target} exists and was not created by External Secrets: ExternalSecret ${entry.namespace}/${entry.external_secret} would overwrite it. Set adoptExistingTarget: true on secret "${entry.secret}" (its value goes to Vault first: ${opsCommand('adopt-secret', environment, '--secret', entry.secret)}), or choose another targetSecretName`,
      );
  }
  return risks;
}

/** Which declared secret a move-secret or adopt-secret command acts on, refused clearly. */
export function arrivalOf(
  entries: readonly DeclaredSync[],
  secret: string,
  kind: 'moved' | 'adopted',
  environment: string,
): DeclaredSync {
  const entry = entries.find((e) => e.secret === secret);
  if (entry === undefined)
    throw new CommandError(
      `${environment} declares no secret "${secret}" (full name in the mount, e.g. "payments/database")`,
    );
  const declared = kind === 'moved' ? entry.moved_from !== undefined : entry.adopts_target;
  if (!declared)
    throw new CommandError(
      kind === 'moved'
        ? `secret "${secret}" declares no movedFrom in environments/${environment}.ts`
        : `secret "${secret}" does not set adoptExistingTarget in environments/${environment}.ts`,
    );
  return entry;
}
