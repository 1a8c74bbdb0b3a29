import {
  LAB_CLUSTER_NAME,
  LAB_REGION,
  LAB_VAULT_ADDRESS,
  LAB_VAULT_API_VERSION,
  LAB_VAULT_NAMESPACE,
} from '../common/lab-coordinates';
import type { SingleChainConfig } from './types';

/**
 * local: the lab (`npm run lab -- up`). Same names as dev, on 127.0.0.1: OpenBao with the
 * namespace `admin` plays HCP Vault, moto plays EKS and answers with the lab's kube-apiserver.
 * The addresses are the lab's (common/lab-coordinates.ts), which the lab starts its servers at.
 */
export const local: SingleChainConfig = {
  name: 'local',
  // No endpoints: the lab's environment (AWS_ENDPOINT_URL, see `npm run lab -- env`) points the
  // AWS SDK at the EKS emulator, so the provider block is the one dev, staging and prod ship.
  aws: {
    region: LAB_REGION,
    clusterName: LAB_CLUSTER_NAME,
  },
  kubernetes: {
    auth: 'eks-token',
    namespace: 'my-namespace',
    manageNamespace: true,
    // The lab is torn down and rebuilt by its tests: destroying is its normal path.
    allowNamespaceDestroy: true,
    serviceAccountName: 'vault-auth',
    clusterRoleBindingName: 'k8s-auth-client-for-vault',
    tokenAudience: 'https://kubernetes.default.svc',
  },
  vault: {
    address: LAB_VAULT_ADDRESS,
    namespace: LAB_VAULT_NAMESPACE,
    // OpenBao's API baseline; stops the provider sending fields of newer Vault versions.
    versionOverride: LAB_VAULT_API_VERSION,
    kvMount: { path: 'secret', managed: true, allowDestroy: true },
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
    {
      name: 'app/config',
      externalSecretName: 'app-config',
      targetSecretName: 'app-config',
      placeholder: { log_level: 'info', feature_flags: 'none' },
    },
  ],
  eso: {
    apiVersion: 'external-secrets.io/v1',
    storeName: 'vault-backend',
    storeAuth: 'kubernetes',
    // Short, so that the lab sees an edit in Vault arrive within a test's patience.
    refreshInterval: '15s',
  },
  backend: { type: 'local' },
};
