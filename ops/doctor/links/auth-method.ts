import { CHAIN_RULE_IDS } from '../../../common/chain-rule-ids';
import { authMethodOf } from '../../../environments/tenants';
import { Broken, type Link, deployedStore, storeLabel } from '../model';

export const authMethod: Link = {
  id: 'auth-method',
  title: 'the auth method is at the configured path',
  scope: 'environment',
  rule: CHAIN_RULE_IDS.storeMatchesVault,
  needs: ['stores'],
  provides: ['authAccessor'],
  async check(ctx, _tenant, facts) {
    const path = ctx.config.vault.authPath;
    const type = authMethodOf(ctx.config);
    const response = await ctx.vault.request('GET', 'sys/auth');
    if (response.status !== 200)
      throw new Broken(
        `Cannot list auth methods: sys/auth answered ${response.status} (${response.errors}).`,
        'Use a token that may read sys/auth.',
      );
    const table = (response.body?.data ?? response.body) as Record<
      string,
      { type?: string; accessor?: string }
    >;
    const method = table[`${path}/`];
    if (!method || method.type !== type) {
      const others = Object.entries(table)
        .filter(([, m]) => m.type === type)
        .map(([p]) => p);
      throw new Broken(
        method
          ? `The auth method at "${path}/" is of type ${method.type}, not ${type}.`
          : `No auth method is enabled at "${path}/"${others.length ? `; ${type} auth is enabled at: ${others.join(', ')}` : ''}. ESO logs in at auth/${path}/login and gets 403 (or 400 "no handler").`,
        `Enable ${type} auth at "${path}" (deploy the stack), or make vault.authPath and the store's mount path name the path in use.`,
      );
    }
    facts.provide('authAccessor', method.accessor);
    for (const tenant of ctx.tenants) {
      const storeMount = deployedStore(facts.need('stores'), tenant)?.vault?.login?.mountPath;
      if (storeMount !== undefined && storeMount !== path) {
        throw new Broken(
          `${storeLabel(tenant)} logs in at "${storeMount}" but the auth method is at "${path}".`,
          'Deploy the stack again to restore the store.',
        );
      }
    }
    return `${type} auth at "${path}/"`;
  },
};
