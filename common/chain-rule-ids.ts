/**
 * The chain rules' stable ids: the rules report under them (rules/), the doctor names the rule
 * each link checks live (ops/doctor/), the README documents them.
 */
export const CHAIN_RULE_IDS = {
  policyExactDataPaths: 'CHAIN-001',
  roleNamespaceMatches: 'CHAIN-002',
  storeMatchesVault: 'CHAIN-003',
  noWildcardBindings: 'CHAIN-004',
  noSecretValues: 'CHAIN-005',
  tenantIsolation: 'CHAIN-006',
  targetsKept: 'CHAIN-007',
  dynamicCredentials: 'CHAIN-008',
  clustersApart: 'CHAIN-009',
} as const;
