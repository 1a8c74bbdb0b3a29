import { Mount } from '@cdktf/provider-vault/lib/mount';
import { Construct } from 'constructs';
import { type DatabaseRoleSpec, databasePaths } from '../common/chain/database';
import { kebabId } from '../common/names';
import { DestroyGuard } from './destroy-guard';
import { RawResource } from './terraform-blocks';

/** A database Vault creates users in. */
export interface DatabaseConnection {
  /** Connection name, e.g. `orders`. */
  readonly name: string;
  /** Plugin block of the provider's connection resource, e.g. `postgresql`. */
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
 * Vault's database secrets engine: a mount, each connection with its root password given
 * write-only (never in the plan or the state) and rotated by Vault right after (so that no one,
 * not even the pipeline that gave it, knows it afterwards), and one role per declared credential.
 */
export class DatabaseSecretsEngine extends Construct {
  /** For each role name, the address of the role resource a reader of its creds waits for. */
  readonly roleAddresses: ReadonlyMap<string, string>;

  constructor(scope: Construct, id: string, props: DatabaseSecretsEngineProps) {
    super(scope, id);
    const allowDestroy = props.allowDestroy ?? false;
    const mount = new Mount(this, 'mount', {
      path: props.mountPath,
      type: 'database',
      description: 'Dynamic database credentials, read by External Secrets Operator generators',
      lifecycle: { preventDestroy: !allowDestroy },
    });
    if (!allowDestroy)
      new DestroyGuard(this, 'mount-guard', {
        protects: `the database secrets engine "${props.mountPath}" (unmounting revokes every credential it issued)`,
        allowKey: 'vault.database.allowDestroy',
        identity: { path: props.mountPath },
      });
    const mountRef = `\${vault_mount.${mount.friendlyUniqueId}.path}`;
    const connections = new Map<string, RawResource>();
    for (const connection of props.connections) {
      const users = props.roles.filter((r) => r.connection === connection.name);
      connections.set(connection.name, this.connection(connection, mountRef, users));
    }
    const roles = new Map<string, string>();
    for (const role of props.roles) {
      const resource = new RawResource(
        this,
        `role-${kebabId(role.name)}`,
        'vault_database_secret_backend_role',
        {
          backend: mountRef,
          name: role.name,
          db_name: `\${${connections.get(role.connection)!.address}.name}`,
          creation_statements: [...role.creationStatements],
          revocation_statements: [...role.revocationStatements],
          default_ttl: role.defaultTtlSeconds,
          max_ttl: role.maxTtlSeconds,
        },
      );
      roles.set(role.name, resource.address);
    }
    this.roleAddresses = roles;
  }

  /** The connection, and the rotation of its root password right after each one given. */
  private connection(
    connection: DatabaseConnection,
    mountRef: string,
    users: readonly DatabaseRoleSpec[],
  ): RawResource {
    const id = kebabId(connection.name);
    const resource = new RawResource(
      this,
      `connection-${id}`,
      'vault_database_secret_backend_connection',
      {
        backend: mountRef,
        name: connection.name,
        allowed_roles: users.map((r) => r.name).sort(),
        verify_connection: true,
        [connection.plugin]: [
          {
            connection_url: connection.connectionUrl,
            username: connection.username,
            // Write-only: the password reaches Vault and nothing else, neither the plan nor the state.
            password_wo: connection.rootPassword,
            password_wo_version: connection.rootPasswordVersion,
          },
        ],
      },
    );
    new RawResource(this, `rotate-root-${id}`, 'vault_generic_endpoint', {
      path: databasePaths(mountRef, { connection: connection.name }).rotateRoot,
      data_json: '{}',
      // A one-off action: nothing to read back, and nothing to undo on destroy.
      disable_read: true,
      disable_delete: true,
      depends_on: [resource.address],
      // Again whenever a new root password is given.
      lifecycle: {
        replace_triggered_by: [`${resource.address}.${connection.plugin}[0].password_wo_version`],
      },
    });
    return resource;
  }
}
