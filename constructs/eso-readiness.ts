import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';
import type { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import type { Construct } from 'constructs';
import { CheckBlock } from './terraform-blocks';

/** How long an apply waits for ESO to report a store or an ExternalSecret Ready. */
export const READY_TIMEOUT = '2m';

export interface ReadinessProps {
  /** The ESO object: its apiVersion, kind, name and namespace (none for cluster-scoped kinds). */
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** What to run when it is not Ready, e.g. `npm run doctor -- --env dev`. */
  readonly diagnose: string;
}

/**
 * Makes an ESO manifest part of what a deploy proves: an apply that creates or changes it waits
 * (bounded) until ESO reports it Ready, so a deploy that leaves the chain broken fails
 * (`npm run deploy` then runs the doctor). A `check` block reads the object's status at every plan
 * and warns, with ESO's own message and the doctor command, when an existing object is not Ready;
 * a warning never blocks the plan that would repair the chain. The status is read with the list
 * data source (by name), which finds nothing instead of failing before the object exists.
 */
export function awaitReady(scope: Construct, manifest: Manifest, props: ReadinessProps): void {
  manifest.putWait({ condition: [{ type: 'Ready', status: 'True' }] });
  manifest.putTimeouts({ create: READY_TIMEOUT, update: READY_TIMEOUT });

  const what = `${props.kind} ${props.namespace ? `${props.namespace}/` : ''}${props.name}`;
  const status = new DataKubernetesResources(scope, 'status', {
    apiVersion: props.apiVersion,
    kind: props.kind,
    namespace: props.namespace,
    fieldSelector: `metadata.name=${props.name}`,
  });
  const conditions = `try(${status.fqn}.objects[0].status.conditions, [])`;
  new CheckBlock(scope, 'ready', [
    {
      condition: `\${length(${status.fqn}.objects) == 0 || anytrue([for c in ${conditions} : c.type == "Ready" && c.status == "True"])}`,
      errorMessage:
        `${what} is not Ready: ` +
        `\${try(one([for c in ${conditions} : "\${c.reason}: \${c.message}" if c.type == "Ready"]), "no status yet")}. ` +
        `Run \`${props.diagnose}\` to find the broken link.`,
    },
  ]);
}
