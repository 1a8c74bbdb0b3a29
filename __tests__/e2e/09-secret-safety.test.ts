/**
 * The day-two sweep: nothing a person owns is lost by any edit of an environment file. A team's
 * environment is deployed, a person writes values in Vault (several versions, several secrets),
 * then the environment file goes through the edits teams make over months, each deployed with
 * `npm run deploy` while the workload's Secrets are watched. After every step: no version
 * deleted or destroyed, every current value the person's, every Secret the person's value the
 * whole time (never missing, never another value, never replaced), and the next plan empty.
 * Edits that would lose something unsaid are refused, and leave everything as it was.
 */
import { randomBytes } from 'node:crypto';
import type { EnvironmentConfig, SecretConfig, TenantConfig } from '../../environments/types';
import type { Variant } from '../support/stack';
import { MINUTES, kubectl, kubectlJson } from './support/lab-chain';
import { expectedSteady } from './support/secret-watch';
import { KEY, Sweep, ok } from './support/sweep';

const NAME = 'local-sweep';
const NAMESPACE = 'sweep';
const MOUNT = 'sweep-kv';

const secret = (name: string, es: string): SecretConfig => ({
  name,
  externalSecretName: es,
  targetSecretName: es,
  placeholder: { [KEY]: 'placeholder' },
});
const alpha = secret('sweep/alpha', 'alpha');
const beta = secret('sweep/beta', 'beta');
const gamma = secret('gamma', 'gamma');

/** The environment as the team first deploys it: its own names, an existing namespace. */
const BASE: Variant<EnvironmentConfig> = {
  kubernetes: {
    namespace: NAMESPACE,
    manageNamespace: false,
    allowNamespaceDestroy: null,
    serviceAccountName: 'sweep-auth',
    clusterRoleBindingName: 'sweep-auth-delegator',
  },
  vault: {
    kvMount: { path: MOUNT, managed: true, allowDestroy: false },
    policyName: 'sweep-read',
    authPath: 'kubernetes-sweep',
    roleName: 'eso-sweep',
  },
  eso: { storeName: 'sweep-store' },
  secrets: [alpha, beta, gamma],
};

const sweep = new Sweep({ name: NAME, mount: MOUNT, namespaces: [NAMESPACE], changes: BASE });
const target = (name: string) => `${NAMESPACE}/${name}`;

