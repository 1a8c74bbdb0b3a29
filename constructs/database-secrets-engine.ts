import { Construct } from 'constructs';
import { type DatabaseRoleSpec, databasePaths } from '../common/chain/database';
import { kebabId } from '../common/names';
import { DestroyGuard } from './destroy-guard';
import { RawResource } from './terraform-blocks';

/** A database Vault creates users in. */
export interface DatabaseConnection {
  /** Connection name, e.g. `orders`. */
  readonly name: string;
  /** Plugin block of the provider's resource, e.g. `postgresql`. */
  readonly plugin: 'postgresql';
  /** URL with Vault's `{{username}}` and `{{password}}` templates. */
  readonly connectionUrl: string;
  /** The administrative user Vault connects as. */
  readonly username: string;
  /** Its first password: a reference to a sensitive, ephemeral variable, written write-only. */
  readonly rootPassword: string;
  /** Bump to send a new root password (Vault rotates it again right after). */
  readonly rootPasswordVersion: number;
}

export interface DatabaseSecretsEngineProps {
  /** Mount path, e.g. `database`. */
  readonly mountPath: string;
  /**
   * Let a plan destroy the mount (which revokes every lease it issued).
   * @default false: a plan that would destroy it fails, naming `vault.database.allowDestroy`
   */
  readonly allowDestroy?: boolean;
  readonly connections: readonly DatabaseConnection[];
  readonly roles: readonly DatabaseRoleSpec[];
}

/**
 * Vault's database secrets engine: one `vault_database_secrets_mount` holding the mount and its
 * connections, so that its destroy is one unmount, which revokes every lease while the
 * connections still exist (deleting a connection first would leave leases Vault can no longer
 * revoke, and the unmount would fail on them). Each connection's root password is given
 * write-only (never in the plan or the state) and rotated by Vault right after, so that no one,
 * not even the pipeline that gave it, knows it afterwards. One role per declared credential.
 */
export class DatabaseSecretsEngine extends Construct {
  /** For each role name, the address of the role resource a reader of its creds waits for. */
  readonly roleAddresses: ReadonlyMap<string, string>;

  constructor(scope: Construct, id: string, props: DatabaseSecretsEngineProps) {
    super(scope, id);
    const allowDestroy = props.allowDestroy ?? false;
    const plugins = [...new Set(props.connections.map((c) => c.plugin))];
    const mount = new RawResource(this, 'mount', 'vault_database_secrets_mount', {
      path: props.mountPath,
      description: 'Dynamic database credentials, read by External Secrets Operator generators',
      ...Object.fromEntries(
        plugins.map((plugin) => [
          plugin,
          props.connections
            .filter((c) => c.plugin === plugin)
            .map((c) => this.connectionBlock(c, props.roles)),
        ]),
      ),
      lifecycle: { prevent_destroy: !allowDestroy },
    });
    if (!allowDestroy)
      new DestroyGuard(this, 'mount-guard', {
        protects: `the database secrets engine "${props.mountPath}" (unmounting revokes every credential it issued)`,
        allowKey: 'vault.database.allowDestroy',
        identity: { path: props.mountPath },
      });
    const mountRef = `\${${mount.address}.path}`;
    this.rotateRootPasswords(mount.address, mountRef, props.connections);
    this.roleAddresses = this.roles(mountRef, props.roles);
  }

  /** Vault rotates each connection's root password after setup, and after each new one. */
  private rotateRootPasswords(
    mountAddress: string,
    mountRef: string,
    connections: readonly DatabaseConnection[],
  ): void {
    connections.forEach((connection) => {
      const index = connections.filter((c) => c.plugin === connection.plugin).indexOf(connection);
      new RawResource(this, `rotate-root-${kebabId(connection.name)}`, 'vault_generic_endpoint', {
        path: databasePaths(mountRef, { connection: connection.name }).rotateRoot,
        data_json: '{}',
        // A one-off action: nothing to read back, and nothing to undo on destroy.
        disable_read: true,
        disable_delete: true,
        depends_on: [mountAddress],
        // Again whenever a new root password is given.
        lifecycle: {
          replace_triggered_by: [
            `${mountAddress}.${connection.plugin}[${index}].password_wo_version`,
          ],
        },
      });
    });
  }

  /** One role per credential; returns each role's address by name. */
  private roles(mountRef: string, roles: readonly DatabaseRoleSpec[]): Map<string, string> {
    const addresses = new Map<string, string>();
    for (const role of roles) {
      const resource = new RawResource(
        this,
        `role-${kebabId(role.name)}`,
        'vault_database_secret_backend_role',
        {
          backend: mountRef,
          name: role.name,
          db_name: role.connection,
          creation_statements: [...role.creationStatements],
          revocation_statements: [...role.revocationStatements],
          default_ttl: role.defaultTtlSeconds,
          max_ttl: role.maxTtlSeconds,
        },
      );
      addresses.set(role.name, resource.address);
    }
    return addresses;
  }

  /** One connection of the mount, listing the roles that use it. */
  private connectionBlock(
    connection: DatabaseConnection,
    roles: readonly DatabaseRoleSpec[],
  ): Record<string, unknown> {
    return {
      name: connection.name,
      connection_url: connection.connectionUrl,
      username: connection.username,
      // Write-only: the password reaches Vault and nothing else, neither the plan nor the state.
      password_wo: connection.rootPassword,
      password_wo_version: connection.rootPasswordVersion,
      allowed_roles: roles
        .filter((r) => r.connection === connection.name)
        .map((r) => r.name)
        .sort(),
      verify_connection: true,
    };
  }
}
