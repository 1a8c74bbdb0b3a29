import {
  LAB_CLUSTER_NAME,
  LAB_GREEN_CLUSTER_NAME,
  LAB_GREEN_REGION,
  LAB_REGION,
  LAB_VAULT_ADDRESS,
  LAB_VAULT_API_VERSION,
  LAB_VAULT_NAMESPACE,
} from '../common/lab-coordinates';
import type { EnvironmentConfig } from './types';

/**
 * local-clusters: two teams whose secrets reach two clusters at once, as during a blue/green
 * upgrade: the lab's cluster (blue, its tokens checked against its OIDC issuer) and its second
 * cluster in another region (green, its tokens reviewed by its own API server). Each cluster has
 * its own auth method, roles, stores and ExternalSecrets; the teams' policies and secrets are one
 * set. The cutover (add green, move the workloads, retire blue) is `__tests__/e2e/16-clusters`.
 */
export const localClusters: EnvironmentConfig = {
  name: 'local-clusters',
  aws: {
    region: LAB_REGION,
    // The cluster it had before it listed clusters: the entry with these values took it over.
    clusterName: LAB_CLUSTER_NAME,
  },
  kubernetes: {
    auth: 'eks-token',
    clusterRoleBindingName: 'eso-fleet-auth-delegator',
    tokenAudience: 'vault',
  },
  vault: {
    address: LAB_VAULT_ADDRESS,
    namespace: LAB_VAULT_NAMESPACE,
    versionOverride: LAB_VAULT_API_VERSION,
    kvMount: { path: 'fleet', managed: true, allowDestroy: true },
    authPath: 'jwt-fleet-blue',
    authMethod: 'jwt',
    jwtIssuerCa: 'cluster',
    reviewerMode: 'client-jwt',
    tokenTtlSeconds: 1200,
    tokenMaxTtlSeconds: 3600,
  },
  secretValues: 'placeholder',
  tenants: [
    {
      name: 'shop',
      namespace: 'fleet-shop',
      manageNamespace: true,
      allowNamespaceDestroy: true,
      secrets: [
        {
          name: 'database',
          externalSecretName: 'database',
          targetSecretName: 'database',
          placeholder: { username: 'shop', password: 'placeholder' },
        },
      ],
    },
    {
      name: 'books',
      namespace: 'fleet-books',
      manageNamespace: true,
      allowNamespaceDestroy: true,
      secrets: [
        {
          name: 'api',
          externalSecretName: 'api',
          targetSecretName: 'api',
          placeholder: { endpoint: 'https://books.example', api_key: 'placeholder' },
        },
      ],
    },
  ],
  eso: {
    apiVersion: 'external-secrets.io/v1',
    storeName: 'vault',
    isolation: 'per-tenant',
    storeAuth: 'kubernetes',
    refreshInterval: '1m',
  },
  backend: { type: 'local' },
  clusters: [
    { name: 'blue', clusterName: LAB_CLUSTER_NAME, authPath: 'jwt-fleet-blue' },
    {
      name: 'green',
      region: LAB_GREEN_REGION,
      clusterName: LAB_GREEN_CLUSTER_NAME,
      authPath: 'kubernetes-fleet-green',
      // Its API server reviews each token: an audience it accepts.
      authMethod: 'kubernetes',
      tokenAudience: 'https://kubernetes.default.svc',
    },
  ],
};
