import { DataAwsEksCluster } from '@cdktf/provider-aws/lib/data-aws-eks-cluster';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { EphemeralResource } from './terraform-blocks';

/** Credentials for a Kubernetes provider, in one of the shapes the provider accepts. */
export interface KubernetesCredentials {
  /** Bearer token (eks-token and static-token modes). */
  readonly token?: string;
  /** Exec plugin (exec mode). */
  readonly exec?: {
    readonly apiVersion: string;
    readonly command: string;
    readonly args: string[];
  };
}

export interface EksClusterLookupProps {
  /** Name of the existing EKS cluster. */
  readonly clusterName: string;
  /** Region of the cluster, passed to `aws eks get-token` in exec mode. */
  readonly region: string;
  /**
   * How callers authenticate to the cluster:
   * `eks-token` opens the ephemeral `aws_eks_cluster_auth` at plan and at apply (a 15-minute token
   * that is never written to the plan or the state);
   * `exec` runs `aws eks get-token` whenever the provider needs a token;
   * `static-token` uses `staticToken`.
   */
  readonly auth: 'eks-token' | 'exec' | 'static-token';
  /**
   * Bearer token for `static-token` mode (a reference to a sensitive variable, never a literal).
   * @default none; required in `static-token` mode
   */
  readonly staticToken?: string;
}

/**
 * Looks up an EKS cluster: its API endpoint, its CA (base64 as EKS returns it, and decoded PEM)
 * and credentials for the Kubernetes provider. Nothing else in the app reads these data sources.
 */
export class EksClusterLookup extends Construct {
  /** API server URL, e.g. `https://xxxxx.sk1.us-west-2.eks.amazonaws.com`. */
  readonly endpoint: string;
  /** Cluster CA certificate, PEM (decoded from EKS's base64). */
  readonly caCertificatePem: string;
  /** Credentials for the Kubernetes provider. */
  readonly credentials: KubernetesCredentials;
  /** The cluster's service-account token issuer (its OIDC issuer URL). */
  readonly oidcIssuer: string;

  constructor(scope: Construct, id: string, props: EksClusterLookupProps) {
    super(scope, id);

    const cluster = new DataAwsEksCluster(this, 'cluster', { name: props.clusterName });
    this.endpoint = cluster.endpoint;
    this.caCertificatePem = Fn.base64decode(cluster.certificateAuthority.get(0).data);
    this.oidcIssuer = cluster.identity.get(0).oidc.get(0).issuer;

    switch (props.auth) {
      case 'eks-token': {
        // Ephemeral, not the data source: a data source's token would be stored in the state and
        // in every saved plan. cdktf 0.21 has no binding for ephemeral resources (see
        // terraform-blocks.ts).
        const auth = new EphemeralResource(this, 'auth', 'aws_eks_cluster_auth', {
          name: props.clusterName,
        });
        this.credentials = { token: auth.stringAttribute('token') };
        break;
      }
      case 'exec':
        this.credentials = {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: 'aws',
            args: [
              'eks',
              'get-token',
              '--cluster-name',
              props.clusterName,
              '--region',
              props.region,
              '--output',
              'json',
            ],
          },
        };
        break;
      case 'static-token':
        if (props.staticToken === undefined) {
          throw new Error('EksClusterLookup: auth "static-token" needs staticToken');
        }
        this.credentials = { token: props.staticToken };
        break;
    }
  }
}
