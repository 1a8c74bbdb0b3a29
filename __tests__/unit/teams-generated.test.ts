/**
 * What the team files imply is generated, and kept so: the JSON Schema editors check team files
 * with (from the type TeamFile) and CODEOWNERS (from each file's owners).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KNOWN_KEYS } from '../../environments/validate/schema';
import { TEAM_SCHEMA_FILE } from '../../environments/team-files';
import { CODEOWNERS_FILE, PLATFORM_OWNERS, codeOwners, teamSchema } from '../../scripts/teams';

const root = join(__dirname, '..', '..');
const schema = JSON.parse(teamSchema()) as {
  properties: Record<string, unknown>;
  required: string[];
  additionalProperties: boolean;
  $defs: Record<string, { properties: Record<string, unknown> }>;
};

it('the committed team schema is the one the types give (else: npm run teams)', () => {
  expect(readFileSync(TEAM_SCHEMA_FILE, 'utf8')).toBe(teamSchema());
});

it('the committed CODEOWNERS is the one the team files give (else: npm run teams)', () => {
  expect(readFileSync(CODEOWNERS_FILE, 'utf8')).toBe(codeOwners());
});

it("the schema takes exactly the keys the validator takes, and no team file's unknown key", () => {
  // A team file refuses these two tenant keys (a shared engine's roles, a rename across stacks).
  const tenantKeys = KNOWN_KEYS['tenants[]'].filter(
    (k) => k !== 'databaseCredentials' && k !== 'renamedFrom',
  );
  expect(Object.keys(schema.properties).sort()).toEqual(
    [...tenantKeys, ...KNOWN_KEYS.teamFile].sort(),
  );
  expect(schema.additionalProperties).toBe(false);
  expect(schema.required.sort()).toEqual([
    'manageNamespace',
    'name',
    'namespace',
    'owners',
    'secrets',
  ]);
  expect(Object.keys(schema.$defs.SecretConfig.properties).sort()).toEqual(
    [...KNOWN_KEYS['secrets[]']].sort(),
  );
});

it('every team file and its ledger are owned by its owners; the rest by the platform', () => {
  const lines = codeOwners().split('\n');
  expect(lines).toContain(`* ${PLATFORM_OWNERS.join(' ')}`);
  expect(lines).toEqual(
    expect.arrayContaining([
      '/environments/teams/local-tenants/payments.yaml @eks-vault-eso/team-payments',
      '/environments/ledgers/local-tenants--payments.json @eks-vault-eso/team-payments',
      '/environments/teams/local-tenants/search.yaml @eks-vault-eso/team-search',
    ]),
  );
  // CODEOWNERS: the last match wins, so the default comes first.
  expect(lines.findIndex((l) => l.startsWith('* '))).toBeLessThan(
    lines.findIndex((l) => l.startsWith('/environments/teams/')),
  );
});

it('npm run teams -- --check exits 0 on this tree, and --help says what it writes', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, [join(root, 'scripts/run-ts.js'), 'scripts/teams.ts', ...args], {
      cwd: root,
      encoding: 'utf8',
    });
  expect(run(['--check'])).toMatchObject({ status: 0, stderr: '' });
  expect(run(['--help']).stdout).toContain('usage: npm run teams [-- --check]');
  expect(run(['--bogus']).status).toBe(2);
});
