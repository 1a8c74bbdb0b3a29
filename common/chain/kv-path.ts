/**
 * KV version 2 API paths: values live under `<mount>/data/<name>`, versions and keys under
 * `<mount>/metadata/<name>`. The one place that spells them; policies, rules, the doctor and the
 * tests import it.
 */
export function kvV2Paths(
  mountPath: string,
  secretName: string,
): { readonly data: string; readonly metadata: string } {
  return {
    data: `${mountPath}/data/${secretName}`,
    metadata: `${mountPath}/metadata/${secretName}`,
  };
}

/**
 * A secret name as its folder and its key: `app/config` -> folder `app`, key `config`;
 * `my-secret` -> folder `` (the mount's root), key `my-secret`. A folder listing names its keys.
 */
export function splitSecretName(name: string): { folder: string; key: string } {
  const slash = name.lastIndexOf('/');
  return slash < 0
    ? { folder: '', key: name }
    : { folder: name.slice(0, slash), key: name.slice(slash + 1) };
}
