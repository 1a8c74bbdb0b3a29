import {
  type Rule,
  type StackJson,
  type Violation,
  declaredSecrets,
  getPath,
  manifestsOfKind,
  providerConfig,
  resolveStrings,
  resourcesOfType,
  str,
} from './stack-json';

export const STORE_MATCHES_VAULT_ID = 'CHAIN-003';

/**
 * The ESO side agrees with the Vault side: server, Vault namespace, KV mount and version, auth
 * mount path, role, service account and audience; each ExternalSecret names the store, a declared
 * secret, and a namespace the store allows.
 */
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
    const authPaths = new Set(
      resourcesOfType(stack, 'vault_auth_backend')
        .filter((b) => str(stack, b.body.type) === 'kubernetes')
        .map((b) => str(stack, b.body.path)),
    );
    const roles = resourcesOfType(stack, 'vault_kubernetes_auth_backend_role').map((r) => ({
      backend: str(stack, r.body.backend),
      name: str(stack, r.body.role_name),
      names: resolveStrings(stack, r.body.bound_service_account_names) ?? [],
      namespaces: resolveStrings(stack, r.body.bound_service_account_namespaces) ?? [],
      audience: str(stack, r.body.audience),
    }));

    const storeNamespaces = new Map<string, string[]>();
    for (const { manifest } of manifestsOfKind(stack, 'ClusterSecretStore')) {
      const storeName = str(stack, getPath(manifest, 'metadata.name')) ?? '?';
      const where = `ClusterSecretStore "${storeName}"`;
      const vault = getPath(manifest, 'spec.provider.vault');
      storeNamespaces.set(
        storeName,
        ((getPath(manifest, 'spec.conditions') as unknown[] | undefined) ?? []).flatMap(
          (c) => resolveStrings(stack, getPath(c as never, 'namespaces')) ?? [],
        ),
      );
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

      const kubernetesAuth = getPath(vault, 'auth.kubernetes');
      if (kubernetesAuth === undefined) continue;
      const mountPath = str(stack, getPath(kubernetesAuth, 'mountPath'));
      const roleName = str(stack, getPath(kubernetesAuth, 'role'));
      if (!authPaths.has(mountPath))
        add(
          `${where}: auth mountPath "${mountPath}" is not the kubernetes auth method's path (${[...authPaths].join(', ')})`,
        );
      const role = roles.find((r) => r.name === roleName && r.backend === mountPath);
      if (!role) {
        add(`${where}: role "${roleName}" does not exist at auth path "${mountPath}"`);
        continue;
      }
      const saName = str(stack, getPath(kubernetesAuth, 'serviceAccountRef.name'));
      const saNamespace = str(stack, getPath(kubernetesAuth, 'serviceAccountRef.namespace'));
      if (saName === undefined || !role.names.includes(saName))
        add(
          `${where}: serviceAccountRef.name "${saName}" is not bound by role "${roleName}" (${role.names.join(', ')})`,
        );
      if (saNamespace === undefined || !role.namespaces.includes(saNamespace))
        add(
          `${where}: serviceAccountRef.namespace "${saNamespace ?? '(none)'}" is not bound by role "${roleName}" (${role.namespaces.join(', ')})`,
        );
      const audiences =
        resolveStrings(stack, getPath(kubernetesAuth, 'serviceAccountRef.audiences')) ?? [];
      if (role.audience !== undefined && !audiences.includes(role.audience)) {
        add(
          `${where}: serviceAccountRef.audiences ${JSON.stringify(audiences)} lacks the role's audience "${role.audience}"`,
        );
      }
    }

    for (const { manifest } of manifestsOfKind(stack, 'ExternalSecret')) {
      const name = str(stack, getPath(manifest, 'metadata.name')) ?? '?';
      const where = `ExternalSecret "${name}"`;
      const storeName = str(stack, getPath(manifest, 'spec.secretStoreRef.name'));
      const kind = str(stack, getPath(manifest, 'spec.secretStoreRef.kind'));
      if (
        kind !== 'ClusterSecretStore' ||
        storeName === undefined ||
        !storeNamespaces.has(storeName)
      ) {
        add(
          `${where}: secretStoreRef ${kind ?? '?'}/${storeName ?? '?'} is not a ClusterSecretStore of this stack`,
        );
      } else {
        const namespace = str(stack, getPath(manifest, 'metadata.namespace'));
        const allowed = storeNamespaces.get(storeName) ?? [];
        if (namespace === undefined || !allowed.includes(namespace)) {
          add(
            `${where}: namespace "${namespace}" is not allowed by the store's conditions (${allowed.join(', ')})`,
          );
        }
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
