import type { SingleChainConfig } from './types';

/**
 * staging: its own HCP Vault child namespace and cluster; values written write-only from CI; ESO
 * logs in with the jwt method (Vault checks tokens against the cluster's OIDC issuer).
 */
export const staging: SingleChainConfig = {
  name: 'staging',
  aws: {
    region: 'us-west-2',
    clusterName: 'platform-staging',
  },
  kubernetes: {
    auth: 'eks-token',
    namespace: 'payments',
    manageNamespace: true,
    serviceAccountName: 'vault-auth',
    clusterRoleBindingName: 'k8s-auth-client-for-vault',
    // An audience of Vault's own: the API server refuses these tokens as bearers.
    tokenAudience: 'vault',
  },
  vault: {
    address: 'https://xxxxxxx.hashicorp.cloud:8200',
    namespace: 'admin/staging',
    kvMount: { path: 'secret', managed: true },
    policyName: 'payments-eso-read',
    // jwt: Vault checks each token's signature with the keys the cluster's OIDC issuer (an AWS
    // endpoint with a public certificate) publishes; it needs no path to the API server.
    authPath: 'jwt-platform-staging',
    authMethod: 'jwt',
    jwtIssuerCa: 'public',
    roleName: 'eso-vault',
    reviewerMode: 'client-jwt',
    tokenTtlSeconds: 1200,
    tokenMaxTtlSeconds: 3600,
  },
  secretValues: 'write-only',
  secrets: [
    {
      name: 'payments/database',
      externalSecretName: 'payments-database',
      targetSecretName: 'payments-database',
    },
    {
      name: 'payments/stripe',
      externalSecretName: 'payments-stripe',
      targetSecretName: 'payments-stripe',
    },
  ],
  eso: {
    apiVersion: 'external-secrets.io/v1',
    storeName: 'vault-backend',
    storeAuth: 'kubernetes',
    refreshInterval: '15m',
  },
  backend: {
    type: 'cloud',
    organization: 'example-platform',
    workspace: 'eks-vault-eso-staging',
  },
};
