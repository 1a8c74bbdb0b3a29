/**
 * The review a pull request gets, against the lab: `local-tenants` deployed with its team files,
 * then a change that adds a secret to the payments team. `npm run review` plans each stack and
 * names the payments stack, what it adds, the path that becomes readable and by whom, and draws
 * the new grant as an added link; the search team's stack has no changes. Then the doctor and
 * the drift report draw the same chain after the team's policy is deleted behind Terraform's
 * back: the doctor crosses the policy's links out, the drift report marks the policy an apply
 * would write again and the grant it would restore.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyTeamFolder } from '../support/team-folder';
import {
  CDKTF_OUT,
  E2E_LEDGER_DIR,
  MINUTES,
  type StackVariant,
  ensureDestroyed,
  labEnvironment,
  opsTool,
  vault,
} from './support/lab-chain';
import { recordTiming } from './support/timings';

const ENVIRONMENT = 'local-tenants';
/** What the suites' cleanup destroys: the environment's stacks, whatever their teams declare. */
const DEPLOYED: StackVariant = { name: ENVIRONMENT, base: ENVIRONMENT, changes: {} };
const teams = copyTeamFolder(ENVIRONMENT);
/** The ops tools as `npm run` runs them, on the suite's team folder, output and ledgers. */
const env = labEnvironment({
  TEAMS_DIR: teams.dir,
  CDKTF_OUTDIR: CDKTF_OUT,
  LEDGER_DIR: E2E_LEDGER_DIR,
});

const ADDED_SECRET = `  - name: api
    externalSecretName: api
    targetSecretName: api
    placeholder:
      token: review-e2e-placeholder
`;

