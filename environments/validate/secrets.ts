import { isWellFormed } from '../../common/hcl';
import { kebabId } from '../../common/names';
import { type Checker, isObject, type Obj, SHAPES } from './checker';
import { LIMITS } from './limits';

export interface SecretListOptions {
  /** The value mode (`secretValues`), when valid. */
  readonly valueMode: string | undefined;
  /** Whether `path` and `shared` may be set (tenants of the per-tenant design). */
  readonly tenantKeys: 'allowed' | 'forbidden-single-chain' | 'forbidden-shared-store';
}

const TENANT_KEYS_FORBIDDEN = {
  'forbidden-single-chain': 'it belongs to tenants (a single chain names the full secret name)',
  'forbidden-shared-store':
    'the shared store grants each tenant its namespace prefix only (eso.isolation "per-tenant" allows other paths)',
} as const;

/** A list of secrets at `key` (`secrets`, or `tenants[i].secrets`). */
export function validateSecretList(
  c: Checker,
  key: string,
  value: unknown,
  options: SecretListOptions,
): void {
  if (!Array.isArray(value) || value.length === 0) {
    c.add(key, value, 'a non-empty list of secrets');
    return;
  }
  const seen = {
    name: new Set<string>(),
    externalSecretName: new Set<string>(),
    targetSecretName: new Set<string>(),
  };
  // Resource ids and variable names derive from the name; two names must not map to one.
  const derivedIds = new Map<string, string>();
  value.forEach((item: unknown, i: number) => {
    const at = `${key}[${i}]`;
    const secret = c.object(at, item, 'secrets[]');
    if (!secret) return;
    c.shape(`${at}.name`, secret.name, SHAPES.secretName);
    c.shape(`${at}.externalSecretName`, secret.externalSecretName, SHAPES.objectName);
    c.shape(`${at}.targetSecretName`, secret.targetSecretName, SHAPES.objectName);
    for (const field of ['name', 'externalSecretName', 'targetSecretName'] as const) {
      const v = secret[field];
      if (typeof v !== 'string') continue;
      if (seen[field].has(v))
        c.add(`${at}.${field}`, v, `a value not used by another secret (duplicate ${field})`);
      seen[field].add(v);
    }
    if (typeof secret.name === 'string') {
      const id = kebabId(secret.name);
      const other = derivedIds.get(id);
      if (other !== undefined && other !== secret.name) {
        c.add(
          `${at}.name`,
          secret.name,
          `a name whose resource id "${id}" differs from that of "${other}"`,
        );
      }
      derivedIds.set(id, secret.name);
    }
    if (options.tenantKeys === 'allowed') {
      if (secret.path !== undefined) c.shape(`${at}.path`, secret.path, SHAPES.secretName);
      if (secret.shared !== undefined) c.boolean(`${at}.shared`, secret.shared);
    } else {
      const because = TENANT_KEYS_FORBIDDEN[options.tenantKeys];
      c.absent(`${at}.path`, secret.path, because);
      c.absent(`${at}.shared`, secret.shared, because);
    }
    if (secret.listMetadata !== undefined) c.boolean(`${at}.listMetadata`, secret.listMetadata);
    if (secret.writeOnlyVersion !== undefined)
      c.positiveInteger(`${at}.writeOnlyVersion`, secret.writeOnlyVersion);
    validateValues(c, at, secret.placeholder, options.valueMode);
    validateArrival(c, at, secret);
  });
  validateExternalSecretIds(c, key, value);
}

/** ExternalSecrets are addressed by their names: two names must not map to one address. */
function validateExternalSecretIds(c: Checker, key: string, value: unknown[]): void {
  const esIds = new Map<string, string>();
  value.forEach((item: unknown, i: number) => {
    if (!isObject(item) || typeof item.externalSecretName !== 'string') return;
    const id = kebabId(item.externalSecretName);
    const other = esIds.get(id);
    if (other !== undefined && other !== item.externalSecretName)
      c.add(
        `${key}[${i}].externalSecretName`,
        item.externalSecretName,
        `a name whose resource id "${id}" differs from that of "${other}"`,
      );
    esIds.set(id, item.externalSecretName);
  });
}

