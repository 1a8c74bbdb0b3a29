import { DataKubernetesResources } from '@cdktf/provider-kubernetes/lib/data-kubernetes-resources';
import { Construct } from 'constructs';
import { hclStringContent, hclStringList } from '../common/hcl';
import type { EsoApiGate } from './eso-api-gate';
import { CheckBlock } from './terraform-blocks';

/** What the stack says about waiting for ESO; the same for the store and every ExternalSecret. */
export interface Readiness {
  /** What to run when an object is not Ready, e.g. `npm run doctor -- --env dev`. */
  readonly diagnose: string;
  /** How long an apply waits for Ready (Go duration). */
  readonly timeout: string;
}

/**
 * The arguments that make a kubernetes_manifest of an ESO object part of what a deploy proves:
 * an apply that creates or changes it waits (bounded) until ESO reports it Ready, so a deploy
 * that leaves the chain broken fails (`npm run deploy` then runs the doctor); and Terraform owns
 * the fields it declares, also where kubectl applied them first (an adopted chain built by hand;
 * without it, server-side apply stops on the field manager conflict).
 */
export function readyWait(readiness: Readiness): Record<string, unknown> {
  const { timeout } = readiness;
  return {
    wait: { condition: [{ type: 'Ready', status: 'True' }] },
    timeouts: { create: timeout, update: timeout },
    field_manager: { force_conflicts: true },
  };
}

export interface ReadinessCheckProps {
  /** The ESO API version's gate: without it served, nothing is listed (and nothing warns). */
  readonly gate: EsoApiGate;
  /** The stores of the stack: ClusterSecretStores, and SecretStores in their namespaces. */
  readonly stores: readonly {
    readonly kind: 'ClusterSecretStore' | 'SecretStore';
    readonly name: string;
    readonly namespace?: string;
  }[];
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

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/**
 * A `check` block that reads the stores and ExternalSecrets of the stack at every plan and warns,
 * with ESO's own messages and the doctor command, about those that exist and are not Ready. A
 * warning never blocks the plan that would repair the chain. One listing per kind and namespace
 * (not per object) keeps plans and synthesis fast with hundreds of secrets; listings find
 * nothing, rather than fail, before the objects exist.
 */
export class ReadinessCheck extends Construct {
  constructor(scope: Construct, id: string, props: ReadinessCheckProps) {
    super(scope, id);
    // Each listing, with the names of this stack's objects in it.
    const listings: { fqn: string; label: string; names: string[] }[] = [];
    const list = (kind: string, id: string, namespace: string | undefined, names: string[]) => {
      const data = new DataKubernetesResources(this, id, {
        apiVersion: props.gate.apiVersion,
        kind,
        namespace,
      });
      // Listing a kind the cluster does not serve is an error of its own; the store's
      // precondition already says what to do about it.
      data.addOverride('count', props.gate.servedCount());
      // Plain addresses, not tokens: cdktf's token splicing misreads the quoted templates of a
      // second listing and wraps its address in "${}", which Terraform refuses.
      listings.push({
        fqn: `data.kubernetes_resources.${data.friendlyUniqueId}`,
        // Spliced into a quoted string of the expression below: escaped as its content.
        label: hclStringContent(`${kind} ${namespace ? `${namespace}/` : ''}`),
        names,
      });
    };
    for (const [key, stores] of groupBy(props.stores, (s) => `${s.kind}/${s.namespace ?? ''}`)) {
      const [kind, namespace] = key.split('/');
      const id = kind === 'ClusterSecretStore' ? 'cluster-stores' : `stores-${namespace}`;
      list(
        kind,
        id,
        namespace || undefined,
        stores.map((s) => s.name),
      );
    }
    for (const [namespace, items] of groupBy(props.externalSecrets, (es) => es.namespace))
      list(
        'ExternalSecret',
        `external-secrets-${namespace}`,
        namespace,
        items.map((es) => es.name),
      );

    const notReady = listings
      .map(
        (l) =>
          `[for o in try(${l.fqn}[0].objects, []) : "${l.label}\${o.metadata.name} (\${${readyText('o')}})" if contains(${hclStringList(l.names)}, o.metadata.name) && !${isReady('o')}]`,
      )
      .join(', ');
    new CheckBlock(this, 'ready', [
      {
        condition: `\${length(concat(${notReady})) == 0}`,
        errorMessage: `Not Ready: \${join("; ", concat(${notReady}))}. Run \`${props.readiness.diagnose}\` to find the broken link.`,
      },
    ]);
  }
}
