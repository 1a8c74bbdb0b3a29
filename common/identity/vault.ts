/**
 * The Vault grants of the identities, read from a synthesized stack: for each Vault resource the
 * stack declares, the paths the vault provider calls when it refreshes, creates, updates and
 * deletes it (as OpenBao's audit log shows them), and what the doctor reads. Paths are relative
 * to the environment's Vault namespace, where the policy lives.
 */
import { kvV2Paths } from '../chain/kv-path';
import { type NamedResource, getPath } from '../stack-json';
import type { SynthesizedStack } from '../synthesized-stack';
import type { GrantUse, VaultCapability, VaultGrant } from './grants';

type Uses = Partial<Record<GrantUse, readonly VaultCapability[]>>;

/** One grant per capability of each use. */
function grants(path: string, uses: Uses, why: string, address?: string): VaultGrant[] {
  return Object.entries(uses).flatMap(([use, capabilities]) =>
    capabilities.map((capability): VaultGrant => ({
      system: 'vault',
      path,
      capability,
      use: use as GrantUse,
      why,
      ...(address ? { address } : {}),
    })),
  );
}

/**
 * A text with references in it (`${vault_mount.kv.path}/metadata/x`), each resolved to the
 * literal it points at; undefined when one is an expression.
 */
export function interpolated(stack: SynthesizedStack, value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let unresolved = false;
  const text = value.replace(/\$\{([^}]*)\}/g, (whole) => {
    const literal = stack.values.text(whole);
    if (literal === undefined || literal.includes('${')) unresolved = true;
    return literal ?? '';
  });
  return unresolved ? undefined : text;
}

/** The provider logs in with the run's token and (deploy) makes a child token of it. */
function providerGrants(): VaultGrant[] {
  return [
    ...grants('auth/token/lookup-self', { plan: ['read'] }, 'the vault provider reads its token'),
    ...grants(
      'auth/token/create',
      { 'deploy-plan': ['update'] },
      'the vault provider runs with a child token of the deploy token (the drift check sets TERRAFORM_VAULT_SKIP_CHILD_TOKEN)',
    ),
  ];
}

function mountGrants(stack: SynthesizedStack): VaultGrant[] {
  return stack.resources('vault_mount').flatMap((r) => {
    const path = stack.values.text(r.body.path);
    if (path === undefined) return [];
    const uses: Uses = { plan: ['read'], create: ['update'], delete: ['delete'] };
    return grants(`sys/mounts/${path}`, uses, `the KV mount ${path}`, r.address);
  });
}

function authBackendGrants(stack: SynthesizedStack): VaultGrant[] {
  const backends = [
    ...stack.resources('vault_auth_backend'),
    ...stack.resources('vault_jwt_auth_backend'),
  ];
  return backends.flatMap((r) => {
    const path = stack.values.text(r.body.path);
    if (path === undefined) return [];
    const why = `the auth method at ${path}`;
    return [
      // Enabling and disabling an auth method are root-protected: they need sudo too.
      ...grants(
        `sys/auth/${path}`,
        { create: ['update', 'sudo'], delete: ['delete'] },
        why,
        r.address,
      ),
      ...grants(`sys/mounts/auth/${path}`, { plan: ['read'] }, why, r.address),
      ...grants(`sys/mounts/auth/${path}/tune`, { plan: ['read'] }, why, r.address),
      // The jwt method's configuration is part of its backend resource.
      ...(r.address.startsWith('vault_jwt_auth_backend.')
        ? grants(`auth/${path}/config`, { plan: ['read'], create: ['update'] }, why, r.address)
        : []),
    ];
  });
}

function authConfigGrants(stack: SynthesizedStack): VaultGrant[] {
  return stack.resources('vault_kubernetes_auth_backend_config').flatMap((r) => {
    const backend = stack.values.text(r.body.backend);
    if (backend === undefined) return [];
    const uses: Uses = { plan: ['read'], create: ['update'] };
    return grants(`auth/${backend}/config`, uses, `the configuration of ${backend}`, r.address);
  });
}

function roleGrants(stack: SynthesizedStack): VaultGrant[] {
  return stack.roles().flatMap(({ resource, name, backend }) => {
    if (backend === undefined) return [];
    const uses: Uses = {
      plan: ['read'],
      create: ['create'],
      update: ['update'],
      delete: ['delete'],
    };
    return grants(`auth/${backend}/role/${name}`, uses, `the role ${name}`, resource.address);
  });
}

