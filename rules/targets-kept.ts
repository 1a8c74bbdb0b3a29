import { CHAIN_RULE_IDS } from '../common/chain-rule-ids';
import type { StackJson } from '../common/stack-json';
import { SynthesizedStack } from '../common/synthesized-stack';
import type { Rule, Violation } from './rule';

const TARGETS_KEPT_ID = CHAIN_RULE_IDS.targetsKept;

/**
 * The Secrets workloads read are kept: every ExternalSecret orphans its target (deleting or
 * replacing the ExternalSecret never deletes the Secret), and every target the environment does
 * not adopt is guarded in the cluster against ESO taking over a Secret it did not create.
 */
export const targetsKept: Rule = {
  id: TARGETS_KEPT_ID,
  description:
    'every ExternalSecret orphans its target Secret, and every target not adopted is guarded against takeover',
  check(json: StackJson): Violation[] {
    const stack = new SynthesizedStack(json);
    const problems: string[] = [];
    for (const { externalSecret: es } of stack.externalSecrets()) {
      const policy = es.target.creationPolicy;
      if (policy !== 'Orphan')
        problems.push(
          `ExternalSecret "${es.namespace ?? '?'}/${es.name ?? '?'}": creationPolicy "${policy ?? '(none)'}"; use "Orphan", or deleting or replacing it deletes the Secret "${es.target.name ?? '?'}" its workload reads`,
        );
    }
    const guarded = new Set(stack.guardedTargets());
    for (const entry of stack.declaredSync()) {
      const target = `${entry.namespace}/${entry.target}`;
      if (!entry.adopts_target && !guarded.has(target))
        problems.push(
          `Secret "${target}" (ExternalSecret "${entry.namespace}/${entry.external_secret}") is not guarded: ESO could take over a Secret of that name it did not create; guard it with the stack's takeover policy, or adopt it (adoptExistingTarget)`,
        );
    }
    return problems.map((message) => ({ ruleId: TARGETS_KEPT_ID, message }));
  },
};
