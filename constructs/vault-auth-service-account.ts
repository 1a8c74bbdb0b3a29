import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { Fn, Token } from 'cdktf';
import { Construct } from 'constructs';

export interface VaultAuthServiceAccountProps {
  /** Namespace of the service account (and of the workloads). */
  readonly namespace: string;
  /**
   * Create the namespace.
   * @default false: the namespace must already exist
   */
  readonly manageNamespace?: boolean;
  /** Name of the service account ESO logs in to Vault as. */
  readonly name: string;
  /** Name of the ClusterRoleBinding that lets the service account create TokenReviews. */
  readonly clusterRoleBindingName: string;
  /**
   * Create the long-lived `kubernetes.io/service-account-token` Secret (same name as the service
   * account) and expose its token as `reviewerJwt`, for Vault's `token-secret` reviewer mode.
   * @default false: no long-lived credential exists
   */
  readonly createTokenSecret?: boolean;
}

/**
 * The Kubernetes side of Vault's kubernetes auth: the service account, its binding to
 * `system:auth-delegator` (so Vault may call TokenReview with its tokens) and, in the mode that
 * needs it, a long-lived token Secret read back once the token controller has filled it.
 */
export class VaultAuthServiceAccount extends Construct {
  /** Namespace of the service account (a reference when the namespace is managed here). */
  readonly namespace: string;
  /** Name of the service account (a reference, so dependents wait for it). */
  readonly name: string;
  /** The token of the long-lived Secret; only with `createTokenSecret`. Sensitive. */
  readonly reviewerJwt?: string;

  constructor(scope: Construct, id: string, props: VaultAuthServiceAccountProps) {
    super(scope, id);

    if (props.manageNamespace ?? false) {
      const namespace = new NamespaceV1(this, 'namespace', { metadata: { name: props.namespace } });
      this.namespace = namespace.metadata.name;
    } else {
      this.namespace = props.namespace;
    }

    const serviceAccount = new ServiceAccountV1(this, 'service-account', {
      metadata: { name: props.name, namespace: this.namespace },
      // The token Secret below is created explicitly; no other secrets are attached.
      automountServiceAccountToken: false,
    });
    this.name = serviceAccount.metadata.name;

    new ClusterRoleBindingV1(this, 'auth-delegator', {
      metadata: { name: props.clusterRoleBindingName },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'system:auth-delegator',
      },
      // The write-up left the subject's namespace out; a ServiceAccount subject needs it.
      subject: [{ kind: 'ServiceAccount', name: this.name, namespace: this.namespace }],
    });

    if (props.createTokenSecret ?? false) {
      const tokenSecret = new SecretV1(this, 'token-secret', {
        metadata: {
          name: props.name,
          namespace: this.namespace,
          annotations: { 'kubernetes.io/service-account.name': this.name },
        },
        type: 'kubernetes.io/service-account-token',
        // Wait until the token controller has written the token, then read it back.
        waitForServiceAccountToken: true,
      });
      this.reviewerJwt = Token.asString(Fn.lookup(tokenSecret.data, 'token'));
    }
  }
}
