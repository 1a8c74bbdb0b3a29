import { JwtAuthBackend } from '@cdktf/provider-vault/lib/jwt-auth-backend';
import { JwtAuthBackendRole } from '@cdktf/provider-vault/lib/jwt-auth-backend-role';
import { AuthBackend } from '@cdktf/provider-vault/lib/auth-backend';
import { KubernetesAuthBackendConfig } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-config';
import { KubernetesAuthBackendRole } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-role';
import { Testing } from 'cdktf';
import { VaultAuthAt } from '../../../constructs/vault-auth-at';
import { jwtRole } from '../../../constructs/vault-jwt-auth';
import { kubernetesRole } from '../../../constructs/vault-kubernetes-auth';

const spec = (audience: string) => ({
  name: 'eso-alpha',
  policies: ['eso-alpha'],
  audience,
  tokenTtlSeconds: 1200,
  tokenMaxTtlSeconds: 3600,
  bindings: [{ namespace: 'team-alpha', serviceAccountName: 'vault-auth' }],
});

describe('VaultAuthAt', () => {
  it("declares a team's jwt role against another stack's method by its path, and nothing else", () => {
    const out = Testing.synthScope((scope) => {
      const login = new VaultAuthAt(scope, 'jwt-auth', 'jwt', 'jwt-teams', jwtRole);
      login.addRole(scope, 'role', spec('vault'));
      expect(login.ready).toBeUndefined();
    });
    expect(out).not.toHaveResource(JwtAuthBackend);
    expect(out).toHaveResourceWithProperties(JwtAuthBackendRole, {
      backend: 'jwt-teams',
      bound_subject: 'system:serviceaccount:team-alpha:vault-auth',
    });
  });

  it('and a kubernetes role, with neither the method nor its configuration', () => {
    const out = Testing.synthScope((scope) => {
      new VaultAuthAt(
        scope,
        'kubernetes-auth',
        'kubernetes',
        'kubernetes-teams',
        kubernetesRole,
      ).addRole(scope, 'role', spec('https://kubernetes.default.svc'));
    });
    expect(out).not.toHaveResource(AuthBackend);
    expect(out).not.toHaveResource(KubernetesAuthBackendConfig);
    expect(out).toHaveResourceWithProperties(KubernetesAuthBackendRole, {
      backend: 'kubernetes-teams',
      bound_service_account_names: ['vault-auth'],
      bound_service_account_namespaces: ['team-alpha'],
    });
  });

  it('refuses to give the accessor it does not know (a templated policy belongs beside the method)', () => {
    Testing.synthScope((scope) => {
      const login = new VaultAuthAt(scope, 'jwt-auth', 'jwt', 'jwt-teams', jwtRole);
      expect(() => login.accessor).toThrow(
        'the accessor of the auth method "jwt-teams" is another stack\'s: a policy that needs it belongs in that stack',
      );
    });
  });
});