function policyGrants(stack: SynthesizedStack): VaultGrant[] {
  return stack.policies().flatMap(({ address, name }) => {
    if (name === undefined) return [];
    const uses: Uses = { plan: ['read'], create: ['update'], delete: ['delete'] };
    return grants(`sys/policies/acl/${name}`, uses, `the policy ${name}`, address);
  });
}

/**
 * Literal generic endpoints: the folder markers (read back, created, rewritten when they exist
 * already, deleted) and the purge-on-destroy endpoints (written once, deleted on destroy).
 */
function endpointGrants(stack: SynthesizedStack): VaultGrant[] {
  return stack.resources('vault_generic_endpoint').flatMap((r: NamedResource) => {
    const path = interpolated(stack, r.body.path);
    if (path === undefined) return []; // a seed: its path is a condition (seedGrants)
    if (r.body.disable_read === true)
      return grants(path, { update: ['update'], delete: ['delete'] }, `purges ${path}`, r.address);
    const uses: Uses = {
      plan: ['read'],
      create: ['create'],
      update: ['update'],
      delete: ['delete'],
    };
    return grants(path, uses, `the folder marker ${path}`, r.address);
  });
}

function listingGrants(stack: SynthesizedStack): VaultGrant[] {
  return stack.dataSources('vault_kv_secrets_list_v2').flatMap((d) => {
    const mount = stack.values.text(d.body.mount);
    if (mount === undefined) return [];
    const folder = stack.values.text(d.body.name);
    const path = `${kvV2Paths(mount, folder ?? '').metadata.replace(/\/$/, '')}/`;
    return grants(path, { plan: ['list'] }, `lists ${path} to seed only new secrets`, d.address);
  });
}

/**
 * The secrets: a placeholder seed writes `data/` once with check-and-set 0 (create), or, when
 * the secret exists already (adopted, upgraded), an empty metadata write (update); a write-only
 * value writes `data/` and, on destroy, deletes it (or purges its metadata).
 */
function secretGrants(stack: SynthesizedStack): VaultGrant[] {
  const writers = stack.resources('vault_kv_secret_v2');
  const seeds = stack.resources('vault_generic_endpoint');
  return stack.declaredSecrets().flatMap(({ mount, name }) => {
    const paths = kvV2Paths(mount, name);
    const value = writers.find((w) => stack.values.text(w.body.name) === name);
    if (value !== undefined) {
      const purge = value.body.delete_all_versions === true;
      return [
        ...grants(
          paths.data,
          { create: ['create'], update: ['update'] },
          `writes ${name}`,
          value.address,
        ),
        ...grants(
          purge ? paths.metadata : paths.data,
          { delete: ['delete'] },
          `deletes ${name}`,
          value.address,
        ),
      ];
    }
    const seed = seeds.find(
      (s) => typeof s.body.path === 'string' && s.body.path.includes(JSON.stringify(paths.data)),
    )?.address;
    return [
      ...grants(paths.data, { create: ['create'] }, `seeds ${name}`, seed),
      ...grants(paths.metadata, { update: ['update'] }, `seeds ${name}, which exists`, seed),
    ];
  });
}

/**
 * Values that arrive from elsewhere before ESO reads them (npm run deploy, before the apply):
 * whether the secret holds a version yet; a moved secret's versions read from its old path and
 * written to the new one (check-and-set); an adopted Secret's value written as the first version.
 */
function arrivalGrants(stack: SynthesizedStack): VaultGrant[] {
  return stack.declaredSync().flatMap((entry) => {
    if (entry.moved_from === undefined && entry.adopts_target !== true) return [];
    const to = kvV2Paths(entry.mount, entry.secret);
    const why = `brings the value of ${entry.secret}`;
    const from = entry.moved_from && kvV2Paths(entry.moved_from.mount, entry.moved_from.name);
    return [
      ...grants(to.metadata, { 'deploy-plan': ['read'] }, `${why}: is it there yet`),
      ...grants(to.data, { create: ['create', ...(from ? ['update' as const] : [])] }, why),
      ...(from
        ? [
            ...grants(from.metadata, { create: ['read'] }, `${why}: its versions`),
            ...grants(from.data, { create: ['read'] }, `${why}: each version`),
          ]
        : []),
    ];
  });
}

/**
 * What the doctor reads with the run's token: the token itself, the mounts and auth methods,
 * each tenant's policy and role, each secret's metadata, and which of these grants it holds.
 */
