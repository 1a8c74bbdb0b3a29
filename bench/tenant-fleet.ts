/**
 * Generated tenants, for the benchmarks and the tests: `team-01`... in namespaces of their own,
 * each with `secrets` placeholder secrets `s01`...
 */
import type { TenantConfig } from '../environments/types';

/** One tenant named `name` in namespace `team-<name>`, with `secrets` secrets. */
export function generatedTenant(name: string, secrets = 1): TenantConfig {
  return {
    name,
    namespace: `team-${name}`,
    manageNamespace: true,
    allowNamespaceDestroy: true,
    secrets: Array.from({ length: secrets }, (_, i) => {
      const id = `s${String(i + 1).padStart(2, '0')}`;
      return { name: id, externalSecretName: id, targetSecretName: id, placeholder: { value: id } };
    }),
  };
}

/** `count` tenants `t01`, `t02`... with `secrets` secrets each. */
export function tenantFleet(count: number, secrets: number): TenantConfig[] {
  return Array.from({ length: count }, (_, i) =>
    generatedTenant(`t${String(i + 1).padStart(2, '0')}`, secrets),
  );
}