/** The section of the review about one stack. */
function section(markdown: string, stack: string): string {
  const parts = markdown.split(/\n(?=## )/);
  const found = parts.find((p) => p.startsWith(`## ${stack} `) || p.startsWith(`## ${stack}\n`));
  if (found === undefined) throw new Error(`no section for ${stack} in:\n${markdown}`);
  return found;
}

/** The Mermaid id of the node whose label starts with `label`. */
function nodeId(mermaid: string, label: string): string {
  const line = mermaid.split('\n').find((l) => l.includes(`["${label}`));
  if (line === undefined) throw new Error(`no node "${label}" in:\n${mermaid}`);
  return /^\s*(n\d+)\[/.exec(line)![1];
}

/** The Mermaid block of a section, and the index of each edge line (what linkStyle counts). */
function mermaidOf(text: string): { text: string; edges: string[] } {
  const match = /```mermaid\n([\s\S]*?)\n```/.exec(text);
  if (match === null) throw new Error(`no Mermaid block in:\n${text}`);
  return { text: match[1], edges: match[1].split('\n').filter((l) => / (-->|--x)/.test(l)) };
}

async function timed<T>(step: string, work: () => Promise<T>): Promise<T> {
  const start = Date.now();
  const result = await work();
  recordTiming(step, (Date.now() - start) / 1000);
  return result;
}

describe('review: a team adds a secret', () => {
  const out = mkdtempSync(join(tmpdir(), 'review-'));

  beforeAll(async () => {
    await ensureDestroyed(DEPLOYED);
    const deployed = await timed('review: deploy local-tenants with its team files', () =>
      opsTool('deploy', ['--env', ENVIRONMENT, '--auto-approve', '--skip-provider-lock'], { env }),
    );
    if (deployed.code !== 0)
      throw new Error(`deploy failed:\n${(deployed.stdout + deployed.stderr).slice(-3000)}`);
    teams.write('payments.yaml', `${teams.read('payments.yaml')}${ADDED_SECRET}`);
  }, 15 * MINUTES);

  afterAll(async () => {
    await ensureDestroyed(DEPLOYED);
    teams.remove();
    rmSync(out, { recursive: true, force: true });
  }, 10 * MINUTES);

  let markdown = '';

  it(
    'plans every stack of the environment and exits 2: changes',
    async () => {
      const file = join(out, 'review.md');
      const run = await timed('review: npm run review, 3 stacks', () =>
        opsTool('review', ['--env', ENVIRONMENT, '--out', file], { env }),
      );
      expect({ code: run.code, stderr: run.code === 2 ? '' : run.stderr }).toEqual({
        code: 2,
        stderr: '',
      });
      markdown = readFileSync(file, 'utf8');
      expect(markdown).toContain(`| ${ENVIRONMENT}--payments | payments | 2 | `);
      expect(markdown).not.toContain('review-e2e-placeholder');
    },
    10 * MINUTES,
  );

  it("names the team's stack, the objects it adds, and the path newly readable by its role", () => {
    const payments = section(markdown, `${ENVIRONMENT}--payments`);
    expect(payments).toMatch(/^## local-tenants--payments \(team payments\)/);
    expect(payments).toMatch(/\*\*added\*\* \(2\):/);
    expect(payments).toMatch(/- `kubernetes_manifest\.tenant-payments_external-secret-api_[^`]+`/);
    expect(payments).toMatch(/- `vault_generic_endpoint\.kv_teams_payments-api_seed_[^`]+`/);
    expect(payments).toMatch(/\*\*changed\*\*[^#]*- `vault_policy\.tenant-payments_policy_[^`]+`/);
    expect(payments).toContain(
      '| `teams/data/payments/api` | eso-payments | team-payments/vault-auth |',
    );
  });

  it('draws the new grant policy -> path as an added link, styled, and the path and ExternalSecret as added', () => {
    const mermaid = mermaidOf(section(markdown, `${ENVIRONMENT}--payments`));
    const policy = nodeId(mermaid.text, 'policy eso-payments');
    const api = nodeId(mermaid.text, 'teams/data/payments/api');
    expect(mermaid.text).toContain(`${api}["teams/data/payments/api (added)"]:::added`);
    expect(mermaid.text).toContain('["ExternalSecret team-payments/api (added)"]:::added');
    const index = mermaid.edges.indexOf(`  ${policy} -->|"added"| ${api}`);
    expect(index).toBeGreaterThanOrEqual(0);
    expect(mermaid.text).toContain(`linkStyle ${index} stroke:#2b8a3e`);
    // The grant it had already is drawn unmarked; nothing is broken.
    const database = nodeId(mermaid.text, 'teams/data/payments/database');
    expect(mermaid.edges).toContain(`  ${policy} --> ${database}`);
    expect(mermaid.text).not.toContain('--x');
  });

  it("the other team's stack has no changes", () => {
    const search = section(markdown, `${ENVIRONMENT}--search`);
    expect(search).toContain('No changes.');
    expect(mermaidOf(search).text).not.toMatch(/:::|-->\|/);
  });

  it(
    '--team narrows the review to that team: no changes, exit 0',
    async () => {
      const run = await opsTool('review', ['--env', ENVIRONMENT, '--team', 'search'], { env });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('| local-tenants--search | search | 0 | 0 | 0 | 0 | 0 | 0 |');
      expect(run.stdout).not.toContain('local-tenants--payments');
    },
    5 * MINUTES,
  );

  describe('the doctor and the drift report draw the same chain', () => {
    let reports = '';
    beforeAll(async () => {
      // Back to the team files as deployed, then the team's policy deleted behind Terraform's back.
      teams.write('payments.yaml', teams.read('payments.yaml').replace(ADDED_SECRET, ''));
      const deleted = await vault('DELETE', 'sys/policies/acl/eso-payments');
      expect(deleted.status).toBe(204);
      reports = mkdtempSync(join(out, 'reports-'));
    });

    it(
      'the doctor crosses out the links of the policy it found missing',
      async () => {
        const run = await opsTool('doctor', ['--env', ENVIRONMENT, '--markdown'], { env });
        expect(run.code).toBe(1);
        expect(run.stdout).toContain('Broken: policy-grants (tenant payments).');
        const mermaid = mermaidOf(run.stdout);
        const policy = nodeId(mermaid.text, 'policy eso-payments');
        const database = nodeId(mermaid.text, 'teams/data/payments/database');
        const index = mermaid.edges.indexOf(`  ${policy} --x|"broken: policy-grants"| ${database}`);
        expect(index).toBeGreaterThanOrEqual(0);
        expect(mermaid.text).toContain(`linkStyle ${index} stroke:#c92a2a`);
        // The search team's chain holds: none of its links is crossed out.
        const search = nodeId(mermaid.text, 'policy eso-search');
        expect(mermaid.edges.filter((e) => e.includes(`${search} --x`))).toEqual([]);
      },
      5 * MINUTES,
    );

    it(
      'the drift report marks the policy an apply would write again, and the grant it restores',
      async () => {
        const run = await timed('review: npm run drift, 3 stacks', () =>
          opsTool('drift', ['--env', ENVIRONMENT, '--report-dir', reports], { env }),
        );
        expect(run.code).toBe(2);
        const drift = readFileSync(join(reports, 'drift.md'), 'utf8');
        const payments = drift.split('### Chain of local-tenants--payments')[1].split('\n## ')[0];
        const mermaid = mermaidOf(payments);
        // The provider reads a deleted policy back as an empty one: an apply updates it, and the
        // grant on the team's path is the link it puts back.
        expect(mermaid.text).toContain('["policy eso-payments (changed)"]:::changed');
        const policy = nodeId(mermaid.text, 'policy eso-payments');
        const database = nodeId(mermaid.text, 'teams/data/payments/database');
        const index = mermaid.edges.indexOf(`  ${policy} -->|"added"| ${database}`);
        expect(index).toBeGreaterThanOrEqual(0);
        expect(mermaid.text).toContain(`linkStyle ${index} stroke:#2b8a3e`);
        const search = drift.split('### Chain of local-tenants--search')[1];
        expect(mermaidOf(search).text).not.toContain(':::');
      },
      10 * MINUTES,
    );
  });
  describe('a team retires a secret', () => {
    let retired = '';
    beforeAll(async () => {
      // The added secret deployed (the policy deleted above comes back with it), then retired.
      const payments = teams.read('payments.yaml');
      teams.write('payments.yaml', `${payments}${ADDED_SECRET}`);
      const deployed = await opsTool(
        'deploy',
        ['--env', ENVIRONMENT, '--team', 'payments', '--auto-approve', '--skip-provider-lock'],
        { env },
      );
      if (deployed.code !== 0)
        throw new Error(`deploy failed:\n${(deployed.stdout + deployed.stderr).slice(-3000)}`);
      teams.write('payments.yaml', `${payments}retiredSecrets:\n  - payments/api\n`);
      const run = await timed('review: npm run review --team, a secret retired', () =>
        opsTool('review', ['--env', ENVIRONMENT, '--team', 'payments'], { env }),
      );
      expect({ code: run.code, stderr: run.code === 2 ? '' : run.stderr }).toEqual({
        code: 2,
        stderr: '',
      });
      retired = section(run.stdout, `${ENVIRONMENT}--payments`);
    }, 15 * MINUTES);

    it('lists the seed as forgotten (Vault keeps every version) and the ExternalSecret as destroyed', () => {
      expect(retired).toMatch(
        /\*\*forgotten\*\* \(1\):\n+- `vault_generic_endpoint\.kv_teams_payments-api_seed_[^`]+`/,
      );
      expect(retired).toMatch(
        /\*\*destroyed\*\*[^#]*- `kubernetes_manifest\.tenant-payments_external-secret-api_[^`]+`/,
      );
    });

    it('draws the path as forgotten and the ExternalSecret as destroyed', () => {
      const mermaid = mermaidOf(retired);
      expect(mermaid.text).toContain('["teams/data/payments/api (forgotten)"]:::forgotten');
      expect(mermaid.text).toContain(
        '["ExternalSecret team-payments/api (destroyed)"]:::destroyed',
      );
      expect(mermaid.text).toMatch(/classDef forgotten /);
    });
  });
});
