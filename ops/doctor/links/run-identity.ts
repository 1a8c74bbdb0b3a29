import {
  type Grant,
  type KubernetesGrant,
  type KubernetesUrlGrant,
  type VaultGrant,
  grantLabel,
} from '../../../common/identity';
import { type RuleRead, rulesAllow } from '../../../common/identity/kubernetes';
import { capabilitiesAllow } from '../../../common/identity/vault';
import { Broken, type DoctorContext, get, type Link } from '../model';

/** The Vault grants the token lacks, read with sys/capabilities-self (one request). */
async function lackingInVault(ctx: DoctorContext, grants: readonly VaultGrant[]): Promise<Grant[]> {
  const paths = [...new Set(grants.map((g) => g.path))];
  const answer = await ctx.vault.request('POST', 'sys/capabilities-self', { paths });
  if (answer.status === 403) {
    const self = await ctx.vault.request('GET', 'auth/token/lookup-self');
    if (self.status !== 200)
      throw new Broken(
        `Vault refuses the run's token itself (${self.status}: ${self.errors || 'no detail'}): it is expired, revoked, or a token of another namespace.`,
        `Set VAULT_TOKEN to a token of this environment's Vault namespace${ctx.config.vault.namespace ? ` ("${ctx.config.vault.namespace}")` : ''}.`,
      );
    return grants.filter((g) => g.path === 'sys/capabilities-self');
  }
  const data = (answer.body?.data ?? answer.body ?? {}) as Record<string, unknown>;
  const held = (path: string): string[] => {
    const value = data[path] ?? (paths.length === 1 ? data.capabilities : undefined);
    return Array.isArray(value) ? value.map(String) : [];
  };
  return grants.filter((g) => !capabilitiesAllow(held(g.path), g));
}

/** The rules RBAC gives the caller in a namespace (SelfSubjectRulesReview), and if complete. */
async function rulesIn(
  ctx: DoctorContext,
  namespace: string,
): Promise<{ rules: RuleRead[]; incomplete: boolean }> {
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectRulesReview',
    spec: { namespace },
  };
  const answer = await ctx.kubectl.run(['create', '-f', '-', '-o', 'json'], JSON.stringify(review));
  if (answer.code !== 0)
    throw new Broken(
      `Cannot ask the cluster what the run identity may do: ${answer.stderr.trim()}`,
      'Check KUBECONFIG/KUBECTL and that the cluster is reachable.',
    );
  const status = get(JSON.parse(answer.stdout), 'status') as {
    resourceRules?: RuleRead[];
    nonResourceRules?: RuleRead[];
    incomplete?: boolean;
  };
  return {
    rules: [...(status.resourceRules ?? []), ...(status.nonResourceRules ?? [])],
    incomplete: status.incomplete === true,
  };
}

/** Whether one grant is allowed, asked with SelfSubjectAccessReview (when rules are incomplete). */
async function accessReview(ctx: DoctorContext, grant: KubernetesGrant | KubernetesUrlGrant) {
  const spec =
    grant.system === 'kubernetes-url'
      ? { nonResourceAttributes: { path: grant.url, verb: grant.verb } }
      : {
          resourceAttributes: {
            group: grant.apiGroup,
            resource: grant.resource.split('/')[0],
            subresource: grant.resource.split('/')[1],
            verb: grant.verb,
            namespace: grant.namespace,
            name: grant.names?.[0],
          },
        };
  const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec };
  const answer = await ctx.kubectl.run(['create', '-f', '-', '-o', 'json'], JSON.stringify(review));
  return answer.code === 0 && get(JSON.parse(answer.stdout), 'status.allowed') === true;
}

/** The Kubernetes grants the kubeconfig's user lacks: one rules review per namespace. */
async function lackingInCluster(
  ctx: DoctorContext,
  grants: readonly (KubernetesGrant | KubernetesUrlGrant)[],
): Promise<Grant[]> {
  const namespaceOf = (g: KubernetesGrant | KubernetesUrlGrant) =>
    (g.system === 'kubernetes' ? g.namespace : undefined) ?? 'default';
  const lacking: Grant[] = [];
  for (const namespace of new Set(grants.map(namespaceOf))) {
    const { rules, incomplete } = await rulesIn(ctx, namespace);
    for (const grant of grants.filter((g) => namespaceOf(g) === namespace))
      if (!rulesAllow(rules, grant) && !(incomplete && (await accessReview(ctx, grant))))
        lacking.push(grant);
  }
  return lacking;
}

export const runIdentity: Link = {
  id: 'run-identity',
  title: 'the run identity holds every grant its work needs',
  scope: 'environment',
  needs: [],
  provides: [],
  async check(ctx) {
    const identity = ctx.identity;
    if (identity === undefined) return 'not asked (--identity none)';
    const vault = identity.grants.filter((g): g is VaultGrant => g.system === 'vault');
    const cluster = identity.grants.filter(
      (g): g is KubernetesGrant | KubernetesUrlGrant =>
        g.system === 'kubernetes' || g.system === 'kubernetes-url',
    );
    const lacking = [
      ...(await lackingInVault(ctx, vault)),
      ...(await lackingInCluster(ctx, cluster)),
    ];
    if (lacking.length > 0)
      throw new Broken(
        `The run identity lacks ${lacking.length} grant(s) the ${identity.name} identity needs: ${lacking.map((g) => `${grantLabel(g)} (${g.why})`).join('; ')}.`,
        `Give it the generated rights: npm run identities -- --env ${ctx.config.name} --identity ${identity.name}.`,
      );
    return `holds the ${vault.length} Vault and ${cluster.length} Kubernetes grants of the ${identity.name} identity (its AWS grants are not checked here)`;
  },
};
