/** How Vault matches a request path against a policy's path patterns, as far as the doctor needs. */
import { NAMESPACE_METADATA } from '../../common/names';

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

const NAMESPACE_TEMPLATE = new RegExp(
  `\\{\\{identity\\.entity\\.aliases\\.([^.}]+)\\.metadata\\.${NAMESPACE_METADATA}\\}\\}`,
  'g',
);

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
  const rendered = pattern.replace(NAMESPACE_TEMPLATE, (_, mount: string) => {
    if (mount !== accessor) unresolved = true;
    return namespace;
  });
  return unresolved ? undefined : rendered;
}
