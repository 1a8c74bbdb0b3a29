import { authMethodOf } from '../../../environments/tenants';
import { Broken, get, type Link, text } from '../model';

export const login: Link = {
  id: 'login',
  title: "a real login with the service account's token succeeds",
  scope: 'tenant',
  needs: [],
  provides: ['loginToken'],
  async check(ctx, tenant, facts) {
    const { serviceAccountName, namespace, roleName } = tenant;
    const { tokenAudience } = ctx.config.kubernetes;
    const token = await ctx.kubectl.run([
      'create',
      'token',
      serviceAccountName,
      '-n',
      namespace,
      `--audience=${tokenAudience}`,
      '--duration=10m',
    ]);
    if (token.code !== 0)
      throw new Broken(
        `TokenRequest for ${namespace}/${serviceAccountName} failed: ${token.stderr.trim()}`,
        'Check the cluster credentials (they need create on serviceaccounts/token).',
      );
    const { authPath } = ctx.config.vault;
    const response = await ctx.vault
      .withToken('')
      .request('POST', `auth/${authPath}/login`, { role: roleName, jwt: token.stdout.trim() });
    if (response.status !== 200) {
      const denied = response.errors.includes('permission denied');
      throw new Broken(
        `Login at auth/${authPath} with role "${roleName}" was refused (${response.status}: ${response.errors || 'no detail'}).`,
        !denied
          ? 'Read the error above: it names the claim Vault rejected.'
          : authMethodOf(ctx.config) === 'jwt'
            ? "Vault could not verify the token's signature: check the auth config's issuer and that Vault reaches the cluster's OIDC keys."
            : "Vault could not review the token: check the auth config's host and CA, the auth-delegator binding, and (client-jwt mode) that the token's audience is one the API server accepts.",
      );
    }
    facts.provide('loginToken', text(get(response.body, 'auth.client_token')));
    const policies = (get(response.body, 'auth.policies') as string[] | undefined) ?? [];
    return `logged in as ${namespace}/${serviceAccountName}, policies ${JSON.stringify(policies)}`;
  },
};
