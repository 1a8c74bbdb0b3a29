/**
 * The review of a plan: what it does to each object, what it makes readable and by whom, and
 * the chain's picture with changed and broken links marked, from plans written here the way
 * `show -json` writes them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadEnvironments } from '../../environments';
import { doctorMarks, renderDoctorMarkdown } from '../../ops/doctor/markdown';
import type { CheckResult } from '../../ops/doctor/model';
import { type PlanJson, renderMarkdown } from '../../ops/drift-report';
import { type Chain, chainOfStack } from '../../ops/review/chain';
import { failedReview, renderReview, reviewStack } from '../../ops/review/markdown';
import {
  chainPicture,
  linkKey,
  mermaidBlock,
  nodeKeys,
  renderMermaid,
} from '../../ops/review/picture';
import { newlyReadable, planPicture, stackChanges } from '../../ops/review/plan';

const CHAIN: Chain = {
  stack: 'env--payments',
  clusters: ['lab'],
  mount: 'teams',
  tenants: [
    {
      name: 'payments',
      namespace: 'team-payments',
      serviceAccount: 'vault-auth',
      role: 'eso-payments',
      policy: 'eso-payments',
      store: { kind: 'SecretStore', name: 'vault' },
      secrets: [
        { path: 'teams/data/payments/database', externalSecret: 'database' },
        { path: 'teams/data/payments/api', externalSecret: 'api' },
      ],
    },
  ],
};

type Change = NonNullable<PlanJson['resource_changes']>[number];

function change(
  address: string,
  actions: string[],
  before: unknown,
  after: unknown,
  mode = 'managed',
): Change {
  const type = address.split('.')[address.startsWith('data.') ? 1 : 0];
  return { address, mode, type, change: { actions, before, after } } as Change;
}

const grant = (...paths: string[]) =>
  paths.map((p) => `path "${p}" {\n  capabilities = ["read"]\n}\n`).join('\n');

const policy = (actions: string[], before: string[] | null, after: string[]) =>
  change(
    'vault_policy.tenant-payments_policy_1',
    actions,
    before && { name: 'eso-payments', policy: grant(...before) },
    { name: 'eso-payments', policy: grant(...after) },
  );

const role = (actions: string[], changed: Record<string, unknown>, before?: unknown) => {
  const after = {
    role_name: 'eso-payments',
    bound_subject: 'system:serviceaccount:team-payments:vault-auth',
    token_policies: ['eso-payments'],
    ...changed,
  };
  return change(
    'vault_jwt_auth_backend_role.tenant-payments_role_1',
    actions,
    before === undefined ? after : before,
    after,
  );
};

const manifest = (address: string, actions: string[], manifestBody: Record<string, unknown>) =>
  change(
    `kubernetes_manifest.${address}`,
    actions,
    { manifest: manifestBody },
    {
      manifest: manifestBody,
    },
  );

const store = (roleName: string, actions = ['no-op']) =>
  manifest('tenant-payments_secret-store_1', actions, {
    kind: 'SecretStore',
    metadata: { name: 'vault', namespace: 'team-payments' },
    spec: { provider: { vault: { auth: { jwt: { role: roleName } } } } },
  });

const seed = (name: string, actions: string[]) =>
  change(`vault_generic_endpoint.kv_teams_payments-${name}_seed_1`, actions, null, {
    path: `teams/data/payments/${name}`,
  });

const externalSecret = (name: string, actions: string[]) =>
  manifest(`tenant-payments_external-secret-${name}_1`, actions, {
    kind: 'ExternalSecret',
    metadata: { name, namespace: 'team-payments' },
  });

/** A team adds the secret `api`: the policy grants it, its seed and ExternalSecret are new. */
const ADD_API: PlanJson = {
  resource_changes: [
    change('ephemeral.aws_eks_cluster_auth.eks', ['open'], null, {}, 'ephemeral'),
    change('data.vault_kv_secrets_list_v2.folder', ['read'], null, {}, 'data'),
    policy(
      ['update'],
      ['teams/data/payments/database'],
      ['teams/data/payments/api', 'teams/data/payments/database'],
    ),
    role(['no-op'], {}),
    store('eso-payments'),
    seed('api', ['create']),
    externalSecret('api', ['create']),
    externalSecret('database', ['no-op']),
  ],
};

