/**
 * The Kubernetes grants of the identities, read from a synthesized stack: for each object the
 * stack manages, the verbs the kubernetes provider uses on it (as the API server's audit log
 * shows them), the listings its data sources make, and what the doctor reads; rendered as RBAC.
 */
import { at } from '../chain/values';
import type { NamedResource } from '../stack-json';
import type { SynthesizedStack } from '../synthesized-stack';
import type { GrantUse, KubernetesGrant, KubernetesUrlGrant } from './grants';

type Uses = Partial<Record<GrantUse, readonly string[]>>;

/** The object a grant is about: its group, resource, namespace and (optional) name. */
interface Target {
  readonly apiGroup: string;
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
  /**
   * Its creation names it: a server-side apply creates with a PATCH to the object's URL, so RBAC
   * sees the name, and `create` can be limited to it.
   */
  readonly createdByName?: boolean;
  /** Its listing names it (a field selector on `metadata.name`, which RBAC reads as the name). */
  readonly listedByName?: boolean;
}

/**
 * Verbs RBAC cannot limit to a name: the object does not exist yet, or there are many (a
 * subresource's `create`, a token of one account, names its object).
 */
const UNNAMED_VERBS = ['create', 'list'];

function grants(target: Target, uses: Uses, why: string, address?: string): KubernetesGrant[] {
  return Object.entries(uses).flatMap(([use, verbs]) =>
    verbs.map((verb): KubernetesGrant => ({
      system: 'kubernetes',
      apiGroup: target.apiGroup,
      resource: target.resource,
      verb,
      use: use as GrantUse,
      why,
      ...(target.namespace ? { namespace: target.namespace } : {}),
      ...(target.name &&
      (!UNNAMED_VERBS.includes(verb) ||
        target.resource.includes('/') ||
        (verb === 'create' && target.createdByName) ||
        (verb === 'list' && target.listedByName))
        ? { names: [target.name] }
        : {}),
      ...(address ? { address } : {}),
    })),
  );
}

/** ESO's API group (the version does not matter to RBAC). */
const ESO_GROUP_VERSION = 'external-secrets.io/v1';

/** The plural resources of the kinds the stack manages or lists. */
const PLURALS: Readonly<Record<string, string>> = {
  ClusterSecretStore: 'clustersecretstores',
  SecretStore: 'secretstores',
  ExternalSecret: 'externalsecrets',
  APIService: 'apiservices',
  ValidatingAdmissionPolicy: 'validatingadmissionpolicies',
  ValidatingAdmissionPolicyBinding: 'validatingadmissionpolicybindings',
};

function kindTarget(apiVersion: string, kind: string): Target {
  return {
    apiGroup: apiVersion.includes('/') ? apiVersion.split('/')[0] : '',
    resource: PLURALS[kind] ?? `${kind.toLowerCase()}s`,
  };
}

/** The typed resources of the core and RBAC groups, each with its plural and group. */
const TYPED: Readonly<Record<string, Target>> = {
  kubernetes_namespace_v1: { apiGroup: '', resource: 'namespaces' },
  kubernetes_service_account_v1: { apiGroup: '', resource: 'serviceaccounts' },
  kubernetes_secret_v1: { apiGroup: '', resource: 'secrets' },
  kubernetes_cluster_role_binding_v1: {
    apiGroup: 'rbac.authorization.k8s.io',
    resource: 'clusterrolebindings',
  },
};

function metadataOf(stack: SynthesizedStack, body: unknown): { name?: string; namespace?: string } {
  return {
    name: stack.values.text(at(body, 'metadata.name')),
    namespace: stack.values.text(at(body, 'metadata.namespace')),
  };
}

/**
 * Namespaces, service accounts, Secrets and bindings: created, read back, deleted; a binding
 * rewritten when its subjects change, and its role bound (RBAC refuses a binding to a role whose
 * rights the creator does not hold, unless it may `bind` that role).
 */
