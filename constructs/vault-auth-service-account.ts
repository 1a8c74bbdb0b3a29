import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { DataKubernetesSecretV1 } from '@cdktf/provider-kubernetes/lib/data-kubernetes-secret-v1';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { type ITerraformDependable, TerraformLocal } from 'cdktf';
import { REVIEWER_TOKEN_ANNOTATIONS, renewAfterSeconds } from '../common/chain/reviewer-token';
import { Construct } from 'constructs';
import { hclString } from '../common/hcl';
import { DestroyGuard } from './destroy-guard';
import { EphemeralResource, RemovedResources, childLogicalId } from './terraform-blocks';
import type { RoleBinding } from './vault-login';

/** A reviewer JWT for Vault, minted at apply time and never stored by Terraform. */
export interface ReviewerToken {
  /** The token (an ephemeral reference: only write-only arguments may take it). */
  readonly jwt: string;
  /**
   * Changes whenever a new token must reach Vault: a number, or an expression of one (the
   * moment it was minted, which changes when it is renewed).
   */
  readonly version: number | string;
}

export interface VaultAuthServiceAccountProps {
  /** Namespace of the service account (and of the workloads). */
  readonly namespace: string;
  /**
   * Create the namespace.
   * @default false: the namespace must already exist, and is never touched
   */
  readonly manageNamespace?: boolean;
  /**
   * Let Terraform destroy or replace the managed namespace (and every workload in it).
   * @default false: a plan that would do so fails, naming `allowNamespaceDestroyKey`
   */
  readonly allowNamespaceDestroy?: boolean;
  /**
   * The configuration key that allows it, named by the refusal, and the guard's own name when
   * several namespaces are guarded in one stack (tenants).
   * @default { key: 'kubernetes.allowNamespaceDestroy' }
   */
  readonly allowNamespaceDestroyKey?: { readonly key: string; readonly guardName?: string };
  /** Name of the service account ESO logs in to Vault as. */
  readonly name: string;
  /**
   * Name of a ClusterRoleBinding of its own that lets the service account create TokenReviews
   * (Vault's kubernetes method reviews logins with them).
   * @default none: tenants share one binding, and the jwt method needs none
   */
  readonly clusterRoleBindingName?: string;
  /**
   * Mint a reviewer JWT for Vault (the `token-secret` reviewer mode): a TokenRequest token of the
   * service account, bound to the Secret of the same name, so that deleting that Secret revokes
   * it. It is opened as an ephemeral resource: it reaches Vault write-only, never the state. The
   * Secret records when it was minted; a deploy mints a new one once half its lifetime has
   * passed, when the Secret is gone (revoked, or recreated), or when `version` changes.
   * @default none: Vault reviews each login with the client's own JWT
   */
  readonly reviewerToken?: {
    /** Lifetime asked of the API server (it may grant less), in seconds. */
    readonly ttlSeconds: number;
    /** Bump to mint and send a new one now. */
    readonly version: number;
  };
}

/**
 * The Kubernetes side of Vault's kubernetes auth: the service account, its binding to
 * `system:auth-delegator` (so Vault may call TokenReview with its tokens) and, in the mode that
 * needs it, a reviewer JWT for Vault.
 */
export class VaultAuthServiceAccount extends Construct {
  /** Namespace of the service account (a reference when the namespace is managed here). */
  readonly namespace: string;
  /** Name of the service account (a reference, so dependents wait for it). */
  readonly name: string;
  /** The service account resource. */
  readonly serviceAccount: ITerraformDependable;
  /** The managed namespace's address, for what must wait for it (none when it exists already). */
  readonly namespaceAddress?: string;
  /** The binding to `system:auth-delegator`, when it has its own. */
  readonly binding?: ITerraformDependable;
  /** The reviewer JWT; only with `reviewerToken`. */
  readonly reviewerToken?: ReviewerToken;

  constructor(scope: Construct, id: string, props: VaultAuthServiceAccountProps) {
    super(scope, id);
    const namespace = this.declareNamespace(props);
    this.namespace = namespace.name;
    this.namespaceAddress = namespace.address;
    const serviceAccount = new ServiceAccountV1(this, 'service-account', {
      metadata: { name: props.name, namespace: this.namespace },
      // No token Secret is attached to the account; tokens are requested when needed.
      automountServiceAccountToken: false,
    });
    this.name = serviceAccount.metadata.name;
    this.serviceAccount = serviceAccount;
    if (props.clusterRoleBindingName !== undefined) {
      this.binding = authDelegatorBinding(this, 'auth-delegator', props.clusterRoleBindingName, [
        { namespace: this.namespace, serviceAccountName: this.name },
      ]);
    }
    if (props.reviewerToken !== undefined)
      this.reviewerToken = this.mintReviewerToken(props, props.reviewerToken);
  }

