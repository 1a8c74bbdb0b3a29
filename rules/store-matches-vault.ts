import { CHAIN_RULE_IDS } from '../common/chain-rule-ids';
import { accountKey } from '../common/chain/role';
import { type StoreRead, storeLabel } from '../common/chain/store';
import { providerConfig, type StackJson } from '../common/stack-json';
import { SynthesizedStack, type VaultRole } from '../common/synthesized-stack';
import type { Rule, Violation } from './rule';

const STORE_MATCHES_VAULT_ID = CHAIN_RULE_IDS.storeMatchesVault;

/** What the Vault side of the stack declares, which every store must agree with. */
interface VaultSide {
  readonly address?: string;
  readonly namespace?: string;
  readonly kvMounts: ReadonlySet<string | undefined>;
  readonly secretNames: ReadonlySet<string | undefined>;
  readonly authPaths: ReadonlySet<string | undefined>;
  readonly roles: readonly VaultRole[];
}

function vaultSide(stack: SynthesizedStack): VaultSide {
  const provider = providerConfig(stack.json, 'vault') ?? {};
  return {
    address: stack.values.text(provider.address),
    namespace: stack.values.text(provider.namespace),
    kvMounts: new Set(stack.declaredSecrets().map((s) => s.mount)),
    secretNames: new Set(stack.declaredSecrets().map((s) => s.name)),
    authPaths: new Set([
      ...stack
        .resources('vault_auth_backend')
        .filter((b) => stack.values.text(b.body.type) === 'kubernetes')
        .map((b) => stack.values.text(b.body.path)),
      ...stack.resources('vault_jwt_auth_backend').map((b) => stack.values.text(b.body.path)),
    ]),
    roles: stack.roles(),
  };
}

/** A store's server, Vault namespace, mount and KV version against the Vault side. */
function storeVaultProblems(store: StoreRead, side: VaultSide): string[] {
  const where = storeLabel(store);
  const vault = store.vault!;
  const problems: string[] = [];
  if (vault.server !== side.address)
    problems.push(
      `${where}: server "${vault.server}" but the Vault provider's address is "${side.address}"`,
    );
  if (vault.namespace !== side.namespace)
    problems.push(
      `${where}: Vault namespace "${vault.namespace ?? '(none)'}" but the Vault side is in "${side.namespace ?? '(root)'}"; a store in the wrong namespace gets 403 on every read`,
    );
  if (!side.kvMounts.has(vault.path))
    problems.push(
      `${where}: path "${vault.path}" is not the KV mount of the declared secrets (${[...side.kvMounts].join(', ')})`,
    );
  if (vault.version !== 'v2')
    problems.push(`${where}: version "${vault.version}"; the secrets are KV version 2, use "v2"`);
  return problems;
}

/** A store's login against the auth methods and roles: path, role, account and audience. */
function storeLoginProblems(store: StoreRead, side: VaultSide): string[] {
  const where = storeLabel(store);
  const login = store.vault?.login;
  if (login === undefined) return [];
  const problems: string[] = [];
  if (!side.authPaths.has(login.mountPath))
    problems.push(
      `${where}: auth mountPath "${login.mountPath}" is not the path of an auth method of this stack (${[...side.authPaths].join(', ')})`,
    );
  const role = side.roles.find(
    (r) => r.name === login.role && r.backend === login.mountPath && r.method === login.method,
  );
  if (!role)
    return [
      ...problems,
      `${where}: ${login.method} role "${login.role}" does not exist at auth path "${login.mountPath}"`,
    ];
  // Who ESO logs in as: the store's own namespace (SecretStore), the one it names, or
  // (referent) the namespace of each ExternalSecret it serves.
  const loginNamespaces =
    store.kind === 'SecretStore'
      ? store.allowedNamespaces
      : login.account.namespace
        ? [login.account.namespace]
        : store.allowedNamespaces;
  const admits = typeof role.accounts === 'string' ? [] : role.accounts;
  for (const ns of loginNamespaces) {
    if (login.account.name === undefined || !admits.includes(accountKey(ns, login.account.name)))
      problems.push(
        `${where}: logs in as ${ns}/${login.account.name ?? '?'}, which role "${login.role}" does not admit (${admits.join(', ') || 'none'})`,
      );
  }
  if (role.audiences.length > 0 && !role.audiences.some((a) => login.account.audiences.includes(a)))
    problems.push(
      `${where}: token audiences ${JSON.stringify(login.account.audiences)} lack the role's audience "${role.audiences.join('", "')}"`,
    );
  return problems;
}

/** Each ExternalSecret names a store of the stack, in a namespace it allows, and declared secrets. */
function externalSecretProblems(
  stack: SynthesizedStack,
  stores: readonly StoreRead[],
  side: VaultSide,
): string[] {
  const problems: string[] = [];
  const storeKey = (kind: string, namespace: string | undefined, name: string) =>
    `${kind}/${namespace ?? ''}/${name}`;
  const allowedBy = new Map(
    stores.map((s) => [storeKey(s.kind, s.namespace, s.name ?? '?'), s.allowedNamespaces]),
  );
  for (const { externalSecret: es } of stack.externalSecrets()) {
    // Fed by a generator, not a store: CHAIN-008 checks how that one logs in.
    if (es.store.name === undefined && es.generatorRefs.length > 0) continue;
    const where = `ExternalSecret "${es.name ?? '?'}"`;
    const { kind, name: storeName } = es.store;
    const allowed =
      storeName === undefined
        ? undefined
        : allowedBy.get(
            storeKey(kind ?? '?', kind === 'SecretStore' ? es.namespace : undefined, storeName),
          );
    if (allowed === undefined) {
      problems.push(
        `${where}: secretStoreRef ${kind ?? '?'}/${storeName ?? '?'} is not a store of this stack${kind === 'SecretStore' ? ` in namespace "${es.namespace}"` : ''}`,
      );
    } else if (es.namespace === undefined || !allowed.includes(es.namespace)) {
      problems.push(
        `${where}: namespace "${es.namespace}" is not allowed by the store's conditions (${allowed.join(', ')})`,
      );
    }
    for (const key of es.extractKeys) {
      if (key === undefined || !side.secretNames.has(key))
        problems.push(`${where}: extracts "${key}", which is not a declared secret`);
    }
  }
  return problems;
}

/**
 * The ESO side agrees with the Vault side: server, Vault namespace, KV mount and version, auth
 * mount path, role, service account and audience; each ExternalSecret names the store, a declared
 * secret, and a namespace the store allows.
 */
export const storeMatchesVault: Rule = {
  id: STORE_MATCHES_VAULT_ID,
  description:
    "the ESO store's server, namespace, mount, auth path, role and service account equal the Vault side's",
  check(json: StackJson): Violation[] {
    const stack = new SynthesizedStack(json);
    const side = vaultSide(stack);
    const stores = stack.stores().map((s) => s.store);
    const messages: string[] = [];
    for (const store of stores) {
      if (store.vault === undefined) {
        messages.push(`${storeLabel(store)}: no spec.provider.vault`);
        continue;
      }
      messages.push(...storeVaultProblems(store, side), ...storeLoginProblems(store, side));
    }
    messages.push(...externalSecretProblems(stack, stores, side));
    return messages.map((message) => ({ ruleId: STORE_MATCHES_VAULT_ID, message }));
  },
};
