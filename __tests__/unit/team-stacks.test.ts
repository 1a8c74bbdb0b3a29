/**
 * An environment of team files is its own stack and one stack per team: each team's objects in
 * its stack, at the addresses they had in the one-stack layout; a change in one team's file
 * changes that team's stack alone; the chain rules still see the whole environment.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Testing } from 'cdktf';
import { teamStackName } from '../../common/names';
import { mergeStacks } from '../../common/merged-stacks';
import { type Json, type StackJson, resolve } from '../../common/stack-json';
import { SynthesizedStack } from '../../common/synthesized-stack';
import { loadEnvironments } from '../../environments';
import { localTenants } from '../../environments/local-tenants';
import { resolveTeamFiles } from '../../environments/team-files';
import type { EnvironmentConfig } from '../../environments/types';
import { environmentStacks, writtenStacks } from '../../stacks/environment-stacks';
import { synthTexts, variant } from '../support/stack';
import { copyTeamFolder } from '../support/team-folder';

const loaded = resolveTeamFiles(localTenants);
/** The same teams, inline: the one-stack layout they were deployed in. */
const inline: EnvironmentConfig = { ...loaded, teamFiles: undefined };

const jsonOf = (texts: Map<string, string>) =>
  new Map([...texts].map(([name, text]) => [name, JSON.parse(text) as StackJson]));

/** `type.name` -> body of every managed resource of a stack. */
function resources(json: StackJson): Map<string, Json> {
  return new Map(
    Object.entries(json.resource ?? {}).flatMap(([type, items]) =>
      Object.entries(items).map(([name, body]) => [`${type}.${name}`, body as Json] as const),
    ),
  );
}

/**
 * A body as Terraform reads it: references to literals of the same stack written out (inside
 * longer strings too), cdktf's metadata and the dependency list left out.
 */
function evaluated(json: StackJson, value: Json): Json {
  if (typeof value === 'string')
    return value.replace(/\$\{([^${}]+)\}/g, (whole, inner: string) => {
      const literal = resolve(json, `\${${inner}}`);
      return typeof literal === 'string' && !literal.includes('${') ? literal : whole;
    });
  if (Array.isArray(value)) return value.map((v) => evaluated(json, v));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== '//' && k !== 'depends_on')
        .map(([k, v]) => [k, evaluated(json, v)]),
    );
  return value;
}

describe('local-tenants, from its team files', () => {
  const stacks = jsonOf(synthTexts(localTenants));

  it("is the environment's stack and one stack per team file, each with a state of its own", () => {
    expect([...stacks.keys()]).toEqual([
      'local-tenants',
      'local-tenants--payments',
      'local-tenants--search',
    ]);
    expect([...stacks.values()].map((s) => new SynthesizedStack(s).localStatePath())).toEqual([
      '../../../terraform.local-tenants.tfstate',
      '../../../terraform.local-tenants--payments.tfstate',
      '../../../terraform.local-tenants--search.tfstate',
    ]);
  });

  it('keeps every Terraform address and every resource as the one-stack layout had them', () => {
    const [one] = [...jsonOf(synthTexts(inline)).values()];
    const where = new Map<string, { stack: string; body: Json }>();
    for (const [stack, json] of stacks)
      for (const [address, body] of resources(json))
        if (!address.startsWith('kubernetes_manifest.takeover-guard_'))
          where.set(address, { stack, body: evaluated(json, body) });
    const before = [...resources(one)].filter(
      ([address]) => !address.startsWith('kubernetes_manifest.takeover-guard_'),
    );
    expect([...where.keys()].sort()).toEqual(before.map(([address]) => address).sort());
    for (const [address, body] of before)
      expect({ address, body: where.get(address)!.body }).toEqual({
        address,
        body: evaluated(one, body),
      });
  });

  it("puts each team's objects in its own stack, and only the shared ones in the environment's", () => {
    const names = (stack: string) => [...resources(stacks.get(stack)!).keys()];
    expect(names('local-tenants').sort()).toEqual([
      'vault_jwt_auth_backend.jwt-auth_backend_A28A962A',
      'vault_mount.kv_mount_FDFB2C73',
    ]);
    for (const team of ['payments', 'search']) {
      const own = new RegExp(
        `^[a-z0-9_]+\\.(tenant-${team}_|kv_teams_(folder-)?${team}-|takeover-guard_)`,
      );
      expect(names(teamStackName('local-tenants', team)).filter((a) => !own.test(a))).toEqual([]);
    }
  });

  it('has a takeover guard per team, named after its stack, guarding its targets', () => {
    const guards = [...stacks].map(([stack, json]) => [
      stack,
      new SynthesizedStack(json).guardedTargets(),
    ]);
    expect(guards).toEqual([
      ['local-tenants', []],
      ['local-tenants--payments', ['team-payments/database']],
      ['local-tenants--search', ['team-search/opensearch']],
    ]);
    expect(JSON.stringify(stacks.get('local-tenants--search'))).toContain(
      '"name":"eks-vault-eso-local-tenants--search-targets"',
    );
  });
});

