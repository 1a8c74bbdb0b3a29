import { kebabId } from '../../common/names';
import { DEFAULT_SERVICE_ACCOUNT, fullSecretName, tenantPrefix } from '../tenants';
import type { IsolationDesign } from '../types';
import { type Checker, isObject, type Obj, SHAPES } from './checker';
import { validateNamespace } from './kubernetes';
import { validateSecretList } from './secrets';

interface Declared {
  readonly tenant: string;
  readonly key: string;
  readonly shared: boolean;
  /** Placed by an explicit `path` (not under its own prefix by default). */
  readonly explicit: boolean;
}

/** Does `name` lie under `prefix/`? */
const under = (name: string, prefix: string): boolean => name.startsWith(`${prefix}/`);

/** A tenant that validated far enough to be compared with the others. */
interface PlacedTenant {
  readonly at: string;
  readonly t: Obj;
  readonly prefix: string;
}

/**
 * `tenants`: each one well formed, and kept apart: distinct names, namespaces and prefixes; a
 * secret in two tenants only when both say `shared`; no path into another tenant's prefix.
 */
export function validateTenants(
  c: Checker,
  value: unknown,
  isolation: IsolationDesign,
  valueMode: string | undefined,
): Set<string> {
  if (!Array.isArray(value) || value.length === 0) {
    c.add('tenants', value, 'a non-empty list of tenants');
    return new Set();
  }
  const declared = new Map<string, Declared[]>();
  const tenants: PlacedTenant[] = [];
  const unique = { name: new Map<string, string>(), namespace: new Map<string, string>() };
  value.forEach((item: unknown, i: number) => {
    const placed = validateTenant(c, `tenants[${i}]`, item, isolation, valueMode, unique);
    if (placed === undefined) return;
    tenants.push(placed);
    declareSecrets(placed, declared);
  });
  if (isolation === 'shared-store') sharedStoreAccounts(c, tenants);
  prefixesApart(c, tenants, isolation);
  secretOwnership(c, tenants, declared);
  return new Set(declared.keys());
}

/** One tenant on its own, and its name and namespace against the ones before it. */
function validateTenant(
  c: Checker,
  at: string,
  item: unknown,
  isolation: IsolationDesign,
  valueMode: string | undefined,
  unique: { name: Map<string, string>; namespace: Map<string, string> },
): PlacedTenant | undefined {
  const t = c.object(at, item, 'tenants[]');
  if (!t) return undefined;
  c.shape(`${at}.name`, t.name, SHAPES.kebab);
  validateNamespace(c, at, t, 'namespace');
  let duplicate = false;
  for (const field of ['name', 'namespace'] as const) {
    const v = t[field];
    if (typeof v !== 'string') continue;
    const other = unique[field].get(v);
    if (other !== undefined) {
      c.add(`${at}.${field}`, v, `a ${field} no other tenant has (${other} has it)`);
      duplicate = true;
    } else unique[field].set(v, at);
  }
  if (t.serviceAccountName !== undefined)
    c.shape(`${at}.serviceAccountName`, t.serviceAccountName, SHAPES.objectName);
  if (isolation === 'shared-store')
    c.absent(
      `${at}.secretPrefix`,
      t.secretPrefix,
      "the shared store's policy grants each tenant the prefix named after its namespace",
    );
  else if (t.secretPrefix !== undefined)
    c.shape(`${at}.secretPrefix`, t.secretPrefix, SHAPES.secretName);
  if (t.renamedFrom !== undefined) {
    c.shape(`${at}.renamedFrom`, t.renamedFrom, SHAPES.kebab);
    if (t.renamedFrom === t.name)
      c.add(`${at}.renamedFrom`, t.renamedFrom, 'an earlier name, not the one it has now');
  }
  validateSecretList(c, `${at}.secrets`, t.secrets, {
    valueMode,
    tenantKeys: isolation === 'shared-store' ? 'forbidden-shared-store' : 'allowed',
  });
  // A duplicate would repeat every overlap below: its name problem says it all.
  if (duplicate || typeof t.name !== 'string' || typeof t.namespace !== 'string') return undefined;
  const prefix = tenantPrefix(isolation, {
    name: t.name,
    namespace: t.namespace,
    secretPrefix: typeof t.secretPrefix === 'string' ? t.secretPrefix : undefined,
  });
  return { at, t, prefix };
}

