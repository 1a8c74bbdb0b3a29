/**
 * Turns a plan in Terraform's JSON form (`show -json <planfile>`) into a drift report that names
 * each drifted resource and attribute. Values are shown only where they are safe: sensitive
 * attributes, and anything shaped like a credential, are replaced by "(sensitive)".
 */
import { findSecretLikeValues } from '../common/secret-shapes';
import { tenantOfAddress } from '../common/names';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface PlanChange {
  readonly actions: string[];
  readonly before?: Json;
  readonly after?: Json;
  readonly before_sensitive?: Json;
  readonly after_sensitive?: Json;
  readonly after_unknown?: Json;
}

interface PlanResource {
  readonly address: string;
  readonly mode?: string;
  readonly type: string;
  readonly change: PlanChange;
  readonly action_reason?: string;
}

export interface PlanJson {
  readonly resource_drift?: PlanResource[];
  readonly resource_changes?: PlanResource[];
  /** The attributes (paths) whose drift matters to this plan, as Terraform decided it. */
  readonly relevant_attributes?: {
    readonly resource: string;
    readonly attribute: (string | number)[];
  }[];
}

export interface AttributeChange {
  /** Dotted path, e.g. `bound_service_account_namespaces[0]` or `metadata[0].labels`. */
  readonly path: string;
  /** Value before (in state, or as found), or "(sensitive)"; absent for a whole-resource change. */
  readonly before?: Json;
  readonly after?: Json;
}

export interface DriftedResource {
  readonly address: string;
  readonly type: string;
  /** The tenant whose resource it is (environments with tenants; shared resources have none). */
  readonly tenant?: string;
  /**
   * `changed outside`: refresh found the object changed (or gone) outside Terraform;
   * `will update`, `will create`, `will replace`, `will delete`: what an apply would do to converge.
   */
  readonly kind: string;
  readonly attributes: AttributeChange[];
}

export interface EnvironmentDrift {
  readonly environment: string;
  /** `no-drift`, `drift`, or `error`. */
  readonly status: 'no-drift' | 'drift' | 'error';
  readonly checkedAt: string;
  readonly resources: DriftedResource[];
  readonly error?: string;
  /**
   * The stack's chain as a Mermaid block (ops/review/picture.ts), the objects and links an
   * apply would set back marked; absent where the plan could not be read (an error, a remote plan).
   */
  readonly picture?: string;
}

export const SENSITIVE = '(sensitive)';

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Is `path` (or a parent of it) marked sensitive in a `*_sensitive` mask? */
function sensitiveAt(mask: Json | undefined, path: (string | number)[]): boolean {
  let current: Json | undefined = mask;
  for (const part of path) {
    if (current === true) return true;
    if (Array.isArray(current) && typeof part === 'number') current = current[part];
    else if (isObject(current) && typeof part === 'string') current = current[part];
    else return false;
  }
  return current === true;
}

function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function safeValue(value: Json | undefined, sensitive: boolean): Json | undefined {
  if (value === undefined) return undefined;
  if (sensitive) return SENSITIVE;
  return findSecretLikeValues(JSON.stringify(value)).length > 0 ? SENSITIVE : value;
}

/** Providers write "nothing" as null, "", [] or {} depending on the day: all the same here. */
function isEmpty(value: Json | undefined): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}

/** Leaf-level differences between two values; containers of different shape count as one leaf. */
export function diffAttributes(change: PlanChange, limit = 50): AttributeChange[] {
  const out: AttributeChange[] = [];
  const walk = (before: Json | undefined, after: Json | undefined, path: (string | number)[]) => {
    if (out.length >= limit) return;
    if (JSON.stringify(before) === JSON.stringify(after) || (isEmpty(before) && isEmpty(after)))
      return;
    if (isObject(before) && isObject(after)) {
      for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort())
        walk(before[key], after[key], [...path, key]);
      return;
    }
    if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
      before.forEach((item, i) => walk(item, after[i], [...path, i]));
      return;
    }
    const sensitive =
      sensitiveAt(change.before_sensitive, path) || sensitiveAt(change.after_sensitive, path);
    out.push({
      path: formatPath(path),
      before: safeValue(before, sensitive),
      after: safeValue(after, sensitive),
    });
  };
  walk(change.before ?? undefined, change.after ?? undefined, []);
  return out;
}

