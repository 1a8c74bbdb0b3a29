import { DataVaultKvSecretsListV2 } from '@cdktf/provider-vault/lib/data-vault-kv-secrets-list-v2';
import { GenericEndpoint } from '@cdktf/provider-vault/lib/generic-endpoint';
import { Mount } from '@cdktf/provider-vault/lib/mount';
import { TerraformLocal } from 'cdktf';
import { Construct } from 'constructs';
import { kvV2Paths, splitSecretName } from '../common/chain/kv-path';
import { allowAnyChildId } from '../common/construct-ids';
import { hclString } from '../common/hcl';
import { DECLARED_SECRETS_LOCAL, kebabId } from '../common/names';
import type { DeclaredSecret } from '../common/stack-json';
import { DestroyGuard } from './destroy-guard';
import { RawResource, RemovedResources, childLogicalId, logicalIdOf } from './terraform-blocks';

/** Where one secret's first values come from. */
export type KvSecretValues =
  /** Placeholder pairs, written once if the secret has no version yet; never written again. */
  | { readonly kind: 'placeholder'; readonly pairs: Readonly<Record<string, string>> }
  /** A JSON object (an expression over a sensitive, ephemeral variable) written write-only. */
  | { readonly kind: 'write-only'; readonly json: string; readonly version: number }
  /**
   * Nothing is written: the value arrives from elsewhere (a moved secret's old path, an adopted
   * Kubernetes Secret). A plan stops until the secret exists, saying `before` (the command that
   * brings it), so placeholders are never served where a value existed.
   */
  | { readonly kind: 'arrives'; readonly before: string };

/** A secret leaving the configuration: forgotten (versions kept), or purged on request. */
export interface LeavingSecret {
  /** Its name in the mount. */
  readonly name: string;
  /**
   * The mount it leaves.
   * @default this construct's mount
   */
  readonly mount?: string;
  /**
   * Purge every version now (only where purge handles exist: `purgeOnDestroy`).
   * @default false: forgotten, every version kept
   */
  readonly purge?: boolean;
}

export interface KvV2SecretInput {
  /** Secret name in the mount, e.g. `my-secret` or `app/config`. */
  readonly name: string;
  readonly values: KvSecretValues;
}

export interface KvV2SecretsProps {
  /** Path of the KV version 2 mount, e.g. `secret`. */
  readonly mountPath: string;
  /**
   * Create the mount here.
   * @default false: the mount must already exist, and is never touched
   */
  readonly manageMount?: boolean;
  /**
   * Let Terraform destroy or replace the managed mount (and with it every secret in it).
   * @default false: a plan that would destroy or replace it fails, naming `vault.kvMount.allowDestroy`
   */
  readonly allowMountDestroy?: boolean;
  /**
   * Keep a purge handle per secret: destroying the stack, or a secret leaving with `purge`,
   * purges every version and the metadata. Turning it off forgets the handles (purges nothing).
   * @default false: nothing the stack does ever deletes a version
   */
  readonly purgeOnDestroy?: boolean;
  /** Name of the stack, written into the folder markers so that two stacks never share one. */
  readonly stackName: string;
  /** The secrets to create in it. */
  readonly secrets: readonly KvV2SecretInput[];
  /**
   * Secrets taken out of the configuration (retired, or moved away): forgotten, never destroyed,
   * unless purged on request.
   * @default none
   */
  readonly leaving?: readonly LeavingSecret[];
  /**
   * Names of every secret the stack ever deployed (its ledger): the writers of earlier versions
   * of this program at their names are forgotten, never destroyed.
   * @default none
   */
  readonly deployedNames?: readonly string[];
}

/**
 * Construct paths of the secrets as earlier versions of this program declared them (one
 * `vault_kv_secret_v2` at `kv/<id>`, with `delete_all_versions = true`). Each is forgotten with a
 * `removed` block, so an upgrade never purges what people wrote there.
 */
