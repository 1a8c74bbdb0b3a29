import { databasePaths } from '../../../common/chain/database';
import { Broken, get, type Link, text, usesDatabaseCredentials } from '../model';

export const databaseLease: Link = {
  id: 'database-lease',
  title: "that login is issued a credential of each role (revoked at once), and not another team's",
  scope: 'tenant',
  needs: ['loginToken'],
  provides: [],
  appliesTo: usesDatabaseCredentials,
  async check(ctx, tenant, facts) {
    const mount = ctx.config.vault.database!.mountPath;
    const client = ctx.vault.withToken(facts.need('loginToken'));
    const issued: string[] = [];
    for (const credential of tenant.databaseCredentials) {
      const path = databasePaths(mount, { role: credential.name }).creds;
      const response = await client.request('GET', path);
      if (response.status !== 200)
        throw new Broken(
          `Reading "${path}" with the team's login failed (${response.status}: ${response.errors || 'no detail'}).`,
          response.status === 403
            ? 'Check the policy attached to the role.'
            : "Vault could not create the user: read the database's error above (connection, statements, the administrative user's rights).",
        );
      const lease = text(get(response.body, 'lease_id'));
      const keys = Object.keys((get(response.body, 'data') as Record<string, unknown>) ?? {});
      // The doctor leaves no credential behind: the lease goes at once, and Vault drops the user.
      await ctx.vault.request('PUT', 'sys/leases/revoke', { lease_id: lease });
      issued.push(
        `${credential.name} [${keys.join(', ')}], ${text(get(response.body, 'lease_duration'))} s lease`,
      );
    }
    const own = new Set(tenant.databaseCredentials.map((c) => c.name));
    for (const other of ctx.tenants) {
      const foreign = other.databaseCredentials.find((c) => !own.has(c.name));
      if (other.name === tenant.name || foreign === undefined) continue;
      const path = databasePaths(mount, { role: foreign.name }).creds;
      const response = await client.request('GET', path);
      if (response.status === 200) {
        await ctx.vault.request('PUT', 'sys/leases/revoke', {
          lease_id: text(get(response.body, 'lease_id')),
        });
        throw new Broken(
          `Tenant "${tenant.name}"'s login was issued a credential of "${foreign.name}", tenant "${other.name}"'s role: the tenants are not isolated.`,
          'Deploy the stack again, and check no other policy is attached to the role.',
        );
      }
    }
    return `issued and revoked ${issued.join('; ')} (keys only)`;
  },
};
