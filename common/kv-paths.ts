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
