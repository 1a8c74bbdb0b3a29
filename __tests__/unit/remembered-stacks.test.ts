/**
 * A narrowed synthesis (`npm run diff -- --team`) recalls the team stacks it does not write from
 * what an earlier synthesis wrote, only when every input is the same and the JSON is the one
 * stamped; the chain rules check the recalled JSON with the rest of the environment.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Testing } from 'cdktf';
import { loadEnvironments } from '../../environments';
import { localTenants } from '../../environments/local-tenants';
import { resolveTeamFiles } from '../../environments/team-files';
import type { EnvironmentConfig } from '../../environments/types';
import { environmentStacks } from '../../stacks/environment-stacks';
import { EsoVaultStack } from '../../stacks/eso-vault-stack';
import {
  RecalledStack,
  RememberedStacks,
  memoryDirOf,
  programFingerprint,
  teamConfig,
} from '../../stacks/remembered-stacks';
import { variant } from '../support/stack';
import { copyTeamFolder } from '../support/team-folder';

const SEARCH = 'local-tenants--search';
const PAYMENTS = 'local-tenants--payments';
/** One more secret for payments' file. */
const STRIPE = `  - name: stripe
    externalSecretName: stripe
    targetSecretName: stripe
    placeholder:
      key: placeholder
`;

describe('a narrowed synthesis recalls the team stacks it does not write', () => {
  const folder = copyTeamFolder('local-tenants');
  const outdirs: string[] = [];
  afterAll(() => {
    folder.remove();
    outdirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  });
  const payments = folder.read('payments.yaml');
  afterEach(() => folder.write('payments.yaml', payments));
  const loaded = () =>
    loadEnvironments(undefined, [localTenants], {
      teamsDir: folder.dir,
      ledgerDir: folder.ledgers,
    })[0];

  /** Synthesizes into `outdir` (fresh when not given), writing `written` (all when undefined). */
  function synth(opts: { outdir?: string; written?: string[]; program?: string } = {}) {
    const outdir = opts.outdir ?? mkdtempSync(join(tmpdir(), 'remembered-'));
    outdirs.push(outdir);
    const app = new App({ outdir });
    const remembered = new RememberedStacks(outdir, () => opts.program ?? 'program-1');
    const stacks = environmentStacks(app, loaded(), undefined, opts.written, remembered);
    const kinds = Object.fromEntries(
      stacks.map((s) => [s.node.id, s instanceof RecalledStack ? 'recalled' : 'built']),
    );
    return {
      outdir,
      kinds,
      run: () => {
        app.synth();
        remembered.record();
      },
    };
  }
  const text = (outdir: string, stack: string) =>
    readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8');

  /** Payments' remembered JSON made to grant search's path, under the inputs it had. */
  function forgeGrant(outdir: string) {
    const file = join(memoryDirOf(outdir), `${PAYMENTS}.json`);
    const text = readFileSync(file, 'utf8');
    const forged = text.replace(
      'path \\"teams/data/payments/database\\"',
      'path \\"teams/data/search/opensearch\\" {\\n  capabilities = [\\"read\\"]\\n}\\npath \\"teams/data/payments/database\\"',
    );
    expect(forged).not.toBe(text);
    writeFileSync(file, forged);
  }

  it('recalls an unchanged team and writes the same JSON as a whole synthesis', () => {
    const whole = synth();
    whole.run();
    const narrowed = synth({ outdir: whole.outdir, written: [SEARCH] });
    expect(narrowed.kinds).toEqual({
      'local-tenants': 'built',
      [SEARCH]: 'built',
      [PAYMENTS]: 'recalled',
    });
    const before = text(whole.outdir, SEARCH);
    narrowed.run();
    expect(text(whole.outdir, SEARCH)).toBe(before);
    const manifest = JSON.parse(readFileSync(join(whole.outdir, 'manifest.json'), 'utf8')) as {
      stacks: Record<string, { dependencies: string[] }>;
    };
    expect(manifest.stacks[PAYMENTS].dependencies).toEqual(['local-tenants']);
  });

  it('checks a recalled stack with the chain rules: a grant across teams is refused', () => {
    const whole = synth();
    whole.run();
    forgeGrant(whole.outdir);
    const narrowed = synth({ outdir: whole.outdir, written: [SEARCH] });
    expect(narrowed.kinds[PAYMENTS]).toBe('recalled');
    expect(narrowed.run).toThrow(
      '[CHAIN-001] policy "eso-payments": path "teams/data/search/opensearch" is a secret of tenant "search", not of "payments"',
    );
  });

  it.each([
    ['its team file changed', {}, `${payments}${STRIPE}`],
    ['the program changed', { program: 'program-2' }, payments],
  ] as const)('builds a team again when %s', (_why, opts, paymentsFile) => {
    const whole = synth();
    whole.run();
    forgeGrant(whole.outdir);
    folder.write('payments.yaml', paymentsFile);
    const narrowed = synth({ outdir: whole.outdir, written: [SEARCH], ...opts });
    expect(narrowed.kinds[PAYMENTS]).toBe('built');
    expect(narrowed.run).not.toThrow();
  });

  it('remembers what a narrowed synthesis built, for the next one', () => {
    const first = synth({ written: [SEARCH] });
    expect(first.kinds[PAYMENTS]).toBe('built');
    first.run();
    expect(synth({ outdir: first.outdir, written: [SEARCH] }).kinds[PAYMENTS]).toBe('recalled');
  });
});

describe("a team's stack is built from no other team's file", () => {
  const sharedStore = variant({ eso: { isolation: 'shared-store' } }, localTenants);
  const kubernetes = variant(
    { vault: { authMethod: 'kubernetes', jwtIssuerCa: null } },
    localTenants,
  );
  it.each([
    ['per-tenant', localTenants],
    ['shared-store', sharedStore],
    ['kubernetes', kubernetes],
  ] as const)('the same JSON from the whole environment and from teamConfig (%s)', (_, env) => {
    const config = resolveTeamFiles(env);
    const built = (c: EnvironmentConfig) =>
      Testing.synth(
        new EsoVaultStack(Testing.app(), PAYMENTS, {
          config: c,
          part: { kind: 'team', team: 'payments' },
        }),
      );
    expect(built(teamConfig(config, 'payments'))).toBe(built(config));
    expect(teamConfig(config, 'payments').tenants?.map((t) => t.name)).toEqual(['payments']);
  });
});

describe('programFingerprint', () => {
  const root = mkdtempSync(join(tmpdir(), 'fingerprint-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  write('package-lock.json', '{}');
  write('cdktf.json', '{}');
  write('stacks/a.ts', 'export const a = 1;');

  it('changes with a source or shell file, the lock or cdktf.json, not with outputs or dependencies', () => {
    const first = programFingerprint(root);
    write('node_modules/x/index.js', 'x');
    write('cdktf.out/stacks/s/cdk.tf.json', '{}');
    write('.lab/x.js', 'x');
    write('docs/notes.md', 'x');
    expect(programFingerprint(root)).toBe(first);
    for (const [file, text] of [
      ['stacks/a.ts', 'export const a = 2;'],
      ['environments/b.ts', 'export {};'],
      ['common/versions.sh', 'TOFU_VERSION=0'],
      ['package-lock.json', '{"v":2}'],
      ['cdktf.json', '{"context":{}}'],
    ]) {
      const before = programFingerprint(root);
      write(file, text);
      expect(programFingerprint(root)).not.toBe(before);
    }
  });
});
