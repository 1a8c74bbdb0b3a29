import { Construct } from 'constructs';
import type { LoginMethod } from '../common/chain/role';
import type { LoginRole, LoginRoleSpec, VaultLogin } from './vault-login';

/** How a method's roles are declared: at `scope/id`, against the method at `backend`. */
export type RoleOfMethod = (
  scope: Construct,
  id: string,
  backend: string,
  spec: LoginRoleSpec,
) => LoginRole;

/**
 * An auth method another stack holds (the environment's, beside a team's stack), by its path: a
 * team's roles are declared against it with the method's own role resource (`jwtRole`,
 * `kubernetesRole`); the method itself and its configuration are not touched, and the team's
 * stack is deployed after the one that holds them.
 */
export class VaultAuthAt extends Construct implements VaultLogin {
  /** Nothing to wait for here: the stack holding the method is deployed first. */
  readonly ready = undefined;

  constructor(
    scope: Construct,
    id: string,
    readonly method: LoginMethod,
    readonly path: string,
    private readonly roleOf: RoleOfMethod,
  ) {
    super(scope, id);
  }

  /** Only a templated policy needs it, and that lives beside the method. */
  get accessor(): string {
    throw new Error(
      `the accessor of the auth method "${this.path}" is another stack's: a policy that needs it belongs in that stack`,
    );
  }

  addRole(scope: Construct, id: string, spec: LoginRoleSpec): LoginRole {
    return this.roleOf(scope, id, this.path, spec);
  }
}