describe("a change in one team's file", () => {
  const folder = copyTeamFolder('local-tenants');
  afterAll(() => folder.remove());
  const synthesized = (env: EnvironmentConfig) => {
    const [loadedEnv] = loadEnvironments(undefined, [env], {
      teamsDir: folder.dir,
      ledgerDir: folder.ledgers,
    });
    return synthTexts(loadedEnv);
  };
  const payments = folder.read('payments.yaml');
  const stripe = `  - name: stripe
    externalSecretName: stripe
    targetSecretName: stripe
    placeholder:
      key: placeholder
`;
  afterEach(() => {
    folder.write('payments.yaml', payments);
    folder.write('billing.yaml', undefined);
  });
  const changedStacks = (env: EnvironmentConfig, edit: () => void) => {
    const before = synthesized(env);
    edit();
    const after = synthesized(env);
    return [...after.keys()].filter((stack) => after.get(stack) !== before.get(stack));
  };
  const sharedStore = variant({ eso: { isolation: 'shared-store' } }, localTenants);

  it.each([
    ['per-tenant', localTenants],
    ['shared-store', sharedStore],
  ] as const)("changes that team's stack alone (%s design)", (_design, env) => {
    expect(changedStacks(env, () => folder.write('payments.yaml', `${payments}${stripe}`))).toEqual(
      ['local-tenants--payments'],
    );
  });

  it("a team joining adds its stack; the shared store's role and namespaces are the environment's", () => {
    const billing = payments.replace(/payments/g, 'billing');
    expect(changedStacks(localTenants, () => folder.write('billing.yaml', billing))).toEqual([
      'local-tenants--billing',
    ]);
    folder.write('billing.yaml', undefined);
    expect(changedStacks(sharedStore, () => folder.write('billing.yaml', billing))).toEqual([
      'local-tenants',
      'local-tenants--billing',
    ]);
  });
});

