import { authMethodOf } from '../../../environments/tenants';
import { serviceAccountSubject } from '../../../common/chain/role';
import { Broken, type DoctorContext, get, type Link } from '../model';

/**
 * Whether the account may create TokenReviews, asked with a SubjectAccessReview (which needs
 * `create subjectaccessreviews`, a question only; `kubectl auth can-i --as` would need the right
 * to impersonate the account): "yes", "no", or why it could not be asked.
 */
async function mayReviewTokens(
  ctx: DoctorContext,
  namespace: string,
  name: string,
): Promise<string> {
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: serviceAccountSubject(namespace, name),
      groups: [
        'system:serviceaccounts',
        `system:serviceaccounts:${namespace}`,
        'system:authenticated',
      ],
      resourceAttributes: {
        group: 'authentication.k8s.io',
        resource: 'tokenreviews',
        verb: 'create',
      },
    },
  };
  const answer = await ctx.kubectl.run(['create', '-f', '-', '-o', 'json'], JSON.stringify(review));
  if (answer.code !== 0) return answer.stderr.trim() || `kubectl exited ${answer.code}`;
  return get(JSON.parse(answer.stdout), 'status.allowed') === true ? 'yes' : 'no';
}

export const kubernetesRbac: Link = {
  id: 'kubernetes-rbac',
  title: 'the service account exists (kubernetes method: and may create TokenReviews)',
  scope: 'tenant',
  needs: [],
  provides: [],
  async check(ctx, tenant) {
    const { serviceAccountName, namespace } = tenant;
    const sa = await ctx.kubectl.getJson(['serviceaccount', serviceAccountName, '-n', namespace]);
    if (sa instanceof Error)
      throw new Broken(
        `Cannot read service accounts: ${sa.message}`,
        'Check KUBECONFIG/KUBECTL and that the cluster is reachable.',
      );
    if (sa === undefined)
      throw new Broken(
        `Service account "${namespace}/${serviceAccountName}" does not exist: ESO cannot request its token.`,
        'Deploy the stack to create it.',
      );
    // The jwt method checks signatures itself: no TokenReview, so no binding to check.
    if (authMethodOf(ctx.config) === 'jwt')
      return `${namespace}/${serviceAccountName} exists (the jwt method needs no TokenReview)`;
    const { clusterRoleBindingName } = ctx.config.kubernetes;
    const binding = await ctx.kubectl.getJson(['clusterrolebinding', clusterRoleBindingName]);
    if (binding instanceof Error)
      throw new Broken(
        `Cannot read ClusterRoleBindings: ${binding.message}`,
        'Check the cluster credentials.',
      );
    const subjects =
      (get(binding, 'subjects') as
        { kind?: string; name?: string; namespace?: string }[] | undefined) ?? [];
    const bound =
      binding !== undefined &&
      get(binding, 'roleRef.name') === 'system:auth-delegator' &&
      subjects.some(
        (s) =>
          s.kind === 'ServiceAccount' && s.name === serviceAccountName && s.namespace === namespace,
      );
    if (!bound) {
      throw new Broken(
        binding === undefined
          ? `ClusterRoleBinding "${clusterRoleBindingName}" is missing: "${serviceAccountName}" may not create TokenReviews, so Vault cannot verify its tokens and every login is 403.`
          : `ClusterRoleBinding "${clusterRoleBindingName}" does not bind system:auth-delegator to ${namespace}/${serviceAccountName} (a ServiceAccount subject needs its namespace).`,
        'Deploy the stack to restore the binding.',
      );
    }
    const review = await mayReviewTokens(ctx, namespace, serviceAccountName);
    if (review !== 'yes')
      throw new Broken(
        `"${serviceAccountName}" may not create TokenReviews (a SubjectAccessReview says "${review}").`,
        'Check the binding and the cluster RBAC.',
      );
    return `${namespace}/${serviceAccountName} exists and may create TokenReviews`;
  },
};
