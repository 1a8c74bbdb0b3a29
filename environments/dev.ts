import type { SingleChainConfig } from './types';

/**
 * dev: the manual procedure's example values, unchanged (docs/manual-procedure.md).
 * The manual procedure does not name the EKS cluster; `my-cluster` stands in for it.
 */
export const dev: SingleChainConfig = {
  name: 'dev',
  aws: {
    region: 'us-west-2',
    clusterName: 'my-cluster',
  },
  kubernetes: {
    auth: 'eks-token',
    namespace: 'my-namespace',
    manageNamespace: false,
    serviceAccountName: 'vault-auth',
    clusterRoleBindingName: 'k8s-auth-client-for-vault',
    tokenAudience: 'https://kubernetes.default.svc',
  },
  vault: {
    address: 'https://xxxxxxx.hashicorp.cloud:8200',
    namespace: 'admin',
    kvMount: { path: 'secret', managed: false },
    policyName: 'my-policy',
    authPath: 'kubernetes-my-auth',
    roleName: 'eso-vault',
    reviewerMode: 'client-jwt',
    tokenTtlSeconds: 1200,
    tokenMaxTtlSeconds: 3600,
  },
  secretValues: 'placeholder',
  secrets: [
    {
      name: 'my-secret',
      externalSecretName: 'vault-external-secret',
      targetSecretName: 'vault-secret',
      placeholder: { dummy_key1: 'dummy_value1' },
    },
  ],
  eso: {
    apiVersion: 'external-secrets.io/v1',
    storeName: 'vault-backend',
    storeAuth: 'kubernetes',
    // The manual procedure used "0" (sync once); an hour lets edits made in Vault arrive.
    refreshInterval: '1h',
  },
  backend: { type: 'local' },
};
