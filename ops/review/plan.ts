/**
 * What a plan (`show -json` of a saved plan) does to a stack: the objects it adds, changes,
 * replaces, destroys and forgets; the secret paths it makes newly readable, and by whom; and the
 * chain's picture with each object and link it touches marked, links it would break marked
 * broken. Pure: the plan is parsed elsewhere and never written (it holds values in clear); only
 * addresses, names and paths come out of here.
 */
import { kvV2Paths } from '../../common/chain/kv-path';
import { parsePolicy, policyPathCovers } from '../../common/chain/policy';
import { type LoginMethod, rolePolicies, whyRoleRefuses } from '../../common/chain/role';
import { readStore } from '../../common/chain/store';
import { LITERAL_VALUES, at } from '../../common/chain/values';
import { clusterScopeId } from '../../common/names';
import type { PlanJson } from '../drift-report';
import type { Chain } from './chain';
import {
  type LinkMark,
  type NodeMark,
  type Picture,
  type PictureLink,
  chainPicture,
  linkKey,
  nodeKeys,
} from './picture';

export type PlanResource = NonNullable<PlanJson['resource_changes']>[number];

export const CHANGE_KINDS = ['added', 'changed', 'replaced', 'destroyed', 'forgotten'] as const;

export interface StackChanges {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly replaced: readonly string[];
  readonly destroyed: readonly string[];
  readonly forgotten: readonly string[];
}

/** Who can now read a secret path: a role, the service account it admits, in a cluster. */
export interface NewlyReadable {
  readonly tenant: string;
  readonly path: string;
  readonly role: string;
  readonly account: string;
  readonly cluster: string;
}

const ACTION_MARK: Record<string, NodeMark> = {
  create: 'added',
  update: 'changed',
  'delete,create': 'replaced',
  'create,delete': 'replaced',
  delete: 'destroyed',
  forget: 'forgotten',
};

/**
 * What a resource's actions do to its object: undefined for none (no-op, read). An object a
 * `removed` block forgets while a new one is made (create then forget) is forgotten; an action
 * list this does not know counts as a change, so that nothing a plan does goes unlisted.
 */
export function markOf(actions: readonly string[]): NodeMark | undefined {
  const key = actions.join(',');
  if (key === 'no-op' || key === 'read' || key === '') return undefined;
  return ACTION_MARK[key] ?? (actions.includes('forget') ? 'forgotten' : 'changed');
}

type Values = Record<string, unknown>;

/** An object's attributes (undefined: absent, or not an object). */
function asValues(v: unknown): Values | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Values) : undefined;
}

const values = (r: PlanResource) => asValues(r.change.after ?? r.change.before);
const after = (r: PlanResource | undefined) => asValues(r?.change.after);
const before = (r: PlanResource | undefined) => asValues(r?.change.before);

/** The managed resources a plan lists (no data sources, no ephemeral resources). */
function managed(plan: PlanJson): PlanResource[] {
  return (plan.resource_changes ?? []).filter((r) => r.mode !== 'data' && r.mode !== 'ephemeral');
}

/** What the plan does to each object, by what it does. */
export function stackChanges(plan: PlanJson): StackChanges {
  const by = (mark: NodeMark) =>
    managed(plan)
      .filter((r) => markOf(r.change.actions) === mark)
      .map((r) => r.address)
      .sort();
  return {
    added: by('added'),
    changed: by('changed'),
    replaced: by('replaced'),
    destroyed: by('destroyed'),
    forgotten: by('forgotten'),
  };
}

export function changeCount(changes: StackChanges): number {
  return CHANGE_KINDS.reduce((n, kind) => n + changes[kind].length, 0);
}

