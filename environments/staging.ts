import type { SingleChainConfig } from './types';

/** staging: its own HCP Vault child namespace and cluster; values written write-only from CI. */
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
    tokenAudience: 'https://kubernetes.default.svc',
  },
  vault: {
    address: 'https://xxxxxxx.hashicorp.cloud:8200',
    namespace: 'admin/staging',
    kvMount: { path: 'secret', managed: true },
    policyName: 'payments-eso-read',
    authPath: 'kubernetes-platform-staging',
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
