import { DataVaultKvSecretsListV2 } from '@cdktf/provider-vault/lib/data-vault-kv-secrets-list-v2';
import { GenericEndpoint } from '@cdktf/provider-vault/lib/generic-endpoint';
import { KvSecretV2 } from '@cdktf/provider-vault/lib/kv-secret-v2';
import { Mount } from '@cdktf/provider-vault/lib/mount';
import { Fn, type ITerraformDependable, TerraformLocal, Token, conditional } from 'cdktf';
import { Construct } from 'constructs';
import { kvV2Paths } from '../common/kv-paths';
import { DECLARED_SECRETS_LOCAL, kebabId } from '../common/names';
import type { DeclaredSecret } from '../rules/stack-json';
import { DestroyGuard } from './destroy-guard';
import { RemovedResources, logicalIdOf } from './terraform-blocks';

/** Where one secret's first values come from. */
export type KvSecretValues =
  /** Placeholder pairs, written once if the secret has no version yet; never written again. */
  | { readonly kind: 'placeholder'; readonly pairs: Readonly<Record<string, string>> }
  /** A JSON object (a reference to a sensitive, ephemeral variable) written write-only. */
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

/** `app/config` -> folder `app`, key `config`; `my-secret` -> folder ``, key `my-secret`. */
function splitName(name: string): { folder: string; key: string } {
  const slash = name.lastIndexOf('/');
  return slash < 0
    ? { folder: '', key: name }
    : { folder: name.slice(0, slash), key: name.slice(slash + 1) };
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
  /** For each secret name, the resource an ExternalSecret of it must wait for. */
  readonly secretResources: ReadonlyMap<string, ITerraformDependable>;

  constructor(scope: Construct, id: string, props: KvV2SecretsProps) {
    super(scope, id);

    if (props.manageMount ?? false) {
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
      this.mountPath = mount.path;
    } else {
      // No longer managed: forget a mount this stack may have created, never delete it.
      new RemovedResources(this, 'unmanaged-mount', [
        { address: `vault_mount.${logicalIdOf([id, 'mount'])}` },
      ]);
      this.mountPath = props.mountPath;
    }

    new TerraformLocal(this, DECLARED_SECRETS_LOCAL, {
      secrets: props.secrets.map((s): DeclaredSecret => ({ mount: props.mountPath, name: s.name })),
    }).overrideLogicalId(DECLARED_SECRETS_LOCAL);

    const resources = new Map<string, ITerraformDependable>();
    const folders = new Map<string, DataVaultKvSecretsListV2>();
    const mountScope = new Construct(this, kebabId(props.mountPath));
    for (const secret of props.secrets) {
      const scopeOfSecret = new Construct(mountScope, kebabId(secret.name));
      const paths = kvV2Paths(props.mountPath, secret.name);
      if (secret.values.kind === 'placeholder') {
        const { folder, key } = splitName(secret.name);
        let listing = folders.get(folder);
        if (listing === undefined) {
          listing = this.folderListing(mountScope, folder, props.stackName);
          folders.set(folder, listing);
        }
        const exists = Token.asAny(Fn.contains(Fn.nonsensitive(listing.names), key));
        // Check-and-set 0: Vault refuses the write if the secret has any version by then.
        const seedBody = Fn.jsonencode({ data: secret.values.pairs, options: { cas: 0 } });
        // A secret that exists already is not written: the seed posts nothing to its metadata
        // (a no-op for Vault), so upgrades and adopted secrets keep every version as it is.
        resources.set(
          secret.name,
          new GenericEndpoint(scopeOfSecret, 'seed', {
            path: Token.asString(conditional(exists, paths.metadata, paths.data)),
            dataJson: Token.asString(conditional(exists, '{}', seedBody)),
            disableRead: true,
            disableDelete: true,
            lifecycle: { ignoreChanges: 'all' },
          }),
        );
      } else {
        resources.set(
          secret.name,
          new KvSecretV2(scopeOfSecret, 'value', {
            mount: this.mountPath,
            name: secret.name,
            // Never read values back: in write-only mode reading would copy them into the state.
            disableRead: true,
            deleteAllVersions: props.purgeOnDestroy ?? false,
            dataJsonWo: secret.values.json,
            dataJsonWoVersion: secret.values.version,
          }),
        );
      }
      if ((props.purgeOnDestroy ?? false) && secret.values.kind === 'placeholder') {
        // An empty metadata write changes nothing; its destroy deletes the metadata, which purges
        // every version. Only with the explicit opt-in.
        new GenericEndpoint(scopeOfSecret, 'purge-on-destroy', {
          path: paths.metadata,
          dataJson: '{}',
          disableRead: true,
          dependsOn: [resources.get(secret.name)!],
        });
      }
    }
    this.secretResources = resources;

    // Secrets of earlier versions of this program (declared or retired), and secrets retired
    // from this one: their state entries are dropped, their versions stay in Vault.
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
