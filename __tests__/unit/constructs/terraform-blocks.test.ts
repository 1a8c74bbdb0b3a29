import { Testing } from 'cdktf';
import { Construct } from 'constructs';
import {
  CheckBlock,
  EphemeralResource,
  RawResource,
  RemovedResources,
  childLogicalId,
  logicalIdOf,
} from '../../../constructs/terraform-blocks';
import { parse } from '../../support/construct-test';

describe('the Terraform blocks cdktf has no class for', () => {
  it('writes an ephemeral resource, a raw resource at the address a binding would have, removed and check blocks', () => {
    let raw!: RawResource;
    let ephemeral!: EphemeralResource;
    let childId = '';
    const out = parse(
      Testing.synthScope((scope) => {
        const inner = new Construct(scope, 'kv');
        ephemeral = new EphemeralResource(inner, 'token', 'aws_eks_cluster_auth', { name: 'c' });
        raw = new RawResource(inner, 'seed', 'vault_generic_endpoint', { path: 'p' });
        childId = childLogicalId(inner, 'seed');
        new RemovedResources(inner, 'gone', [{ address: 'vault_kv_secret_v2.x' }]);
        new RemovedResources(inner, 'nothing', []);
        new CheckBlock(inner, 'ready', [{ condition: '${true}', errorMessage: 'never' }]);
      }),
    ) as unknown as Record<string, unknown>;
    expect(raw.address).toBe(`vault_generic_endpoint.${childId}`);
    expect(childId).toBe(logicalIdOf(['kv', 'seed']));
    expect(ephemeral.stringAttribute('token')).toMatch(/^\$\{TfToken/);
    expect(out.ephemeral).toEqual({
      aws_eks_cluster_auth: { [logicalIdOf(['kv', 'token'])]: { name: 'c' } },
    });
    expect(out.removed).toEqual([{ from: 'vault_kv_secret_v2.x', lifecycle: { destroy: false } }]);
    expect(out.check).toEqual({
      [logicalIdOf(['kv', 'ready'])]: {
        assert: [{ condition: '${true}', error_message: 'never' }],
      },
    });
  });
});
