import { CHAIN_RULE_IDS } from '../common/chain-rule-ids';
import { kvV2Paths } from '../common/kv-paths';
import { parsePolicy } from '../common/vault-policy';
import {
  type DeclaredTenant,
  type StackJson,
  declaredSecrets,
  declaredTenants,
  getPath,
  manifestsOfKind,
  resolveStrings,
  resourcesOfType,
  str,
} from '../common/stack-json';
import type { Rule, Violation } from './rule';

const TENANT_ISOLATION_ID = CHAIN_RULE_IDS.tenantIsolation;

/**
 * Tenants stay apart: no secret is granted to two tenants unless both declare it shared; each
 * ExternalSecret reads only what its namespace's tenant is granted; a ClusterSecretStore serves
 * only the namespaces of the tenants whose role it logs in with.
 */
export const tenantIsolation: Rule = {
  id: TENANT_ISOLATION_ID,
  description:
    "no secret granted to two tenants unless both share it; each ExternalSecret reads only its tenant's secrets",
  check(stack: StackJson): Violation[] {
    const violations: Violation[] = [];
    const add = (message: string) => violations.push({ ruleId: TENANT_ISOLATION_ID, message });
    const { tenants } = declaredTenants(stack);
    const mountOf = new Map(declaredSecrets(stack).map((s) => [s.name, s.mount]));
    const dataPath = (name: string) => kvV2Paths(mountOf.get(name) ?? '?', name).data;

    // Exact grants per policy, from the policy text (a templated one grants each namespace its
    // own prefix, which no other namespace can match).
    const exactGrants = new Map<string, Set<string>>();
    for (const policy of resourcesOfType(stack, 'vault_policy')) {
      const name = str(stack, policy.body.name);
      const text = policy.body.policy;
      if (name === undefined || typeof text !== 'string') continue;
      exactGrants.set(
        name,
        new Set(
          parsePolicy(text)
            .paths.filter((p) => p.capabilities.includes('read') && !p.path.includes('{{'))
            .map((p) => p.path),
        ),
      );
    }
    const grantedTo = new Map<string, DeclaredTenant[]>();
    for (const tenant of tenants)
      for (const path of exactGrants.get(tenant.policy) ?? [])
        grantedTo.set(path, [...(grantedTo.get(path) ?? []), tenant]);
    for (const [path, holders] of grantedTo) {
      const distinct = [...new Map(holders.map((t) => [t.name, t])).values()];
      if (distinct.length < 2) continue;
      const secret = [...mountOf.keys()].find((n) => dataPath(n) === path);
      const unwilling = distinct.filter((t) => secret === undefined || !t.shared.includes(secret));
      if (unwilling.length > 0)
        add(
          `"${path}" is granted to tenants ${distinct.map((t) => `"${t.name}"`).join(' and ')}, but ${unwilling.map((t) => `"${t.name}"`).join(' and ')} did not declare it shared`,
        );
    }

    const tenantOfNamespace = new Map(tenants.map((t) => [t.namespace, t]));
    for (const { manifest } of manifestsOfKind(stack, 'ExternalSecret')) {
      const name = str(stack, getPath(manifest, 'metadata.name')) ?? '?';
      const namespace = str(stack, getPath(manifest, 'metadata.namespace')) ?? '?';
      const tenant = tenantOfNamespace.get(namespace);
      if (!tenant) {
        add(`ExternalSecret "${namespace}/${name}": its namespace belongs to no declared tenant`);
        continue;
      }
      const keys = ((getPath(manifest, 'spec.dataFrom') as unknown[] | undefined) ?? []).map((d) =>
        str(stack, getPath(d as never, 'extract.key')),
      );
      for (const key of keys)
        if (key !== undefined && !tenant.secrets.includes(key))
          add(
            `ExternalSecret "${namespace}/${name}": reads "${key}", which is not a secret of tenant "${tenant.name}"`,
          );
    }

    for (const { manifest } of manifestsOfKind(stack, 'ClusterSecretStore')) {
      const storeName = str(stack, getPath(manifest, 'metadata.name')) ?? '?';
      const role =
        str(stack, getPath(manifest, 'spec.provider.vault.auth.kubernetes.role')) ??
        str(stack, getPath(manifest, 'spec.provider.vault.auth.jwt.role'));
      const allowed = (
        (getPath(manifest, 'spec.conditions') as unknown[] | undefined) ?? []
      ).flatMap((c) => resolveStrings(stack, getPath(c as never, 'namespaces')) ?? []);
      if (allowed.length === 0)
        add(
          `ClusterSecretStore "${storeName}": no namespace condition, so every namespace of the cluster may use it`,
        );
      for (const namespace of allowed) {
        const tenant = tenantOfNamespace.get(namespace);
        if (role !== undefined && tenant?.role !== role)
          add(
            `ClusterSecretStore "${storeName}": serves namespace "${namespace}", which is not a tenant logging in with role "${role}"`,
          );
      }
    }
    return violations;
  },
};
