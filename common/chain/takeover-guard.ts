/**
 * The takeover guard: a ValidatingAdmissionPolicy (and its binding) that stops ESO from taking
 * over a Kubernetes Secret it did not create. ESO's first step on an existing Secret is to add
 * its `managed` label; the policy denies any update that adds that label to one of the stack's
 * target Secrets which lacked it, so a hand-made Secret of a target's name is never overwritten.
 * Written by the guard construct, read by the chain rule that every target is guarded.
 */
import { type ValueReader, at } from './values';

/** The label ESO puts on every Secret it manages (and adds first when it takes one over). */
export const ESO_MANAGED_LABEL = 'reconcile.external-secrets.io/managed';

export interface TakeoverGuardSpec {
  /** Name of the policy and its binding (cluster-scoped: one per stack). */
  readonly name: string;
  /** The target Secrets, `namespace/name`. */
  readonly targets: readonly string[];
  /** What to do instead, for the denial's message. */
  readonly fix: string;
}

const hasLabel = (object: string) =>
  `has(${object}.metadata.labels) && '${ESO_MANAGED_LABEL}' in ${object}.metadata.labels`;

/** The CEL condition naming the guarded targets. */
function targetCondition(targets: readonly string[]): string {
  return `request.namespace + '/' + request.name in ${JSON.stringify([...targets].sort())}`;
}

/** The policy's manifest. */
export function takeoverPolicyManifest(spec: TakeoverGuardSpec): Record<string, unknown> {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: spec.name },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['secrets'] },
        ],
      },
      matchConditions: [
        { name: 'a-target-of-this-stack', expression: targetCondition(spec.targets) },
      ],
      validations: [
        {
          // Adding ESO's label to a Secret that lacked it is a takeover.
          expression: `!(${hasLabel('object')}) || (${hasLabel('oldObject')})`,
          messageExpression: `'Secret ' + request.namespace + '/' + request.name + ' was not created by External Secrets, and ESO may not take it over: ${spec.fix.replace(/'/g, "\\'")}'`,
          reason: 'Forbidden',
        },
      ],
    },
  };
}

/** The binding that enforces the policy (deny). */
export function takeoverBindingManifest(spec: TakeoverGuardSpec): Record<string, unknown> {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: spec.name },
    spec: { policyName: spec.name, validationActions: ['Deny'] },
  };
}

/** The targets a policy manifest guards (`namespace/name`), or undefined when it is not ours. */
export function guardedTargets(manifest: unknown, read: ValueReader): string[] | undefined {
  const conditions = at(manifest, 'spec.matchConditions');
  if (!Array.isArray(conditions)) return undefined;
  for (const condition of conditions) {
    const expression = read.text(at(condition, 'expression'));
    const match = /^request\.namespace \+ '\/' \+ request\.name in (\[.*\])$/.exec(
      expression ?? '',
    );
    if (match) return JSON.parse(match[1]) as string[];
  }
  return undefined;
}

/**
 * kubectl arguments that list a Secret by name only if ESO did not create it (no managed label),
 * printing its name alone: the API server never sends its data.
 */
export function unmanagedSecretQuery(namespace: string, name: string): string[] {
  return [
    'get',
    'secret',
    '-n',
    namespace,
    '--field-selector',
    `metadata.name=${name}`,
    '-l',
    `!${ESO_MANAGED_LABEL}`,
    '-o',
    'name',
  ];
}
