import { Testing } from 'cdktf';
import { EsoApiGate } from '../../../constructs/eso-api-gate';
import { parse } from '../../support/construct-test';

describe('EsoApiGate', () => {
  let gate!: EsoApiGate;
  const out = parse(
    Testing.synthScope((scope) => {
      gate = new EsoApiGate(scope, 'eso-api', 'external-secrets.io/v1beta1');
    }),
  );

  it("reads the aggregator's APIService of the version, not the CRD's 295 KB of schema", () => {
    const [listing] = Object.values(out.data.kubernetes_resources);
    expect(listing).toEqual(
      expect.objectContaining({
        api_version: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        field_selector: 'metadata.name=v1beta1.external-secrets.io',
      }),
    );
  });

  it('gives stores a precondition that names the version and what to do, and reads a count', () => {
    expect(gate.apiVersion).toBe('external-secrets.io/v1beta1');
    const { condition, errorMessage } = gate.precondition();
    expect(condition).toMatch(/^\$\{length\(.+\.objects\) > 0\}$/);
    expect(errorMessage).toContain('The cluster does not serve external-secrets.io/v1beta1');
    expect(gate.servedCount()).toMatch(/\? 1 : 0\}$/);
  });
});
