/**
 * Construct ids made from names in the configuration (an environment, a secret, a mount). The
 * constructs library keeps a scope's children in a plain object and asks it `children[id]`, so
 * an id that is a member of Object.prototype (`constructor`) is "already taken" in every scope.
 * A scope that takes such ids gets a children map without a prototype; nothing else changes.
 */
import type { IConstruct } from 'constructs';

/** Lets `scope` take any id as a child's, `constructor` included; returns the scope. */
export function allowAnyChildId<T extends IConstruct>(scope: T): T {
  const node = scope.node as unknown as { _children: Record<string, IConstruct> };
  if (Object.getPrototypeOf(node._children) !== null)
    node._children = Object.assign(
      Object.create(null) as Record<string, IConstruct>,
      node._children,
    );
  return scope;
}
