import { CHAIN_RULE_IDS } from '../../../common/chain-rule-ids';
import { kvV2Paths } from '../../../common/chain/kv-path';
import { Broken, get, type Link } from '../model';

export const readSecrets: Link = {
  id: 'read-secrets',
  title: "that login reads each secret, and no other tenant's",
  scope: 'tenant',
  rule: CHAIN_RULE_IDS.tenantIsolation,
  needs: ['loginToken'],
  provides: [],
  async check(ctx, tenant, facts) {
    const client = ctx.vault.withToken(facts.need('loginToken'));
    const mount = ctx.config.vault.kvMount.path;
    const found: string[] = [];
    const refused: string[] = [];
    try {
      for (const secret of tenant.secrets) {
        const path = kvV2Paths(mount, secret.name).data;
        const response = await client.request('GET', path);
        if (response.status !== 200) {
          throw new Broken(
            `The login token may not read "${path}" (${response.status}: ${response.errors || 'no detail'}).`,
            'Check the policy attached to the role.',
          );
        }
        const keys = Object.keys(
          (get(response.body, 'data.data') as Record<string, unknown> | undefined) ?? {},
        );
        found.push(`${secret.name} [${keys.join(', ')}]`);
      }
      // Isolation, tried: one secret of each other tenant that this one does not share.
      const own = new Set(tenant.secrets.map((s) => s.name));
      for (const other of ctx.tenants) {
        const foreign = other.secrets.find((s) => !own.has(s.name));
        if (other.name === tenant.name || foreign === undefined) continue;
        const path = kvV2Paths(mount, foreign.name).data;
        const response = await client.request('GET', path);
        if (response.status === 200)
          throw new Broken(
            `Tenant "${tenant.name}"'s login read "${path}", a secret of tenant "${other.name}": the tenants are not isolated.`,
            'Deploy the stack again, and check no other policy is attached to the role.',
          );
        refused.push(other.name);
      }
    } finally {
      await client.request('POST', 'auth/token/revoke-self').catch(() => undefined);
    }
    const isolation = refused.length
      ? `; refused the secrets of ${refused.map((n) => `"${n}"`).join(', ')}`
      : '';
    return `read ${found.join('; ')} (keys only)${isolation}`;
  },
};
