/**
 * The lab builds its aws provider with only the services the stacks use (lab/toolchain/trim.py):
 * a stack that starts using another aws_* type must fail here, not in a deploy.
 */
import { awsProviderTypes } from '../../common/versions';
import { ALL_ENVIRONMENTS } from '../../environments';
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
