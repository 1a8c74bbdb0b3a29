import { Policy } from '@cdktf/provider-vault/lib/policy';
import { Testing } from 'cdktf';
import { NamespacePrefixPolicy } from '../../../constructs/namespace-prefix-policy';

describe('NamespacePrefixPolicy', () => {
  it("grants read on each login's own namespace prefix, and nothing else", () => {
    const out = Testing.synthScope((scope) => {
      new NamespacePrefixPolicy(scope, 'policy', {
        name: 'eso-teams',
        mountPath: 'teams',
        authAccessor: '${vault_jwt_auth_backend.jwt.accessor}',
      });
    });
    expect(out).toHaveResourceWithProperties(Policy, {
      name: 'eso-teams',
      policy:
        'path "teams/data/{{identity.entity.aliases.${vault_jwt_auth_backend.jwt.accessor}.metadata.service_account_namespace}}/*" {\n  capabilities = ["read"]\n}\n',
    });
  });
});
