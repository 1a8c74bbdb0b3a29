import { Testing } from 'cdktf';
import { DatabaseSecretsEngine } from '../../../constructs/database-secrets-engine';
import { countOf, parse, partial, ref } from '../../support/construct-test';

const ROLE = {
  name: 'payments-app',
  connection: 'orders',
  creationStatements: ['CREATE ROLE "{{name}}" WITH LOGIN PASSWORD \'{{password}}\';'],
  revocationStatements: ['DROP ROLE "{{name}}";'],
  defaultTtlSeconds: 60,
  maxTtlSeconds: 120,
};

function synth(allowDestroy?: boolean): string {
  return Testing.synthScope((scope) => {
    new DatabaseSecretsEngine(scope, 'database', {
      mountPath: 'database',
      allowDestroy,
      connections: [
        {
          name: 'orders',
          plugin: 'postgresql',
          connectionUrl: 'postgresql://{{username}}:{{password}}@db:5432/orders',
          username: 'vault_admin',
          rootPassword: '${var.database_root_password_orders}',
          rootPasswordVersion: 2,
        },
      ],
      roles: [ROLE, { ...ROLE, name: 'search-app' }],
    });
  });
}

const only = (text: string, type: string): Record<string, unknown> => {
  const all = Object.values(parse(text).resource[type]);
  expect(all).toHaveLength(1);
  return all[0];
};

describe('DatabaseSecretsEngine', () => {
  it('holds each connection in the mount, its root password write-only, listing its roles', () => {
    const mount = only(synth(true), 'vault_database_secrets_mount');
    expect(mount).toEqual(
      partial({
        path: 'database',
        lifecycle: { prevent_destroy: false },
        postgresql: [
          {
            name: 'orders',
            connection_url: 'postgresql://{{username}}:{{password}}@db:5432/orders',
            username: 'vault_admin',
            password_wo: '${var.database_root_password_orders}',
            password_wo_version: 2,
            allowed_roles: ['payments-app', 'search-app'],
            verify_connection: true,
          },
        ],
      }),
    );
  });

  it('has Vault rotate the root password after setup, and again after each new one', () => {
    const rotate = only(synth(true), 'vault_generic_endpoint');
    expect(rotate).toEqual(
      partial({
        path: expect.stringMatching(
          /^\$\{vault_database_secrets_mount\.[^.]+\.path\}\/rotate-root\/orders$/,
        ),
        disable_read: true,
        disable_delete: true,
        lifecycle: {
          replace_triggered_by: [
            expect.stringMatching(
              /^vault_database_secrets_mount\.[^.]+\.postgresql\[0\]\.password_wo_version$/,
            ),
          ],
        },
      }),
    );
  });

  it('creates one role per credential in its connection, with its statements and TTLs', () => {
    const text = synth(true);
    expect(countOf(text, 'resource', 'vault_database_secret_backend_role')).toBe(2);
    const roles = Object.values(parse(text).resource.vault_database_secret_backend_role);
    expect(roles[0]).toEqual(
      partial({
        name: 'payments-app',
        backend: ref('vault_database_secrets_mount', 'path'),
        db_name: 'orders',
        creation_statements: ROLE.creationStatements,
        revocation_statements: ROLE.revocationStatements,
        default_ttl: 60,
        max_ttl: 120,
      }),
    );
  });

  it('guards the mount unless its destroy is allowed', () => {
    expect(countOf(synth(), 'resource', 'terraform_data')).toBe(1);
    expect(only(synth(), 'vault_database_secrets_mount')).toEqual(
      partial({ lifecycle: { prevent_destroy: true } }),
    );
    expect(countOf(synth(true), 'resource', 'terraform_data')).toBe(0);
  });
});
