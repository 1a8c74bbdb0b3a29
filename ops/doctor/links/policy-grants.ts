import { kvV2Paths } from '../../../common/chain/kv-path';
import { CHAIN_RULE_IDS } from '../../../common/chain-rule-ids';
import { Broken, get, type Link, text } from '../model';
import {
  parsePolicy,
  policyPathCovers,
  renderNamespaceTemplate,
} from '../../../common/chain/policy';

export const policyGrants: Link = {
  id: 'policy-grants',
  title: "the policy grants read on each secret's data/ path",
  scope: 'tenant',
  rule: CHAIN_RULE_IDS.policyExactDataPaths,
  needs: ['authAccessor'],
  provides: ['grants'],
  async check(ctx, tenant, facts) {
    const { policyName } = tenant;
    const mount = ctx.config.vault.kvMount.path;
    const response = await ctx.vault.request('GET', `sys/policies/acl/${policyName}`);
    if (response.status === 404)
      throw new Broken(
        `Policy "${policyName}" does not exist: the role's tokens carry no rights.`,
        'Deploy the stack to create it.',
      );
    if (response.status !== 200)
      throw new Broken(
        `Cannot read policy "${policyName}" (${response.status}: ${response.errors}).`,
        'Use a token that may read sys/policies.',
      );
    // A templated path is checked as Vault renders it for this tenant's logins.
    const paths = parsePolicy(text(get(response.body, 'data.policy'))).paths.flatMap((p) => {
      const rendered = renderNamespaceTemplate(
        p.path,
        facts.need('authAccessor') ?? '',
        tenant.namespace,
      );
      return rendered === undefined ? [] : [{ ...p, path: rendered }];
    });
    const reads = (dataPath: string): boolean =>
      paths.some((p) => policyPathCovers(p.path, dataPath) && p.capabilities.includes('read'));
    facts.provide('grants', reads);
    for (const secret of tenant.secrets) {
      const dataPath = kvV2Paths(mount, secret.name).data;
      if (reads(dataPath)) continue;
      const withoutData = paths.find((p) => p.path === `${mount}/${secret.name}`);
      if (withoutData) {
        throw new Broken(
          `Policy "${policyName}" grants "${withoutData.path}", which on KV version 2 grants nothing: the values live at "${dataPath}". ESO's read is answered 403.`,
          `Grant read on "${dataPath}" (the stack generates exactly that; deploy it again).`,
        );
      }
      throw new Broken(
        `Policy "${policyName}" does not grant read on "${dataPath}": ESO's read is answered 403.`,
        `Add path "${dataPath}" { capabilities = ["read"] } (deploy the stack again).`,
      );
    }
    // Isolation: nothing of another tenant that it did not agree to share.
    const own = new Set(tenant.secrets.map((s) => s.name));
    for (const other of ctx.tenants) {
      if (other.name === tenant.name) continue;
      for (const secret of other.secrets) {
        if (own.has(secret.name) || !reads(kvV2Paths(mount, secret.name).data)) continue;
        throw new Broken(
          `Policy "${policyName}" of tenant "${tenant.name}" grants read on "${kvV2Paths(mount, secret.name).data}", a secret of tenant "${other.name}": the tenants are not isolated.`,
          'Deploy the stack again: it grants each tenant exactly its own secrets.',
        );
      }
    }
    return `"${policyName}" grants read on ${tenant.secrets.length} data/ path(s)${ctx.tenants.length > 1 ? ", none of another tenant's" : ''}`;
  },
};
