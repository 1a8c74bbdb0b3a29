import { CHAIN_RULE_IDS } from '../../../common/chain-rule-ids';
import { databasePaths } from '../../../common/chain/database';
import { Broken, get, type Link, text, usesDatabaseCredentials } from '../model';

export const databaseRole: Link = {
  id: 'database-role',
  title: 'each database role exists, and the policy grants read on its creds/ path',
  scope: 'tenant',
  rule: CHAIN_RULE_IDS.dynamicCredentials,
  needs: ['grants'],
  provides: [],
  appliesTo: usesDatabaseCredentials,
  async check(ctx, tenant, facts) {
    const mount = ctx.config.vault.database!.mountPath;
    const grants = facts.need('grants');
    for (const credential of tenant.databaseCredentials) {
      const paths = databasePaths(mount, { role: credential.name });
      const role = await ctx.vault.request('GET', paths.role);
      if (role.status === 404)
        throw new Broken(
          `Database role "${credential.name}" does not exist at "${paths.role}": ExternalSecret "${credential.externalSecretName}" gets no credential.`,
          'Deploy the stack to create it.',
        );
      if (role.status !== 200)
        throw new Broken(
          `Cannot read "${paths.role}" (${role.status}: ${role.errors}).`,
          'Use a token that may read the database engine configuration.',
        );
      const dbName = text(get(role.body, 'data.db_name'));
      if (dbName !== credential.connection)
        throw new Broken(
          `Database role "${credential.name}" creates its users in connection "${dbName}", not "${credential.connection}".`,
          'Deploy the stack again to restore the role.',
        );
      if (!grants(paths.creds))
        throw new Broken(
          `Policy "${tenant.policyName}" does not grant read on "${paths.creds}": the generator's read is answered 403.`,
          `Add path "${paths.creds}" { capabilities = ["read"] } (deploy the stack again).`,
        );
    }
    return `${tenant.databaseCredentials.map((c) => `"${c.name}"`).join(', ')} in place, granted to "${tenant.policyName}"`;
  },
};
