import { AuthBackend } from '@cdktf/provider-vault/lib/auth-backend';
import { KubernetesAuthBackendConfig } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-config';
import { KubernetesAuthBackendRole } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-role';
import { Testing } from 'cdktf';
import { VaultKubernetesAuth } from '../../../constructs/vault-kubernetes-auth';
import { ref } from '../../support/construct-test';

describe('VaultKubernetesAuth', () => {
  const role = {
    name: 'eso-vault',
    bindings: [{ serviceAccountName: 'vault-auth', namespace: 'my-namespace' }],
    policies: ['my-policy'],
    audience: 'https://kubernetes.default.svc',
    tokenTtlSeconds: 1200,
    tokenMaxTtlSeconds: 3600,
  };

  it('enables kubernetes auth at its path, configures host and CA, and binds the role to one account', () => {
    const out = Testing.synthScope((scope) => {
      new VaultKubernetesAuth(scope, 'auth', {
        path: 'kubernetes-my-auth',
        kubernetesHost: 'https://k8s.example',
        kubernetesCaPem: 'PEM',
      }).addRole(scope, 'role', role);
    });
    expect(out).toHaveResourceWithProperties(AuthBackend, {
      type: 'kubernetes',
      path: 'kubernetes-my-auth',
    });
    expect(out).toHaveResourceWithProperties(KubernetesAuthBackendConfig, {
      backend: ref('vault_auth_backend', 'path'),
      kubernetes_host: 'https://k8s.example',
      kubernetes_ca_cert: 'PEM',
      disable_local_ca_jwt: true,
    });
    expect(out).not.toHaveResourceWithProperties(KubernetesAuthBackendConfig, {
      token_reviewer_jwt: expect.anything() as unknown,
    });
    expect(out).toHaveResourceWithProperties(KubernetesAuthBackendRole, {
      role_name: 'eso-vault',
      bound_service_account_names: ['vault-auth'],
      bound_service_account_namespaces: ['my-namespace'],
      token_policies: ['my-policy'],
      audience: 'https://kubernetes.default.svc',
      token_ttl: 1200,
      token_max_ttl: 3600,
    });
  });

  it('writes a reviewer JWT only when given one, and write-only', () => {
    const out = Testing.synthScope((scope) => {
      new VaultKubernetesAuth(scope, 'auth', {
        path: 'k',
        kubernetesHost: 'https://h',
        kubernetesCaPem: 'PEM',
        reviewerToken: { jwt: '${ephemeral.x.y.token}', version: 4 },
      });
    });
    expect(out).toHaveResourceWithProperties(KubernetesAuthBackendConfig, {
      token_reviewer_jwt_wo: '${ephemeral.x.y.token}',
      token_reviewer_jwt_wo_version: 4,
    });
    expect(out).not.toHaveResourceWithProperties(KubernetesAuthBackendConfig, {
      token_reviewer_jwt: expect.anything() as unknown,
    });
  });
});
