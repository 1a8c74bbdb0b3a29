import { AuthBackend } from '@cdktf/provider-vault/lib/auth-backend';
import { KubernetesAuthBackendConfig } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-config';
import { KubernetesAuthBackendRole } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-role';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { ReviewerToken } from './vault-auth-service-account';

export interface VaultKubernetesAuthProps {
  /** Path of the auth method, e.g. `kubernetes-my-auth`. */
  readonly path: string;
  /** Kubernetes API server URL Vault calls for TokenReview (the EKS endpoint). */
  readonly kubernetesHost: string;
  /** PEM CA certificate of that API server. */
  readonly kubernetesCaPem: string;
  /**
   * A JWT of its own that Vault uses as the bearer of TokenReview calls, written write-only.
   * @default none: Vault uses each client's own JWT (`client-jwt` mode)
   */
  readonly reviewerToken?: ReviewerToken;
  /** The role ESO logs in with. */
  readonly role: {
    /** Role name, e.g. `eso-vault`. */
    readonly name: string;
    /** The one service account allowed to log in. */
    readonly serviceAccountName: string;
    /** Its namespace. */
    readonly serviceAccountNamespace: string;
    /** Policies attached to the tokens issued. */
    readonly policies: readonly string[];
    /** Audience the login JWT must carry. */
    readonly audience: string;
    /** Token TTL, seconds. */
    readonly tokenTtlSeconds: number;
    /** Token maximum TTL, seconds. */
    readonly tokenMaxTtlSeconds: number;
  };
}

/**
 * Vault's kubernetes auth method at its own path, configured with the cluster's host and CA, and
 * one role bound to exactly one service account in exactly one namespace.
 */
export class VaultKubernetesAuth extends Construct {
  /** Path of the auth method (a reference). */
  readonly path: string;
  /** Name of the role (a reference). */
  readonly roleName: string;
  /** The auth method's configuration: logins work once it exists. */
  readonly config: ITerraformDependable;
  /** The role: logins work once it exists. */
  readonly role: ITerraformDependable;

  constructor(scope: Construct, id: string, props: VaultKubernetesAuthProps) {
    super(scope, id);

    const backend = new AuthBackend(this, 'backend', {
      type: 'kubernetes',
      path: props.path,
      description: 'Logins of External Secrets Operator with Kubernetes service-account tokens',
    });
    this.path = backend.path;

    const config = new KubernetesAuthBackendConfig(this, 'config', {
      backend: backend.path,
      kubernetesHost: props.kubernetesHost,
      kubernetesCaCert: props.kubernetesCaPem,
      // Vault never runs in the cluster here: never fall back to a pod's local token and CA.
      disableLocalCaJwt: true,
    });
    if (props.reviewerToken !== undefined) {
      // Write-only (vault provider >= 5.7; the bindings predate it): the JWT reaches Vault and
      // nothing else, neither the plan nor the state.
      config.addOverride('token_reviewer_jwt_wo', props.reviewerToken.jwt);
      config.addOverride('token_reviewer_jwt_wo_version', props.reviewerToken.version);
    }
    this.config = config;

    const role = new KubernetesAuthBackendRole(this, 'role', {
      backend: backend.path,
      roleName: props.role.name,
      boundServiceAccountNames: [props.role.serviceAccountName],
      boundServiceAccountNamespaces: [props.role.serviceAccountNamespace],
      tokenPolicies: [...props.role.policies],
      audience: props.role.audience,
      tokenTtl: props.role.tokenTtlSeconds,
      tokenMaxTtl: props.role.tokenMaxTtlSeconds,
    });
    this.roleName = role.roleName;
    this.role = role;
  }
}
