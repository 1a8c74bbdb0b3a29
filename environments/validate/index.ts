/**
 * Validation of environment configuration. It runs once, on every environment, before any
 * construct exists; every problem is collected, so one run shows them all. One file per section;
 * the keys each section accepts come from the types (schema.ts).
 */
import { TEAM_STACK_SEPARATOR } from '../../common/names';
import type { IsolationDesign } from '../types';
import { validateAws } from './aws';
import { validateBackend, validateRunnerCanAuthenticate } from './backend';
import { API_AUDIENCES, Checker, type ConfigProblem, isObject, type Obj, SHAPES } from './checker';
import { validateClusters } from './clusters';
import { validateDatabaseCredentials, validateDatabaseEngine } from './database';
import { validateEso } from './eso';
import { validateKubernetes } from './kubernetes';
import { OPTIONS } from './schema';
import { validateRetiredSecrets, validateSecretList } from './secrets';
import { validateTenants } from './tenants';
import { type Layout, validateVault } from './vault';
import { validateAddressesForBackend, validateSize, validateText } from './whole';

export { ConfigError, type ConfigProblem, formatProblems } from './checker';
export { labSettingWarnings } from './whole';

function layoutOf(env: Obj): Layout {
  if (env.tenants === undefined && env.teamFiles === undefined) return 'single-chain';
  const isolation = isObject(env.eso) ? env.eso.isolation : undefined;
  return (OPTIONS.isolation as readonly unknown[]).includes(isolation)
    ? (isolation as IsolationDesign)
    : 'per-tenant';
}

/** Returns every problem of one environment's configuration; an empty list means valid. */
export function validateEnvironment(raw: unknown, fileName = '(unnamed)'): ConfigProblem[] {
  const name = isObject(raw) && typeof raw.name === 'string' ? raw.name : fileName;
  const c = new Checker(name);
  const env = c.object('', raw, '');
  if (!env) return c.problems;

  if (c.shape('name', env.name, SHAPES.kebab) && env.name in Object.prototype)
    c.add(
      'name',
      env.name,
      `another name: cdktf looks stacks up by name in plain objects, where "${env.name}" is taken by JavaScript itself`,
    );
  if (typeof env.name === 'string' && env.name.includes(TEAM_STACK_SEPARATOR))
    c.add(
      'name',
      env.name,
      `a name without "${TEAM_STACK_SEPARATOR}", which separates an environment from its teams in stack names (<environment>${TEAM_STACK_SEPARATOR}<team>)`,
    );
  if (env.teamFiles !== undefined) c.shape('teamFiles', env.teamFiles, SHAPES.kebab);
  const layout = layoutOf(env);
  const tenanted = layout !== 'single-chain';
  validateAws(c, env.aws);
  validateKubernetes(c, env.kubernetes, tenanted);
  validateVault(c, env.vault, layout);

  const valueMode = c.oneOf('secretValues', env.secretValues, OPTIONS.secretValues)
    ? env.secretValues
    : undefined;
  let declared: Set<string>;
  if (tenanted) {
    c.absent(
      'secrets',
      env.secrets,
      'with tenants, each tenant lists its own secrets (exactly one of secrets or tenants)',
    );
    declared = validateTenants(c, env.tenants, layout, valueMode, purgeHandlesOf(env));
  } else {
    validateSecretList(c, 'secrets', env.secrets, {
      valueMode,
      tenantKeys: 'forbidden-single-chain',
    });
    declared = new Set(
      Array.isArray(env.secrets)
        ? env.secrets.flatMap((s) => (isObject(s) && typeof s.name === 'string' ? [s.name] : []))
        : [],
    );
    validateOwnSecretTargets(c, env);
  }
  validateRetiredSecrets(c, env.retiredSecrets, declared, purgeHandlesOf(env));
  validateDatabases(c, env, layout);
  validateClusters(c, env, layout);
  validateEso(c, env.eso, tenanted);
  validateBackend(c, env.backend);
  validateRunnerCanAuthenticate(c, env);
  validateJwtAudience(c, env);
  validateAddressesForBackend(c, env);
  validateSize(c, env);
  validateText(c, env);
  return c.problems;
}

/** Does the environment keep purge handles (`vault.kvMount.purgeSecretsOnDestroy`)? */
function purgeHandlesOf(env: Obj): boolean {
  return (
    isObject(env.vault) &&
    isObject(env.vault.kvMount) &&
    env.vault.kvMount.purgeSecretsOnDestroy === true
  );
}

/** The database engine, and the credentials of the single chain or of each tenant. */
function validateDatabases(c: Checker, env: Obj, layout: Layout): void {
  const vault = isObject(env.vault) ? env.vault : {};
  const ctx = {
    layout,
    connections: validateDatabaseEngine(c, env.vault),
    tokenTtlSeconds: typeof vault.tokenTtlSeconds === 'number' ? vault.tokenTtlSeconds : undefined,
    storeAuth: isObject(env.eso) ? env.eso.storeAuth : undefined,
    roles: new Map<string, string>(),
  };
  if (layout === 'single-chain') {
    validateDatabaseCredentials(
      c,
      'databaseCredentials',
      env.databaseCredentials,
      ctx,
      env.secrets,
    );
    return;
  }
  c.absent(
    'databaseCredentials',
    env.databaseCredentials,
    'with tenants, each tenant lists its own',
  );
  if (!Array.isArray(env.tenants)) return;
  env.tenants.forEach((tenant: unknown, i: number) => {
    if (isObject(tenant))
      validateDatabaseCredentials(
        c,
        `tenants[${i}].databaseCredentials`,
        tenant.databaseCredentials,
        ctx,
        tenant.secrets,
      );
  });
}

/**
 * With the jwt method the login token travels to Vault; an audience the API server (or STS)
 * accepts would make every login token a credential there too.
 */
function validateJwtAudience(c: Checker, env: Obj): void {
  if (!isObject(env.vault) || env.vault.authMethod !== 'jwt' || !isObject(env.kubernetes)) return;
  const audience = env.kubernetes.tokenAudience;
  if (typeof audience === 'string' && API_AUDIENCES.includes(audience))
    c.add(
      'kubernetes.tokenAudience',
      audience,
      `an audience of Vault's own with the jwt auth method, such as "vault" (the API server accepts tokens for "${audience}", so a login token would also be an API bearer token)`,
    );
}

/** ExternalSecret targets must not overwrite a Secret the single chain itself manages. */
function validateOwnSecretTargets(c: Checker, env: Obj): void {
  if (!isObject(env.kubernetes) || !isObject(env.vault) || !isObject(env.eso)) return;
  if (!Array.isArray(env.secrets)) return;
  const own = new Map<string, string>();
  if (env.vault.reviewerMode === 'token-secret')
    own.set(
      String(env.kubernetes.serviceAccountName),
      'the reviewer token Secret of token-secret mode',
    );
  if (env.eso.storeAuth === 'token')
    own.set('vault-token', 'the Vault token Secret of token store auth');
  env.secrets.forEach((item: unknown, i: number) => {
    if (!isObject(item) || typeof item.targetSecretName !== 'string') return;
    const what = own.get(item.targetSecretName);
    if (what)
      c.add(
        `secrets[${i}].targetSecretName`,
        item.targetSecretName,
        `another name: "${item.targetSecretName}" is ${what}, which ESO would overwrite`,
      );
  });
}
