/**
 * A chain as a picture: its objects as nodes, each link between them as an edge, and marks on
 * both (added, changed, broken, ...), rendered as a Mermaid flowchart. The review marks what a
 * plan does, the drift report what a refreshing plan would set back, the doctor the links it
 * found broken; all three draw the same picture.
 */
import type { Chain, ChainTenant } from './chain';

export type NodeKind = 'cluster' | 'account' | 'role' | 'policy' | 'path' | 'store' | 'external';

const NODE_ORDER: readonly NodeKind[] = [
  'cluster',
  'account',
  'role',
  'policy',
  'path',
  'store',
  'external',
];

export type LinkKind =
  | 'cluster-account'
  | 'account-role'
  | 'role-policy'
  | 'policy-path'
  | 'path-store'
  | 'store-role'
  | 'store-external';

/** What a plan does to an object. */
export type NodeMark = 'added' | 'changed' | 'replaced' | 'destroyed' | 'forgotten';

export interface LinkMark {
  readonly status: 'added' | 'changed' | 'broken';
  /** Why (broken links): shown on the edge. */
  readonly note?: string;
}

export interface PictureNode {
  /** Identity across the picture, e.g. `policy:eso-payments` (see the key functions below). */
  readonly key: string;
  readonly kind: NodeKind;
  readonly label: string;
}

export interface PictureLink {
  readonly from: string;
  readonly to: string;
  readonly kind: LinkKind;
  /** The tenant whose chain it is part of. */
  readonly tenant: string;
}

export interface Picture {
  readonly nodes: readonly PictureNode[];
  readonly links: readonly PictureLink[];
  readonly nodeMarks: ReadonlyMap<string, NodeMark>;
  readonly linkMarks: ReadonlyMap<string, LinkMark>;
}

export const nodeKeys = {
  cluster: (cluster: string) => `cluster:${cluster}`,
  account: (cluster: string, namespace: string, name: string) =>
    `account:${cluster}:${namespace}/${name}`,
  role: (cluster: string, role: string) => `role:${cluster}:${role}`,
  policy: (policy: string) => `policy:${policy}`,
  path: (path: string) => `path:${path}`,
  store: (kind: string, namespace: string, name: string) =>
    `store:${kind}:${kind === 'ClusterSecretStore' ? '' : namespace}/${name}`,
  external: (namespace: string, name: string) => `external:${namespace}/${name}`,
};

/** A link's identity: its two ends. */
export function linkKey(link: Pick<PictureLink, 'from' | 'to'>): string {
  return `${link.from} -> ${link.to}`;
}

function tenantPart(
  tenant: ChainTenant,
  clusters: readonly string[],
  node: (key: string, kind: NodeKind, label: string) => string,
  link: (from: string, to: string, kind: LinkKind) => void,
): void {
  const policy = node(nodeKeys.policy(tenant.policy), 'policy', `policy ${tenant.policy}`);
  const store = node(
    nodeKeys.store(tenant.store.kind, tenant.namespace, tenant.store.name),
    'store',
    `${tenant.store.kind} ${tenant.store.kind === 'SecretStore' ? `${tenant.namespace}/` : ''}${tenant.store.name}`,
  );
  for (const cluster of clusters) {
    const c = node(nodeKeys.cluster(cluster), 'cluster', `cluster ${cluster}`);
    const account = node(
      nodeKeys.account(cluster, tenant.namespace, tenant.serviceAccount),
      'account',
      `service account ${tenant.namespace}/${tenant.serviceAccount}`,
    );
    const role = node(nodeKeys.role(cluster, tenant.role), 'role', `role ${tenant.role}`);
    link(c, account, 'cluster-account');
    link(account, role, 'account-role');
    link(role, policy, 'role-policy');
    link(store, role, 'store-role');
  }
  for (const secret of tenant.secrets) {
    const path = node(nodeKeys.path(secret.path), 'path', secret.path);
    const external = node(
      nodeKeys.external(tenant.namespace, secret.externalSecret),
      'external',
      `ExternalSecret ${tenant.namespace}/${secret.externalSecret}`,
    );
    link(policy, path, 'policy-path');
    link(path, store, 'path-store');
    link(store, external, 'store-external');
  }
}

