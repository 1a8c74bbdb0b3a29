import { CHAIN_RULE_IDS } from '../common/chain-rule-ids';
import {
  type Json,
  type StackJson,
  declaredSecrets,
  getPath,
  manifestsOfKind,
  providerConfig,
  resolveStrings,
  resourcesOfType,
  str,
} from '../common/stack-json';
import type { Rule, Violation } from './rule';
import { accountKey, vaultRoles } from './vault-roles';

const STORE_MATCHES_VAULT_ID = CHAIN_RULE_IDS.storeMatchesVault;

/**
 * The ESO side agrees with the Vault side: server, Vault namespace, KV mount and version, auth
 * mount path, role, service account and audience; each ExternalSecret names the store, a declared
 * secret, and a namespace the store allows.
 */
/** How a store logs in, whichever Vault method it uses (undefined: a static token). */
function storeLogin(
  stack: StackJson,
  vault: Json,
):
  | {
      method: 'kubernetes' | 'jwt';
      mountPath?: string;
      role?: string;
      account: { name?: string; namespace?: string; audiences: string[] };
    }
  | undefined {
  const kubernetes = getPath(vault, 'auth.kubernetes');
  if (kubernetes !== undefined)
    return {
      method: 'kubernetes',
      mountPath: str(stack, getPath(kubernetes, 'mountPath')),
      role: str(stack, getPath(kubernetes, 'role')),
      account: {
        name: str(stack, getPath(kubernetes, 'serviceAccountRef.name')),
        namespace: str(stack, getPath(kubernetes, 'serviceAccountRef.namespace')),
        audiences: resolveStrings(stack, getPath(kubernetes, 'serviceAccountRef.audiences')) ?? [],
      },
    };
  const jwt = getPath(vault, 'auth.jwt');
  if (jwt !== undefined)
    return {
      method: 'jwt',
      mountPath: str(stack, getPath(jwt, 'path')),
      role: str(stack, getPath(jwt, 'role')),
      account: {
        name: str(stack, getPath(jwt, 'kubernetesServiceAccountToken.serviceAccountRef.name')),
        namespace: str(
          stack,
          getPath(jwt, 'kubernetesServiceAccountToken.serviceAccountRef.namespace'),
        ),
        audiences:
          resolveStrings(stack, getPath(jwt, 'kubernetesServiceAccountToken.audiences')) ?? [],
      },
    };
  return undefined;
}