function doctorGrants(stack: SynthesizedStack): VaultGrant[] {
  const why = 'npm run doctor';
  const { tenants } = stack.declaredTenants();
  const backends = new Set(stack.roles().flatMap((r) => (r.backend ? [r.backend] : [])));
  const secrets = stack.declaredSecrets();
  const read = (path: string) => grants(path, { doctor: ['read'] }, why);
  return [
    ...read('auth/token/lookup-self'),
    ...grants('sys/capabilities-self', { doctor: ['update'] }, `${why}: which of these it holds`),
    ...read('sys/mounts'),
    ...read('sys/auth'),
    ...[...backends].flatMap((b) => read(`auth/${b}/config`)),
    ...[...new Set(tenants.map((t) => t.policy))].flatMap((p) => read(`sys/policies/acl/${p}`)),
    ...[...backends].flatMap((b) =>
      [...new Set(tenants.map((t) => t.role))].flatMap((role) => read(`auth/${b}/role/${role}`)),
    ),
    ...secrets.flatMap(({ mount, name }) => read(kvV2Paths(mount, name).metadata)),
  ];
}

/** Every Vault grant of the stack, for every step. */
/**
 * The database secrets engine (dynamic credentials): its mount, each connection the mount
 * resource writes, and each role. (The lab's removal sweep runs on `local`, which has none: these
 * follow the provider's calls for the resource types, not a sweep.)
 */
function databaseGrants(stack: SynthesizedStack): VaultGrant[] {
  const mounts = stack.resources('vault_database_secrets_mount').flatMap((r) => {
    const path = stack.values.text(r.body.path);
    if (path === undefined) return [];
    const why = `the database secrets engine ${path}`;
    return [
      ...grants(
        `sys/mounts/${path}`,
        { plan: ['read'], create: ['update'], delete: ['delete'] },
        why,
        r.address,
      ),
      ...grants(`sys/mounts/${path}/tune`, { plan: ['read'], create: ['update'] }, why, r.address),
      // Each connection, from the plugin blocks (`postgresql: [{ name, ... }]`) of the mount.
      ...Object.values(r.body as Record<string, unknown>)
        .filter((block): block is unknown[] => Array.isArray(block))
        .flatMap((blocks) => blocks.map((b) => stack.values.text(getPath(b as never, 'name'))))
        .filter((name): name is string => name !== undefined)
        .flatMap((name) =>
          grants(
            `${path}/config/${name}`,
            { plan: ['read'], create: ['create', 'update'], delete: ['delete'] },
            `${why}: its connection ${name}`,
            r.address,
          ),
        ),
    ];
  });
  const roles = stack.resources('vault_database_secret_backend_role').flatMap((r) => {
    const backend = interpolated(stack, r.body.backend);
    const name = stack.values.text(r.body.name);
    if (backend === undefined || name === undefined) return [];
    const uses: Uses = {
      plan: ['read'],
      create: ['create', 'update'],
      update: ['update'],
      delete: ['delete'],
    };
    return grants(`${backend}/roles/${name}`, uses, `the database role ${name}`, r.address);
  });
  return [...mounts, ...roles];
}

export function vaultGrants(stack: SynthesizedStack): VaultGrant[] {
  return [
    ...providerGrants(),
    ...mountGrants(stack),
    ...authBackendGrants(stack),
    ...authConfigGrants(stack),
    ...roleGrants(stack),
    ...policyGrants(stack),
    ...endpointGrants(stack),
    ...listingGrants(stack),
    ...secretGrants(stack),
    ...arrivalGrants(stack),
    ...databaseGrants(stack),
    ...doctorGrants(stack),
  ];
}

/** The policy text: one block per path, capabilities in a stable order, paths sorted. */
export function renderVaultPolicy(grants: readonly VaultGrant[], header: string): string {
  const order: VaultCapability[] = ['create', 'read', 'update', 'delete', 'list', 'sudo'];
  const byPath = new Map<string, Set<VaultCapability>>();
  const why = new Map<string, Set<string>>();
  for (const g of grants) {
    byPath.set(g.path, (byPath.get(g.path) ?? new Set()).add(g.capability));
    why.set(g.path, (why.get(g.path) ?? new Set()).add(g.why));
  }
  const blocks = [...byPath.keys()].sort().map((path) => {
    const caps = order.filter((c) => byPath.get(path)!.has(c));
    const comment = [...why.get(path)!].map((w) => `# ${w}`).join('\n');
    return `${comment}\npath "${path}" {\n  capabilities = [${caps.map((c) => `"${c}"`).join(', ')}]\n}\n`;
  });
  return `${header
    .split('\n')
    .map((l) => `# ${l}`)
    .join('\n')}\n\n${blocks.join('\n')}`;
}

/** Does a token with these capabilities on the grant's path hold the grant (`root`: all)? */
export function capabilitiesAllow(capabilities: readonly string[], grant: VaultGrant): boolean {
  return capabilities.includes('root') || capabilities.includes(grant.capability);
}
