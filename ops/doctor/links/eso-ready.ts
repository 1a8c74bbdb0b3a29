import { readExternalSecret } from '../../../common/chain/external-secret';
import { kvV2Paths } from '../../../common/chain/kv-path';
import { LITERAL_VALUES } from '../../../common/chain/values';
import { Broken, get, type Link, storeLabel, text } from '../model';

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

function readyCondition(object: unknown): Condition | undefined {
  return ((get(object, 'status.conditions') as Condition[] | undefined) ?? []).find(
    (c) => c.type === 'Ready',
  );
}

/** The Vault keys an ExternalSecret reads (its `data[].remoteRef.key` and `dataFrom[].extract.key`). */
function remoteKeys(es: unknown): string[] {
  const read = readExternalSecret(es, LITERAL_VALUES);
  return [...read.remoteRefKeys, ...read.extractKeys].filter(
    (k): k is string => typeof k === 'string',
  );
}

export const esoReady: Link = {
  id: 'eso-ready',
  title: 'the ESO store and every ExternalSecret are Ready',
  scope: 'tenant',
  needs: ['stores', 'grants'],
  provides: [],
  async check(ctx, tenant, facts) {
    const store = facts.need('stores').get(tenant.name);
    if (store === undefined)
      throw new Broken(`${storeLabel(tenant)} does not exist.`, 'Deploy the stack.');
    const storeReady = readyCondition(store);
    if (!storeReady)
      throw new Broken(
        `${storeLabel(tenant)} has no Ready condition: is the ESO controller running?`,
        'Start the External Secrets Operator.',
      );
    if (storeReady.status !== 'True')
      throw new Broken(
        `${storeLabel(tenant)} is not Ready: ${storeReady.reason ?? ''} ${storeReady.message ?? ''}`.trim(),
        'Read the controller message above.',
      );
    const listed = await ctx.kubectl.getJson(['externalsecret', '-n', tenant.namespace]);
    if (listed instanceof Error)
      throw new Broken(
        `Cannot list ExternalSecrets in "${tenant.namespace}": ${listed.message}`,
        'Check the cluster credentials.',
      );
    const items = (get(listed, 'items') as Record<string, unknown>[] | undefined) ?? [];
    const byName = new Map(items.map((es) => [text(get(es, 'metadata.name')), es]));
    for (const secret of tenant.secrets) {
      const es = byName.get(secret.externalSecretName);
      if (es === undefined)
        throw new Broken(
          `ExternalSecret "${tenant.namespace}/${secret.externalSecretName}" does not exist.`,
          'Deploy the stack.',
        );
      const ready = readyCondition(es);
      if (ready?.status !== 'True') {
        throw new Broken(
          `ExternalSecret "${secret.externalSecretName}" is not Ready: ${ready ? `${ready.reason ?? ''}: ${ready.message ?? ''}` : 'no status yet'}`,
          'Read the controller message above.',
        );
      }
    }
    // ExternalSecrets the team wrote by hand on this store: a key outside the tenant's grants is
    // the usual reason one never syncs.
    const declared = new Set(tenant.secrets.map((s) => s.externalSecretName));
    const grants = facts.need('grants');
    for (const [name, es] of byName) {
      if (declared.has(name) || get(es, 'spec.secretStoreRef.name') !== tenant.store.name) continue;
      const ready = readyCondition(es);
      if (ready?.status === 'True') continue;
      const mount = ctx.config.vault.kvMount.path;
      const ungranted = remoteKeys(es).filter((key) => !grants(kvV2Paths(mount, key).data));
      throw new Broken(
        ungranted.length
          ? `ExternalSecret "${tenant.namespace}/${name}" (not declared by this stack) reads ${ungranted.map((k) => `"${kvV2Paths(mount, k).data}"`).join(', ')}, which tenant "${tenant.name}"'s policy "${tenant.policyName}" does not grant: Vault answers 403.`
          : `ExternalSecret "${tenant.namespace}/${name}" (not declared by this stack) is not Ready: ${ready ? `${ready.reason ?? ''}: ${ready.message ?? ''}` : 'no status yet'}`,
        ungranted.length
          ? `Declare the secret in tenant "${tenant.name}" of environments/${ctx.config.name}.ts (or mark it shared by its owner), then deploy.`
          : 'Read the controller message above.',
      );
    }
    return `store Ready; ${tenant.secrets.length} ExternalSecret(s) synced`;
  },
};
