import { KvSecretV2 } from '@cdktf/provider-vault/lib/kv-secret-v2';
import { Testing } from 'cdktf';
import { KvV2Secrets } from '../../../constructs/kv-v2-secrets';
import { parse } from '../../support/construct-test';

describe('KvV2Secrets', () => {
  const placeholderSecret = {
    name: 'my-secret',
    values: { kind: 'placeholder' as const, pairs: { dummy_key1: 'dummy_value1' } },
  };

  it('seeds a placeholder once, only where the folder listing lacks the secret, and never again', () => {
    const out = parse(
      Testing.synthScope((scope) => {
        new KvV2Secrets(scope, 'kv', {
          mountPath: 'secret',
          stackName: 'dev',
          secrets: [placeholderSecret],
        });
      }),
    );
    const seeds = Object.entries(out.resource.vault_generic_endpoint).filter(([n]) =>
      n.includes('_seed_'),
    );
    expect(seeds).toHaveLength(1);
    const [, seed] = seeds[0];
    const listing = Object.keys(out.data.vault_kv_secrets_list_v2)[0];
    const exists = `contains(nonsensitive(data.vault_kv_secrets_list_v2.${listing}.names), "my-secret")`;
    expect(seed).toEqual(
      expect.objectContaining({
        path: `\${${exists} ? "secret/metadata/my-secret" : "secret/data/my-secret"}`,
        data_json: `\${${exists} ? "{}" : jsonencode({"data" = {"dummy_key1" = "dummy_value1"}, "options" = {"cas" = 0}})}`,
        disable_read: true,
        disable_delete: true,
        lifecycle: { ignore_changes: 'all' },
      }),
    );
    expect(out.resource).not.toHaveProperty('vault_kv_secret_v2');
    expect(out.resource).not.toHaveProperty('vault_mount');
  });

  it('writes placeholder text into the seed expression as literals, never as templates', () => {
    const pairs = { file: '${file("/etc/hostname")}', tpl: '%{ if true }x%{ endif }' };
    const out = parse(
      Testing.synthScope((scope) => {
        const secrets = [{ name: 'my-secret', values: { kind: 'placeholder' as const, pairs } }];
        new KvV2Secrets(scope, 'kv', { mountPath: 'secret', stackName: 'dev', secrets });
      }),
    );
    const [seed] = Object.values(out.resource.vault_generic_endpoint).filter((r) =>
      String(r.data_json).includes('jsonencode'),
    );
    expect(seed.data_json).toContain(
      '{"file" = "$${file(\\"/etc/hostname\\")}", "tpl" = "%%{ if true }x%%{ endif }"}',
    );
  });

  it('lists each folder once, after writing its marker, so the listing is never empty', () => {
    const out = parse(
      Testing.synthScope((scope) => {
        new KvV2Secrets(scope, 'kv', {
          mountPath: 'secret',
          stackName: 'dev',
          secrets: [
            placeholderSecret,
            { ...placeholderSecret, name: 'app/a' },
            { ...placeholderSecret, name: 'app/b' },
          ],
        });
      }),
    );
    const listings = Object.values(out.data.vault_kv_secrets_list_v2);
    expect(listings.map((l) => l.name ?? '(root)').sort()).toEqual(['(root)', 'app']);
    const markers = Object.values(out.resource.vault_generic_endpoint)
      .map((e) => e.path as string)
      .filter((path) => path.includes('.eks-vault-eso'));
    expect(markers.sort()).toEqual([
      'secret/metadata/.eks-vault-eso-dev',
      'secret/metadata/app/.eks-vault-eso-dev',
    ]);
  });

  it('forgets the secrets of earlier versions (which purged on destroy) instead of destroying them', () => {
    const out = JSON.parse(
      Testing.synthScope((scope) => {
        new KvV2Secrets(scope, 'kv', {
          mountPath: 'secret',
          stackName: 'dev',
          secrets: [placeholderSecret],
        });
      }),
    ) as { removed: unknown[] };
    // The address an earlier version gave "my-secret" (its committed snapshot held it).
    expect(out.removed).toEqual([
      { from: 'vault_mount.kv_mount_FDFB2C73', lifecycle: { destroy: false } },
      { from: 'vault_kv_secret_v2.kv_my-secret_B73562F7', lifecycle: { destroy: false } },
    ]);
  });

  it('forgets retired secrets: the earlier layout, the seed and the value writer alike', () => {
    const out = JSON.parse(
      Testing.synthScope((scope) => {
        new KvV2Secrets(scope, 'kv', {
          mountPath: 'secret',
          stackName: 'dev',
          secrets: [placeholderSecret],
          retiredSecrets: ['team/legacy'],
        });
      }),
    ) as { removed: { from: string }[] };
    expect(out.removed.map((r) => r.from)).toEqual([
      'vault_mount.kv_mount_FDFB2C73',
      'vault_kv_secret_v2.kv_my-secret_B73562F7',
      expect.stringMatching(/^vault_kv_secret_v2\.kv_team-legacy_[0-9A-F]{8}$/),
      expect.stringMatching(/^vault_generic_endpoint\.kv_secret_team-legacy_seed_[0-9A-F]{8}$/),
      expect.stringMatching(
        /^vault_generic_endpoint\.kv_secret_team-legacy_purge-on-destroy_[0-9A-F]{8}$/,
      ),
      expect.stringMatching(/^vault_kv_secret_v2\.kv_secret_team-legacy_value_[0-9A-F]{8}$/),
    ]);
    // The seed a declared secret has is addressed the way retiring it forgets it.
    const seeds = Object.keys(
      parse(
        Testing.synthScope((scope) => {
          new KvV2Secrets(scope, 'kv', {
            mountPath: 'secret',
            stackName: 'dev',
            secrets: [{ ...placeholderSecret, name: 'team/legacy' }],
          });
        }),
      ).resource.vault_generic_endpoint,
    ).filter((n) => n.includes('_seed_'));
    expect(out.removed.map((r) => r.from)).toContain(`vault_generic_endpoint.${seeds[0]}`);
  });

  it('purges only with the explicit opt-in', () => {
    const out = parse(
      Testing.synthScope((scope) => {
        new KvV2Secrets(scope, 'kv', {
          mountPath: 'secret',
          stackName: 'dev',
          purgeOnDestroy: true,
          secrets: [placeholderSecret],
        });
      }),
    );
    expect(Object.values(out.resource.vault_generic_endpoint)).toContainEqual(
      expect.objectContaining({ path: 'secret/metadata/my-secret', data_json: '{}' }),
    );
  });

  it('writes write-only values through data_json_wo, keeping versions on destroy unless asked', () => {
    const out = Testing.synthScope((scope) => {
      new KvV2Secrets(scope, 'kv', {
        mountPath: 'secret',
        stackName: 'dev',
        secrets: [
          {
            name: 'app/db',
            values: { kind: 'write-only', json: '${jsonencode(var.x)}', version: 3 },
          },
        ],
      });
    });
    expect(out).toHaveResourceWithProperties(KvSecretV2, {
      name: 'app/db',
      data_json_wo: '${jsonencode(var.x)}',
      data_json_wo_version: 3,
      disable_read: true,
      delete_all_versions: false,
    });
    expect(out).not.toHaveResourceWithProperties(KvSecretV2, {
      data_json: expect.anything() as unknown,
    });
  });

  it('protects a managed mount with prevent_destroy and a guard that names the key', () => {
    const out = parse(
      Testing.synthScope((scope) => {
        new KvV2Secrets(scope, 'kv', {
          mountPath: 'secret',
          manageMount: true,
          stackName: 'dev',
          secrets: [{ name: 's', values: { kind: 'placeholder', pairs: { a: 'b' } } }],
        });
      }),
    );
    const [mount] = Object.values(out.resource.vault_mount);
    expect(mount).toEqual(
      expect.objectContaining({
        path: 'secret',
        type: 'kv',
        options: { version: '2' },
        lifecycle: { prevent_destroy: true },
      }),
    );
    expect(out.resource.terraform_data['destroy-needs-vault_kvMount_allowDestroy']).toEqual(
      expect.objectContaining({ triggers_replace: { path: 'secret' } }),
    );
    expect(Object.values(out.resource.vault_generic_endpoint)).toContainEqual(
      expect.objectContaining({
        path: expect.stringMatching(
          /^\$\{vault_mount\.[^.]+\.path\}\/metadata\/\.eks-vault-eso-dev$/,
        ) as unknown,
      }),
    );
  });
});
