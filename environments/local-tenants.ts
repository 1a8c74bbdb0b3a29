import {
  LAB_CLUSTER_NAME,
  LAB_REGION,
  LAB_VAULT_ADDRESS,
  LAB_VAULT_API_VERSION,
  LAB_VAULT_NAMESPACE,
} from '../common/lab-coordinates';
import type { EnvironmentConfig } from './types';

/**
 * local-tenants: two teams on the lab's cluster, each reading only its own secrets (the lab,
 * `npm run lab -- up`, beside `local`). Each tenant gets a SecretStore in its namespace, a Vault
 * role bound to exactly its service account and a policy granting exactly its paths; Vault checks
 * the service-account tokens against the cluster's OIDC issuer (the jwt method), so it needs no
 * path to the API server. This file keeps the platform's settings; each team is a file of
 * environments/teams/local-tenants/, and onboarding a team is one more file there.
 */
export const localTenants: EnvironmentConfig = {
  name: 'local-tenants',
  aws: {
    region: LAB_REGION,
    clusterName: LAB_CLUSTER_NAME,
  },
  kubernetes: {
    auth: 'eks-token',
    // Unused by the jwt method; named so that switching to the kubernetes method is one key.
    clusterRoleBindingName: 'eso-tenants-auth-delegator',
    // Vault's own audience: the API server refuses these tokens as bearers.
    tokenAudience: 'vault',
  },
  vault: {
    address: LAB_VAULT_ADDRESS,
    namespace: LAB_VAULT_NAMESPACE,
    versionOverride: LAB_VAULT_API_VERSION,
    kvMount: { path: 'teams', managed: true, allowDestroy: true },
    authPath: 'jwt-teams',
    authMethod: 'jwt',
    // The lab's API server is its own issuer, with a certificate from the lab's CA (on EKS the
    // issuer is an AWS endpoint with a public certificate: the default).
    jwtIssuerCa: 'cluster',
    reviewerMode: 'client-jwt',
    tokenTtlSeconds: 1200,
    tokenMaxTtlSeconds: 3600,
  },
  secretValues: 'placeholder',
  // The teams are files, one per team, each reviewed by its owners (CODEOWNERS) and deployed as
  // a stack of its own: environments/teams/local-tenants/<team>.yaml.
  teamFiles: 'local-tenants',
  eso: {
    apiVersion: 'external-secrets.io/v1',
    storeName: 'vault',
    isolation: 'per-tenant',
    storeAuth: 'kubernetes',
    refreshInterval: '1m',
  },
  backend: { type: 'local' },
};
