import { AuthBackend } from '@cdktf/provider-vault/lib/auth-backend';
import { KubernetesAuthBackendConfig } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-config';
import { KubernetesAuthBackendRole } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-role';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { kubernetesRoleBinding } from '../common/chain/role';
import type { ReviewerToken } from './vault-auth-service-account';
import type { LoginRole, LoginRoleSpec, VaultLogin } from './vault-login';

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
}

/**
 * Vault's kubernetes auth method at its own path, configured with the cluster's host and CA;
 * its roles bind service accounts in their namespaces. Vault reviews each login token with the
 * API server's TokenReview, so it needs a network path to the API server.
 */
export class VaultKubernetesAuth extends Construct implements VaultLogin {
  readonly method = 'kubernetes' as const;
  readonly path: string;
  readonly accessor: string;
  readonly ready: ITerraformDependable;

  constructor(scope: Construct, id: string, props: VaultKubernetesAuthProps) {
    super(scope, id);

    const backend = new AuthBackend(this, 'backend', {
      type: 'kubernetes',
      path: props.path,
      description: 'Logins of External Secrets Operator with Kubernetes service-account tokens',
    });
    this.path = backend.path;
    this.accessor = backend.accessor;

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
    this.ready = config;
  }

  addRole(scope: Construct, id: string, spec: LoginRoleSpec): LoginRole {
    return kubernetesRole(scope, id, this.path, spec);
  }
}

/** A role of the kubernetes method at `backend` (a reference to the method, or its path). */
export function kubernetesRole(
  scope: Construct,
  id: string,
  backend: string,
  spec: LoginRoleSpec,
): LoginRole {
  const role = new KubernetesAuthBackendRole(scope, id, {
    backend,
    roleName: spec.name,
    // Names x namespaces: the shared design gives every tenant the same account name.
    ...kubernetesRoleBinding(spec.bindings),
    tokenPolicies: [...spec.policies],
    audience: spec.audience,
    tokenTtl: spec.tokenTtlSeconds,
    tokenMaxTtl: spec.tokenMaxTtlSeconds,
  });
  return { name: role.roleName, resource: role };
}