export const storeMatchesVault: Rule = {
  id: STORE_MATCHES_VAULT_ID,
  description:
    "the ESO store's server, namespace, mount, auth path, role and service account equal the Vault side's",
  check(stack: StackJson): Violation[] {
    const violations: Violation[] = [];
    const add = (message: string) => violations.push({ ruleId: STORE_MATCHES_VAULT_ID, message });

    const vaultProvider = providerConfig(stack, 'vault') ?? {};
    const vaultAddress = str(stack, vaultProvider.address);
    const vaultNamespace = str(stack, vaultProvider.namespace);
    const kvMounts = new Set<string | undefined>(declaredSecrets(stack).map((s) => s.mount));
    const secretNames = new Set<string | undefined>(declaredSecrets(stack).map((s) => s.name));
    const authPaths = new Set([
      ...resourcesOfType(stack, 'vault_auth_backend')
        .filter((b) => str(stack, b.body.type) === 'kubernetes')
        .map((b) => str(stack, b.body.path)),
      ...resourcesOfType(stack, 'vault_jwt_auth_backend').map((b) => str(stack, b.body.path)),
    ]);
    const roles = vaultRoles(stack);

    // Stores by `kind/namespace/name`, with the namespaces their ExternalSecrets may live in.
    const stores = new Map<string, string[]>();
    const storeKey = (kind: string, namespace: string | undefined, name: string) =>
      `${kind}/${namespace ?? ''}/${name}`;
    for (const kind of ['ClusterSecretStore', 'SecretStore'] as const) {
      for (const { manifest } of manifestsOfKind(stack, kind)) {
        const storeName = str(stack, getPath(manifest, 'metadata.name')) ?? '?';
        const storeNamespace =
          kind === 'SecretStore' ? str(stack, getPath(manifest, 'metadata.namespace')) : undefined;
        const where = `${kind} "${storeNamespace ? `${storeNamespace}/` : ''}${storeName}"`;
        const allowed =
          kind === 'SecretStore'
            ? [storeNamespace ?? '?']
            : ((getPath(manifest, 'spec.conditions') as unknown[] | undefined) ?? []).flatMap(
                (c) => resolveStrings(stack, getPath(c as never, 'namespaces')) ?? [],
              );
        stores.set(storeKey(kind, storeNamespace, storeName), allowed);
        const vault = getPath(manifest, 'spec.provider.vault');
        if (vault === undefined) {
          add(`${where}: no spec.provider.vault`);
          continue;
        }
        const server = str(stack, getPath(vault, 'server'));
        if (server !== vaultAddress)
          add(`${where}: server "${server}" but the Vault provider's address is "${vaultAddress}"`);
        const namespace = str(stack, getPath(vault, 'namespace'));
        if (namespace !== vaultNamespace) {
          add(
            `${where}: Vault namespace "${namespace ?? '(none)'}" but the Vault side is in "${vaultNamespace ?? '(root)'}"; a store in the wrong namespace gets 403 on every read`,
          );
        }
        const path = str(stack, getPath(vault, 'path'));
        if (!kvMounts.has(path))
          add(
            `${where}: path "${path}" is not the KV mount of the declared secrets (${[...kvMounts].join(', ')})`,
          );
        const version = str(stack, getPath(vault, 'version'));
        if (version !== 'v2')
          add(`${where}: version "${version}"; the secrets are KV version 2, use "v2"`);

        const login = storeLogin(stack, vault);
        if (login === undefined) continue;
        if (!authPaths.has(login.mountPath))
          add(
            `${where}: auth mountPath "${login.mountPath}" is not the path of an auth method of this stack (${[...authPaths].join(', ')})`,
          );
        const role = roles.find(
          (r) =>
            r.name === login.role && r.backend === login.mountPath && r.method === login.method,
        );
        if (!role) {
          add(
            `${where}: ${login.method} role "${login.role}" does not exist at auth path "${login.mountPath}"`,
          );
          continue;
        }
        // Who ESO logs in as: the store's own namespace (SecretStore), the one it names, or
        // (referent) the namespace of each ExternalSecret it serves.
        const loginNamespaces =
          kind === 'SecretStore'
            ? allowed
            : login.account.namespace
              ? [login.account.namespace]
              : allowed;
        const admits = typeof role.accounts === 'string' ? [] : role.accounts;
        for (const ns of loginNamespaces) {
          if (
            login.account.name === undefined ||
            !admits.includes(accountKey(ns, login.account.name))
          )
            add(
              `${where}: logs in as ${ns}/${login.account.name ?? '?'}, which role "${login.role}" does not admit (${admits.join(', ') || 'none'})`,
            );
        }
        if (
          role.audiences.length > 0 &&
          !role.audiences.some((a) => login.account.audiences.includes(a))
        )
          add(
            `${where}: token audiences ${JSON.stringify(login.account.audiences)} lack the role's audience "${role.audiences.join('", "')}"`,
          );
      }
    }

    for (const { manifest } of manifestsOfKind(stack, 'ExternalSecret')) {
      const name = str(stack, getPath(manifest, 'metadata.name')) ?? '?';
      const where = `ExternalSecret "${name}"`;
      const storeName = str(stack, getPath(manifest, 'spec.secretStoreRef.name'));
      const kind = str(stack, getPath(manifest, 'spec.secretStoreRef.kind'));
      const namespace = str(stack, getPath(manifest, 'metadata.namespace'));
      const allowed =
        storeName === undefined
          ? undefined
          : stores.get(
              storeKey(kind ?? '?', kind === 'SecretStore' ? namespace : undefined, storeName),
            );
      if (allowed === undefined) {
        add(
          `${where}: secretStoreRef ${kind ?? '?'}/${storeName ?? '?'} is not a store of this stack${kind === 'SecretStore' ? ` in namespace "${namespace}"` : ''}`,
        );
      } else if (namespace === undefined || !allowed.includes(namespace)) {
        add(
          `${where}: namespace "${namespace}" is not allowed by the store's conditions (${allowed.join(', ')})`,
        );
      }
      const extracts = ((getPath(manifest, 'spec.dataFrom') as unknown[] | undefined) ?? []).map(
        (d) => str(stack, getPath(d as never, 'extract.key')),
      );
      for (const key of extracts) {
        if (key === undefined || !secretNames.has(key))
          add(`${where}: extracts "${key}", which is not a declared secret`);
      }
    }
    return violations;
  },
};