describe('a synthesis narrowed to some stacks (npm run diff -- --team)', () => {
  const outdirs: string[] = [];
  afterAll(() => outdirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  /** local-tenants synthesized into a fresh directory, writing `written` (all when undefined). */
  function synthesizedInto(written?: readonly string[]) {
    const outdir = mkdtempSync(join(tmpdir(), 'narrowed-'));
    outdirs.push(outdir);
    const app = new App({ outdir });
    const stacks = environmentStacks(app, loaded, undefined, written);
    return { outdir, stacks, synth: () => app.synth() };
  }

  it('writes the selected stack alone, the same JSON as a whole synthesis, and lists them all', () => {
    const whole = synthesizedInto();
    whole.synth();
    const narrowed = synthesizedInto(['local-tenants--search']);
    narrowed.synth();
    expect(readdirSync(join(narrowed.outdir, 'stacks'))).toEqual(['local-tenants--search']);
    const text = (dir: string) =>
      readFileSync(join(dir, 'stacks', 'local-tenants--search', 'cdk.tf.json'), 'utf8');
    expect(text(narrowed.outdir)).toBe(text(whole.outdir));
    const manifest = (dir: string) =>
      JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
        stacks: Record<string, { dependencies: string[] }>;
      };
    expect(manifest(narrowed.outdir).stacks).toEqual(manifest(whole.outdir).stacks);
  });

  it('still runs the chain rules over every stack: a stack left unwritten is checked', () => {
    const narrowed = synthesizedInto(['local-tenants--payments']);
    const search = narrowed.stacks.find((s) => s.node.id === 'local-tenants--search')!;
    const policy = search.node
      .findAll()
      .find(
        (c) => (c as { terraformResourceType?: string }).terraformResourceType === 'vault_policy',
      ) as unknown as { addOverride: (p: string, v: unknown) => void };
    policy.addOverride(
      'policy',
      'path "teams/data/search/opensearch" {\n  capabilities = ["read"]\n}\npath "teams/data/payments/database" {\n  capabilities = ["read"]\n}\n',
    );
    expect(narrowed.synth).toThrow(
      '[CHAIN-001] policy "eso-search": path "teams/data/payments/database" is a secret of tenant "payments", not of "search"',
    );
  });

  it('reads the selection from STACKS: comma-separated names, none when unset or empty', () => {
    expect(writtenStacks(undefined)).toBeUndefined();
    expect(writtenStacks(' , ')).toBeUndefined();
    expect(writtenStacks(' local-tenants--search, local-tenants ,')).toEqual([
      'local-tenants--search',
      'local-tenants',
    ]);
  });
});

describe('the chain rules see the whole environment', () => {
  /** local-tenants' stacks, with `tamper` applied to one of them before synthesis. */
  function synthWith(
    stack: string,
    tamper: (json: { addOverride: (p: string, v: unknown) => void }) => void,
  ) {
    const app = Testing.app();
    const stacks = environmentStacks(app, loaded);
    const target = stacks.find((s) => s.node.id === stack)!;
    tamper({
      addOverride: (path, value) => {
        const [type, ...rest] = path.split('.');
        const resource = target.node
          .findAll()
          .find(
            (c) =>
              (c as { terraformResourceType?: string }).terraformResourceType === type &&
              c.node.path.includes('tenant-search'),
          ) as unknown as { addOverride: (p: string, v: unknown) => void };
        resource.addOverride(rest.join('.'), value);
      },
    });
    return () => stacks.map((s) => Testing.synth(s, true));
  }

  it("a team's policy granting another team's path is refused, naming the other team", () => {
    const synth = synthWith('local-tenants--search', (s) =>
      s.addOverride(
        'vault_policy.policy',
        'path "teams/data/search/opensearch" {\n  capabilities = ["read"]\n}\npath "teams/data/payments/database" {\n  capabilities = ["read"]\n}\n',
      ),
    );
    expect(synth).toThrow(
      '[CHAIN-001] policy "eso-search": path "teams/data/payments/database" is a secret of tenant "payments", not of "search"',
    );
  });

  it('merges the stacks with their shared names kept apart and their references followed', () => {
    const stacks = [...jsonOf(synthTexts(localTenants))].map(([name, json]) => ({ name, json }));
    const merged = new SynthesizedStack(mergeStacks(stacks));
    expect(merged.guardedTargets().sort()).toEqual([
      'team-payments/database',
      'team-search/opensearch',
    ]);
    expect(merged.declaredTenants().tenants.map((t) => t.name)).toEqual(['payments', 'search']);
    expect(Object.keys(merged.json.resource?.kubernetes_manifest ?? {})).toEqual(
      expect.arrayContaining([
        'takeover-guard_policy_5DCA4A7F',
        'local-tenants--search_takeover-guard_policy_5DCA4A7F',
      ]),
    );
    // The renamed binding still depends on its own stack's policy.
    const binding = merged.json.resource!.kubernetes_manifest[
      'local-tenants--search_takeover-guard_binding_9BC6EFF5'
    ] as { depends_on: string[] };
    expect(binding.depends_on).toEqual([
      'kubernetes_manifest.local-tenants--search_takeover-guard_policy_5DCA4A7F',
    ]);
  });
});