function typedGrants(stack: SynthesizedStack): KubernetesGrant[] {
  return Object.entries(TYPED).flatMap(([type, kind]) =>
    stack.resources(type).flatMap((r: NamedResource) => {
      const target = { ...kind, ...metadataOf(stack, r.body) };
      const why = `${kind.resource} ${target.name ?? '?'}`;
      const base = grants(
        target,
        { plan: ['get'], create: ['create'], delete: ['delete'] },
        why,
        r.address,
      );
      // A Secret is patched when it changes: the reviewer token's record at each renewal.
      if (type === 'kubernetes_secret_v1')
        return [...base, ...grants(target, { update: ['patch'] }, why, r.address)];
      if (type !== 'kubernetes_cluster_role_binding_v1') return base;
      const role = stack.values.text(at(r.body, 'role_ref.name'));
      const bind: Target = {
        apiGroup: 'rbac.authorization.k8s.io',
        resource: 'clusterroles',
        name: role,
      };
      return [
        ...base,
        ...grants(target, { update: ['patch'] }, why, r.address),
        ...grants(bind, { create: ['bind'] }, `binds ${role ?? '?'}`, r.address),
      ];
    }),
  );
}

/** ESO objects: read back, applied server-side (a patch that also creates), deleted. */
function manifestGrants(stack: SynthesizedStack): KubernetesGrant[] {
  const manifests = stack.resources('kubernetes_manifest');
  const listCrds = grants(
    { apiGroup: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
    { plan: ['list'] },
    'kubernetes_manifest reads the schema of custom resources',
  );
  return [
    ...(manifests.length > 0 ? listCrds : []),
    ...manifests.flatMap((r) => {
      const manifest = r.body.manifest;
      const apiVersion = stack.values.text(at(manifest, 'apiVersion')) ?? '';
      const kind = stack.values.text(at(manifest, 'kind')) ?? '';
      const target = {
        ...kindTarget(apiVersion, kind),
        ...metadataOf(stack, manifest),
        createdByName: true,
      };
      // A server-side apply: a patch, which creates the object too (and asks for create then).
      const uses: Uses = { plan: ['get'], create: ['patch', 'create'], delete: ['delete'] };
      return grants(target, uses, `${kind} ${target.name ?? '?'}`, r.address);
    }),
  ];
}

/** The data sources' listings, and the service-account tokens ephemeral resources request. */
function readGrants(stack: SynthesizedStack): KubernetesGrant[] {
  const listings = stack.dataSources('kubernetes_resources').flatMap((d) => {
    const apiVersion = stack.values.text(d.body.api_version) ?? '';
    const kind = stack.values.text(d.body.kind) ?? '';
    const namespace = stack.values.text(d.body.namespace);
    const target = { ...kindTarget(apiVersion, kind), namespace };
    return grants(target, { plan: ['list'] }, `lists ${kind}`, d.address);
  });
  // The reviewer token's record, read by name (token-secret mode).
  const secrets = stack.dataSources('kubernetes_secret_v1').flatMap((d) => {
    const target = { apiGroup: '', resource: 'secrets', ...metadataOf(stack, d.body) };
    return grants(target, { plan: ['get'] }, `reads Secret ${target.name ?? '?'}`, d.address);
  });
  const tokens = stack.ephemerals('kubernetes_token_request_v1').flatMap((e) => {
    const target = {
      apiGroup: '',
      resource: 'serviceaccounts/token',
      ...metadataOf(stack, e.body),
    };
    return grants(target, { plan: ['create'] }, `a token of ${target.name ?? '?'}`, e.address);
  });
  return [...listings, ...secrets, ...tokens];
}

/**
 * What the doctor asks the cluster: each tenant's account (and a token of it, for the real
 * login), its store and ExternalSecrets; with the kubernetes method, the auth-delegator binding
 * and whether the account may review tokens; with jwt, the issuer's discovery document.
 */
function doctorGrants(stack: SynthesizedStack): (KubernetesGrant | KubernetesUrlGrant)[] {
  const why = 'npm run doctor';
  const doctor = (target: Target, verb: string) => grants(target, { doctor: [verb] }, why);
  const tenants = stack
    .declaredTenants()
    .tenants.flatMap(({ namespace, service_account }) => [
      ...doctor(
        { apiGroup: '', resource: 'serviceaccounts', namespace, name: service_account },
        'get',
      ),
      ...doctor(
        { apiGroup: '', resource: 'serviceaccounts/token', namespace, name: service_account },
        'create',
      ),
      ...doctor({ ...kindTarget(ESO_GROUP_VERSION, 'ExternalSecret'), namespace }, 'list'),
    ]);
  const stores = stack.stores().flatMap(({ store }) =>
    doctor(
      {
        ...kindTarget(ESO_GROUP_VERSION, store.kind),
        namespace: store.namespace,
        name: store.name,
      },
      'get',
    ),
  );
  const methods = new Set(stack.roles().map((r) => r.method));
  const bindings = stack
    .resources('kubernetes_cluster_role_binding_v1')
    .flatMap((r) => [
      ...doctor(
        { ...TYPED.kubernetes_cluster_role_binding_v1, name: metadataOf(stack, r.body).name },
        'get',
      ),
    ]);
  const review = doctor(
    { apiGroup: 'authorization.k8s.io', resource: 'subjectaccessreviews' },
    'create',
  );
  const discovery: KubernetesUrlGrant = {
    system: 'kubernetes-url',
    url: '/.well-known/openid-configuration',
    verb: 'get',
    use: 'doctor',
    why: `${why}: the issuer the cluster signs tokens as`,
  };
  return [
    ...tenants,
    ...stores,
    ...(methods.has('kubernetes') ? [...bindings, ...review] : []),
    ...(methods.has('jwt') ? [discovery] : []),
  ];
}

/**
 * What `npm run deploy` asks the cluster before the apply, and the doctor too: whether a target
 * Secret exists that ESO did not create (a listing by name and label: the data of that one
 * Secret at most); for a target the environment adopts, its value (read to write it to Vault).
 */
function targetGrants(stack: SynthesizedStack): KubernetesGrant[] {
  return stack.declaredSync().flatMap((entry) => {
    const target: Target = {
      apiGroup: '',
      resource: 'secrets',
      namespace: entry.namespace,
      name: entry.target,
      listedByName: true,
    };
    const where = `${entry.namespace}/${entry.target}`;
    return entry.adopts_target === true
      ? grants(target, { 'deploy-plan': ['get'] }, `reads the Secret ${where} it adopts`)
      : grants(
          target,
          { 'deploy-plan': ['list'], doctor: ['list'] },
          `asks whether Secret ${where} was made by hand`,
        );
  });
}

/** Every Kubernetes grant of the stack, for every step. */
export function kubernetesGrants(
  stack: SynthesizedStack,
): (KubernetesGrant | KubernetesUrlGrant)[] {
  return [
    ...typedGrants(stack),
    ...manifestGrants(stack),
    ...readGrants(stack),
    ...targetGrants(stack),
    ...doctorGrants(stack),
  ];
}

/** The namespaces the stack creates: no Role can exist in them before they do. */
export function managedNamespaces(stack: SynthesizedStack): string[] {
  return stack
    .resources('kubernetes_namespace_v1')
    .flatMap((r) => metadataOf(stack, r.body).name ?? []);
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

/** Grants as RBAC rules: the verbs on each object merged, then objects with the same verbs. */
function rules(grants: readonly (KubernetesGrant | KubernetesUrlGrant)[]): PolicyRule[] {
  const verbs = new Map<string, Set<string>>();
  for (const g of grants) {
    const names = g.system === 'kubernetes' ? (g.names ?? ['']) : [''];
    for (const name of names) {
      const key =
        g.system === 'kubernetes' ? `${g.apiGroup}|${g.resource}|${name}` : `url|${g.url}|`;
      verbs.set(key, (verbs.get(key) ?? new Set()).add(g.verb));
    }
  }
  const merged = new Map<string, string[]>();
  for (const [key, set] of verbs) {
    const [group, resource, name] = key.split('|');
    const ruleKey = `${group}|${resource}|${name === '' ? '' : 'named'}|${[...set].sort().join(',')}`;
    merged.set(ruleKey, [...(merged.get(ruleKey) ?? []), ...(name === '' ? [] : [name])]);
  }
  return [...merged.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, names]) => {
      const [group, resource, , verbList] = key.split('|');
      const ruleVerbs = verbList.split(',');
      if (group === 'url') return { nonResourceURLs: [resource], verbs: ruleVerbs };
      return {
        apiGroups: [group],
        resources: [resource],
        ...(names.length > 0 ? { resourceNames: [...names].sort() } : {}),
        verbs: ruleVerbs,
      };
    });
}