  /** The managed namespace (guarded unless its destroy is allowed), or an existing one, forgotten. */
  private declareNamespace(props: VaultAuthServiceAccountProps): {
    name: string;
    address?: string;
  } {
    if (!(props.manageNamespace ?? false)) {
      // No longer managed: forget a namespace this stack may have created, never delete it.
      new RemovedResources(this, 'unmanaged-namespace', [
        { address: `kubernetes_namespace_v1.${childLogicalId(this, 'namespace')}` },
      ]);
      return { name: props.namespace };
    }
    const allowDestroy = props.allowNamespaceDestroy ?? false;
    const namespace = new NamespaceV1(this, 'namespace', {
      metadata: { name: props.namespace },
      lifecycle: { preventDestroy: !allowDestroy },
    });
    if (!allowDestroy) {
      new DestroyGuard(this, 'namespace-guard', {
        protects: `the namespace "${props.namespace}"`,
        allowKey: props.allowNamespaceDestroyKey?.key ?? 'kubernetes.allowNamespaceDestroy',
        name: props.allowNamespaceDestroyKey?.guardName,
        identity: { name: props.namespace },
      });
    }
    return {
      name: namespace.metadata.name,
      address: `kubernetes_namespace_v1.${namespace.friendlyUniqueId}`,
    };
  }

  /**
   * When the reviewer JWT Vault holds was minted, as the next one will be recorded: now (the
   * plan's timestamp) when a new one is due, otherwise what its anchor Secret records. Due: no
   * record (a first deploy, or the Secret was deleted, which revoked the token), half its
   * lifetime passed, or another `version` asked for. The record is read by name at every plan.
   */
  private reviewerTokenIssuedAt(
    props: VaultAuthServiceAccountProps,
    spec: NonNullable<VaultAuthServiceAccountProps['reviewerToken']>,
  ): string {
    const held = new DataKubernetesSecretV1(this, 'reviewer-token-record', {
      metadata: { name: props.name, namespace: props.namespace },
    });
    const recorded = (key: string) => `try(${held.fqn}.metadata[0].annotations["${key}"], "")`;
    const issued = recorded(REVIEWER_TOKEN_ANNOTATIONS.issuedAt);
    const renewAt = `timeadd(${issued}, "${renewAfterSeconds(spec.ttlSeconds)}s")`;
    const due = `try(timecmp(${renewAt}, plantimestamp()) < 0, true) || ${recorded(REVIEWER_TOKEN_ANNOTATIONS.version)} != ${hclString(String(spec.version))}`;
    const local = new TerraformLocal(
      this,
      'reviewer-token-issued-at',
      `\${${due} ? plantimestamp() : ${issued}}`,
    );
    return `local.${local.friendlyUniqueId}`;
  }

  /**
   * The reviewer JWT: a TokenRequest token bound to an anchor Secret of the account's name.
   * The anchor is the revocation handle: the token is bound to its uid, so deleting the Secret
   * ends it at once. It holds no data (the manual procedure's token Secret held the token itself),
   * only the record of the token: minted at, expires at, version. The version Vault is told
   * changes with the minting time, so a renewed token is sent; between renewals it stays.
   */
  private mintReviewerToken(
    props: VaultAuthServiceAccountProps,
    spec: NonNullable<VaultAuthServiceAccountProps['reviewerToken']>,
  ): ReviewerToken {
    const issuedAt = this.reviewerTokenIssuedAt(props, spec);
    const anchor = new SecretV1(this, 'token-secret', {
      metadata: {
        name: props.name,
        namespace: this.namespace,
        annotations: {
          'eks-vault-eso/purpose':
            'deleting this Secret revokes the reviewer JWT Vault holds for this service account',
          [REVIEWER_TOKEN_ANNOTATIONS.issuedAt]: `\${${issuedAt}}`,
          [REVIEWER_TOKEN_ANNOTATIONS.expiresAt]: `\${timeadd(${issuedAt}, "${spec.ttlSeconds}s")}`,
          [REVIEWER_TOKEN_ANNOTATIONS.version]: String(spec.version),
        },
      },
      type: 'Opaque',
    });
    const request = new EphemeralResource(this, 'reviewer-token', 'kubernetes_token_request_v1', {
      metadata: { name: this.name, namespace: this.namespace },
      spec: {
        expiration_seconds: spec.ttlSeconds,
        bound_object_ref: {
          api_version: 'v1',
          kind: 'Secret',
          name: anchor.metadata.name,
          uid: anchor.metadata.uid,
        },
      },
    });
    return {
      jwt: request.stringAttribute('token'),
      version: `\${parseint(formatdate("YYYYMMDDhhmmss", ${issuedAt}), 10)}`,
    };
  }
}

/**
 * A ClusterRoleBinding of `system:auth-delegator` to service accounts: Vault's kubernetes method
 * may then call TokenReview with their tokens. The manual procedure left the subject's namespace
 * out; a ServiceAccount subject needs it.
 */
export function authDelegatorBinding(
  scope: Construct,
  id: string,
  name: string,
  accounts: readonly RoleBinding[],
): ClusterRoleBindingV1 {
  return new ClusterRoleBindingV1(scope, id, {
    metadata: { name },
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'system:auth-delegator',
    },
    subject: accounts.map((a) => ({
      kind: 'ServiceAccount',
      name: a.serviceAccountName,
      namespace: a.namespace,
    })),
  });
}