export const LEGACY_SECRET_PATH = (name: string): readonly string[] => ['kv', kebabId(name)];

/** The leaves each secret's resources have below `kv/<mount>/<secret>/`. */
const LEAVES = { seed: 'seed', value: 'value', purge: 'purge-on-destroy' } as const;

/**
 * A KV version 2 mount (managed or existing) and its secrets. The program never holds real values
 * and never takes a value away:
 * - placeholder secrets are seeded once, with check-and-set 0 (Vault refuses the write if the
 *   secret has any version), and only if the secret does not exist at plan time (a per-folder
 *   listing says so); after that Terraform ignores them, and their destroy does nothing in Vault;
 * - write-only values pass through `data_json_wo` and reach neither the plan nor the state; their
 *   destroy would delete the current version, so a stack that holds them refuses a destroy
 *   (a guard naming `vault.kvMount.purgeSecretsOnDestroy`) unless that or the mount's destroy is
 *   allowed;
 * - a secret whose value arrives from elsewhere (moved, adopted) is never seeded: the plan stops
 *   until it exists;
 * - whatever leaves the configuration (a secret retired or moved away, the writer of the other
 *   value mode, the purge handles when purging is turned off, the writers of earlier versions of
 *   this program) is forgotten with `removed` blocks, never destroyed;
 * - purging versions happens only through the purge handles of `purgeOnDestroy`: on a destroy of
 *   the stack, or for a secret retired with `purge`.
 */
export class KvV2Secrets extends Construct {
  /** Mount path (a reference when the mount is managed here, so secrets wait for it). */
  readonly mountPath: string;
  /** For each secret name, the address of the resource an ExternalSecret of it must wait for. */
  readonly secretAddresses: ReadonlyMap<string, string>;
  /** The managed mount's address (none when the mount already exists). */
  private readonly mountAddress?: string;

  constructor(scope: Construct, id: string, props: KvV2SecretsProps) {
    super(scope, id);
    // Children named after the mount and the secrets, which may be "constructor".
    allowAnyChildId(this);
    const mount = this.mount(props);
    this.mountPath = mount.path;
    this.mountAddress = mount.address;
    new TerraformLocal(this, DECLARED_SECRETS_LOCAL, {
      secrets: props.secrets.map((s): DeclaredSecret => ({ mount: props.mountPath, name: s.name })),
    }).overrideLogicalId(DECLARED_SECRETS_LOCAL);
    this.secretAddresses = this.writers(props);
    this.guardWriteOnlyValues(props);
    this.forget(id, props);
  }

  /** The managed mount (guarded unless its destroy is allowed), or an existing one, forgotten. */
  private mount(props: KvV2SecretsProps): { path: string; address?: string } {
    if (!(props.manageMount ?? false)) {
      // No longer managed: forget a mount this stack may have created, never delete it.
      new RemovedResources(this, 'unmanaged-mount', [
        { address: `vault_mount.${childLogicalId(this, 'mount')}` },
      ]);
      return { path: props.mountPath };
    }
    const allowDestroy = props.allowMountDestroy ?? false;
    const mount = new Mount(this, 'mount', {
      path: props.mountPath,
      type: 'kv',
      options: { version: '2' },
      description: 'KV v2 secrets synced to Kubernetes by External Secrets Operator',
      lifecycle: { preventDestroy: !allowDestroy },
    });
    if (!allowDestroy) {
      new DestroyGuard(this, 'mount-guard', {
        protects: `the KV mount "${props.mountPath}"`,
        allowKey: 'vault.kvMount.allowDestroy',
        identity: { path: props.mountPath },
      });
    }
    return { path: mount.path, address: `vault_mount.${mount.friendlyUniqueId}` };
  }

