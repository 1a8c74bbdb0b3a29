/**
 * The operations tools on an environment of team files: which stacks a command covers, and the
 * state move that hands a team's resources from its environment's state to its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../ops/cli';
import { inParallel, selectStacks, teamOption } from '../../ops/stacks';
import { type StateFile, type StateResource, moveResources } from '../../ops/team-state';
import {
  DEFAULT_PARALLEL,
  PROJECT_ROOT,
  cdktfArgs,
  outputDir,
  parallelOption,
} from '../../ops/terraform';

describe('the stacks a command covers', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'cdktf-out-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  writeFileSync(
    join(outdir, 'manifest.json'),
    JSON.stringify({
      stacks: {
        local: { dependencies: [] },
        'local-tenants': { dependencies: [] },
        'local-tenants--search': { dependencies: ['local-tenants'] },
        'local-tenants--payments': { dependencies: ['local-tenants'] },
      },
    }),
  );

  it("an environment's own stack first, then its teams'; with --team, that team's alone", () => {
    expect(selectStacks(outdir, 'local-tenants')).toEqual([
      'local-tenants',
      'local-tenants--payments',
      'local-tenants--search',
    ]);
    expect(selectStacks(outdir, 'local-tenants', 'search')).toEqual(['local-tenants--search']);
    expect(selectStacks(outdir, 'local')).toEqual(['local']);
  });

  it('a team the environment lacks is a usage error naming those it has', () => {
    expect(() => selectStacks(outdir, 'local-tenants', 'billing')).toThrow(
      new UsageError(
        '--team billing: local-tenants has no team "billing" (its teams: payments, search)',
      ),
    );
    expect(() => selectStacks(outdir, 'local', 'billing')).toThrow(
      '--team billing: local has no team files',
    );
    expect(() => teamOption(new Map([['--team', ['local-tenants--search']]]))).toThrow(
      `--team takes a team's name, not a stack's: "local-tenants--search"`,
    );
  });

  it('cdktf runs several stacks a few at a time, and a team alone without its environment', () => {
    expect(
      cdktfArgs('deploy', ['e', 'e--a', 'e--b'], new Set(['--auto-approve']), undefined, {
        parallel: 4,
        env: {},
      }),
    ).toEqual([
      'deploy',
      'e',
      'e--a',
      'e--b',
      '--auto-approve',
      '--output',
      'cdktf.out',
      '--parallelism',
      '4',
    ]);
    expect(cdktfArgs('destroy', ['e--a'], new Set(), undefined, { alone: true, env: {} })).toEqual([
      'destroy',
      'e--a',
      '--output',
      'cdktf.out',
      '--ignore-missing-stack-dependencies',
    ]);
    expect(cdktfArgs('deploy', 'local', new Set(), 'node app.js', { env: {} })).toEqual([
      'deploy',
      'local',
      '--app',
      'node app.js',
      '--output',
      'cdktf.out',
    ]);
  });

  it('deploy and destroy take --parallel: a few stacks at once by default, a whole number >= 1', () => {
    expect(parallelOption(new Map())).toBe(DEFAULT_PARALLEL);
    expect(parallelOption(new Map([['--parallel', ['12']]]))).toBe(12);
    for (const bad of ['0', '-1', '2.5', 'all'])
      expect(() => parallelOption(new Map([['--parallel', [bad]]]))).toThrow(
        new UsageError(`--parallel takes a whole number >= 1, got "${bad}"`),
      );
  });

  it('cdktf synthesizes where the tool read the stacks: CDKTF_OUTDIR, not cdktf.json', () => {
    // An e2e run under Terraform synthesizes into cdktf.out.terraform; cdktf's own default would
    // deploy from cdktf.out (another run's stacks) and leave the checked directory behind.
    const env = { CDKTF_OUTDIR: 'cdktf.out.terraform' };
    expect(cdktfArgs('deploy', 'local', new Set(), undefined, { env })).toEqual([
      'deploy',
      'local',
      '--output',
      'cdktf.out.terraform',
    ]);
    expect(outputDir(env)).toBe(join(PROJECT_ROOT, 'cdktf.out.terraform'));
    expect(cdktfArgs('destroy', 'e--a', new Set(), undefined, { alone: true, env })).toEqual([
      'destroy',
      'e--a',
      '--output',
      'cdktf.out.terraform',
      '--ignore-missing-stack-dependencies',
    ]);
  });

  it('runs work at most N at once, results in order', async () => {
    let running = 0;
    let most = 0;
    const results = await inParallel([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5 * (8 - n)));
      running -= 1;
      return n * 10;
    });
    expect(results).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(most).toBe(3);
  });
});

describe("a team's resources move from its environment's state to its own", () => {
  const resource = (type: string, name: string, value = name): StateResource => ({
    mode: 'managed',
    type,
    name,
    provider: `provider["registry.opentofu.org/hashicorp/${type.split('_')[0]}"]`,
    instances: [{ schema_version: 0, attributes: { id: value } }],
  });
  const policy = resource('vault_policy', 'tenant-payments_policy_A114BC78');
  const store = resource('kubernetes_manifest', 'tenant-payments_secret-store_CDCE200A');
  const mount = resource('vault_mount', 'kv_mount_FDFB2C73');
  const guard = resource('kubernetes_manifest', 'takeover-guard_policy_5DCA4A7F');
  const listing: StateResource = { ...resource('vault_kv_secrets_list_v2', 'x'), mode: 'data' };
  const environment: StateFile = {
    version: 4,
    terraform_version: '1.11.5',
    serial: 7,
    lineage: 'env-lineage',
    outputs: {},
    resources: [mount, policy, store, guard, listing],
  };
  const addresses = new Set([
    'vault_policy.tenant-payments_policy_A114BC78',
    'kubernetes_manifest.tenant-payments_secret-store_CDCE200A',
  ]);

  it('into a new state: the same objects, at the same addresses, the next serials', () => {
    const move = moveResources(environment, undefined, addresses);
    expect(move.moved).toEqual([...addresses]);
    expect(move.target.resources).toEqual([policy, store]);
    expect(move.target).toMatchObject({ serial: 1, version: 4, terraform_version: '1.11.5' });
    expect(move.target.lineage).not.toBe('env-lineage');
    expect(move.source.resources).toEqual([mount, guard, listing]);
    expect(move.source).toMatchObject({ serial: 8, lineage: 'env-lineage' });
  });

  it('finishes a move an interruption left in both states, and changes nothing twice', () => {
    const first = moveResources(environment, undefined, addresses);
    const again = moveResources(environment, first.target, addresses);
    expect(again.moved).toEqual([]);
    expect(again.finished).toEqual([...addresses]);
    expect(again.target).toBe(first.target);
    expect(again.source.resources).toEqual([mount, guard, listing]);
    const done = moveResources(again.source, again.target, addresses);
    expect([done.moved, done.finished, done.source, done.target]).toEqual([
      [],
      [],
      again.source,
      again.target,
    ]);
  });

  it('refuses an address both states hold with other objects, moving nothing of it', () => {
    const other = {
      ...environment,
      lineage: 'team',
      serial: 3,
      resources: [resource('vault_policy', policy.name, 'other')],
    };
    const move = moveResources(environment, other, addresses);
    expect(move.conflicts).toEqual(['vault_policy.tenant-payments_policy_A114BC78']);
    expect(move.moved).toEqual(['kubernetes_manifest.tenant-payments_secret-store_CDCE200A']);
    expect(move.source.resources).toContain(policy);
  });
});
