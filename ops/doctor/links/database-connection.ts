import { CHAIN_RULE_IDS } from '../../../common/chain-rule-ids';
import { databasePaths } from '../../../common/chain/database';
import { commaList } from '../../../common/chain/values';
import { Broken, get, type Link, text } from '../model';

export const databaseConnection: Link = {
  id: 'database-connection',
  title: "each database connection is configured and serves its teams' roles",
  scope: 'environment',
  rule: CHAIN_RULE_IDS.dynamicCredentials,
  needs: [],
  provides: [],
  appliesTo: (ctx) => ctx.config.vault.database !== undefined,
  async check(ctx) {
    const engine = ctx.config.vault.database!;
    const found: string[] = [];
    for (const connection of engine.connections) {
      const path = databasePaths(engine.mountPath, { connection: connection.name }).config;
      const response = await ctx.vault.request('GET', path);
      if (response.status === 404)
        throw new Broken(
          `Database connection "${connection.name}" is not configured at "${path}": no credential of it can be issued.`,
          'Deploy the stack (give database_root_password_' +
            `${connection.name.replace(/-/g, '_')} the bootstrap password).`,
        );
      if (response.status !== 200)
        throw new Broken(
          `Cannot read "${path}" (${response.status}: ${response.errors}).`,
          'Use a token that may read the database engine configuration.',
        );
      const plugin = text(get(response.body, 'data.plugin_name'));
      const allowed = commaList(get(response.body, 'data.allowed_roles'));
      const wanted = ctx.tenants
        .flatMap((t) => t.databaseCredentials)
        .filter((c) => c.connection === connection.name)
        .map((c) => c.name);
      const missing = wanted.filter((r) => !allowed.includes(r) && !allowed.includes('*'));
      if (missing.length > 0)
        throw new Broken(
          `Connection "${connection.name}" does not allow the role(s) ${missing.map((r) => `"${r}"`).join(', ')} (allowed: ${JSON.stringify(allowed)}): Vault refuses to issue their credentials.`,
          'Deploy the stack again: it lists every declared role.',
        );
      found.push(`"${connection.name}" (${plugin}, roles ${wanted.join(', ')})`);
    }
    return `configured: ${found.join('; ')}`;
  },
};
