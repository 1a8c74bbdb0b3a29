import type { StackJson } from '../common/stack-json';

/** One rule's finding. */
export interface Violation {
  /** Stable id, e.g. `CHAIN-001`; documented in the README. */
  readonly ruleId: string;
  readonly message: string;
}

export interface Rule {
  readonly id: string;
  /** One line saying what the rule guarantees. */
  readonly description: string;
  readonly check: (stack: StackJson) => Violation[];
}