/** `movedFrom` and `adoptExistingTarget`: where a value arrives from instead of placeholders. */
function validateArrival(c: Checker, at: string, secret: Obj): void {
  if (secret.adoptExistingTarget !== undefined)
    c.boolean(`${at}.adoptExistingTarget`, secret.adoptExistingTarget);
  if (secret.movedFrom === undefined) return;
  const moved = c.object(`${at}.movedFrom`, secret.movedFrom, 'secrets[].movedFrom');
  if (!moved) return;
  c.shape(`${at}.movedFrom.name`, moved.name, SHAPES.secretName);
  if (moved.mount !== undefined) c.shape(`${at}.movedFrom.mount`, moved.mount, SHAPES.mountPath);
  if (secret.adoptExistingTarget === true)
    c.add(
      `${at}.adoptExistingTarget`,
      true,
      'false with movedFrom: a value arrives from one place, the old path or the Secret, not both',
    );
}

function validateValues(
  c: Checker,
  at: string,
  placeholder: unknown,
  valueMode: string | undefined,
): void {
  if (valueMode === 'placeholder') {
    if (!isObject(placeholder) || Object.keys(placeholder).length === 0) {
      c.add(
        `${at}.placeholder`,
        placeholder,
        'at least one placeholder pair in "placeholder" mode, e.g. { dummy_key1: "dummy_value1" }',
      );
      return;
    }
    let bytes = 0;
    for (const [k, v] of Object.entries(placeholder)) {
      if (!/^[-._a-zA-Z0-9]+$/.test(k))
        c.add(
          `${at}.placeholder`,
          k,
          'keys of letters, digits, "-", "_" and "." (valid Kubernetes Secret keys)',
        );
      if (typeof v === 'string') bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
      placeholderValue(c, `${at}.placeholder.${k}`, v);
    }
    if (bytes > LIMITS.maxSecretBytes)
      c.add(
        `${at}.placeholder`,
        `(${bytes} bytes)`,
        `at most ${LIMITS.maxSecretBytes} bytes of keys and values: a Kubernetes Secret holds at most 1 MiB`,
      );
  } else if (valueMode === 'write-only' && placeholder !== undefined) {
    c.add(
      `${at}.placeholder`,
      placeholder,
      'nothing in "write-only" mode: values come from the variable secret_values_<name>, never from this file',
    );
  }
}

/** One placeholder value: any text (`${` included: it is written as a literal). */
function placeholderValue(c: Checker, key: string, value: unknown): void {
  if (typeof value !== 'string') {
    c.add(key, value, 'a string');
    return;
  }
  if (!isWellFormed(value))
    c.add(key, value, 'text without a lone surrogate (half of a character that has no UTF-8 form)');
  // Credential shapes: refused with every other key's in validateText (whole.ts).
}

/**
 * `retiredSecrets`: full names in the mount (or `{ name, purge }`), none still declared; a purge
 * needs the purge handles of `vault.kvMount.purgeSecretsOnDestroy`.
 */
export function validateRetiredSecrets(
  c: Checker,
  value: unknown,
  declared: ReadonlySet<string>,
  purgeHandles: boolean,
): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    c.add('retiredSecrets', value, 'a list of secret names');
    return;
  }
  value.forEach((item: unknown, i: number) => {
    let at = `retiredSecrets[${i}]`;
    let name = item;
    if (isObject(item)) {
      c.object(at, item, 'retiredSecrets[]');
      if (item.purge !== undefined) c.boolean(`${at}.purge`, item.purge);
      if (item.purge === true && !purgeHandles)
        c.add(
          `${at}.purge`,
          true,
          'false unless vault.kvMount.purgeSecretsOnDestroy is true (purging goes through its purge handles; without them the secret is forgotten, every version kept)',
        );
      at = `${at}.name`;
      name = item.name;
    }
    if (c.shape(at, name, SHAPES.secretName) && declared.has(name))
      c.add(at, name, 'a name no longer in secrets (it is still declared there)');
  });
}