/** Records each secret of a tenant under its full name in the mount. */
function declareSecrets({ at, t, prefix }: PlacedTenant, declared: Map<string, Declared[]>): void {
  if (!Array.isArray(t.secrets)) return;
  t.secrets.forEach((s: unknown, j: number) => {
    if (!isObject(s) || typeof s.name !== 'string') return;
    const full = fullSecretName(prefix, {
      name: s.name,
      path: typeof s.path === 'string' ? s.path : undefined,
    });
    const list = declared.get(full) ?? [];
    list.push({
      tenant: String(t.name),
      key: `${at}.secrets[${j}]`,
      shared: s.shared === true,
      explicit: s.path !== undefined,
    });
    declared.set(full, list);
  });
}

/** Referent authentication names one service account; each namespace has its own of that name. */
function sharedStoreAccounts(c: Checker, tenants: readonly PlacedTenant[]): void {
  const names = tenants.map(({ t }) =>
    typeof t.serviceAccountName === 'string' ? t.serviceAccountName : DEFAULT_SERVICE_ACCOUNT,
  );
  tenants.forEach(({ at, t }, i) => {
    if (names[i] !== names[0])
      c.add(
        `${at}.serviceAccountName`,
        t.serviceAccountName,
        `"${names[0]}" as in every other tenant: the shared store logs in as one service-account name, in each ExternalSecret's namespace`,
      );
  });
}

/** Prefixes: a tenant's names are its own. */
function prefixesApart(
  c: Checker,
  tenants: readonly PlacedTenant[],
  isolation: IsolationDesign,
): void {
  tenants.forEach(({ at, t, prefix }, i) => {
    for (const other of tenants.slice(0, i)) {
      if (prefix === other.prefix || under(prefix, other.prefix) || under(other.prefix, prefix))
        c.add(
          isolation === 'shared-store' ? `${at}.namespace` : `${at}.secretPrefix`,
          isolation === 'shared-store' ? t.namespace : (t.secretPrefix ?? t.name),
          `a prefix apart from tenant "${String(other.t.name)}"'s "${other.prefix}" (neither may contain the other)`,
        );
    }
  });
}

/** Secrets: one tenant's, unless every tenant that declares it says shared. */
function secretOwnership(
  c: Checker,
  tenants: readonly PlacedTenant[],
  declared: ReadonlyMap<string, Declared[]>,
): void {
  const ids = new Map<string, string>();
  for (const [full, owners] of declared) {
    if (owners.length > 1) {
      for (const o of owners.filter((d) => !d.shared))
        c.add(
          `${o.key}.shared`,
          undefined,
          `true: "${full}" is declared by tenants ${owners.map((d) => `"${d.tenant}"`).join(' and ')}, which may both read it only if each says shared`,
        );
    }
    for (const o of owners.filter((d) => d.explicit)) {
      const foreign = tenants.find((x) => String(x.t.name) !== o.tenant && under(full, x.prefix));
      if (foreign && !owners.some((d) => d.tenant === String(foreign.t.name)))
        c.add(
          `${o.key}.path`,
          full,
          `a path outside tenant "${String(foreign.t.name)}"'s prefix "${foreign.prefix}/" (or declared, and shared, by that tenant too)`,
        );
    }
    const id = kebabId(full);
    const clash = ids.get(id);
    if (clash !== undefined)
      c.add(
        `${owners[0].key}.name`,
        full,
        `a name whose resource id "${id}" differs from that of "${clash}"`,
      );
    ids.set(id, full);
  }
}
