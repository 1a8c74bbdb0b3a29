/** Shapes of credentials: what must never appear in synthesized JSON, logs, state or reports. */

/** Shapes of credentials that must never be written into the synthesized configuration. */
export const SECRET_PATTERNS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'JSON Web Token', pattern: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/ },
  { name: 'Vault service/batch/recovery token', pattern: /\bhv[sbr]\.[A-Za-z0-9_-]{20,}/ },
  { name: 'legacy Vault token', pattern: /\b[sbr]\.[A-Za-z0-9]{24}\b/ },
  { name: 'AWS access key id', pattern: /\b(AKIA|ASIA)[A-Z0-9]{16}\b/ },
  { name: 'private key', pattern: /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/ },
  { name: 'EKS token', pattern: /k8s-aws-v1\.[A-Za-z0-9_-]{20,}/ },
  { name: 'Terraform Cloud token', pattern: /\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{20,}/ },
  // Userinfo characters only: a JSON text must not join an address and a later "@" into one.
  {
    name: 'URL with a password',
    pattern: /\b[a-z][a-z0-9+.-]*:\/\/[\w.~%!$&*+;=-]+:[\w.~%!$&*+;=-]+@/i,
  },
  { name: 'GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}/ },
  { name: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { name: 'Stripe live key', pattern: /\b[rs]k_live_[A-Za-z0-9]{16,}/ },
  { name: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}/ },
];

/** Finds every credential-shaped string in a text (a whole cdktf.out file, a log, a state file). */
export function findSecretLikeValues(text: string): { name: string; sample: string }[] {
  const found: { name: string; sample: string }[] = [];
  for (const { name, pattern } of SECRET_PATTERNS) {
    const match = new RegExp(pattern.source, 'g').exec(text);
    // Never echo the value itself: its first characters are enough to find it.
    if (match) found.push({ name, sample: `${match[0].slice(0, 6)}...` });
  }
  return found;
}
