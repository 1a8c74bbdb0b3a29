import { CHAIN_RULE_IDS } from '../../../common/chain-rule-ids';
import { unmanagedSecretQuery } from '../../../common/chain/takeover-guard';
import { Broken, type Link } from '../model';

/**
 * Each target Secret is ESO's or the environment adopts it: a hand-made Secret of a target's name
 * makes the takeover guard deny ESO, and its ExternalSecret never syncs (ESO reports no error
 * of its own on the ExternalSecret: only its log says so).
 */
export const targetsKept: Link = {
  id: 'targets-kept',
  title: 'no target Secret is one ESO did not create (unless adopted)',
  scope: 'tenant',
  rule: CHAIN_RULE_IDS.targetsKept,
  needs: [],
  provides: [],
  async check(ctx, tenant) {
    for (const secret of tenant.secrets.filter((s) => !s.adoptExistingTarget)) {
      const found = await ctx.kubectl.run(
        unmanagedSecretQuery(tenant.namespace, secret.targetSecretName),
      );
      if (found.code !== 0)
        throw new Broken(
          `Cannot list Secrets in "${tenant.namespace}": ${found.stderr.trim()}`,
          'Check the cluster credentials (they need list on secrets).',
        );
      if (found.stdout.trim() !== '')
        throw new Broken(
          `Secret "${tenant.namespace}/${secret.targetSecretName}" was not created by External Secrets: ExternalSecret "${secret.externalSecretName}" may not take it over (the stack's admission policy denies it), so it never syncs.`,
          `Adopt it: set adoptExistingTarget: true on secret "${secret.name}" in environments/${ctx.config.name}.ts and deploy (its value goes to Vault first); or choose another targetSecretName.`,
        );
    }
    return `${tenant.secrets.length} target Secret(s) are ESO's or adopted`;
  },
};