/** The cluster a resource is in: the one whose scope its name starts with, else the first. */
function clusterOf(address: string, chain: Chain): string {
  const name = address.split('.').slice(-1)[0];
  return chain.clusters.find((c) => name.startsWith(`${clusterScopeId(c)}_`)) ?? chain.clusters[0];
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The chain object a resource is, as a picture node key (undefined: not one of the chain's). */
export function nodeKeyOf(r: PlanResource, chain: Chain): string | undefined {
  const v = values(r);
  if (v === undefined) return undefined;
  if (r.type.startsWith('kubernetes_service_account')) {
    const meta = (Array.isArray(v.metadata) ? v.metadata[0] : v.metadata) as Values | undefined;
    return nodeKeys.account(clusterOf(r.address, chain), text(meta?.namespace), text(meta?.name));
  }
  if (/^vault_(jwt_|kubernetes_)?auth_backend_role$/.test(r.type))
    return nodeKeys.role(clusterOf(r.address, chain), text(v.role_name));
  if (r.type === 'vault_policy') return nodeKeys.policy(text(v.name));
  if (r.type === 'vault_kv_secret_v2')
    return nodeKeys.path(kvV2Paths(text(v.mount), text(v.name)).data);
  if (r.type === 'vault_generic_endpoint') return nodeKeys.path(text(v.path));
  if (r.type !== 'kubernetes_manifest') return undefined;
  const kind = text(at(v.manifest, 'kind'));
  const namespace = text(at(v.manifest, 'metadata.namespace'));
  const name = text(at(v.manifest, 'metadata.name'));
  if (kind === 'SecretStore' || kind === 'ClusterSecretStore')
    return nodeKeys.store(kind, namespace, name);
  return kind === 'ExternalSecret' ? nodeKeys.external(namespace, name) : undefined;
}

/** The chain's objects found in the plan: each key's resource (the last one wins). */
function resourcesByKey(plan: PlanJson, chain: Chain): Map<string, PlanResource> {
  const found = new Map<string, PlanResource>();
  for (const r of managed(plan)) {
    const key = nodeKeyOf(r, chain);
    if (key === undefined) continue;
    // A replaced secret path may show as two resources (seed and value): keep a changed one.
    const known = found.get(key);
    if (known === undefined || known.change.actions.join(',') === 'no-op') found.set(key, r);
  }
  return found;
}

/** The read paths of a policy text (`undefined`: not known before apply). */
function readPaths(policy: unknown): string[] | undefined {
  if (typeof policy !== 'string') return undefined;
  return parsePolicy(policy)
    .paths.filter((p) => p.capabilities.includes('read'))
    .map((p) => p.path);
}

function loginMethod(r: PlanResource): LoginMethod {
  return r.type.includes('jwt') ? 'jwt' : 'kubernetes';
}

/** Why the link will not hold once the plan is applied, read from the objects' planned values. */
function brokenBecause(
  link: PictureLink,
  found: ReadonlyMap<string, PlanResource>,
  marks: ReadonlyMap<string, NodeMark>,
  chain: Chain,
): string | undefined {
  for (const end of [link.from, link.to]) {
    const mark = marks.get(end);
    if (mark === 'destroyed' || mark === 'forgotten') return `${end.split(':')[0]} ${mark}`;
  }
  const tenant = chain.tenants.find((t) => t.name === link.tenant)!;
  const [from, to] = [found.get(link.from), found.get(link.to)];
  if (link.kind === 'account-role' && after(to) !== undefined) {
    const why = whyRoleRefuses(loginMethod(to!), after(to)!, {
      namespace: tenant.namespace,
      name: tenant.serviceAccount,
    });
    return why === undefined ? undefined : `role refuses the account (${why})`;
  }
  if (link.kind === 'role-policy' && after(from) !== undefined) {
    const policies = rolePolicies(after(from)!, LITERAL_VALUES);
    return policies.includes(tenant.policy) ? undefined : `role does not carry ${tenant.policy}`;
  }
  if (link.kind === 'policy-path') {
    const paths = readPaths(after(from)?.policy);
    const path = link.to.slice('path:'.length);
    return paths === undefined || paths.some((p) => policyPathCovers(p, path))
      ? undefined
      : 'policy does not grant it';
  }
  if (link.kind === 'store-role' && after(from) !== undefined) {
    const role = readStore(tenant.store.kind, after(from)!.manifest, LITERAL_VALUES).vault?.login
      ?.role;
    return role === undefined || role === tenant.role ? undefined : `store logs in as ${role}`;
  }
  return undefined;
}

/** A link newly there: an end added, or (policy -> path) a grant the policy did not have. */
function linkAdded(
  link: PictureLink,
  found: ReadonlyMap<string, PlanResource>,
  marks: ReadonlyMap<string, NodeMark>,
): boolean {
  if (marks.get(link.from) === 'added' || marks.get(link.to) === 'added') return true;
  if (link.kind !== 'policy-path') return false;
  const policy = found.get(link.from);
  if (policy === undefined || policy.change.actions.join(',') === 'no-op') return false;
  const path = link.to.slice('path:'.length);
  const was = readPaths(before(policy)?.policy) ?? [];
  return !was.some((p) => policyPathCovers(p, path));
}

function linkChanged(link: PictureLink, marks: ReadonlyMap<string, NodeMark>): boolean {
  // A policy's text changing is shown on its path links, one by one, not on every link.
  const ends = link.kind === 'policy-path' ? [link.to] : [link.from, link.to];
  return ends.some((end) => ['changed', 'replaced'].includes(marks.get(end) ?? ''));
}

/** The key an ExternalSecret reads (`dataFrom[0].extract.key`, else `data[0].remoteRef.key`). */
function externalSecretKey(manifest: unknown): string {
  const first = (list: unknown) => (Array.isArray(list) ? (list[0] as unknown) : undefined);
  return (
    text(at(first(at(manifest, 'spec.dataFrom')), 'extract.key')) ||
    text(at(first(at(manifest, 'spec.data')), 'remoteRef.key'))
  );
}

/**
 * The chain with the secrets the plan takes out of it (an ExternalSecret it destroys or forgets,
 * with the path it read) put back for the picture, so that what leaves is drawn, marked, with
 * its links broken, rather than missing.
 */
function withLeaving(chain: Chain, plan: PlanJson): Chain {
  const leaving = managed(plan).filter(
    (r) =>
      r.type === 'kubernetes_manifest' &&
      ['destroyed', 'forgotten'].includes(markOf(r.change.actions) ?? '') &&
      text(at(before(r)?.manifest, 'kind')) === 'ExternalSecret',
  );
  const tenants = chain.tenants.map((tenant) => {
    const extra = leaving.flatMap((r) => {
      const manifest = before(r)?.manifest;
      const name = text(at(manifest, 'metadata.name'));
      const key = externalSecretKey(manifest);
      if (text(at(manifest, 'metadata.namespace')) !== tenant.namespace || key === '') return [];
      if (tenant.secrets.some((s) => s.externalSecret === name)) return [];
      return [{ path: kvV2Paths(chain.mount, key).data, externalSecret: name }];
    });
    return extra.length === 0 ? tenant : { ...tenant, secrets: [...tenant.secrets, ...extra] };
  });
  return { ...chain, tenants };
}

/** The chain's picture with what the plan does marked on its objects and links. */
export function planPicture(declared: Chain, plan: PlanJson): Picture {
  const chain = withLeaving(declared, plan);
  const picture = chainPicture(chain);
  const found = resourcesByKey(plan, chain);
  const nodeMarks = new Map<string, NodeMark>();
  for (const [key, r] of found) {
    const mark = markOf(r.change.actions);
    if (mark !== undefined) nodeMarks.set(key, mark);
  }
  const linkMarks = new Map<string, LinkMark>();
  for (const link of picture.links) {
    const broken = brokenBecause(link, found, nodeMarks, chain);
    if (broken !== undefined) linkMarks.set(linkKey(link), { status: 'broken', note: broken });
    else if (linkAdded(link, found, nodeMarks)) linkMarks.set(linkKey(link), { status: 'added' });
    else if (linkChanged(link, nodeMarks)) linkMarks.set(linkKey(link), { status: 'changed' });
  }
  return { ...picture, nodeMarks, linkMarks };
}

/** Read paths the plan grants a tenant's role that it did not have (a policy's or a role's change). */
function newPaths(
  tenant: Chain['tenants'][number],
  cluster: string,
  found: ReadonlyMap<string, PlanResource>,
): string[] {
  const policy = found.get(nodeKeys.policy(tenant.policy));
  const role = found.get(nodeKeys.role(cluster, tenant.role));
  const now = readPaths(after(policy)?.policy) ?? tenant.secrets.map((s) => s.path);
  const policyChanges = policy !== undefined && policy.change.actions.join(',') !== 'no-op';
  const was = policyChanges ? (readPaths(before(policy)?.policy) ?? []) : now;
  const roleHad =
    role === undefined ||
    (before(role) !== undefined &&
      rolePolicies(before(role)!, LITERAL_VALUES).includes(tenant.policy));
  return roleHad ? now.filter((p) => !was.includes(p)) : now;
}

/** Who can read which secret path once the plan is applied, that could not before. */
export function newlyReadable(chain: Chain, plan: PlanJson): NewlyReadable[] {
  const found = resourcesByKey(plan, chain);
  const out: NewlyReadable[] = [];
  for (const tenant of chain.tenants)
    for (const cluster of chain.clusters)
      for (const path of newPaths(tenant, cluster, found))
        out.push({
          tenant: tenant.name,
          path,
          role: tenant.role,
          account: `${tenant.namespace}/${tenant.serviceAccount}`,
          cluster,
        });
  return out;
}