/**
 * The RBAC objects of an identity, bound to its group: a ClusterRole for cluster-scoped grants
 * and for the namespaces the stack creates (a Role cannot exist in them before they do; their
 * grants keep their object names, but `create` and `list` cannot be limited to names), a Role
 * in each namespace that exists already.
 */
export function renderRbac(
  grants: readonly (KubernetesGrant | KubernetesUrlGrant)[],
  name: string,
  managed: readonly string[],
): Record<string, unknown>[] {
  const clusterWide = grants.filter(
    (g) => g.system !== 'kubernetes' || g.namespace === undefined || managed.includes(g.namespace),
  );
  const namespaces = [
    ...new Set(
      grants.flatMap((g) =>
        g.system === 'kubernetes' && g.namespace && !managed.includes(g.namespace)
          ? [g.namespace]
          : [],
      ),
    ),
  ].sort();
  const labels = { 'app.kubernetes.io/managed-by': 'eks-vault-eso' };
  const subjects = [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name }];
  const rbac = 'rbac.authorization.k8s.io/v1';
  const objects: Record<string, unknown>[] = [
    {
      apiVersion: rbac,
      kind: 'ClusterRole',
      metadata: { name, labels },
      rules: rules(clusterWide),
    },
    {
      apiVersion: rbac,
      kind: 'ClusterRoleBinding',
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects,
    },
  ];
  for (const namespace of namespaces) {
    const own = grants.filter((g) => g.system === 'kubernetes' && g.namespace === namespace);
    objects.push(
      { apiVersion: rbac, kind: 'Role', metadata: { name, namespace, labels }, rules: rules(own) },
      {
        apiVersion: rbac,
        kind: 'RoleBinding',
        metadata: { name, namespace, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects,
      },
    );
  }
  return objects;
}

