/**
 * What an environment gets for each optional key it leaves out: the one place these values are
 * written. The types (`types.ts`) document each key's default by naming its entry here; the
 * tenant resolution and the stack read them from here.
 */
export const DEFAULTS = {
  /** `tenants[].serviceAccountName`. */
  serviceAccountName: 'vault-auth',
  /** `eso.isolation`. */
  isolation: 'per-tenant',
  /** `vault.authMethod`. */
  authMethod: 'kubernetes',
  /** `eso.readyTimeout` (a Go duration). */
  readyTimeout: '2m',
  /** `vault.reviewerTokenTtlSeconds`: 90 days, the longest EKS grants. */
  reviewerTokenTtlSeconds: 90 * 24 * 3600,
  /** `vault.reviewerTokenVersion` and `secrets[].writeOnlyVersion`: the first value. */
  firstVersion: 1,
} as const;
