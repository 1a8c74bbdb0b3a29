import { Testing } from 'cdktf';
import { EsoDynamicSecret } from '../../../constructs/eso-dynamic-secret';
import { parse } from '../../support/construct-test';

function manifests(): Record<string, { manifest: Record<string, unknown>; depends_on?: string[] }> {
  const text = Testing.synthScope((scope) => {
    new EsoDynamicSecret(scope, 'dynamic', {
      apiVersion: 'external-secrets.io/v1',
      name: 'payments-db',
      namespace: 'team-payments',
      vaultServer: 'https://vault.example:8200',
      vaultNamespace: 'admin',
      path: 'database/creds/payments-app',
      auth: {
        method: 'kubernetes',
        mountPath: 'kubernetes-teams',
        role: 'eso-payments',
        serviceAccount: { name: 'vault-auth', audiences: ['https://kubernetes.default.svc'] },
      },
      targetSecretName: 'payments-db',
      refreshInterval: '30s',
      dependsOn: ['vault_database_secret_backend_role.x'],
      readiness: { diagnose: 'npm run doctor -- --env x', timeout: '2m' },
    });
  });
  const all = parse(text).resource.kubernetes_manifest as Record<string, never>;
  return Object.fromEntries(
    Object.values(all).map((r: { manifest: { kind: string } }) => [r.manifest.kind, r]),
  );
}

describe('EsoDynamicSecret', () => {
  it('writes a generator that logs in as the team and reads its creds path', () => {
    const { VaultDynamicSecret: generator } = manifests();
    expect(generator.manifest).toEqual({
      apiVersion: 'generators.external-secrets.io/v1alpha1',
      kind: 'VaultDynamicSecret',
      metadata: { name: 'payments-db', namespace: 'team-payments' },
      spec: {
        method: 'GET',
        path: 'database/creds/payments-app',
        resultType: 'Data',
        provider: {
          server: 'https://vault.example:8200',
          namespace: 'admin',
          auth: {
            kubernetes: {
              mountPath: 'kubernetes-teams',
              role: 'eso-payments',
              serviceAccountRef: {
                name: 'vault-auth',
                audiences: ['https://kubernetes.default.svc'],
              },
            },
          },
        },
      },
    });
    expect(generator.depends_on).toEqual(['vault_database_secret_backend_role.x']);
  });

  it('writes an ExternalSecret that asks the generator at each refresh, after it', () => {
    const { ExternalSecret: es } = manifests();
    expect(es.manifest).toEqual({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'payments-db', namespace: 'team-payments' },
      spec: {
        refreshInterval: '30s',
        target: { name: 'payments-db', creationPolicy: 'Orphan' },
        dataFrom: [
          {
            sourceRef: {
              generatorRef: {
                apiVersion: 'generators.external-secrets.io/v1alpha1',
                kind: 'VaultDynamicSecret',
                name: 'payments-db',
              },
            },
          },
        ],
      },
    });
    expect(es.depends_on).toEqual([
      expect.stringMatching(/^kubernetes_manifest\..*generator/),
      'vault_database_secret_backend_role.x',
    ]);
  });
});
