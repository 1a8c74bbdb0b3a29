import { KvSecretV2 } from '@cdktf/provider-vault/lib/kv-secret-v2';
import { Testing } from 'cdktf';
import { KvV2Secrets, LEGACY_SECRET_PATH } from '../../../constructs/kv-v2-secrets';
import { logicalIdOf } from '../../../constructs/terraform-blocks';
import { kebabId } from '../../../common/names';
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

  /** The `removed` blocks' addresses of a synthesized KvV2Secrets. */
  const forgotten = (props: Omit<ConstructorParameters<typeof KvV2Secrets>[2], 'stackName'>) =>
    (
      JSON.parse(
        Testing.synthScope((scope) => {
          new KvV2Secrets(scope, 'kv', { stackName: 'dev', ...props });
        }),
      ) as { removed: { from: string; lifecycle: unknown }[] }
    ).removed;
  /** The address a resource of `kv/<mount>/<secret>/<leaf>` has. */
  const addressOf = (type: string, mount: string, secret: string, leaf: string) =>
    `${type}.${logicalIdOf(['kv', kebabId(mount), kebabId(secret), leaf])}`;

  it('forgets the secrets of earlier versions (which purged on destroy) instead of destroying them', () => {
    const removed = forgotten({ mountPath: 'secret', secrets: [placeholderSecret] });
    // The address an earlier version gave "my-secret" (its committed snapshot held it).
    expect(removed).toContainEqual({
      from: 'vault_kv_secret_v2.kv_my-secret_B73562F7',
      lifecycle: { destroy: false },
    });
    expect(removed).toContainEqual({
      from: 'vault_mount.kv_mount_FDFB2C73',
      lifecycle: { destroy: false },
    });
    // ...and those of every name the ledger says was deployed, declared now or not.
    expect(
      forgotten({ mountPath: 'secret', secrets: [placeholderSecret], deployedNames: ['gone'] }).map(
        (r) => r.from,
      ),
    ).toContain(`vault_kv_secret_v2.${logicalIdOf(LEGACY_SECRET_PATH('gone'))}`);
  });

  it('forgets secrets leaving the configuration: the earlier layout, the seed, the value writer and the purge handle', () => {
    const removed = forgotten({
      mountPath: 'secret',
      purgeOnDestroy: true,
      secrets: [placeholderSecret],
      leaving: [{ name: 'team/legacy' }, { name: 'moved', mount: 'old-kv' }],
    }).map((r) => r.from);
    for (const [type, leaf] of [
      ['vault_generic_endpoint', 'seed'],
      ['vault_generic_endpoint', 'purge-on-destroy'],
      ['vault_kv_secret_v2', 'value'],
    ]) {
      expect(removed).toContain(addressOf(type, 'secret', 'team/legacy', leaf));
      expect(removed).toContain(addressOf(type, 'old-kv', 'moved', leaf));
    }
    expect(removed).toContain(
      `vault_kv_secret_v2.${logicalIdOf(LEGACY_SECRET_PATH('team/legacy'))}`,
    );
  });

  it('purges a leaving secret only when asked to and only through an existing purge handle', () => {
    const leaving = [{ name: 'team/legacy', purge: true }];
    const purgeHandle = addressOf(
      'vault_generic_endpoint',
      'secret',
      'team/legacy',
      'purge-on-destroy',
    );
    // With purge handles, the handle is destroyed (it purges); the seed is still forgotten.
    const purging = forgotten({
      mountPath: 'secret',
      purgeOnDestroy: true,
      secrets: [placeholderSecret],
      leaving,
    }).map((r) => r.from);
    expect(purging).not.toContain(purgeHandle);
    expect(purging).toContain(addressOf('vault_generic_endpoint', 'secret', 'team/legacy', 'seed'));
    // Without them nothing can purge: the secret is forgotten like any other.
    expect(
      forgotten({ mountPath: 'secret', secrets: [placeholderSecret], leaving }).map((r) => r.from),
    ).toContain(purgeHandle);
  });

  it("a value-mode switch forgets the other mode's writer, and turning purging off forgets the purge handles", () => {
    const writeOnly = {
      name: 'my-secret',
      values: { kind: 'write-only' as const, json: '${jsonencode(var.v)}', version: 1 },
    };
    expect(
      forgotten({ mountPath: 'secret', secrets: [placeholderSecret] }).map((r) => r.from),
    ).toEqual(
      expect.arrayContaining([
        addressOf('vault_kv_secret_v2', 'secret', 'my-secret', 'value'),
        addressOf('vault_generic_endpoint', 'secret', 'my-secret', 'purge-on-destroy'),
      ]),
    );
    const removed = forgotten({
      mountPath: 'secret',
      purgeOnDestroy: true,
      secrets: [writeOnly],
    }).map((r) => r.from);
    expect(removed).toContain(addressOf('vault_generic_endpoint', 'secret', 'my-secret', 'seed'));
    expect(removed).not.toContain(
      addressOf('vault_generic_endpoint', 'secret', 'my-secret', 'purge-on-destroy'),
    );
  });

  it("write-only values: never purged by their own destroy, and a destroy refused unless purging or the mount's destroy is allowed", () => {
    const writeOnly = {
      name: 'my-secret',
      values: { kind: 'write-only' as const, json: '${jsonencode(var.v)}', version: 1 },
    };
    const synth = (extra: Record<string, unknown>) =>
      parse(
        Testing.synthScope((scope) => {
          new KvV2Secrets(scope, 'kv', {
            mountPath: 'secret',
            stackName: 'dev',
            secrets: [writeOnly],
            ...extra,
          });
        }),
      );
    const guarded = synth({});
    expect(Object.values(guarded.resource.vault_kv_secret_v2)[0]).toEqual(
      expect.objectContaining({
        delete_all_versions: false,
        lifecycle: { ignore_changes: ['delete_all_versions'] },
      }),
    );
    expect(
      guarded.resource.terraform_data['destroy-needs-vault_kvMount_purgeSecretsOnDestroy'],
    ).toEqual(
      expect.objectContaining({
        input: {
          protects: 'the current versions of the write-only secrets in "secret"',
          allowKey: 'vault.kvMount.purgeSecretsOnDestroy',
        },
      }),
    );
    expect(synth({ purgeOnDestroy: true }).resource.terraform_data).toBeUndefined();
    expect(
      Object.keys(
        synth({ manageMount: true, allowMountDestroy: true }).resource.terraform_data ?? {},
      ),
    ).toEqual([]);
  });

  it('a secret whose value arrives from elsewhere is never seeded: the plan stops until it exists, naming the command', () => {
    const out = parse(
      Testing.synthScope((scope) => {
        new KvV2Secrets(scope, 'kv', {
          mountPath: 'secret',
          stackName: 'dev',
          secrets: [
            {
              name: 'app/new',
              values: {
                kind: 'arrives',
                before: 'run `npm run move-secret -- --env dev --secret app/new`',
              },
            },
          ],
        });
      }),
    );
    const [seed] = Object.entries(out.resource.vault_generic_endpoint)
      .filter(([n]) => n.includes('_seed_'))
      .map(([, b]) => b);
    const listing = Object.keys(out.data.vault_kv_secrets_list_v2)[0];
    expect(seed).toEqual(
      expect.objectContaining({
        path: 'secret/metadata/app/new',
        data_json: '{}',
        disable_delete: true,
        lifecycle: {
          ignore_changes: 'all',
          precondition: [
            {
              condition: `\${contains(nonsensitive(data.vault_kv_secrets_list_v2.${listing}.names), "new")}`,
              error_message:
                'The secret "secret/data/app/new" has no value yet, and it is never seeded with placeholders (its value arrives from elsewhere): run `npm run move-secret -- --env dev --secret app/new`, then plan again.',
            },
          ],
        },
      }),
    );
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
