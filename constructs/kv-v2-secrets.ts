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
  | { readonly kind: 'write-only'; readonly json: string; readonly version: number };

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
   * Purge every version and the metadata of each secret when it leaves the configuration or the
   * stack is destroyed.
   * @default false: a secret leaves the configuration with its versions kept in Vault
   */
  readonly purgeOnDestroy?: boolean;
  /** Name of the stack, written into the folder markers so that two stacks never share one. */
  readonly stackName: string;
  /** The secrets to create in it. */
  readonly secrets: readonly KvV2SecretInput[];
  /**
   * Names of secrets taken out of the configuration: forgotten, never destroyed.
   * @default none
   */
  readonly retiredSecrets?: readonly string[];
}

/**
 * Construct paths of the secrets as earlier versions of this program declared them (one
 * `vault_kv_secret_v2` at `kv/<id>`, with `delete_all_versions = true`). Each is forgotten with a
 * `removed` block, so an upgrade never purges what people wrote there.
 */
export const LEGACY_SECRET_PATH = (name: string): readonly string[] => ['kv', kebabId(name)];

/**
 * A KV version 2 mount (managed or existing) and its secrets. The program never holds real values
 * and never takes a value away:
 * - placeholder secrets are seeded once, with check-and-set 0 (Vault refuses the write if the
 *   secret has any version), and only if the secret does not exist at plan time (a per-folder
 *   listing says so); after that Terraform ignores them, and their destroy does nothing in Vault;
 * - write-only values pass through `data_json_wo` and reach neither the plan nor the state;
 * - purging versions happens only with `purgeOnDestroy`.
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
    for (const secret of props.secrets) {
      const scopeOfSecret = new Construct(mountScope, kebabId(secret.name));
      let writer: RawResource;
      if (secret.values.kind === 'placeholder') {
        const { folder } = splitSecretName(secret.name);
        let listing = folders.get(folder);
        if (listing === undefined) {
          listing = this.folderListing(mountScope, folder, props.stackName);
          folders.set(folder, listing);
        }
        writer = this.seed(scopeOfSecret, props, secret.name, secret.values.pairs, listing);
      } else {
        writer = new RawResource(scopeOfSecret, 'value', 'vault_kv_secret_v2', {
          mount: this.mountAddress ? `\${${this.mountAddress}.path}` : props.mountPath,
          name: secret.name,
          // Never read values back: in write-only mode reading would copy them into the state.
          disable_read: true,
          delete_all_versions: props.purgeOnDestroy ?? false,
          data_json_wo: secret.values.json,
          data_json_wo_version: secret.values.version,
        });
      }
      addresses.set(secret.name, writer.address);
    }
    return addresses;
  }

  /**
   * A placeholder seed: written once, with check-and-set 0 (Vault refuses the write if the
   * secret has any version by then), and only if the folder listing does not name the secret.
   */
  private seed(
    scope: Construct,
    props: KvV2SecretsProps,
    name: string,
    placeholders: Readonly<Record<string, string>>,
    listing: DataVaultKvSecretsListV2,
  ): RawResource {
    const paths = kvV2Paths(props.mountPath, name);
    const names = `data.vault_kv_secrets_list_v2.${listing.friendlyUniqueId}.names`;
    const exists = `contains(nonsensitive(${names}), ${hclString(splitSecretName(name).key)})`;
    const pairs = Object.entries(placeholders)
      .map(([k, v]) => `${hclString(k)} = ${hclString(v)}`)
      .join(', ');
    const seedBody = `jsonencode({"data" = {${pairs}}, "options" = {"cas" = 0}})`;
    // A secret that exists already is not written: the seed posts nothing to its metadata
    // (a no-op for Vault), so upgrades and adopted secrets keep every version as it is.
    const seed = new RawResource(scope, 'seed', 'vault_generic_endpoint', {
      path: `\${${exists} ? ${hclString(paths.metadata)} : ${hclString(paths.data)}}`,
      data_json: `\${${exists} ? "{}" : ${seedBody}}`,
      disable_read: true,
      disable_delete: true,
      lifecycle: { ignore_changes: 'all' },
    });
    if (props.purgeOnDestroy ?? false) {
      // An empty metadata write changes nothing; its destroy deletes the metadata, which
      // purges every version. Only with the explicit opt-in.
      new RawResource(scope, 'purge-on-destroy', 'vault_generic_endpoint', {
        path: paths.metadata,
        data_json: '{}',
        disable_read: true,
        depends_on: [seed.address],
      });
    }
    return seed;
  }

  /**
   * Secrets of earlier versions of this program (declared or retired), and secrets retired from
   * this one: their state entries are dropped, their versions stay in Vault.
   */
  private forget(id: string, props: KvV2SecretsProps): void {
    const retired = props.retiredSecrets ?? [];
    const secretPath = (name: string, leaf: string) => [
      id,
      kebabId(props.mountPath),
      kebabId(name),
      leaf,
    ];
    new RemovedResources(this, 'forgotten-secrets', [
      ...[...props.secrets.map((s) => s.name), ...retired].map((name) => ({
        address: `vault_kv_secret_v2.${logicalIdOf(LEGACY_SECRET_PATH(name))}`,
      })),
      ...retired.flatMap((name) => [
        { address: `vault_generic_endpoint.${logicalIdOf(secretPath(name, 'seed'))}` },
        { address: `vault_generic_endpoint.${logicalIdOf(secretPath(name, 'purge-on-destroy'))}` },
        { address: `vault_kv_secret_v2.${logicalIdOf(secretPath(name, 'value'))}` },
      ]),
    ]);
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
