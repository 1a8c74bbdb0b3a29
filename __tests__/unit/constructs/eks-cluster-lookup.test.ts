import { DataAwsEksCluster } from '@cdktf/provider-aws/lib/data-aws-eks-cluster';
import { TerraformOutput, Testing } from 'cdktf';
import { EksClusterLookup } from '../../../constructs/eks-cluster-lookup';
import { parse, countOf } from '../../support/construct-test';

describe('EksClusterLookup', () => {
  it('reads the cluster and, in eks-token mode, an ephemeral token that no plan or state keeps', () => {
    let lookup!: EksClusterLookup;
    const out = Testing.synthScope((scope) => {
      lookup = new EksClusterLookup(scope, 'eks', {
        clusterName: 'my-cluster',
        region: 'us-west-2',
        auth: 'eks-token',
      });
    });
    expect(out).toHaveDataSourceWithProperties(DataAwsEksCluster, { name: 'my-cluster' });
    expect(countOf(out, 'data', 'aws_eks_cluster_auth')).toBe(0);
    const [[name, auth]] = Object.entries(parse(out).ephemeral.aws_eks_cluster_auth);
    expect(auth).toEqual({ name: 'my-cluster' });
    expect(lookup.caCertificatePem).toMatch(/^\$\{TfToken/);
    expect(lookup.credentials.exec).toBeUndefined();
    const resolved = parse(
      Testing.synthScope((scope) => {
        const l = new EksClusterLookup(scope, 'eks', {
          clusterName: 'my-cluster',
          region: 'us-west-2',
          auth: 'eks-token',
        });
        new TerraformOutput(scope, 'token', { value: l.credentials.token, sensitive: true });
      }),
    );
    expect(resolved.output.token.value).toBe(`\${ephemeral.aws_eks_cluster_auth.${name}.token}`);
  });

  it('in exec mode runs aws eks get-token and reads no token at plan time', () => {
    let lookup!: EksClusterLookup;
    const out = Testing.synthScope((scope) => {
      lookup = new EksClusterLookup(scope, 'eks', {
        clusterName: 'prod-1',
        region: 'eu-west-1',
        auth: 'exec',
      });
    });
    expect(countOf(out, 'data', 'aws_eks_cluster_auth')).toBe(0);
    expect(lookup.credentials).toEqual({
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: 'aws',
        args: [
          'eks',
          'get-token',
          '--cluster-name',
          'prod-1',
          '--region',
          'eu-west-1',
          '--output',
          'json',
        ],
      },
    });
  });

  it('in static-token mode insists on a token', () => {
    expect(() =>
      Testing.synthScope((scope) => {
        new EksClusterLookup(scope, 'eks', {
          clusterName: 'c',
          region: 'us-west-2',
          auth: 'static-token',
        });
      }),
    ).toThrow('EksClusterLookup: auth "static-token" needs staticToken');
  });
});
