import { kvV2Paths } from '../../../common/chain/kv-path';
import { Broken, type Link } from '../model';

export const secretsExist: Link = {
  id: 'secrets-exist',
  title: 'every declared secret exists',
  scope: 'tenant',
  needs: [],
  provides: [],
  async check(ctx, tenant) {
    const mount = ctx.config.vault.kvMount.path;
    for (const secret of tenant.secrets) {
      const paths = kvV2Paths(mount, secret.name);
      const meta = await ctx.vault.request('GET', paths.metadata);
      if (meta.status === 404)
        throw new Broken(
          `Secret "${secret.name}" does not exist in "${mount}/": ExternalSecret "${secret.externalSecretName}" cannot sync.`,
          `Create it (deploy the stack, or write it in Vault at ${mount}/${secret.name}).`,
        );
      if (meta.status !== 200)
        throw new Broken(
          `Cannot read the metadata of "${mount}/${secret.name}": ${paths.metadata} answered ${meta.status} (${meta.errors}).`,
          'Use a token that may read secret metadata.',
        );
      const data = meta.body?.data as
        | {
            current_version?: number;
            versions?: Record<string, { deletion_time?: string; destroyed?: boolean }>;
          }
        | undefined;
      const current = data?.versions?.[String(data.current_version)];
      if (current && (current.destroyed || (current.deletion_time ?? '') !== '')) {
        throw new Broken(
          `The current version of "${mount}/${secret.name}" is deleted: reads return nothing.`,
          'Undelete it or write a new version.',
        );
      }
    }
    return `${tenant.secrets.length} secret(s) present`;
  },
};
