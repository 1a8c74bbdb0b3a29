/**
 * The bounds the validator holds numbers and sizes to, each with the reason it exists: what the
 * server on the other end refuses, or where the program stops working well.
 */
export const LIMITS = {
  /**
   * Vault reads a TTL as a Go duration, int64 nanoseconds: about 292 years. Beyond it the value
   * overflows (and beyond 2^53 a JavaScript number is no longer the integer written).
   */
  maxTtlSeconds: 9223372036,
  /** The API server refuses a TokenRequest for less than 10 minutes (`expirationSeconds`). */
  minReviewerTtlSeconds: 600,
  /** EKS grants a service-account token 90 days at most: the reviewer JWT asks no more. */
  maxReviewerTtlSeconds: 90 * 24 * 3600,
  /** The largest Go duration, in nanoseconds (2^63 - 1). */
  maxGoDurationNanos: 2 ** 63 - 1,
  /**
   * Below this, every ExternalSecret logs in to Vault and reads again all the time (ESO's
   * default is 1h; the lab, whose tests wait for edits, uses 15s).
   */
  minRefreshSeconds: 10,
  /**
   * Secrets in one environment: twice the most the benchmarks measure (50 tenants x 10). Each
   * adds a seed, an ExternalSecret and a few KB of JSON that every plan reads; more belongs in
   * another environment.
   */
  maxSecrets: 1000,
  /**
   * Secrets of an environment of team files, all its teams together (each team's stack holds at
   * most maxSecrets): twice the most the benchmarks measure (200 teams x 10, npm run
   * bench:teams). A team's plan reads its own stack only, but synthesis builds every stack (the
   * chain rules see the whole environment), so the whole still has a bound.
   */
  maxTeamFilesSecrets: 4000,
  /**
   * Clusters of one environment: blue/green and a regional pair of each is four; each adds a
   * provider pair, an auth method and a copy of every team's Kubernetes objects to every plan.
   */
  maxClusters: 8,
  /** A Kubernetes Secret holds at most 1 MiB; ESO writes each secret's pairs into one. */
  maxSecretBytes: 1024 * 1024,
} as const;
