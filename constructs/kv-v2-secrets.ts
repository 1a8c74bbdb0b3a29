import { KvSecretV2 } from '@cdktf/provider-vault/lib/kv-secret-v2';
import { Mount } from '@cdktf/provider-vault/lib/mount';
import { Construct } from 'constructs';
import { kebabId } from './resource-ids';

/** Where one secret's initial values come from. */
export type KvSecretValues =
  /** Placeholder pairs written once; later edits in Vault are left alone. */
  | { readonly kind: 'placeholder'; readonly pairs: Readonly<Record<string, string>> }
  /** A JSON object (a reference to a sensitive, ephemeral variable) written write-only. */
  | { readonly kind: 'write-only'; readonly json: string; readonly version: number };

export interface KvV2SecretInput {
  /** Secret name in the mount, e.g. `my-secret`. */
  readonly name: string;
  readonly values: KvSecretValues;
}

export interface KvV2SecretsProps {
  /** Path of the KV version 2 mount, e.g. `secret`. */
  readonly mountPath: string;
  /**
   * Create the mount here.
   * @default false: the mount must already exist
   */
  readonly manageMount?: boolean;
  /** The secrets to create in it. */
  readonly secrets: readonly KvV2SecretInput[];
}

/**
 * A KV version 2 mount (managed or existing) and its secrets. The program never holds real values:
 * placeholders are created once and then belong to the people who edit them in Vault; write-only
 * values pass through `data_json_wo` and reach neither the plan nor the state.
 */
export class KvV2Secrets extends Construct {
  /** Mount path (a reference when the mount is managed here, so secrets wait for it). */
  readonly mountPath: string;

  constructor(scope: Construct, id: string, props: KvV2SecretsProps) {
    super(scope, id);

    if (props.manageMount ?? false) {
      const mount = new Mount(this, 'mount', {
        path: props.mountPath,
        type: 'kv',
        options: { version: '2' },
        description: 'KV v2 secrets synced to Kubernetes by External Secrets Operator',
      });
      this.mountPath = mount.path;
    } else {
      this.mountPath = props.mountPath;
    }

    for (const secret of props.secrets) {
      const common = {
        mount: this.mountPath,
        name: secret.name,
        // Never read values back: people edit them in Vault (not drift), and in write-only mode
        // reading would copy them into the state.
        disableRead: true,
        // Destroy removes every version and the metadata, leaving nothing behind.
        deleteAllVersions: true,
      };
      if (secret.values.kind === 'placeholder') {
        new KvSecretV2(this, kebabId(secret.name), {
          ...common,
          dataJson: JSON.stringify(secret.values.pairs),
          lifecycle: { ignoreChanges: ['data_json'] },
        });
      } else {
        new KvSecretV2(this, kebabId(secret.name), {
          ...common,
          dataJsonWo: secret.values.json,
          dataJsonWoVersion: secret.values.version,
        });
      }
    }
  }
}
