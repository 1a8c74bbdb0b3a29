import { CHAIN_RULE_IDS } from '../common/chain-rule-ids';
import { kvV2Paths } from '../common/chain/kv-path';
import { parsePolicy } from '../common/chain/policy';
import type { DeclaredTenant, StackJson } from '../common/stack-json';
import { SynthesizedStack } from '../common/synthesized-stack';
import type { Rule, Violation } from './rule';

const TENANT_ISOLATION_ID = CHAIN_RULE_IDS.tenantIsolation;

/** No secret granted (by exact path) to two tenants unless both declare it shared. */
function sharedGrantProblems(stack: SynthesizedStack): string[] {
  const { tenants } = stack.declaredTenants();
  const mountOf = new Map(stack.declaredSecrets().map((s) => [s.name, s.mount]));
  const dataPath = (name: string) => kvV2Paths(mountOf.get(name) ?? '?', name).data;
  // Exact grants per policy, from the policy text (a templated one grants each namespace its
  // own prefix, which no other namespace can match).
  const exactGrants = new Map<string, Set<string>>();
  for (const { name, text } of stack.policies()) {
    if (name === undefined || text === undefined) continue;
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
  const problems: string[] = [];
  for (const [path, holders] of grantedTo) {
    const distinct = [...new Map(holders.map((t) => [t.name, t])).values()];
    if (distinct.length < 2) continue;
    const secret = [...mountOf.keys()].find((n) => dataPath(n) === path);
    const unwilling = distinct.filter((t) => secret === undefined || !t.shared.includes(secret));
    if (unwilling.length > 0)
      problems.push(
        `"${path}" is granted to tenants ${distinct.map((t) => `"${t.name}"`).join(' and ')}, but ${unwilling.map((t) => `"${t.name}"`).join(' and ')} did not declare it shared`,
      );
  }
  return problems;
}

/** Each ExternalSecret lives in a tenant's namespace and reads only that tenant's secrets. */
function externalSecretProblems(stack: SynthesizedStack): string[] {
  const tenantOfNamespace = new Map(stack.declaredTenants().tenants.map((t) => [t.namespace, t]));
  const problems: string[] = [];
  for (const { externalSecret: es } of stack.externalSecrets()) {
    const name = es.name ?? '?';
    const namespace = es.namespace ?? '?';
    const tenant = tenantOfNamespace.get(namespace);
    if (!tenant) {
      problems.push(
        `ExternalSecret "${namespace}/${name}": its namespace belongs to no declared tenant`,
      );
      continue;
    }
    for (const key of es.extractKeys)
      if (key !== undefined && !tenant.secrets.includes(key))
        problems.push(
          `ExternalSecret "${namespace}/${name}": reads "${key}", which is not a secret of tenant "${tenant.name}"`,
        );
  }
  return problems;
}

/** A ClusterSecretStore serves only the namespaces of the tenants whose role it logs in with. */
function clusterStoreProblems(stack: SynthesizedStack): string[] {
  const tenantOfNamespace = new Map(stack.declaredTenants().tenants.map((t) => [t.namespace, t]));
  const problems: string[] = [];
  for (const { store } of stack.stores().filter((s) => s.store.kind === 'ClusterSecretStore')) {
    const storeName = store.name ?? '?';
    const role = store.vault?.login?.role;
    if (store.allowedNamespaces.length === 0)
      problems.push(
        `ClusterSecretStore "${storeName}": no namespace condition, so every namespace of the cluster may use it`,
      );
    for (const namespace of store.allowedNamespaces) {
      const tenant = tenantOfNamespace.get(namespace);
      if (role !== undefined && tenant?.role !== role)
        problems.push(
          `ClusterSecretStore "${storeName}": serves namespace "${namespace}", which is not a tenant logging in with role "${role}"`,
        );
    }
  }
  return problems;
}

/**
 * Tenants stay apart: no secret is granted to two tenants unless both declare it shared; each
 * ExternalSecret reads only what its namespace's tenant is granted; a ClusterSecretStore serves
 * only the namespaces of the tenants whose role it logs in with.
 */
export const tenantIsolation: Rule = {
  id: TENANT_ISOLATION_ID,
  description:
    "no secret granted to two tenants unless both share it; each ExternalSecret reads only its tenant's secrets",
  check(json: StackJson): Violation[] {
    const stack = new SynthesizedStack(json);
    return [
      ...sharedGrantProblems(stack),
      ...externalSecretProblems(stack),
      ...clusterStoreProblems(stack),
    ].map((message) => ({ ruleId: TENANT_ISOLATION_ID, message }));
  },
};