/** The chain's objects and links, nothing marked. Shared objects (a cluster, a policy) appear once. */
export function chainPicture(chain: Chain): Picture {
  const nodes = new Map<string, PictureNode>();
  const links = new Map<string, PictureLink>();
  for (const tenant of chain.tenants)
    tenantPart(
      tenant,
      chain.clusters,
      (key, kind, label) => {
        if (!nodes.has(key)) nodes.set(key, { key, kind, label });
        return key;
      },
      (from, to, kind) => {
        const l = { from, to, kind, tenant: tenant.name };
        if (!links.has(linkKey(l))) links.set(linkKey(l), l);
      },
    );
  // Drawn in the order a login travels: clusters first, ExternalSecrets last.
  const order = (n: PictureNode) => NODE_ORDER.indexOf(n.kind);
  return {
    nodes: [...nodes.values()].sort((a, b) => order(a) - order(b)),
    links: [...links.values()],
    nodeMarks: new Map(),
    linkMarks: new Map(),
  };
}

const NODE_STYLE: Record<NodeMark, string> = {
  added: 'fill:#d3f9d8,stroke:#2b8a3e',
  changed: 'fill:#fff3bf,stroke:#e67700',
  replaced: 'fill:#ffe8cc,stroke:#d9480f',
  destroyed: 'fill:#ffe3e3,stroke:#c92a2a,stroke-dasharray:4 3',
  forgotten: 'fill:#f1f3f5,stroke:#868e96,stroke-dasharray:4 3',
};

const LINK_STYLE: Record<LinkMark['status'], string> = {
  added: 'stroke:#2b8a3e,stroke-width:3px',
  changed: 'stroke:#e67700,stroke-width:3px',
  broken: 'stroke:#c92a2a,stroke-width:3px,stroke-dasharray:5 4',
};

/** Text Mermaid shows as is inside double quotes. */
function quoted(text: string): string {
  return `"${text.replace(/"/g, '#quot;').replace(/\n/g, ' ')}"`;
}

/** One edge: plain, or with its mark as its label (`--x` for a broken one). */
function edge(from: string, to: string, mark: LinkMark | undefined): string {
  if (mark === undefined) return `  ${from} --> ${to}`;
  const label = mark.status === 'broken' ? `broken: ${mark.note ?? ''}`.trim() : mark.status;
  return `  ${from} ${mark.status === 'broken' ? '--x' : '-->'}|${quoted(label)}| ${to}`;
}

/**
 * The picture as a Mermaid flowchart (the text between the fences): marked objects coloured by
 * their mark, marked links labelled with it and coloured; a broken link ends in a cross.
 */
export function renderMermaid(picture: Picture): string {
  const ids = new Map(picture.nodes.map((n, i) => [n.key, `n${i}`]));
  const lines = ['flowchart LR'];
  for (const n of picture.nodes) {
    const mark = picture.nodeMarks.get(n.key);
    const label = mark === undefined ? n.label : `${n.label} (${mark})`;
    lines.push(`  ${ids.get(n.key)}[${quoted(label)}]${mark === undefined ? '' : `:::${mark}`}`);
  }
  const styles: string[] = [];
  picture.links.forEach((l, i) => {
    const mark = picture.linkMarks.get(linkKey(l));
    lines.push(edge(ids.get(l.from)!, ids.get(l.to)!, mark));
    if (mark !== undefined) styles.push(`  linkStyle ${i} ${LINK_STYLE[mark.status]}`);
  });
  // Classes of the nodes drawn: a marked object outside the chain (a folder marker) draws none.
  const used = new Set(picture.nodes.map((n) => picture.nodeMarks.get(n.key)));
  for (const [mark, style] of Object.entries(NODE_STYLE))
    if (used.has(mark as NodeMark)) lines.push(`  classDef ${mark} ${style}`);
  return [...lines, ...styles].join('\n');
}

/** The picture as a fenced Markdown block, or a sentence when the stack holds no chain. */
export function mermaidBlock(picture: Picture): string {
  if (picture.nodes.length === 0)
    return '_No chain in this stack: its tenants are in their own stacks (or it has none)._';
  return ['```mermaid', renderMermaid(picture), '```'].join('\n');
}