const DRIFT_LEGEND_START = 'Marked: what an apply would set back';
const key = (from: string, to: string) => linkKey({ from, to });
const POLICY = nodeKeys.policy('eso-payments');
const API = nodeKeys.path('teams/data/payments/api');
const DATABASE = nodeKeys.path('teams/data/payments/database');
const ROLE = nodeKeys.role('lab', 'eso-payments');
const ACCOUNT = nodeKeys.account('lab', 'team-payments', 'vault-auth');
const STORE = nodeKeys.store('SecretStore', 'team-payments', 'vault');

describe('review: what a plan does to the objects', () => {
  it('sorts managed resources by action (an unknown one is a change), leaving out data sources, ephemeral ones and no-ops', () => {
    const plan: PlanJson = {
      resource_changes: [
        ...ADD_API.resource_changes!,
        change('vault_policy.old', ['delete'], { name: 'old' }, null),
        change('kubernetes_manifest.store', ['delete', 'create'], {}, {}),
        change('kubernetes_service_account_v1.gone', ['forget'], {}, null),
        change('kubernetes_manifest.anew', ['create', 'forget'], {}, {}),
        change('vault_policy.odd', ['unknown-action'], {}, {}),
      ],
    };
    expect(stackChanges(plan)).toEqual({
      added: [
        'kubernetes_manifest.tenant-payments_external-secret-api_1',
        'vault_generic_endpoint.kv_teams_payments-api_seed_1',
      ],
      changed: ['vault_policy.odd', 'vault_policy.tenant-payments_policy_1'],
      replaced: ['kubernetes_manifest.store'],
      destroyed: ['vault_policy.old'],
      forgotten: ['kubernetes_manifest.anew', 'kubernetes_service_account_v1.gone'],
    });
  });
});

describe('review: newly readable', () => {
  it('names the path a policy now grants, with the role and the account that log in with it', () => {
    expect(newlyReadable(CHAIN, ADD_API)).toEqual([
      {
        tenant: 'payments',
        path: 'teams/data/payments/api',
        role: 'eso-payments',
        account: 'team-payments/vault-auth',
        cluster: 'lab',
      },
    ]);
  });

  it('a new tenant: every path its new policy grants, in each cluster', () => {
    const plan: PlanJson = {
      resource_changes: [
        policy(['create'], null, ['teams/data/payments/database']),
        role(['create'], {}, null),
      ],
    };
    const chain = { ...CHAIN, clusters: ['blue', 'green'] };
    expect(newlyReadable(chain, plan).map((n) => `${n.cluster} ${n.path}`)).toEqual([
      'blue teams/data/payments/database',
      'green teams/data/payments/database',
    ]);
  });

  it('a role that starts carrying the policy: every path of it', () => {
    const plan: PlanJson = {
      resource_changes: [
        policy(['no-op'], ['teams/data/payments/database'], ['teams/data/payments/database']),
        role(['update'], {}, { role_name: 'eso-payments', token_policies: ['default'] }),
      ],
    };
    expect(newlyReadable(CHAIN, plan).map((n) => n.path)).toEqual(['teams/data/payments/database']);
  });

  it('nothing when the grants stay (a policy reworded, a path taken away)', () => {
    const plan: PlanJson = {
      resource_changes: [
        policy(
          ['update'],
          ['teams/data/payments/database', 'teams/data/payments/old'],
          ['teams/data/payments/database'],
        ),
        role(['no-op'], {}),
      ],
    };
    expect(newlyReadable(CHAIN, plan)).toEqual([]);
  });
});

