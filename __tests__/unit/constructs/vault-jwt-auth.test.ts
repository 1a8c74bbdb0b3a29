import { Testing } from 'cdktf';
import { VaultJwtAuth } from '../../../constructs/vault-jwt-auth';
import { JwtAuthBackend } from '@cdktf/provider-vault/lib/jwt-auth-backend';
import { JwtAuthBackendRole } from '@cdktf/provider-vault/lib/jwt-auth-backend-role';

describe('VaultJwtAuth', () => {
  const spec = {
    name: 'eso-alpha',
    policies: ['eso-alpha'],
    audience: 'vault',
    tokenTtlSeconds: 1200,
    tokenMaxTtlSeconds: 3600,
  };

  it("checks tokens against the cluster's issuer, and pins one role to one account's subject", () => {
    const out = Testing.synthScope((scope) => {
      new VaultJwtAuth(scope, 'jwt', {
        path: 'jwt-lab',
        issuer: 'https://oidc.example/id/ABC',
      }).addRole(scope, 'role', {
        ...spec,
        bindings: [{ namespace: 'team-alpha', serviceAccountName: 'vault-auth' }],
      });
    });
    expect(out).toHaveResourceWithProperties(JwtAuthBackend, {
      type: 'jwt',
      path: 'jwt-lab',
      oidc_discovery_url: 'https://oidc.example/id/ABC',
      bound_issuer: 'https://oidc.example/id/ABC',
    });
    expect(out).toHaveResourceWithProperties(JwtAuthBackendRole, {
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: ['vault'],
      bound_subject: 'system:serviceaccount:team-alpha:vault-auth',
      claim_mappings: { '/kubernetes.io/namespace': 'service_account_namespace' },
      token_policies: ['eso-alpha'],
    });
    expect(out).not.toHaveResourceWithProperties(JwtAuthBackendRole, {
      bound_claims: expect.anything() as unknown,
    });
  });

  it('binds a shared role to the listed namespaces and account name by claims', () => {
    const out = Testing.synthScope((scope) => {
      new VaultJwtAuth(scope, 'jwt', { path: 'j', issuer: 'https://i' }).addRole(scope, 'role', {
        ...spec,
        bindings: [
          { namespace: 'team-a', serviceAccountName: 'vault-auth' },
          { namespace: 'team-b', serviceAccountName: 'vault-auth' },
        ],
      });
    });
    expect(out).toHaveResourceWithProperties(JwtAuthBackendRole, {
      bound_claims_type: 'string',
      bound_claims: {
        '/kubernetes.io/namespace': 'team-a,team-b',
        '/kubernetes.io/serviceaccount/name': 'vault-auth',
      },
    });
  });
});