/** An RBAC rule as the API server answers it (SelfSubjectRulesReview), or as rendered. */
export interface RuleRead {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
  readonly verbs: readonly string[];
}

const matches = (allowed: readonly string[] | undefined, wanted: string) =>
  (allowed ?? []).some((a) => a === '*' || a === wanted);

/** Do the rules allow a grant (every object it names)? Read as RBAC reads them. */
export function rulesAllow(
  rules: readonly RuleRead[],
  grant: KubernetesGrant | KubernetesUrlGrant,
): boolean {
  if (grant.system === 'kubernetes-url')
    return rules.some(
      (r) =>
        matches(r.verbs, grant.verb) &&
        (r.nonResourceURLs ?? []).some(
          (u) => u === grant.url || (u.endsWith('*') && grant.url.startsWith(u.slice(0, -1))),
        ),
    );
  const [resource, sub] = grant.resource.split('/');
  const names = grant.names ?? [];
  return rules.some(
    (r) =>
      matches(r.verbs, grant.verb) &&
      matches(r.apiGroups, grant.apiGroup) &&
      (r.resources ?? []).some(
        (x) => x === '*' || x === grant.resource || (sub !== undefined && x === `${resource}/*`),
      ) &&
      (!r.resourceNames?.length ||
        (names.length > 0 && names.every((n) => r.resourceNames!.includes(n)))),
  );
}
