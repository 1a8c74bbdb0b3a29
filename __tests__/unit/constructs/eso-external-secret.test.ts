import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { Testing } from 'cdktf';
import { EsoExternalSecret } from '../../../constructs/eso-external-secret';

describe('EsoExternalSecret', () => {
  it('extracts every key of one Vault secret into one Kubernetes Secret, on an explicit interval', () => {
    const out = Testing.synthScope((scope) => {
      new EsoExternalSecret(scope, 'es', {
        apiVersion: 'external-secrets.io/v1',
        name: 'vault-external-secret',
        namespace: 'my-namespace',
        store: { kind: 'ClusterSecretStore', name: 'vault-backend' },
        targetSecretName: 'vault-secret',
        remoteKey: 'my-secret',
        refreshInterval: '1h',
        readiness: { diagnose: 'npm run doctor -- --env dev', timeout: '2m' },
      });
    });
    expect(out).toHaveResourceWithProperties(Manifest, {
      manifest: {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'vault-external-secret', namespace: 'my-namespace' },
        spec: {
          refreshInterval: '1h0m0s',
          secretStoreRef: { name: 'vault-backend', kind: 'ClusterSecretStore' },
          target: { name: 'vault-secret', creationPolicy: 'Orphan' },
          dataFrom: [{ extract: { key: 'my-secret' } }],
        },
      },
    });
  });
});
