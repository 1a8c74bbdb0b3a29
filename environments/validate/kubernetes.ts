import { type Checker, type Obj, SHAPES } from './checker';
import { OPTIONS } from './schema';

/**
 * Namespaces Kubernetes creates itself: a managed one would be deleted with the stack, and an
 * unmanaged one would get Secrets and a Vault login where every system component lives.
 */
export const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'default'];
/** Bindings Kubernetes, kubeadm and EKS (its add-ons, the VPC CNI) create and reconcile. */
const BUILT_IN_BINDINGS = /^(cluster-admin|system:.*|eks:.*|kubeadm:.*|aws-node)$/;

/** The keys of a single chain's workload namespace; each tenant names its own instead. */
export const SINGLE_CHAIN_KUBERNETES_KEYS = [
  'namespace',
  'manageNamespace',
  'allowNamespaceDestroy',
  'serviceAccountName',
] as const;

/** A namespace, whether the stack manages it, and its destroy opt-in (at `key.*`). */
export function validateNamespace(c: Checker, key: string, owner: Obj, namespaceKey: string): void {
  c.boolean(`${key}.manageNamespace`, owner.manageNamespace);
  if (SYSTEM_NAMESPACES.includes(String(owner[namespaceKey]))) {
    c.add(
      `${key}.${namespaceKey}`,
      owner[namespaceKey],
      owner.manageNamespace === true
        ? `a namespace of your own when ${key}.manageNamespace is true (${SYSTEM_NAMESPACES.join(', ')} belong to Kubernetes)`
        : `a namespace of your own (${SYSTEM_NAMESPACES.join(', ')} belong to Kubernetes: ESO would write Secrets, and a service account would log in to Vault, where every system component can read them)`,
    );
  } else c.shape(`${key}.${namespaceKey}`, owner[namespaceKey], SHAPES.namespace);
  if (owner.allowNamespaceDestroy !== undefined)
    c.boolean(`${key}.allowNamespaceDestroy`, owner.allowNamespaceDestroy);
}

export function validateKubernetes(c: Checker, value: unknown, tenanted: boolean): void {
  const k8s = c.object('kubernetes', value, 'kubernetes');
  if (!k8s) return;
  c.oneOf('kubernetes.auth', k8s.auth, OPTIONS.kubernetesAuth);
  if (tenanted) {
    for (const key of SINGLE_CHAIN_KUBERNETES_KEYS)
      c.absent(`kubernetes.${key}`, k8s[key], 'with tenants, each tenant names its own');
  } else {
    validateNamespace(c, 'kubernetes', k8s, 'namespace');
    c.shape('kubernetes.serviceAccountName', k8s.serviceAccountName, SHAPES.objectName);
  }
  if (
    typeof k8s.clusterRoleBindingName === 'string' &&
    BUILT_IN_BINDINGS.test(k8s.clusterRoleBindingName)
  )
    c.add(
      'kubernetes.clusterRoleBindingName',
      k8s.clusterRoleBindingName,
      'a name of your own (cluster-admin, system:*, kubeadm:*, eks:* and aws-node are bindings Kubernetes and EKS create and reconcile themselves)',
    );
  else c.shape('kubernetes.clusterRoleBindingName', k8s.clusterRoleBindingName, SHAPES.objectName);
  if (typeof k8s.tokenAudience !== 'string' || k8s.tokenAudience.length === 0) {
    c.add(
      'kubernetes.tokenAudience',
      k8s.tokenAudience,
      'a non-empty audience, e.g. "https://kubernetes.default.svc"',
    );
  } else if (k8s.tokenAudience.includes('*')) {
    c.add('kubernetes.tokenAudience', k8s.tokenAudience, 'an exact audience, without "*"');
  } else c.shape('kubernetes.tokenAudience', k8s.tokenAudience, SHAPES.audience);
}