describe('the day-two sweep: every edit a team makes keeps what people own', () => {
  beforeAll(() => sweep.prepare(), 10 * MINUTES);
  afterAll(() => sweep.cleanUp(), 10 * MINUTES);

  it(
    'deploys, and the person writes two versions of each secret, which sync',
    async () => {
      expect(ok(await sweep.deployAs(BASE))).toEqual({ code: 0, tail: '' });
      for (const s of [alpha, beta, gamma]) {
        await sweep.personWrites(s.name, target(s.targetSecretName));
      }
      await sweep.synced();
    },
    15 * MINUTES,
  );

  it(
    'placeholders, metadata grants and the refresh interval edited',
    () =>
      sweep.edit('secret fields', {
        secrets: [
          { ...alpha, placeholder: { [KEY]: 'another placeholder' } },
          { ...beta, listMetadata: true },
          gamma,
        ],
        eso: { refreshInterval: '20s' },
      }),
    10 * MINUTES,
  );

  it(
    'an ExternalSecret renamed: the Secret it writes is never missing',
    () =>
      sweep.edit('ExternalSecret renamed', {
        secrets: [{ ...alpha, externalSecretName: 'alpha-renamed' }, beta, gamma],
      }),
    10 * MINUTES,
  );

  it(
    'a path changed under a deployed ExternalSecret is refused until the move is declared',
    async () => {
      const renamed = { ...beta, name: 'sweep/beta-2' };
      await sweep.refused(
        'undeclared move',
        { secrets: [{ ...alpha, externalSecretName: 'alpha-renamed' }, renamed, gamma] },
        'secrets[1].movedFrom = (missing): { name: \'sweep/beta\' }: ExternalSecret sweep/beta read "sweep-kv/sweep/beta" when deployed',
      );
      sweep.written.set('sweep/beta-2', { ...sweep.written.get('sweep/beta')! });
      sweep.targets.set(target('beta'), 'sweep/beta-2');
      await sweep.edit('declared move', {
        secrets: [
          { ...alpha, externalSecretName: 'alpha-renamed' },
          { ...renamed, movedFrom: { name: 'sweep/beta' } },
          gamma,
        ],
      });
    },
    15 * MINUTES,
  );

  const now = () => sweep.changes.secrets as SecretConfig[];
  const withoutPlaceholders = () => now().map(({ placeholder: _p, ...rest }) => rest);

  it(
    'value mode: placeholder to write-only',
    () =>
      sweep.edit('to write-only', { secretValues: 'write-only', secrets: withoutPlaceholders() }),
    10 * MINUTES,
  );

  it(
    'purging turned on, then off, in write-only mode: nothing purged',
    async () => {
      await sweep.edit('purge on (write-only)', {
        vault: {
          kvMount: { path: MOUNT, managed: true, allowDestroy: false, purgeSecretsOnDestroy: true },
        },
      });
      await sweep.edit('purge off (write-only)', {
        vault: { kvMount: { path: MOUNT, managed: true, allowDestroy: false } },
      });
    },
    15 * MINUTES,
  );

  it(
    'value mode: write-only back to placeholder',
    () =>
      sweep.edit('to placeholder', {
        secretValues: 'placeholder',
        secrets: now().map((s) => ({ ...s, placeholder: { [KEY]: 'placeholder' } })),
      }),
    10 * MINUTES,
  );

  it(
    'purging turned on, then off, in placeholder mode: nothing purged',
    async () => {
      await sweep.edit('purge on', {
        vault: {
          kvMount: { path: MOUNT, managed: true, allowDestroy: false, purgeSecretsOnDestroy: true },
        },
      });
      await sweep.edit('purge off', {
        vault: { kvMount: { path: MOUNT, managed: true, allowDestroy: false } },
      });
    },
    15 * MINUTES,
  );

  it(
    'reviewer mode: client-jwt to token-secret and back',
    async () => {
      await sweep.edit('token-secret reviewer', { vault: { reviewerMode: 'token-secret' } });
      await sweep.edit('client-jwt reviewer', { vault: { reviewerMode: 'client-jwt' } });
    },
    15 * MINUTES,
  );

  it(
    'auth method: kubernetes to jwt',
    () =>
      sweep.edit('jwt login', {
        kubernetes: { tokenAudience: 'vault' },
        vault: { authMethod: 'jwt', jwtIssuerCa: 'cluster', authPath: 'jwt-sweep' },
      }),
    10 * MINUTES,
  );

  it(
    'the mount no longer managed: forgotten, kept with every version',
    () => sweep.edit('mount unmanaged', { vault: { kvMount: { path: MOUNT, managed: false } } }),
    10 * MINUTES,
  );

  it(
    'a secret removed: refused unless retired; retired, Vault and the Secret keep it',
    async () => {
      const [a, b] = now();
      await sweep.refused(
        'undeclared removal',
        { secrets: [a, b] },
        'retiredSecrets = "gamma": a list naming "gamma"',
      );
      await sweep.edit('retired', { secrets: [a, b], retiredSecrets: ['gamma'] });
      // Its ExternalSecret is gone, and the Secret it wrote stays as it was (watched above).
      expect(await kubectlJson(['externalsecret', 'gamma', '-n', NAMESPACE])).toBeUndefined();
    },
    15 * MINUTES,
  );

  it(
    'a hand-made Secret of a new target: refused, then adopted with its value kept',
    async () => {
      const value = `handmade-${randomBytes(6).toString('hex')}`;
      await kubectl([
        'create',
        'secret',
        'generic',
        'delta',
        '-n',
        NAMESPACE,
        `--from-literal=${KEY}=${value}`,
      ]);
      const delta = { ...secret('sweep/delta', 'delta') };
      await sweep.refused(
        'takeover',
        { secrets: [...now(), delta] },
        'Secret sweep/delta exists and was not created by External Secrets',
      );
      // Adopted: the value goes to Vault first, then ESO owns the Secret (same uid, same value).
      sweep.written.set('sweep/delta', { versions: 1, current: value });
      sweep.targets.set(target('delta'), 'sweep/delta');
      await sweep.edit('adopted', {
        secrets: [
          ...now(),
          { ...delta, adoptExistingTarget: true, placeholder: { [KEY]: 'never written' } },
        ],
      });
    },
    15 * MINUTES,
  );

  it(
    'the stack destroyed: every version and every Secret stays',
    async () => {
      const { run, report } = await sweep.destroyWatched();
      expect(ok(run)).toEqual({ code: 0, tail: '' });
      expect(report).toEqual(expectedSteady(sweep.watched()));
      expect(await sweep.vaultKept()).toEqual(sweep.keptEverywhere());
    },
    15 * MINUTES,
  );
});

