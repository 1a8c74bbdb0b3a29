/**
 * The record of Vault's reviewer JWT (`token-secret` mode), kept as annotations of its anchor
 * Secret, the object the token is bound to: when it was minted, when it expires, which
 * `reviewerTokenVersion` minted it. Written by the service-account construct (and read back by
 * the stack at every plan, to renew the token in time), read by the doctor.
 */

export const REVIEWER_TOKEN_ANNOTATIONS = {
  issuedAt: 'eks-vault-eso/reviewer-token-issued-at',
  expiresAt: 'eks-vault-eso/reviewer-token-expires-at',
  version: 'eks-vault-eso/reviewer-token-version',
} as const;

/**
 * A deploy renews the token once half its lifetime has passed: deploys at least that often keep
 * it valid, never closer than half a lifetime to its end.
 */
export function renewAfterSeconds(ttlSeconds: number): number {
  return Math.floor(ttlSeconds / 2);
}

/** The record as read from the anchor's annotations (undefined fields: not recorded). */
export interface ReviewerTokenRecord {
  readonly issuedAt?: Date;
  readonly expiresAt?: Date;
  readonly version?: string;
}

export function readReviewerTokenRecord(
  annotations: Readonly<Record<string, unknown>> | undefined,
): ReviewerTokenRecord {
  const date = (key: string): Date | undefined => {
    const value = annotations?.[key];
    if (typeof value !== 'string') return undefined;
    const parsed = new Date(value);
    return Number.isNaN(parsed.getTime()) ? undefined : parsed;
  };
  const version = annotations?.[REVIEWER_TOKEN_ANNOTATIONS.version];
  return {
    issuedAt: date(REVIEWER_TOKEN_ANNOTATIONS.issuedAt),
    expiresAt: date(REVIEWER_TOKEN_ANNOTATIONS.expiresAt),
    version: typeof version === 'string' ? version : undefined,
  };
}
