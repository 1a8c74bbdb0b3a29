import { Policy } from '@cdktf/provider-vault/lib/policy';
import { Construct } from 'constructs';
import { kvV2Paths } from '../common/kv-paths';
import { NAMESPACE_METADATA } from '../common/names';

export interface PolicySecret {
  /** Secret name in the KV v2 mount. */
  readonly name: string;
  /**
   * Also grant `read` and `list` on its metadata.
   * @default false
   */
  readonly listMetadata?: boolean;
}

export interface SecretReadPolicyProps {
  /** Policy name, e.g. `my-policy`. */
  readonly name: string;
  /** KV version 2 mount path, e.g. `secret`. */
  readonly mountPath: string;
  /** The secrets to grant, and nothing else. */
  readonly secrets: readonly PolicySecret[];
}

/**
 * The policy text: `read` on each secret's `data/` path (the manual procedure's `secret/my-secret` without
 * `data/` grants nothing on KV v2), plus `read`/`list` on `metadata/` where asked. Exact paths, no
 * globs, sorted so the text is stable.
 */
export function renderReadPolicy(mountPath: string, secrets: readonly PolicySecret[]): string {
  const blocks: string[] = [];
  for (const secret of [...secrets].sort((a, b) => a.name.localeCompare(b.name))) {
    const paths = kvV2Paths(mountPath, secret.name);
    blocks.push(`path "${paths.data}" {\n  capabilities = ["read"]\n}\n`);
    if (secret.listMetadata ?? false) {
      blocks.push(`path "${paths.metadata}" {\n  capabilities = ["read", "list"]\n}\n`);
    }
  }
  return blocks.join('\n');
}

/** A Vault policy that lets its holder read exactly the declared secrets. */
export class SecretReadPolicy extends Construct {
  /** Policy name (a reference, so roles that name it wait for it). */
  readonly policyName: string;

  constructor(scope: Construct, id: string, props: SecretReadPolicyProps) {
    super(scope, id);
    const policy = new Policy(this, 'policy', {
      name: props.name,
      policy: renderReadPolicy(props.mountPath, props.secrets),
    });
    this.policyName = policy.name;
  }
}

/**
 * The templated policy of the shared-store design: `read` on `<mount>/data/<namespace>/*`, where
 * Vault fills in the namespace the login came from (its alias metadata on the auth mount), so
 * each tenant namespace reads its own prefix and nothing else.
 */
export function renderNamespacePrefixPolicy(mountPath: string, authAccessor: string): string {
  const namespace = `{{identity.entity.aliases.${authAccessor}.metadata.${NAMESPACE_METADATA}}}`;
  return `path "${kvV2Paths(mountPath, `${namespace}/*`).data}" {\n  capabilities = ["read"]\n}\n`;
}

export interface NamespacePrefixPolicyProps {
  /** Policy name. */
  readonly name: string;
  /** KV version 2 mount path. */
  readonly mountPath: string;
  /** Accessor of the auth mount the tenants log in with (a reference). */
  readonly authAccessor: string;
}

/** One policy for every tenant of the shared store: each namespace reads its own prefix. */
export class NamespacePrefixPolicy extends Construct {
  readonly policyName: string;

  constructor(scope: Construct, id: string, props: NamespacePrefixPolicyProps) {
    super(scope, id);
    const policy = new Policy(this, 'policy', {
      name: props.name,
      policy: renderNamespacePrefixPolicy(props.mountPath, props.authAccessor),
    });
    this.policyName = policy.name;
  }
}