/** Two teams, each in a namespace made beforehand, on a mount of their own. */
const TEAMS_MOUNT = 'sweep-teams';
const team = (name: string, namespace: string): TenantConfig => ({
  name,
  namespace,
  manageNamespace: false,
  secrets: [
    {
      name: 'db',
      externalSecretName: `${name}-db`,
      targetSecretName: `${name}-db`,
      placeholder: { [KEY]: 'placeholder' },
    },
  ],
});
const teams = new Sweep({
  name: 'local-sweep-teams',
  base: 'local-tenants',
  mount: TEAMS_MOUNT,
  namespaces: ['sweep-a', 'sweep-b', 'sweep-b2'],
  changes: {
    vault: {
      kvMount: { path: TEAMS_MOUNT, managed: true, allowDestroy: false },
      authPath: 'jwt-sweep-teams',
    },
    eso: { storeName: 'sweep-teams' },
    tenants: [team('alpha', 'sweep-a'), team('beta', 'sweep-b')],
  },
});

describe('the day-two sweep with tenants: prefixes, namespaces, the isolation design, names', () => {
  beforeAll(() => teams.prepare(), 10 * MINUTES);
  afterAll(() => teams.cleanUp(), 10 * MINUTES);
  const tenants = () => teams.changes.tenants as TenantConfig[];

  it(
    "deploys, and the person writes two versions of each team's secret, which sync",
    async () => {
      expect(ok(await teams.deployAs(teams.changes))).toEqual({ code: 0, tail: '' });
      await teams.personWrites('alpha/db', 'sweep-a/alpha-db');
      await teams.personWrites('beta/db', 'sweep-b/beta-db');
      await teams.synced();
    },
    15 * MINUTES,
  );

  it(
    'a new secretPrefix: refused until each path is declared moved; moved, nothing is lost',
    async () => {
      const [alpha, beta] = tenants();
      const prefixed = { ...alpha, secretPrefix: 'team-alpha' };
      await teams.refused(
        'undeclared prefix',
        { tenants: [prefixed, beta] },
        'tenants[0].secrets[0].movedFrom',
      );
      teams.written.set('team-alpha/db', { ...teams.written.get('alpha/db')! });
      teams.targets.set('sweep-a/alpha-db', 'team-alpha/db');
      await teams.edit('secretPrefix', {
        tenants: [
          { ...prefixed, secrets: [{ ...alpha.secrets[0], movedFrom: { name: 'alpha/db' } }] },
          beta,
        ],
      });
    },
    15 * MINUTES,
  );

  it(
    'a team moved to another namespace: the Secret it leaves stays, the new one shows the value',
    async () => {
      const [alpha, beta] = tenants();
      await teams.edit('namespace moved', { tenants: [alpha, { ...beta, namespace: 'sweep-b2' }] });
      teams.targets.set('sweep-b2/beta-db', 'beta/db');
      await teams.synced();
    },
    15 * MINUTES,
  );

  it(
    'the isolation design switched to the shared store: every path declared moved, nothing lost',
    async () => {
      const moved = tenants().map((t) => ({
        ...t,
        secretPrefix: undefined,
        secrets: t.secrets.map((s) => ({
          ...s,
          movedFrom: {
            name: t.secretPrefix ? `${t.secretPrefix}/${s.name}` : `${t.name}/${s.name}`,
          },
        })),
      }));
      for (const t of moved) {
        const from = t.secrets[0].movedFrom.name;
        teams.written.set(`${t.namespace}/db`, { ...teams.written.get(from)! });
        for (const [target, path] of teams.targets)
          if (path === from && target.startsWith(`${t.namespace}/`))
            teams.targets.set(target, `${t.namespace}/db`);
      }
      await teams.edit('shared store', { eso: { isolation: 'shared-store' }, tenants: moved });
    },
    15 * MINUTES,
  );

  it(
    'a team renamed: its ExternalSecrets move to new addresses, its Secret never missing',
    async () => {
      const [alpha, beta] = tenants();
      const renamed = { ...alpha, name: 'alpha-team' };
      await teams.refused(
        'undeclared rename',
        { tenants: [renamed, beta] },
        'tenants[0].renamedFrom',
      );
      await teams.edit('team renamed', { tenants: [{ ...renamed, renamedFrom: 'alpha' }, beta] });
      expect(await kubectlJson(['externalsecret', 'alpha-db', '-n', 'sweep-a'])).toBeDefined();
    },
    15 * MINUTES,
  );
});