  /**
   * One seed or value writer per secret, written as plain JSON (RawResource): the bindings'
   * classes and Fn helpers cost several tokens per resource. Returns each writer's address.
   */
  private writers(props: KvV2SecretsProps): Map<string, string> {
    const addresses = new Map<string, string>();
    const folders = new Map<string, DataVaultKvSecretsListV2>();
    const mountScope = allowAnyChildId(new Construct(this, kebabId(props.mountPath)));
    const listingOf = (name: string) => {
      const { folder } = splitSecretName(name);
      let listing = folders.get(folder);
      if (listing === undefined) {
        listing = this.folderListing(mountScope, folder, props.stackName);
        folders.set(folder, listing);
      }
      return listing;
    };
    for (const secret of props.secrets) {
      const scopeOfSecret = new Construct(mountScope, kebabId(secret.name));
      const writer =
        secret.values.kind === 'write-only'
          ? new RawResource(scopeOfSecret, LEAVES.value, 'vault_kv_secret_v2', {
              mount: this.mountAddress ? `\${${this.mountAddress}.path}` : props.mountPath,
              name: secret.name,
              // Never read values back: in write-only mode reading would copy them into the state.
              disable_read: true,
              // Purging is the purge handle's job; this stays as earlier versions wrote it.
              delete_all_versions: false,
              data_json_wo: secret.values.json,
              data_json_wo_version: secret.values.version,
              lifecycle: { ignore_changes: ['delete_all_versions'] },
            })
          : this.seed(scopeOfSecret, props, secret, listingOf(secret.name));
      if (props.purgeOnDestroy ?? false) {
        // An empty metadata write changes nothing; its destroy deletes the metadata, which
        // purges every version. Only with the explicit opt-in.
        new RawResource(scopeOfSecret, LEAVES.purge, 'vault_generic_endpoint', {
          path: kvV2Paths(props.mountPath, secret.name).metadata,
          data_json: '{}',
          disable_read: true,
          depends_on: [writer.address],
        });
      }
      addresses.set(secret.name, writer.address);
    }
    return addresses;
  }

  /**
   * A seed: placeholders written once, with check-and-set 0 (Vault refuses the write if the
   * secret has any version by then), and only if the folder listing does not name the secret. A
   * secret whose value arrives from elsewhere writes nothing and stops the plan until it exists.
   */
  private seed(
    scope: Construct,
    props: KvV2SecretsProps,
    secret: KvV2SecretInput,
    listing: DataVaultKvSecretsListV2,
  ): RawResource {
    const paths = kvV2Paths(props.mountPath, secret.name);
    const names = `data.vault_kv_secrets_list_v2.${listing.friendlyUniqueId}.names`;
    const exists = `contains(nonsensitive(${names}), ${hclString(splitSecretName(secret.name).key)})`;
    // A secret that exists already is not written: the seed posts nothing to its metadata
    // (a no-op for Vault), so upgrades and adopted secrets keep every version as it is.
    const body = {
      disable_read: true,
      disable_delete: true,
      lifecycle: { ignore_changes: 'all' },
    };
    if (secret.values.kind === 'arrives')
      return new RawResource(scope, LEAVES.seed, 'vault_generic_endpoint', {
        path: paths.metadata,
        data_json: '{}',
        ...body,
        lifecycle: {
          ...body.lifecycle,
          precondition: [
            {
              condition: `\${${exists}}`,
              error_message: `The secret "${paths.data}" has no value yet, and it is never seeded with placeholders (its value arrives from elsewhere): ${secret.values.before}, then plan again.`,
            },
          ],
        },
      });
    if (secret.values.kind !== 'placeholder') throw new Error('a seed holds placeholders');
    const pairs = Object.entries(secret.values.pairs)
      .map(([k, v]) => `${hclString(k)} = ${hclString(v)}`)
      .join(', ');
    // Check-and-set 0: Vault refuses the write if the secret has any version by then.
    const seedBody = `jsonencode({"data" = {${pairs}}, "options" = {"cas" = 0}})`;
    return new RawResource(scope, LEAVES.seed, 'vault_generic_endpoint', {
      path: `\${${exists} ? ${hclString(paths.metadata)} : ${hclString(paths.data)}}`,
      data_json: `\${${exists} ? "{}" : ${seedBody}}`,
      ...body,
    });
  }

