import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';
import { Construct } from 'constructs';
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

/**
 * The arguments that make a kubernetes_manifest of an ESO object part of what a deploy proves:
 * an apply that creates or changes it waits (bounded) until ESO reports it Ready, so a deploy
 * that leaves the chain broken fails (`npm run deploy` then runs the doctor); and Terraform owns
 * the fields it declares, also where kubectl applied them first (an adopted chain built by hand;
 * without it, server-side apply stops on the field manager conflict).
 */
export function readyWait(readiness: Readiness): Record<string, unknown> {
  const timeout = readiness.timeout ?? READY_TIMEOUT;
  return {
    wait: { condition: [{ type: 'Ready', status: 'True' }] },
    timeouts: { create: timeout, update: timeout },
    field_manager: { force_conflicts: true },
  };
}

export interface ReadinessCheckProps {
  /** ESO API version, e.g. `external-secrets.io/v1`. */
  readonly apiVersion: string;
  /** The ClusterSecretStore. */
  readonly storeName: string;
  /** Every ExternalSecret of the stack. */
  readonly externalSecrets: readonly { readonly namespace: string; readonly name: string }[];
  readonly readiness: Readiness;
}

/** `Ready` with status True among an object's conditions (a Terraform expression). */
const isReady = (object: string) =>
  `anytrue([for c in try(${object}.status.conditions, []) : c.type == "Ready" && c.status == "True"])`;
/** Its Ready condition's reason and message, for people (a Terraform expression). */
const readyText = (object: string) =>
  `try(coalesce(one([for c in try(${object}.status.conditions, []) : "\${c.reason}: \${c.message}" if c.type == "Ready"]), "no status yet"), "no status yet")`;

/**
 * A `check` block that reads the store and the stack's ExternalSecrets at every plan and warns,
 * with ESO's own messages and the doctor command, about those that exist and are not Ready. A
 * warning never blocks the plan that would repair the chain. One listing per namespace (not per
 * object) keeps plans and synthesis fast with hundreds of secrets; listings find nothing, rather
 * than fail, before the objects exist.
 */
export class ReadinessCheck extends Construct {
  constructor(scope: Construct, id: string, props: ReadinessCheckProps) {
    super(scope, id);
    const store = new DataKubernetesResources(this, 'store', {
      apiVersion: props.apiVersion,
      kind: 'ClusterSecretStore',
      fieldSelector: `metadata.name=${props.storeName}`,
    });
    const byNamespace = new Map<string, string[]>();
    for (const es of props.externalSecrets)
      byNamespace.set(es.namespace, [...(byNamespace.get(es.namespace) ?? []), es.name]);
    const listings = [...byNamespace].map(([namespace, names]) => ({
      names,
      fqn: new DataKubernetesResources(this, `external-secrets-${namespace}`, {
        apiVersion: props.apiVersion,
        kind: 'ExternalSecret',
        namespace,
      }).fqn,
    }));
    const run = `Run \`${props.readiness.diagnose}\` to find the broken link.`;
    const notReady = listings
      .map(
        (l) =>
          `[for o in ${l.fqn}.objects : "\${o.metadata.namespace}/\${o.metadata.name} (\${${readyText('o')}})" if contains(${JSON.stringify(l.names)}, o.metadata.name) && !${isReady('o')}]`,
      )
      .join(', ');
    new CheckBlock(this, 'ready', [
      {
        condition: `\${length(${store.fqn}.objects) == 0 || ${isReady(`${store.fqn}.objects[0]`)}}`,
        errorMessage: `ClusterSecretStore ${props.storeName} is not Ready: \${${readyText(`${store.fqn}.objects[0]`)}}. ${run}`,
      },
      {
        condition: `\${length(concat(${notReady})) == 0}`,
        errorMessage: `ExternalSecrets not Ready: \${join("; ", concat(${notReady}))}. ${run}`,
      },
    ]);
  }
}
