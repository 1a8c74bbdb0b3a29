/**
 * The lab builds its aws provider with only the services the stacks use (lab/toolchain/trim.py):
 * a stack that starts using another aws_* type must fail here, not in a deploy. `npm run lab --
 * verify-trim` compares that build's schema with an untrimmed one; its comparison is tested here.
 */
import { awsProviderTypes } from '../../common/versions';
import { ALL_ENVIRONMENTS } from '../../environments';
import type { ProviderSchema } from '../../lab/verify-trim';
import { compareSchemas, firstDifference } from '../../lab/verify-trim';
import { synthJson, variant } from '../support/stack';

function awsTypes(json: Record<string, unknown>): string[] {
  const types = new Set<string>();
  for (const kind of ['resource', 'data', 'ephemeral']) {
    for (const type of Object.keys((json[kind] as Record<string, unknown> | undefined) ?? {}))
      if (type.startsWith('aws_')) types.add(type);
  }
  return [...types];
}

describe('the aws provider the lab builds', () => {
  const synthesized = [
    ...ALL_ENVIRONMENTS,
    variant({ kubernetes: { auth: 'exec' } }),
    variant({ kubernetes: { auth: 'static-token' } }),
  ].map((env) => synthJson(env));
  const used = new Set(synthesized.flatMap((json) => awsTypes(json)));

  it('serves every aws_* type any stack synthesizes (AWS_PROVIDER_TYPES in common/versions.sh)', () => {
    expect([...used].filter((t) => !awsProviderTypes().includes(t))).toEqual([]);
  });

  it('keeps no type the stacks no longer use, so the trimmed build stays small', () => {
    expect(awsProviderTypes().filter((t) => !used.has(t))).toEqual([]);
  });
});

describe('verify-trim: comparing the trimmed aws provider with an untrimmed build', () => {
  // A function, so each kind holds its own copy (structuredClone keeps shared references).
  const cluster = () => ({
    version: 0,
    block: { attributes: { name: { type: 'string', required: true } } },
  });
  const full: ProviderSchema = {
    provider: { block: { attributes: { region: { type: 'string', optional: true } } } },
    resource_schemas: { aws_eks_cluster: cluster(), aws_s3_bucket: {} },
    data_source_schemas: { aws_eks_cluster: cluster() },
    ephemeral_resource_schemas: { aws_eks_cluster_auth: { block: {} } },
  };
  const types = ['aws_eks_cluster', 'aws_eks_cluster_auth'];

  it('finds the same schemas equal, whatever the key order, and counts what each serves', () => {
    const trimmed: ProviderSchema = structuredClone(full);
    delete trimmed.resource_schemas!.aws_s3_bucket;
    trimmed.data_source_schemas = {
      aws_eks_cluster: { block: cluster().block, version: 0 },
    };
    const result = compareSchemas(full, trimmed, types);
    expect(result.differences).toEqual([]);
    expect(result.equal).toEqual([
      'provider',
      'resource_schemas aws_eks_cluster',
      'data_source_schemas aws_eks_cluster',
      'ephemeral_resource_schemas aws_eks_cluster_auth',
    ]);
    expect(result.counts.resource_schemas).toEqual({ reference: 2, candidate: 1 });
  });

  it('names the kind, the type and the JSON path of each difference', () => {
    const trimmed: ProviderSchema = structuredClone(full);
    const changed = cluster();
    changed.block.attributes.name.required = false;
    trimmed.data_source_schemas = { aws_eks_cluster: changed };
    delete trimmed.ephemeral_resource_schemas;
    trimmed.provider = {};
    expect(compareSchemas(full, trimmed, [...types, 'aws_caller_identity']).differences).toEqual([
      'provider: differs at $.block',
      'data_source_schemas aws_eks_cluster: differs at $.block.attributes.name.required',
      'ephemeral_resource_schemas aws_eks_cluster_auth: the candidate lacks it',
      'aws_caller_identity: neither build serves it',
    ]);
  });

  it('tells arrays from objects and values from their absence', () => {
    expect(firstDifference({ a: [1, 2] }, { a: [1, 2] })).toBe('');
    expect(firstDifference({ a: [1, 2] }, { a: { 0: 1, 1: 2 } })).toBe('$.a');
    expect(firstDifference({ a: null }, {})).toBe('$.a');
    expect(firstDifference({ a: [1, 2] }, { a: [1, 3] })).toBe('$.a.1');
  });
});
