import { readReviewerTokenRecord, renewAfterSeconds } from '../../../common/chain/reviewer-token';
import { DEFAULTS } from '../../../environments/defaults';
import { authMethodOf } from '../../../environments/tenants';
import { Broken, type DoctorContext, get, type Link, text } from '../model';

/**
 * The reviewer JWT Vault holds (token-secret mode), judged by its anchor Secret: gone (which
 * revokes the token), or its record past the expiry; renewal due is said, not broken.
 */
async function reviewerToken(ctx: DoctorContext): Promise<string> {
  const [tenant] = ctx.tenants;
  const anchor = `${tenant.namespace}/${tenant.serviceAccountName}`;
  const secret = await ctx.kubectl.getJson([
    'secret',
    tenant.serviceAccountName,
    '-n',
    tenant.namespace,
  ]);
  if (secret instanceof Error)
    throw new Broken(
      `Cannot read Secret "${anchor}", the anchor of the reviewer JWT: ${secret.message}`,
      'Check the cluster credentials.',
    );
  if (secret === undefined)
    throw new Broken(
      `Secret "${anchor}", the anchor of the reviewer JWT Vault holds, is gone: deleting it revoked the JWT, so the API server refuses Vault's token reviews and every login is 403.`,
      'Deploy the stack: it makes a new anchor and sends Vault a new reviewer JWT bound to it.',
    );
  const record = readReviewerTokenRecord(
    get(secret, 'metadata.annotations') as Record<string, unknown>,
  );
  const ttl = ctx.config.vault.reviewerTokenTtlSeconds ?? DEFAULTS.reviewerTokenTtlSeconds;
  if (record.issuedAt === undefined || record.expiresAt === undefined)
    return `reviewer JWT stored; its anchor ${anchor} records no minting time (an earlier version made it): the next deploy renews it`;
  const minted = `minted ${record.issuedAt.toISOString()}`;
  if (record.expiresAt.getTime() <= Date.now())
    throw new Broken(
      `The reviewer JWT Vault holds expired at ${record.expiresAt.toISOString()} (${minted}, as its anchor ${anchor} records): the API server refuses Vault's token reviews and every login is 403.`,
      `Deploy the stack: it mints a new one. A deploy renews it once half its lifetime (vault.reviewerTokenTtlSeconds, ${ttl} s) has passed: deploy at least that often.`,
    );
  const due = record.issuedAt.getTime() + renewAfterSeconds(ttl) * 1000 <= Date.now();
  return `reviewer JWT stored, ${minted}, expires ${record.expiresAt.toISOString()}${due ? ': renewal due, the next deploy renews it' : ''}`;
}

async function kubernetesConfig(
  ctx: DoctorContext,
  data: Record<string, unknown>,
): Promise<string> {
  const path = ctx.config.vault.authPath;
  if (!data.kubernetes_host)
    throw new Broken(
      `auth/${path}/config has no kubernetes_host: Vault cannot review tokens.`,
      'Deploy the stack (the host comes from the EKS lookup).',
    );
  if (!text(data.kubernetes_ca_cert).includes('BEGIN CERTIFICATE')) {
    throw new Broken(
      `auth/${path}/config has no PEM kubernetes_ca_cert: Vault cannot trust the API server.`,
      'Deploy the stack (the CA comes from the EKS lookup, base64-decoded).',
    );
  }
  const reviewerSet = data.token_reviewer_jwt_set === true;
  if (ctx.config.vault.reviewerMode === 'token-secret' && !reviewerSet) {
    throw new Broken(
      `auth/${path}/config has no token_reviewer_jwt, but this environment uses the token-secret reviewer mode.`,
      'Deploy the stack: it mints the reviewer JWT and sends it to Vault.',
    );
  }
  const reviewer = reviewerSet
    ? ctx.config.vault.reviewerMode === 'token-secret'
      ? await reviewerToken(ctx)
      : 'reviewer JWT stored'
    : "each client's own JWT reviews";
  return `host ${text(data.kubernetes_host)}, CA set, ${reviewer}`;
}

/** The issuer the cluster signs service-account tokens as (its discovery document). */
async function clusterIssuer(ctx: DoctorContext): Promise<string | undefined> {
  const discovery = await ctx.kubectl.run(['get', '--raw', '/.well-known/openid-configuration']);
  if (discovery.code !== 0) return undefined;
  try {
    return text((JSON.parse(discovery.stdout) as { issuer?: unknown }).issuer) || undefined;
  } catch {
    return undefined;
  }
}

async function jwtConfig(ctx: DoctorContext, data: Record<string, unknown>): Promise<string> {
  const path = ctx.config.vault.authPath;
  const discovery = text(data.oidc_discovery_url);
  if (discovery === '')
    throw new Broken(
      `auth/${path}/config has no oidc_discovery_url: Vault has no keys to check tokens with.`,
      "Deploy the stack (the issuer comes from the EKS lookup's OIDC issuer).",
    );
  const issuer = await clusterIssuer(ctx);
  if (issuer !== undefined && issuer !== discovery)
    throw new Broken(
      `auth/${path}/config trusts issuer "${discovery}", but the cluster signs tokens as "${issuer}": every login is refused.`,
      "Deploy the stack again (the issuer comes from the EKS lookup's OIDC issuer).",
    );
  const bound = text(data.bound_issuer);
  if (bound !== '' && bound !== discovery)
    throw new Broken(
      `auth/${path}/config binds issuer "${bound}" but discovers keys at "${discovery}".`,
      'Deploy the stack again to restore the configuration.',
    );
  return `issuer ${discovery}${issuer === undefined ? ' (the cluster does not publish its discovery document to this user)' : ', the one the cluster signs with'}`;
}

export const authConfig: Link = {
  id: 'auth-config',
  title: 'the auth method knows the cluster',
  scope: 'environment',
  needs: [],
  provides: [],
  async check(ctx) {
    const path = ctx.config.vault.authPath;
    const response = await ctx.vault.request('GET', `auth/${path}/config`);
    const data = response.body?.data as Record<string, unknown> | undefined;
    if (response.status !== 200 || !data)
      throw new Broken(
        `auth/${path} has no configuration (${response.status}).`,
        'Deploy the stack to configure it.',
      );
    return authMethodOf(ctx.config) === 'jwt' ? jwtConfig(ctx, data) : kubernetesConfig(ctx, data);
  },
};
