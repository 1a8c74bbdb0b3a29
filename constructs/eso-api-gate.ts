import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';

/**
 * Reads whether the API server serves an ESO API version: the aggregator's APIService for it
 * exists exactly then. Stores check it in their preconditions, before the provider plans a
 * manifest whose CRD is missing (its own error does not say what to do). Reading the CRD itself,
 * 295 KB of schema, cost about a second of every plan.
 */
export class EsoApiGate extends Construct {
  readonly apiVersion: string;
  /** `data.kubernetes_resources.<id>` */
  readonly fqn: string;
  readonly resource: ITerraformDependable;

  constructor(scope: Construct, id: string, apiVersion: string) {
    super(scope, id);
    const [group, version] = apiVersion.split('/');
    const served = new DataKubernetesResources(this, 'api-service', {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      fieldSelector: `metadata.name=${version}.${group}`,
    });
    this.apiVersion = apiVersion;
    this.fqn = served.fqn;
    this.resource = served;
  }

  /** The precondition a store carries. */
  precondition(): { condition: string; errorMessage: string } {
    return {
      condition: `\${length(${this.fqn}.objects) > 0}`,
      errorMessage: `The cluster does not serve ${this.apiVersion}: the External Secrets Operator is not installed, or serves other versions (v1 needs ESO >= 0.16; v1beta1 is not served from ESO 0.17). Install ESO before planning this stack (its store and ExternalSecret resources need the CRDs at plan time), or set eso.apiVersion to a version it serves.`,
    };
  }

  /** A `count` that is 1 when the version is served, 0 when not: reads of ESO objects wait on it. */
  servedCount(): string {
    return `\${length(${this.fqn}.objects) > 0 ? 1 : 0}`;
  }
}
