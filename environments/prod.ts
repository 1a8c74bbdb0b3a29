import type { EnvironmentConfig } from './types';

/** prod: as staging, with exec credentials so long applies outlive the 15-minute EKS token. */
export const prod: EnvironmentConfig = {
  name: 'prod',
  aws: {
    region: 'us-west-2',
    clusterName: 'platform-prod',
  },
  kubernetes: {
    auth: 'exec',
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
