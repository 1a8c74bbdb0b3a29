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
    tokenAudience: 'https://kubernetes.default.svc',
  },
  vault: {
    address: 'https://xxxxxxx.hashicorp.cloud:8200',
    namespace: 'admin/prod',
    kvMount: { path: 'secret', managed: true },
    policyName: 'payments-eso-read',
    authPath: 'kubernetes-platform-prod',
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
