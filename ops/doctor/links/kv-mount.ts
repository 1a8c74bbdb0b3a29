import { CHAIN_RULE_IDS } from '../../../common/chain-rule-ids';
import { Broken, type Link, deployedStore, storeLabel } from '../model';

export const kvMount: Link = {
  id: 'kv-mount',
  title: 'a KV version 2 mount is at the configured path',
  scope: 'environment',
  rule: CHAIN_RULE_IDS.storeMatchesVault,
  needs: ['stores'],
  provides: [],
  async check(ctx, _tenant, facts) {
    const path = ctx.config.vault.kvMount.path;
    const mounts = await ctx.vault.request('GET', 'sys/mounts');
    if (mounts.status !== 200)
      throw new Broken(
        `Cannot list secret mounts: sys/mounts answered ${mounts.status} (${mounts.errors}).`,
        'Use a token that may read sys/mounts.',
      );
    const table = (mounts.body?.data ?? mounts.body) as Record<
      string,
      { type?: string; options?: { version?: string } }
    >;
    const mount = table[`${path}/`];
    if (!mount)
      throw new Broken(
        `No secrets engine is mounted at "${path}/".`,
        `Deploy the stack (kvMount.managed) or mount KV v2 at "${path}".`,
      );
    if (mount.type !== 'kv' || mount.options?.version !== '2') {
      throw new Broken(
        `"${path}/" is a ${mount.type} engine, version ${mount.options?.version ?? '1'}, not KV version 2: the policy's data/ paths do not exist there.`,
        'Mount KV version 2 at that path, or point vault.kvMount.path at one.',
      );
    }
    for (const tenant of ctx.tenants) {
      const storePath = deployedStore(facts.need('stores'), tenant)?.vault?.path;
      if (storePath !== undefined && storePath !== path) {
        throw new Broken(
          `${storeLabel(tenant)} reads mount "${storePath}" but the secrets are in "${path}".`,
          'Deploy the stack again to restore the store.',
        );
      }
    }
    return `"${path}/" is KV version 2`;
  },
};
