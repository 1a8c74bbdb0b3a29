import { Testing } from 'cdktf';
import { DestroyGuard } from '../../../constructs/destroy-guard';
import { parse } from '../../support/construct-test';

describe('DestroyGuard', () => {
  const synth = (name?: string) =>
    parse(
      Testing.synthScope((scope) => {
        new DestroyGuard(scope, 'guard', {
          protects: 'the KV mount "secret"',
          allowKey: 'vault.kvMount.allowDestroy',
          identity: { path: 'secret' },
          name,
        });
      }),
    );

  it('is a terraform_data whose address spells the key that allows the destroy', () => {
    expect(synth().resource.terraform_data['destroy-needs-vault_kvMount_allowDestroy']).toEqual(
      expect.objectContaining({
        input: { protects: 'the KV mount "secret"', allowKey: 'vault.kvMount.allowDestroy' },
        triggers_replace: { path: 'secret' },
        lifecycle: { prevent_destroy: true },
      }),
    );
  });

  it('takes a name of its own when several guards share a key (tenants)', () => {
    expect(
      Object.keys(synth('tenant-alpha-allowNamespaceDestroy').resource.terraform_data),
    ).toEqual(['destroy-needs-tenant_alpha_allowNamespaceDestroy']);
  });
});
