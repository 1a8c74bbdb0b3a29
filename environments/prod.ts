import type { SingleChainConfig } from './types';

/**
 * prod: as staging, on Terraform Cloud workspaces selected by tags. Its hosted runners have no AWS
 * CLI, so the cluster token is the ephemeral EKS token (valid 15 minutes from each plan and apply).
 */
export const prod: SingleChainConfig = {
  name: 'prod',
  aws: {
    region: 'us-west-2',
    clusterName: 'platform-prod',
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
    namespace: 'admin/prod',
    kvMount: { path: 'secret', managed: true },
    policyName: 'payments-eso-read',
    // jwt: Vault checks each token's signature with the keys the cluster's OIDC issuer (an AWS
    // endpoint with a public certificate) publishes; it needs no path to the API server.
    authPath: 'jwt-platform-prod',
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
    refreshInterval: '1h',
  },
  backend: {
    type: 'cloud',
    organization: 'example-platform',
    tags: ['eks-vault-eso', 'prod'],
  },
};
