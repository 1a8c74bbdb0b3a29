/**
 * The Vault read policy: written by the policy constructs, read by the chain rules (CHAIN-001,
 * CHAIN-006) in the synthesized JSON and by the doctor in the policy Vault holds. One module, so
 * a change of its shape is one edit.
 */
import { NAMESPACE_METADATA } from '../names';
import { kvV2Paths } from './kv-path';

export interface PolicyPath {
  readonly path: string;
  readonly capabilities: string[];
}

/** A secret a read policy grants. */
export interface PolicySecret {
  /** Secret name in the KV v2 mount. */
  readonly name: string;
  /**
   * Also grant `read` and `list` on its metadata.
   * @default false
   */
  readonly listMetadata?: boolean;
}

/**
 * The policy text: `read` on each secret's `data/` path (the manual procedure's `secret/my-secret`
 * without `data/` grants nothing on KV v2), plus `read`/`list` on `metadata/` where asked, plus
 * `read` on each dynamic credential's `<mount>/creds/<role>` path (reading it issues one). Exact
 * paths, no globs, sorted so the text is stable.
 */
export function renderReadPolicy(
  mountPath: string,
  secrets: readonly PolicySecret[],
  credentialPaths: readonly string[] = [],
): string {
  const blocks: string[] = [];
  for (const secret of [...secrets].sort((a, b) => a.name.localeCompare(b.name))) {
    const paths = kvV2Paths(mountPath, secret.name);
    blocks.push(`path "${paths.data}" {\n  capabilities = ["read"]\n}\n`);
    if (secret.listMetadata ?? false) {
      blocks.push(`path "${paths.metadata}" {\n  capabilities = ["read", "list"]\n}\n`);
    }
  }
  for (const path of [...credentialPaths].sort())
    blocks.push(`path "${path}" {\n  capabilities = ["read"]\n}\n`);
  return blocks.join('\n');
}

/** The template Vault fills with the namespace a login came from through the auth mount `accessor`. */
export function namespaceTemplate(accessor: string): string {
  return `{{identity.entity.aliases.${accessor}.metadata.${NAMESPACE_METADATA}}}`;
}

/** Every namespace template in a pattern; group 1 is the accessor (a literal or a reference). */
const NAMESPACE_TEMPLATES = new RegExp(
  `\\{\\{identity\\.entity\\.aliases\\.(.+?)\\.metadata\\.${NAMESPACE_METADATA}\\}\\}`,
  'g',
);

/**
 * The templated policy of the shared-store design: `read` on `<mount>/data/<namespace>/*`, where
 * Vault fills in the namespace the login came from (its alias metadata on the auth mount), so
 * each tenant namespace reads its own prefix and nothing else.
 */
export function renderNamespacePrefixPolicy(mountPath: string, authAccessor: string): string {
  return `path "${kvV2Paths(mountPath, `${namespaceTemplate(authAccessor)}/*`).data}" {\n  capabilities = ["read"]\n}\n`;
}

/** An auth mount's accessor as the synthesized stack spells it: a reference to the backend. */
const ACCESSOR_REFERENCE = /^\$\{vault_(jwt_)?auth_backend\.[^.}]+\.accessor\}$/;

/**
 * Is `path` the shared store's templated grant on `mount`, as the stack writes it (the template
 * naming an auth backend of the stack)?
 */
export function isNamespacePrefixGrant(path: string, mount: string): boolean {
  const prefix = `${kvV2Paths(mount, '').data}`;
  if (!path.startsWith(prefix) || !path.endsWith('/*')) return false;
  const template = path.slice(prefix.length, -'/*'.length);
  const match = new RegExp(`^${NAMESPACE_TEMPLATES.source}$`).exec(template);
  return match !== null && ACCESSOR_REFERENCE.test(match[1]);
}

/**
 * A templated pattern as Vault renders it for a login from `namespace` through the auth mount
 * `accessor`; a template naming another mount renders empty, which Vault treats as no grant.
 */
export function renderNamespaceTemplate(
  pattern: string,
  accessor: string,
  namespace: string,
): string | undefined {
  let unresolved = false;
  const rendered = pattern.replace(NAMESPACE_TEMPLATES, (_, mount: string) => {
    if (mount !== accessor) unresolved = true;
    return namespace;
  });
  return unresolved ? undefined : rendered;
}

const PATH_BLOCK = /path\s+"([^"]*)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}/g;

/** Parses the `path "..." { capabilities = [...] }` blocks; `rest` is any text that is not one. */
export function parsePolicy(text: string): { paths: PolicyPath[]; rest: string } {
  const paths: PolicyPath[] = [];
  const rest = text.replace(PATH_BLOCK, (_all, path: string, caps: string) => {
    paths.push({
      path,
      capabilities: caps
        .split(',')
        .map((c) => c.trim().replace(/^"|"$/g, ''))
        .filter((c) => c.length > 0),
    });
    return '';
  });
  return { paths, rest: rest.replace(/#[^\n]*/g, '').trim() };
}

/** Does a Vault policy path pattern cover `path`? (`*` at the end: prefix; `+`: one segment.) */
export function policyPathCovers(pattern: string, path: string): boolean {
  const prefix = pattern.endsWith('*');
  const parts = (prefix ? pattern.slice(0, -1) : pattern).split('/');
  const target = path.split('/');
  if (!prefix && parts.length !== target.length) return false;
  for (let i = 0; i < parts.length; i++) {
    const last = i === parts.length - 1;
    if (parts[i] === '+') {
      if (target[i] === undefined) return false;
    } else if (prefix && last) {
      if (!(target[i] ?? '').startsWith(parts[i])) return false;
    } else if (parts[i] !== target[i]) {
      return false;
    }
  }
  return true;
}
