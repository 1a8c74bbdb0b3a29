import type { IValidation } from 'constructs';
import { mergeStacks } from '../common/merged-stacks';
import type { StackJson } from '../common/stack-json';
import { checkChain } from '../rules/chain-invariants';

/**
 * The chain rules of an environment whose teams are stacks of their own (team files), run once
 * over all of its stacks together: every rule and every cross-team isolation check sees the
 * whole environment, as it did when it was one stack. Each stack registers how it renders its
 * JSON; the first stack validated renders them all (each keeps its JSON for its synthesis, so
 * what is written is what was checked) and reports the violations, once.
 */
export class EnvironmentChain {
  private readonly stacks: { readonly name: string; readonly render: () => StackJson }[] = [];
  private checked = false;
  /** Each stack's JSON as the rules checked it, by name. */
  private readonly rendered = new Map<string, StackJson>();

  /** Registers a stack of the environment; returns the validation to add to it. */
  add(name: string, render: () => StackJson): IValidation {
    this.stacks.push({ name, render });
    return { validate: () => this.validate() };
  }

  /** The JSON the rules checked for a stack: undefined before they ran (or if never added). */
  checkedJson(name: string): StackJson | undefined {
    return this.rendered.get(name);
  }

  private validate(): string[] {
    if (this.checked) return [];
    this.checked = true;
    const stacks = this.stacks.map((s) => ({ name: s.name, json: s.render() }));
    for (const { name, json } of stacks) this.rendered.set(name, json);
    const merged = mergeStacks(stacks);
    return checkChain(merged).map((v) => `[${v.ruleId}] ${v.message}`);
  }
}
