import { authMethodOf } from '../../../environments/tenants';
import { Broken, type DoctorContext, type Link, text } from '../model';

function kubernetesConfig(ctx: DoctorContext, data: Record<string, unknown>): string {
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
      'Deploy the stack; check the vault-auth token Secret was filled by the token controller.',
    );
  }
  return `host ${text(data.kubernetes_host)}, CA set, ${reviewerSet ? 'reviewer JWT stored' : "each client's own JWT reviews"}`;
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
