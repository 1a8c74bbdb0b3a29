import type { ITerraformDependable } from 'cdktf';
import type { Construct } from 'constructs';

import type { LoginMethod, RoleBinding } from '../common/chain/role';

export type { RoleBinding };

export interface LoginRoleSpec {
  /** Role name, e.g. `eso-vault`. */
  readonly name: string;
  /** The service accounts allowed to log in (one, or every tenant's in the shared design). */
  readonly bindings: readonly RoleBinding[];
  /** Policies attached to the tokens issued. */
  readonly policies: readonly string[];
  /** Audience the login JWT must carry. */
  readonly audience: string;
  /** Token TTL and maximum TTL, seconds. */
  readonly tokenTtlSeconds: number;
  readonly tokenMaxTtlSeconds: number;
}

export interface LoginRole {
  /** The role's name (a reference, so what names it waits for it). */
  readonly name: string;
  /** The role resource (none when another stack holds it: the shared store's, in a team's). */
  readonly resource?: ITerraformDependable;
}

/**
 * An auth method ESO logs in with, from a service-account token: `kubernetes` (Vault asks the API
 * server's TokenReview) or `jwt` (Vault checks the token's signature with the cluster's OIDC keys).
 */
export interface VaultLogin extends Construct {
  readonly method: LoginMethod;
  /** Mount path (a reference). */
  readonly path: string;
  /** Mount accessor (a reference), for templated policies. */
  readonly accessor: string;
  /**
   * What must exist before a login can work: the method's configuration (none when another
   * stack holds the method: it is deployed first).
   */
  readonly ready?: ITerraformDependable;
  /** Adds a role at `scope/id`. */
  addRole(scope: Construct, id: string, spec: LoginRoleSpec): LoginRole;
}
