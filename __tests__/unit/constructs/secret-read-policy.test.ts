import { Policy } from '@cdktf/provider-vault/lib/policy';
import { Testing } from 'cdktf';
import { renderReadPolicy } from '../../../common/chain/policy';
import { SecretReadPolicy } from '../../../constructs/secret-read-policy';

describe('SecretReadPolicy', () => {
  it('grants read on each data/ path only, sorted', () => {
    expect(renderReadPolicy('secret', [{ name: 'my-secret' }, { name: 'app/config' }])).toBe(
      'path "secret/data/app/config" {\n  capabilities = ["read"]\n}\n\npath "secret/data/my-secret" {\n  capabilities = ["read"]\n}\n',
    );
  });

  it('adds read and list on metadata/ only where asked', () => {
    expect(renderReadPolicy('kv', [{ name: 'a', listMetadata: true }])).toBe(
      'path "kv/data/a" {\n  capabilities = ["read"]\n}\n\npath "kv/metadata/a" {\n  capabilities = ["read", "list"]\n}\n',
    );
  });

  it('adds read on each dynamic credential path, after the KV paths, sorted', () => {
    expect(
      renderReadPolicy('kv', [{ name: 'a' }], ['database/creds/b-app', 'database/creds/a-app']),
    ).toBe(
      'path "kv/data/a" {\n  capabilities = ["read"]\n}\n\npath "database/creds/a-app" {\n  capabilities = ["read"]\n}\n\npath "database/creds/b-app" {\n  capabilities = ["read"]\n}\n',
    );
  });

  it('creates the vault_policy with that text', () => {
    const out = Testing.synthScope((scope) => {
      new SecretReadPolicy(scope, 'policy', {
        name: 'my-policy',
        mountPath: 'secret',
        secrets: [{ name: 'my-secret' }],
      });
    });
    expect(out).toHaveResourceWithProperties(Policy, {
      name: 'my-policy',
      policy: 'path "secret/data/my-secret" {\n  capabilities = ["read"]\n}\n',
    });
  });
});
