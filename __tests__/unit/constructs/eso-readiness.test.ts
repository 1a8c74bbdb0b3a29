import { Testing } from 'cdktf';
import { EsoApiGate } from '../../../constructs/eso-api-gate';
import { ReadinessCheck } from '../../../constructs/eso-readiness';
import type { Synth } from '../../support/construct-test';

describe('ReadinessCheck', () => {
  it('warns at plan time, naming each object that is not Ready and the doctor command', () => {
    const out = JSON.parse(
      Testing.synthScope((scope) => {
        new ReadinessCheck(scope, 'ready', {
          gate: new EsoApiGate(scope, 'eso-api', 'external-secrets.io/v1'),
          stores: [
            { kind: 'ClusterSecretStore', name: 'vault-backend' },
            { kind: 'SecretStore', name: 'vault-backend', namespace: 'a' },
          ],
          externalSecrets: [
            { namespace: 'a', name: 'one' },
            { namespace: 'a', name: 'two' },
            { namespace: 'b', name: 'three' },
          ],
          readiness: { diagnose: 'npm run doctor -- --env dev', timeout: '2m' },
        });
      }),
    ) as Synth & {
      check: Record<string, { assert: { condition: string; error_message: string }[] }>;
    };
    // One listing per kind and namespace, not one read per object.
    expect(
      Object.values(out.data.kubernetes_resources)
        .filter((d) => d.kind !== 'APIService')
        .map(
          (d) => `${String(d.kind)} ${typeof d.namespace === 'string' ? d.namespace : '(cluster)'}`,
        )
        .sort(),
    ).toEqual([
      'ClusterSecretStore (cluster)',
      'ExternalSecret a',
      'ExternalSecret b',
      'SecretStore a',
    ]);
    // Nothing is listed while the cluster does not serve the ESO version (the store's
    // precondition says so): listing an unserved kind is an error of its own.
    const [gateName] = Object.entries(out.data.kubernetes_resources).find(
      ([, d]) => d.kind === 'APIService',
    )!;
    for (const listing of Object.values(out.data.kubernetes_resources).filter(
      (d) => d.kind !== 'APIService',
    ))
      expect(listing.count).toBe(
        `\${length(data.kubernetes_resources.${gateName}.objects) > 0 ? 1 : 0}`,
      );
    const [check] = Object.values(out.check);
    expect(check.assert).toHaveLength(1);
    expect(check.assert[0].error_message).toMatch(
      /^Not Ready: \$\{join\("; ", concat\(.*\)\)\}\. Run `npm run doctor -- --env dev` to find the broken link\.$/,
    );
    expect(check.assert[0].condition).toContain('contains(["one","two"], o.metadata.name)');
    expect(check.assert[0].condition).toContain('contains(["three"], o.metadata.name)');
    expect(check.assert[0].condition).toContain('contains(["vault-backend"], o.metadata.name)');
  });
});