describe('review: the chain picture', () => {
  it('marks the added objects and links, and the role -> policy link of a changed policy', () => {
    const picture = planPicture(CHAIN, ADD_API);
    expect(picture.nodeMarks.get(API)).toBe('added');
    expect(picture.nodeMarks.get(POLICY)).toBe('changed');
    expect(picture.linkMarks.get(key(POLICY, API))).toEqual({ status: 'added' });
    expect(picture.linkMarks.get(key(API, STORE))).toEqual({ status: 'added' });
    expect(picture.linkMarks.get(key(ROLE, POLICY))).toEqual({ status: 'changed' });
    // The grant of database was there before: its link is not marked.
    expect(picture.linkMarks.get(key(POLICY, DATABASE))).toBeUndefined();
    expect(picture.linkMarks.get(key(ACCOUNT, ROLE))).toBeUndefined();
  });

  it('a policy without a path an ExternalSecret reads: that link is broken', () => {
    const plan: PlanJson = {
      resource_changes: [
        policy(['update'], ['teams/data/payments/database'], ['teams/data/payments/database']),
      ],
    };
    expect(planPicture(CHAIN, plan).linkMarks.get(key(POLICY, API))).toEqual({
      status: 'broken',
      note: 'policy does not grant it',
    });
  });

  it('a store that logs in as another role, a role that refuses the account or lacks the policy', () => {
    const plan: PlanJson = {
      resource_changes: [
        store('eso-search', ['update']),
        role(['update'], {
          bound_subject: 'system:serviceaccount:team-search:vault-auth',
          token_policies: ['eso-search'],
        }),
      ],
    };
    const marks = planPicture(CHAIN, plan).linkMarks;
    expect(marks.get(key(STORE, ROLE))).toEqual({
      status: 'broken',
      note: 'store logs in as eso-search',
    });
    expect(marks.get(key(ROLE, POLICY))).toEqual({
      status: 'broken',
      note: 'role does not carry eso-payments',
    });
    expect(marks.get(key(ACCOUNT, ROLE))?.status).toBe('broken');
    expect(marks.get(key(ACCOUNT, ROLE))?.note).toMatch(/^role refuses the account/);
  });

  it('an object of the chain destroyed or forgotten breaks its links', () => {
    const plan: PlanJson = {
      resource_changes: [
        change('vault_policy.tenant-payments_policy_1', ['delete'], { name: 'eso-payments' }, null),
        change(
          'kubernetes_service_account_v1.sa',
          ['forget'],
          { metadata: [{ name: 'vault-auth', namespace: 'team-payments' }] },
          null,
        ),
      ],
    };
    const marks = planPicture(CHAIN, plan).linkMarks;
    expect(marks.get(key(ROLE, POLICY))).toEqual({ status: 'broken', note: 'policy destroyed' });
    expect(marks.get(key(ACCOUNT, ROLE))).toEqual({ status: 'broken', note: 'account forgotten' });
  });

  it('draws a secret the plan takes out (retired): its path forgotten, its ExternalSecret destroyed, their links broken', () => {
    const database = { ...CHAIN.tenants[0], secrets: [CHAIN.tenants[0].secrets[0]] };
    const retired: PlanJson = {
      resource_changes: [
        policy(
          ['update'],
          ['teams/data/payments/api', 'teams/data/payments/database'],
          ['teams/data/payments/database'],
        ),
        change(
          'vault_generic_endpoint.kv_teams_payments-api_seed_1',
          ['forget'],
          {
            path: 'teams/data/payments/api',
          },
          null,
        ),
        change(
          'kubernetes_manifest.tenant-payments_external-secret-api_1',
          ['delete'],
          {
            manifest: {
              kind: 'ExternalSecret',
              metadata: { name: 'api', namespace: 'team-payments' },
              spec: { dataFrom: [{ extract: { key: 'payments/api' } }] },
            },
          },
          null,
        ),
        store('eso-payments'),
      ],
    };
    const picture = planPicture({ ...CHAIN, tenants: [database] }, retired);
    const external = nodeKeys.external('team-payments', 'api');
    expect(picture.nodeMarks.get(API)).toBe('forgotten');
    expect(picture.nodeMarks.get(external)).toBe('destroyed');
    expect(picture.linkMarks.get(key(POLICY, API))).toEqual({
      status: 'broken',
      note: 'path forgotten',
    });
    expect(picture.linkMarks.get(key(STORE, external))?.status).toBe('broken');
    const text = renderMermaid(picture);
    expect(text).toContain('["teams/data/payments/api (forgotten)"]:::forgotten');
    expect(text).toContain('["ExternalSecret team-payments/api (destroyed)"]:::destroyed');
    expect(text).toContain('classDef forgotten');
    // The secret that stays is drawn as it was.
    expect(picture.nodeMarks.get(DATABASE)).toBeUndefined();
  });

  it('renders Mermaid: marked nodes classed, marked links labelled and styled by their index', () => {
    const text = renderMermaid(planPicture(CHAIN, ADD_API));
    const lines = text.split('\n');
    expect(lines[0]).toBe('flowchart LR');
    const id = (label: string) => /^ {2}(n\d+)\[/.exec(lines.find((l) => l.includes(label))!)![1];
    const [policyId, apiId] = [id('"policy eso-payments'), id('"teams/data/payments/api')];
    expect(text).toContain(`${apiId}["teams/data/payments/api (added)"]:::added`);
    const edges = lines.filter((l) => / (-->|--x)/.test(l));
    const added = edges.findIndex((l) => l === `  ${policyId} -->|"added"| ${apiId}`);
    expect(added).toBeGreaterThanOrEqual(0);
    expect(text).toContain(`linkStyle ${added} stroke:#2b8a3e`);
    expect(text).toContain('classDef added');
    expect(text).not.toContain('classDef destroyed');
  });

  it('a broken link ends in a cross and says why; quotes in labels are escaped', () => {
    const broken = renderMermaid({
      ...chainPicture(CHAIN),
      linkMarks: new Map([[key(POLICY, API), { status: 'broken', note: 'no "read"' }]]),
    });
    expect(broken).toMatch(/ n\d+ --x\|"broken: no #quot;read#quot;"\| n\d+/);
    expect(broken).toMatch(/linkStyle \d+ stroke:#c92a2a/);
  });

  it('draws each object once, in the order a login travels', () => {
    const picture = chainPicture({ ...CHAIN, clusters: ['blue', 'green'] });
    expect(picture.nodes.map((n) => n.kind)).toEqual([
      'cluster',
      'cluster',
      'account',
      'account',
      'role',
      'role',
      'policy',
      'path',
      'path',
      'store',
      'external',
      'external',
    ]);
    expect(mermaidBlock(chainPicture({ ...CHAIN, tenants: [] }))).toMatch(/^_No chain/);
  });
});

describe('review: Markdown', () => {
  const quiet: Chain = { ...CHAIN, stack: 'env--search', tenants: [] };
  const markdown = renderReview('env', [
    reviewStack(CHAIN, ADD_API),
    reviewStack(quiet, { resource_changes: [] }),
    failedReview('env--broken', 'a server is unreachable'),
  ]);

  it('one row per stack with its counts', () => {
    expect(markdown).toContain('| env--payments | payments | 2 | 1 | 0 | 0 | 0 | 1 |');
    expect(markdown).toContain('| env--search | search | 0 | 0 | 0 | 0 | 0 | 0 |');
    expect(markdown).toContain('| env--broken | broken | error |');
  });

  it('names the added objects, the newly readable path and who reads it, and draws the chain', () => {
    const section = markdown.split('## env--payments (team payments)')[1].split('\n## ')[0];
    expect(section).toContain('- `vault_generic_endpoint.kv_teams_payments-api_seed_1`');
    expect(section).toContain(
      '| `teams/data/payments/api` | eso-payments | team-payments/vault-auth | lab |',
    );
    expect(section).toMatch(/```mermaid\nflowchart LR\n[\s\S]*-->\|"added"\|[\s\S]*```/);
  });

  it('a stack without changes says so; a failed plan says why', () => {
    expect(markdown.split('## env--search (team search)')[1].split('\n## ')[0]).toContain(
      'No changes.',
    );
    expect(markdown.split('## env--broken')[1]).toContain('a server is unreachable');
  });

  it('never carries a value from the plan', () => {
    const plan: PlanJson = {
      resource_changes: [
        change('vault_generic_endpoint.kv_teams_payments-api_seed_1', ['create'], null, {
          path: 'teams/data/payments/api',
          data_json: '{"data":{"token":"value-that-must-not-show"}}',
        }),
      ],
    };
    expect(renderReview('env', [reviewStack(CHAIN, plan)])).not.toContain('value-that-must');
  });
});

describe('review: the chain of a stack, from the configuration', () => {
  const [tenants] = loadEnvironments(['local-tenants']);
  const [clusters] = loadEnvironments(['local-clusters']);

  it("a team's stack holds its team's chain; the environment's own stack none", () => {
    const chain = chainOfStack(tenants, 'local-tenants--payments');
    expect(chain.tenants.map((t) => t.name)).toEqual(['payments']);
    expect(chain.tenants[0].secrets[0]).toEqual({
      path: `${tenants.vault.kvMount.path}/data/payments/database`,
      externalSecret: 'database',
    });
    expect(chainOfStack(tenants, 'local-tenants').tenants).toEqual([]);
  });

  it('the service accounts are drawn in every cluster the environment is deployed to', () => {
    const chain = chainOfStack(clusters, 'local-clusters');
    expect(chain.clusters).toEqual(clusters.clusters!.filter((c) => !c.retired).map((c) => c.name));
    expect(chain.clusters.length).toBeGreaterThan(1);
  });
});

describe('the drift and doctor reports carry the same picture', () => {
  it('the drift report draws each stack its plan could be read of', () => {
    const picture = mermaidBlock(planPicture(CHAIN, ADD_API));
    const md = renderMarkdown([
      { environment: 'env--payments', status: 'drift', checkedAt: 'now', resources: [], picture },
      { environment: 'env--search', status: 'error', checkedAt: 'now', resources: [], error: 'x' },
    ]);
    expect(md).toContain(`### Chain of env--payments\n\n${DRIFT_LEGEND_START}`);
    expect(md).toContain(picture);
    expect(md).not.toContain('### Chain of env--search');
  });

  const check = (id: string, status: CheckResult['status'], tenant?: string): CheckResult => ({
    id,
    title: id,
    status,
    detail: `${id} | found`,
    ...(tenant ? { tenant } : {}),
  });
  const two: Chain = {
    ...CHAIN,
    tenants: [
      CHAIN.tenants[0],
      { ...CHAIN.tenants[0], name: 'search', namespace: 'team-search', policy: 'eso-search' },
    ],
  };

  it("a tenant's failed link breaks that link in its chain alone", () => {
    const marks = doctorMarks(two, [
      check('role', 'ok', 'payments'),
      check('policy-grants', 'fail', 'payments'),
    ]);
    expect([...marks.keys()].sort()).toEqual([key(POLICY, API), key(POLICY, DATABASE)].sort());
    expect(marks.get(key(POLICY, API))).toEqual({ status: 'broken', note: 'policy-grants' });
  });

  it("an environment's failed link breaks it in every chain; links outside the picture none", () => {
    const marks = doctorMarks(two, [
      check('auth-config', 'fail'),
      check('vault-reachable', 'fail'),
    ]);
    expect([...marks.keys()]).toEqual([
      key(nodeKeys.cluster('lab'), ACCOUNT),
      key(nodeKeys.cluster('lab'), nodeKeys.account('lab', 'team-search', 'vault-auth')),
    ]);
  });

  it('the Markdown lists every link and draws the broken one crossed', () => {
    const md = renderDoctorMarkdown(
      'env',
      [
        check('role', 'ok', 'payments'),
        check('login', 'fail', 'payments'),
        check('read-secrets', 'not-checked', 'payments'),
      ],
      CHAIN,
    );
    expect(md).toContain('Broken: login (tenant payments).');
    expect(md).toContain('| role | payments | ok | role \\| found |  |');
    expect(md).toContain('| read-secrets | payments | not checked |  |  |');
    expect(md).toMatch(/ n\d+ --x\|"broken: login"\| n\d+/);
  });
});

describe('the pull-request review workflow', () => {
  const read = (file: string) =>
    parse(readFileSync(join(__dirname, '..', '..', '.github', 'workflows', file), 'utf8')) as {
      on: { pull_request: { paths: string[] } };
      jobs: Record<
        string,
        {
          needs?: string;
          steps: { id?: string; run?: string; uses?: string; with?: Record<string, string> }[];
          strategy?: { matrix: { environment: string } };
          permissions?: Record<string, string>;
        }
      >;
    };
  const review = read('review.yml');
  const drift = read('drift.yml');

  it('runs on pull requests touching environments, over the environments the drift check plans', () => {
    expect(review.on.pull_request.paths).toEqual(['environments/**']);
    expect(review.jobs.review.strategy?.matrix.environment).toBe(
      drift.jobs.drift.strategy?.matrix.environment,
    );
    const list = (w: typeof review) => w.jobs.environments.steps.find((s) => s.id === 'list')?.run;
    expect(list(review)).toBe(list(drift));
  });

  it('writes each review with npm run review into the summary, and posts one comment', () => {
    const run = review.jobs.review.steps.map((s) => s.run ?? '').join('\n');
    expect(run).toContain(
      'npm run -s review -- --env "$ENVIRONMENT" --out "reviews/$ENVIRONMENT.md"',
    );
    expect(run).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(review.jobs.comment.permissions).toEqual({
      contents: 'read',
      'pull-requests': 'write',
    });
    // The posting script is checked out alone and required (its own tests: review-comment).
    const checkout = review.jobs.comment.steps.find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with?.['sparse-checkout']).toBe('scripts/review-comment.js');
    const script = review.jobs.comment.steps.find((s) =>
      s.uses?.startsWith('actions/github-script@'),
    );
    expect(script?.with?.script).toContain(
      'require(`${process.env.GITHUB_WORKSPACE}/scripts/review-comment.js`)',
    );
    expect(script?.with?.script).toContain('await postReview({ github, context })');
  });

  it("the drift job's summary carries the doctor's Markdown report", () => {
    const run = drift.jobs.drift.steps.map((s) => s.run ?? '').join('\n');
    expect(run).toMatch(/doctor -- --env "\$ENVIRONMENT" --markdown > reports\/doctor\.md/);
    expect(run).toContain('cat reports/doctor.md >> "$GITHUB_STEP_SUMMARY"');
  });
});