/** `rule[0].paths` -> `rule` */
function topLevel(path: string): string {
  return path.split(/[.[]/)[0];
}

const PLANNED_KIND: Record<string, string> = {
  create: 'will create',
  update: 'will update',
  delete: 'will delete',
  'delete,create': 'will replace',
  'create,delete': 'will replace',
};

/**
 * The drift found in one environment's refreshing plan. Changes found outside Terraform are kept
 * where they matter: deletions, attributes the plan will set back on that same resource, and
 * attributes Terraform marks relevant to other parts of the plan (not, say, a finalizer a
 * controller added, or a null the provider now reads as []).
 */
export function driftFromPlan(
  environment: string,
  plan: PlanJson,
  checkedAt: string,
  tenants: readonly string[] = [],
): EnvironmentDrift {
  const resources: DriftedResource[] = [];
  const relevant = new Map<string, Set<string>>();
  const markRelevant = (address: string, attribute: string) =>
    relevant.set(address, (relevant.get(address) ?? new Set()).add(attribute));
  for (const { resource, attribute } of plan.relevant_attributes ?? []) {
    markRelevant(resource, String(attribute[0]));
  }
  // relevant_attributes lists what other expressions read; an attribute the plan reverts on its
  // own resource (a policy edited in Vault) is relevant too.
  // Ephemeral resources (the EKS token, a reviewer JWT) are opened by every plan: not a change.
  const changes = (plan.resource_changes ?? []).filter((r) => r.mode !== 'ephemeral');
  for (const r of changes) {
    if (r.change.actions.every((a) => a === 'no-op' || a === 'read')) continue;
    for (const a of diffAttributes(r.change)) markRelevant(r.address, topLevel(a.path));
  }
  for (const r of plan.resource_drift ?? []) {
    const gone = r.change.after === null;
    const attributes = gone
      ? []
      : diffAttributes(r.change).filter((a) => relevant.get(r.address)?.has(topLevel(a.path)));
    if (!gone && attributes.length === 0) continue;
    resources.push({
      address: r.address,
      type: r.type,
      kind: gone ? 'deleted outside Terraform' : 'changed outside Terraform',
      attributes,
    });
  }
  for (const r of changes) {
    const key = r.change.actions.join(',');
    if (key === 'no-op' || key === 'read') continue;
    resources.push({
      address: r.address,
      type: r.type,
      kind: PLANNED_KIND[key] ?? key,
      attributes:
        key === 'update' || key.includes('delete,create') || key.includes('create,delete')
          ? diffAttributes(r.change)
          : [],
    });
  }
  const planned = resources.some((r) => r.kind.startsWith('will '));
  const owned = resources.map((r) => {
    const tenant = tenantOfAddress(r.address, tenants);
    return tenant === undefined ? r : { ...r, tenant };
  });
  return { environment, status: planned ? 'drift' : 'no-drift', checkedAt, resources: owned };
}

function inline(value: Json | undefined): string {
  if (value === undefined) return '(absent)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const oneLine = text.replace(/\n/g, '\\n');
  return `\`${oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine}\``;
}

const DRIFT_LEGEND =
  'Marked: what an apply would set back (green: created or granted again, amber: changed), red crossed links: broken.';

/** The human summary, in Markdown. */
export function renderMarkdown(reports: readonly EnvironmentDrift[]): string {
  const lines: string[] = ['# Drift report', ''];
  lines.push('| environment | status | resources |', '|---|---|---|');
  for (const r of reports) {
    const status = r.status === 'error' ? 'error' : r.status === 'drift' ? '**drift**' : 'no drift';
    lines.push(
      `| ${r.environment} | ${status} | ${r.status === 'error' ? '-' : r.resources.length} |`,
    );
  }
  for (const r of reports) {
    lines.push('', `## ${r.environment}`, '', `Checked ${r.checkedAt}.`, '');
    if (r.status === 'error') {
      lines.push('The check could not run:', '', '```', r.error ?? '', '```');
      continue;
    }
    if (r.resources.length === 0)
      lines.push('No drift: the infrastructure matches the configuration.');
    for (const resource of r.resources) {
      const whose = resource.tenant === undefined ? '' : ` (tenant ${resource.tenant})`;
      lines.push(`- \`${resource.address}\`${whose}: ${resource.kind}`);
      for (const a of resource.attributes)
        lines.push(`  - \`${a.path}\`: ${inline(a.before)} -> ${inline(a.after)}`);
    }
    if (r.picture !== undefined)
      lines.push('', `### Chain of ${r.environment}`, '', DRIFT_LEGEND, '', r.picture);
  }
  return `${lines.join('\n')}\n`;
}
