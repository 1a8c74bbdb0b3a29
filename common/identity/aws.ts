/**
 * The AWS grants of the identities: the EKS lookup (`aws_eks_cluster`) calls
 * eks:DescribeCluster; the cluster token (`aws_eks_cluster_auth`, or `aws eks get-token`) is a
 * presigned sts:GetCallerIdentity, which needs no permission. The run role reaches the cluster's
 * API through an EKS access entry, not through IAM (see `npm run workspace`).
 */
import { providerConfig } from '../stack-json';
import type { SynthesizedStack } from '../synthesized-stack';
import type { AwsGrant } from './grants';

/** The ARN of an EKS cluster; the account is left open (`*`): an identity policy reaches no other. */
export function clusterArn(region: string, cluster: string): string {
  return `arn:aws:eks:${region}:*:cluster/${cluster}`;
}

/** The region of the AWS provider a lookup goes through: its alias's (a cluster's), or the default. */
function regionOf(stack: SynthesizedStack, address: string): string {
  const alias = stack.providerOf(address)?.split('.')[1];
  const config =
    alias === undefined
      ? providerConfig(stack.json, 'aws')
      : stack.providerConfigs('aws').find((p) => p.alias === alias);
  return stack.values.text(config?.region) ?? '*';
}

export function awsGrants(stack: SynthesizedStack): AwsGrant[] {
  return stack.dataSources('aws_eks_cluster').flatMap((d) => {
    const name = stack.values.text(d.body.name);
    if (name === undefined) return [];
    const region = regionOf(stack, d.address);
    return [
      {
        system: 'aws',
        action: 'eks:DescribeCluster',
        resource: clusterArn(region, name),
        use: 'plan',
        why: `the EKS lookup of ${name}: endpoint, CA and OIDC issuer`,
        address: d.address,
      },
    ];
  });
}

/** An IAM policy document of the grants, one statement per action. */
export function renderIamPolicy(grants: readonly AwsGrant[]): Record<string, unknown> {
  const actions = [...new Set(grants.map((g) => g.action))].sort();
  return {
    Version: '2012-10-17',
    Statement: actions.map((action) => ({
      Sid: action.replace(/[^A-Za-z0-9]/g, ''),
      Effect: 'Allow',
      Action: [action],
      Resource: [
        ...new Set(grants.filter((g) => g.action === action).map((g) => g.resource)),
      ].sort(),
    })),
  };
}
