/**
 * Checks over a whole environment rather than one section: text anywhere in it, its size, and
 * settings of one section that another makes wrong (a lab setting at a real address, a loopback
 * address where Terraform Cloud runs).
 */
import { findSecretLikeValues } from '../../common/secret-shapes';
import { type Checker, isLoopback, isObject, type Obj } from './checker';
import { LIMITS } from './limits';
import { vaultIsLocal } from './vault';

/** cdktf's own token markers: text holding one is replaced with another value at synthesis. */
const TOKEN_MARKER = /[$#&]\{TfToken\[/;

/** Every string (and key) of the file, with its dotted path. */
function* texts(value: unknown, path: string, seen: Set<unknown>): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* texts(item, `${path}[${i}]`, seen);
    return;
  }
  for (const [k, item] of Object.entries(value)) {
    const at = path === '' ? k : `${path}.${k}`;
    yield [`${at} (its key)`, k];
    yield* texts(item, at, seen);
  }
}

/**
 * No text anywhere holds a credential (this file is committed, and its text is written into
 * cdk.tf.json; shown by its shape only) or a cdktf token marker.
 */
export function validateText(c: Checker, env: Obj): void {
  for (const [key, text] of texts(env, '', new Set())) {
    const [credential] = findSecretLikeValues(text);
    // A key refused already (a URL with credentials) is not said twice.
    if (credential && !c.problems.some((p) => p.key === key))
      c.add(
        key,
        `(shaped like a ${credential.name}: ${credential.sample})`,
        key.includes('.placeholder.')
          ? 'a placeholder, not a credential: this file is committed and its values are written into cdk.tf.json; put real values into Vault (or use secretValues "write-only")'
          : 'text that is not a credential: this file is committed and its values are written into cdk.tf.json; credentials come from sensitive variables or the environment',
      );
    if (TOKEN_MARKER.test(text))
      c.add(
        key,
        text,
        'text without cdktf\'s token marker "${TfToken[" (or "#{" / "&{"): cdktf would replace it with another value at synthesis',
      );
  }
}

const secretCount = (list: unknown) => (Array.isArray(list) ? list.length : 0);

/**
 * At most LIMITS.maxSecrets secrets in one stack: an environment's, tenants' included, or with
 * team files each team's (its plan reads its own stack), and LIMITS.maxTeamFilesSecrets in all.
 */
export function validateSize(c: Checker, env: Obj): void {
  const lists = Array.isArray(env.tenants)
    ? env.tenants.map((t: unknown) => (isObject(t) ? t.secrets : undefined))
    : [env.secrets];
  const count = lists.reduce<number>((n, l) => n + secretCount(l), 0);
  const mb = (n: number) => Math.round((n * 2.5) / 1024);
  if (typeof env.teamFiles !== 'string' || !Array.isArray(env.tenants)) {
    if (count > LIMITS.maxSecrets)
      c.add(
        Array.isArray(env.tenants) ? 'tenants[].secrets' : 'secrets',
        `(${count} secrets)`,
        `at most ${LIMITS.maxSecrets} secrets in one environment: each adds resources and JSON every plan reads (${count} would write about ${mb(count)} MB of configuration); split them into several environments`,
      );
    return;
  }
  lists.forEach((list, i) => {
    if (secretCount(list) > LIMITS.maxSecrets)
      c.add(
        `tenants[${i}].secrets`,
        `(${secretCount(list)} secrets)`,
        `at most ${LIMITS.maxSecrets} secrets in one team: its stack's plan reads them all; split the team`,
      );
  });
  if (count > LIMITS.maxTeamFilesSecrets)
    c.add(
      'tenants[].secrets',
      `(${count} secrets)`,
      `at most ${LIMITS.maxTeamFilesSecrets} secrets in all the team files of one environment: each team plans its own stack, but every synthesis builds them all (${count} would write about ${mb(count)} MB of configuration); split them into several environments`,
    );
}

/** A cloud backend runs Terraform elsewhere: 127.0.0.1 there is the runner, not this machine. */
export function validateAddressesForBackend(c: Checker, env: Obj): void {
  if (!isObject(env.backend) || env.backend.type !== 'cloud') return;
  const addresses: [string, unknown][] = [
    ['vault.address', isObject(env.vault) ? env.vault.address : undefined],
    ...(['eks', 'sts'] as const).map((s): [string, unknown] => [
      `aws.endpoints.${s}`,
      isObject(env.aws) && isObject(env.aws.endpoints) ? env.aws.endpoints[s] : undefined,
    ]),
  ];
  for (const [key, address] of addresses) {
    let host: string;
    try {
      host = new URL(String(address)).hostname;
    } catch {
      continue;
    }
    if (isLoopback(host))
      c.add(
        key,
        address,
        'an address Terraform Cloud can reach: with a cloud backend, Terraform runs on its runners, where a loopback address is the runner itself',
      );
  }
}

/** The destroy opt-ins the lab sets (its tests rebuild everything), by key. */
function destroyOptIns(env: Obj): string[] {
  const set = (v: unknown) => v === true;
  const vault = isObject(env.vault) ? env.vault : {};
  const kvMount = isObject(vault.kvMount) ? vault.kvMount : {};
  const k8s = isObject(env.kubernetes) ? env.kubernetes : {};
  const tenants = Array.isArray(env.tenants) ? env.tenants : [];
  return [
    ...(set(kvMount.allowDestroy) ? ['vault.kvMount.allowDestroy'] : []),
    ...(set(kvMount.purgeSecretsOnDestroy) ? ['vault.kvMount.purgeSecretsOnDestroy'] : []),
    ...(set(k8s.allowNamespaceDestroy) ? ['kubernetes.allowNamespaceDestroy'] : []),
    ...tenants.flatMap((t: unknown, i) =>
      isObject(t) && set(t.allowNamespaceDestroy) ? [`tenants[${i}].allowNamespaceDestroy`] : [],
    ),
  ];
}

/**
 * Warnings, not refusals: the lab's destroy opt-ins at a real Vault. They are also how a real
 * environment is decommissioned (set in the change that destroys it), so they stay possible, and
 * every synthesis and command says what they allow.
 */
export function labSettingWarnings(env: unknown): string[] {
  if (!isObject(env) || !isObject(env.vault) || vaultIsLocal(env.vault)) return [];
  const address = String(env.vault.address);
  return destroyOptIns(env).map(
    (key) =>
      `${String(env.name)}: ${key} = true at a real Vault (${address}): \`npm run destroy -- --env ${String(env.name)}\` deletes what it protects, with everything in it. The lab sets it because its tests rebuild everything; keep it only in the change that decommissions this environment.`,
  );
}
