import { CHAIN_RULE_IDS } from '../../../common/chain-rule-ids';
import {
  Broken,
  type DoctorContext,
  type Facts,
  type Link,
  storeArgs,
  storeLabel,
  deployedStore,
} from '../model';

/** Each tenant's store as deployed (a shared store read once). */
async function readStores(ctx: DoctorContext): Promise<Facts['stores']> {
  const stores = new Map<string, Record<string, unknown> | undefined>();
  const seen = new Map<string, Record<string, unknown> | undefined>();
  for (const tenant of ctx.tenants) {
    const key = storeArgs(tenant).join(' ');
    if (!seen.has(key)) {
      const store = await ctx.kubectl.getJson(storeArgs(tenant));
      if (store instanceof Error) {
        if (/doesn't have a resource type/.test(store.message)) {
          throw new Broken(
            `The cluster has no ${tenant.store.kind} resource type: the External Secrets Operator CRDs are not installed.`,
            'Install ESO (its CRDs must exist before the stack can even be planned).',
          );
        }
        throw new Broken(
          `Cannot read ${storeLabel(tenant)} from the cluster: ${store.message}`,
          'Check KUBECONFIG/KUBECTL and that the cluster is reachable.',
        );
      }
      seen.set(key, store);
    }
    stores.set(tenant.name, seen.get(key));
  }
  return stores;
}

export const vaultNamespace: Link = {
  id: 'vault-namespace',
  title: 'the Vault namespace exists and the ESO store uses it',
  scope: 'environment',
  rule: CHAIN_RULE_IDS.storeMatchesVault,
  needs: [],
  provides: ['stores'],
  async check(ctx, _tenant, facts) {
    const namespace = ctx.config.vault.namespace;
    const self = await ctx.vault.request('GET', 'auth/token/lookup-self');
    if (self.status !== 200) {
      const where = namespace ? `namespace "${namespace}"` : 'the root namespace';
      const root = namespace
        ? await ctx.vault.inNamespace(undefined).request('GET', 'auth/token/lookup-self')
        : self;
      if (namespace && root.status === 200) {
        throw new Broken(
          `The token works in the root namespace but not in ${where}: the namespace does not exist, or the token may not use it.`,
          `Create the namespace "${namespace}" or fix vault.namespace in environments/${ctx.config.name}.ts.`,
        );
      }
      throw new Broken(
        `Vault refused the operator token in ${where} (${self.status}: ${self.errors || 'no detail'}).`,
        'Set VAULT_TOKEN to a valid token for this Vault (the lab sets it in .lab/env.sh).',
      );
    }
    // ESO's view: each store as deployed.
    const stores = await readStores(ctx);
    facts.provide('stores', stores);
    for (const tenant of ctx.tenants) {
      const store = deployedStore(stores, tenant);
      if (store === undefined) continue;
      const storeNamespace = store.vault?.namespace;
      if (storeNamespace !== namespace) {
        throw new Broken(
          storeNamespace === undefined
            ? `${storeLabel(tenant)} sets no Vault namespace, so ESO talks to the root namespace, while the auth method and secrets live in "${namespace}": every ESO request is answered 403.`
            : `${storeLabel(tenant)} uses Vault namespace "${storeNamespace}", but the auth method and secrets live in "${namespace ?? '(root)'}": every ESO request is answered 403.`,
          `Set spec.provider.vault.namespace to "${namespace}" (deploy the stack again to restore it).`,
        );
      }
    }
    return namespace ? `namespace "${namespace}" exists and the store uses it` : 'root namespace';
  },
};
