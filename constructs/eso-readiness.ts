import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';
import type { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import type { Construct } from 'constructs';
import { CheckBlock } from './terraform-blocks';

/** How long an apply waits for ESO to report a store or an ExternalSecret Ready. */
export const READY_TIMEOUT = '2m';

/** What the stack says about waiting for ESO; the same for the store and every ExternalSecret. */
export interface Readiness {
  /** What to run when an object is not Ready, e.g. `npm run doctor -- --env dev`. */
  readonly diagnose: string;
  /**
   * How long an apply waits for Ready (Go duration).
   * @default READY_TIMEOUT
   */
  readonly timeout?: string;
}

export interface ReadinessProps extends Readiness {
  /** The ESO object: its apiVersion, kind, name and namespace (none for cluster-scoped kinds). */
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/**
 * Makes an ESO manifest part of what a deploy proves (and takes over its fields from whoever
 * applied them before): an apply that creates or changes it waits
 * (bounded) until ESO reports it Ready, so a deploy that leaves the chain broken fails
 * (`npm run deploy` then runs the doctor). A `check` block reads the object's status at every plan
 * and warns, with ESO's own message and the doctor command, when an existing object is not Ready;
 * a warning never blocks the plan that would repair the chain. The status is read with the list
 * data source (by name), which finds nothing instead of failing before the object exists.
 */
export function awaitReady(scope: Construct, manifest: Manifest, props: ReadinessProps): void {
  manifest.putWait({ condition: [{ type: 'Ready', status: 'True' }] });
  // Terraform owns the fields it declares, also where kubectl applied them first (an adopted
  // chain built by hand): without this, server-side apply stops on the field manager conflict.
  manifest.putFieldManager({ forceConflicts: true });
  const timeout = props.timeout ?? READY_TIMEOUT;
  manifest.putTimeouts({ create: timeout, update: timeout });

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
        // one() gives null for an empty list: coalesce, or the message itself fails to render.
        `\${try(coalesce(one([for c in ${conditions} : "\${c.reason}: \${c.message}" if c.type == "Ready"]), "no status yet"), "no status yet")}. ` +
        `Run \`${props.diagnose}\` to find the broken link.`,
    },
  ]);
}
