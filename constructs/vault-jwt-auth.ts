import { JwtAuthBackend } from '@cdktf/provider-vault/lib/jwt-auth-backend';
import { JwtAuthBackendRole } from '@cdktf/provider-vault/lib/jwt-auth-backend-role';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { NAMESPACE_CLAIM, jwtRoleBinding } from '../common/chain/role';
import { NAMESPACE_METADATA } from '../common/names';
import type { LoginRole, LoginRoleSpec, VaultLogin } from './vault-login';

export interface VaultJwtAuthProps {
  /** Path of the auth method, e.g. `jwt-platform-prod`. */
  readonly path: string;
  /**
   * The cluster's service-account token issuer (EKS: the cluster's OIDC issuer). Vault reads its
   * discovery document and signing keys from there: no call ever goes to the API server.
   */
  readonly issuer: string;
  /**
   * PEM CA of the issuer's TLS certificate, when it is not a public CA's (the lab's API server).
   * @default the system's CAs
   */
  readonly issuerCaPem?: string;
}

/**
 * Vault's JWT auth method validating Kubernetes service-account tokens against the cluster's OIDC
 * issuer. Roles pin the audience (one dedicated to Vault, which the API server refuses as a
 * bearer) and the subject `system:serviceaccount:<namespace>:<name>`, so a login token is useless
 * against the API server and needs no auth-delegator binding and no reviewer credential.
 */
export class VaultJwtAuth extends Construct implements VaultLogin {
  readonly method = 'jwt' as const;
  readonly path: string;
  readonly accessor: string;
  readonly ready: ITerraformDependable;

  constructor(scope: Construct, id: string, props: VaultJwtAuthProps) {
    super(scope, id);
    const backend = new JwtAuthBackend(this, 'backend', {
      path: props.path,
      type: 'jwt',
      description: 'Logins of External Secrets Operator with Kubernetes service-account tokens',
      oidcDiscoveryUrl: props.issuer,
      oidcDiscoveryCaPem: props.issuerCaPem,
      boundIssuer: props.issuer,
    });
    this.path = backend.path;
    this.accessor = backend.accessor;
    this.ready = backend;
  }

  addRole(scope: Construct, id: string, spec: LoginRoleSpec): LoginRole {
    return jwtRole(scope, id, this.path, spec);
  }
}

/** A role of the jwt method at `backend` (a reference to the method, or its path). */
export function jwtRole(
  scope: Construct,
  id: string,
  backend: string,
  spec: LoginRoleSpec,
): LoginRole {
  const role = new JwtAuthBackendRole(scope, id, {
    backend,
    roleName: spec.name,
    roleType: 'jwt',
    userClaim: 'sub',
    boundAudiences: [spec.audience],
    // One account: its exact subject; several (the shared design): namespace and name claims.
    ...jwtRoleBinding(spec.bindings),
    // The namespace becomes alias metadata, as with the kubernetes method, for templated policies.
    claimMappings: { [NAMESPACE_CLAIM]: NAMESPACE_METADATA },
    tokenPolicies: [...spec.policies],
    tokenTtl: spec.tokenTtlSeconds,
    tokenMaxTtl: spec.tokenMaxTtlSeconds,
  });
  return { name: role.roleName, resource: role };
}
