import { VaultUnreachable } from '../../vault-http';
import { Broken, type Link } from '../model';

export const vaultReachable: Link = {
  id: 'vault-reachable',
  title: 'Vault is reachable and unsealed',
  scope: 'environment',
  needs: [],
  provides: [],
  async check(ctx) {
    const address = ctx.config.vault.address;
    let health;
    try {
      health = await ctx.vault
        .inNamespace(undefined)
        .request('GET', 'sys/health?standbyok=true&perfstandbyok=true');
    } catch (error) {
      if (error instanceof VaultUnreachable) {
        throw new Broken(
          `Vault at ${address} is unreachable (${error.message}).`,
          `Check the address in environments/${ctx.config.name}.ts, the network path and that Vault is running.`,
        );
      }
      throw error;
    }
    if (health.status === 503)
      throw new Broken(
        `Vault at ${address} is sealed.`,
        'Unseal it (or wait for the HCP cluster to finish starting).',
      );
    if (health.status === 501)
      throw new Broken(`Vault at ${address} is not initialized.`, 'Initialize and unseal it.');
    const version =
      typeof health.body?.version === 'string' ? health.body.version : 'unknown version';
    return `${address} answers, unsealed (${version})`;
  },
};