  /**
   * A destroy of a write-only value deletes its current version: a stack that holds them
   * refuses it (the guard's address names the key) unless purging or the mount's destroy is
   * explicitly allowed.
   */
  private guardWriteOnlyValues(props: KvV2SecretsProps): void {
    const writeOnly = props.secrets.some((s) => s.values.kind === 'write-only');
    const mountGoesAnyway = (props.manageMount ?? false) && (props.allowMountDestroy ?? false);
    if (!writeOnly || (props.purgeOnDestroy ?? false) || mountGoesAnyway) return;
    new DestroyGuard(this, 'write-only-guard', {
      protects: `the current versions of the write-only secrets in "${props.mountPath}"`,
      allowKey: 'vault.kvMount.purgeSecretsOnDestroy',
      identity: { mount: props.mountPath },
    });
  }

  /**
   * Everything that leaves the configuration is forgotten: its state entry dropped, its versions
   * kept in Vault. A purge handle is destroyed (which purges) only for a secret leaving with
   * `purge`.
   */
  private forget(id: string, props: KvV2SecretsProps): void {
    const address = (name: string, leaf: string, mount = props.mountPath) =>
      `${leaf === LEAVES.value ? 'vault_kv_secret_v2' : 'vault_generic_endpoint'}.${logicalIdOf([id, kebabId(mount), kebabId(name), leaf])}`;
    const purging = props.purgeOnDestroy ?? false;
    const current = props.secrets.flatMap((s) => [
      // The writer of the other value mode.
      address(s.name, s.values.kind === 'write-only' ? LEAVES.seed : LEAVES.value),
      // Purge handles of a purge flag turned off.
      ...(purging ? [] : [address(s.name, LEAVES.purge)]),
    ]);
    const leaving = (props.leaving ?? []).flatMap((s) => [
      address(s.name, LEAVES.seed, s.mount),
      ...(s.purge && purging
        ? []
        : [address(s.name, LEAVES.value, s.mount), address(s.name, LEAVES.purge, s.mount)]),
    ]);
    // Earlier versions of this program wrote every secret as a purging vault_kv_secret_v2.
    const legacy = [
      ...new Set([
        ...props.secrets.map((s) => s.name),
        ...(props.leaving ?? []).map((s) => s.name),
        ...(props.deployedNames ?? []),
      ]),
    ].map((name) => `vault_kv_secret_v2.${logicalIdOf(LEGACY_SECRET_PATH(name))}`);
    new RemovedResources(
      this,
      'forgotten-secrets',
      [...new Set([...legacy, ...current, ...leaving])].map((a) => ({ address: a })),
    );
  }

  /**
   * One listing per folder of secrets, with a marker entry of this stack in the folder so that
   * the listing never finds it empty (Vault answers 404 for an empty folder).
   */
  private folderListing(
    scope: Construct,
    folder: string,
    stackName: string,
  ): DataVaultKvSecretsListV2 {
    const folderId = folder === '' ? 'root' : `folder-${kebabId(folder)}`;
    const markerName = `${folder === '' ? '' : `${folder}/`}.eks-vault-eso-${stackName}`;
    const marker = new GenericEndpoint(scope, `${folderId}-marker`, {
      path: kvV2Paths(this.mountPath, markerName).metadata,
      dataJson: JSON.stringify({
        custom_metadata: {
          'managed-by': 'eks-vault-eso',
          stack: stackName,
          purpose: 'folder marker: lets the stack list this folder to seed only new secrets',
        },
      }),
      ignoreAbsentFields: true,
    });
    return new DataVaultKvSecretsListV2(scope, `${folderId}-listing`, {
      mount: this.mountPath,
      name: folder === '' ? undefined : folder,
      dependsOn: [marker],
    });
  }
}
