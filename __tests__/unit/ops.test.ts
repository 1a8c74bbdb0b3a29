import { UsageError, parseFlags } from '../../ops/cli';
import { policyPathCovers } from '../../common/chain/policy';
import {
  type PlanJson,
  SENSITIVE,
  diffAttributes,
  driftFromPlan,
  renderMarkdown,
} from '../../ops/drift-report';
import { missingRemoteObjects } from '../../ops/import-ids';
import { summarizeTerraformError } from '../../ops/terraform';

describe('drift report', () => {
  const plan: PlanJson = {
    relevant_attributes: [
      {
        resource: 'vault_kubernetes_auth_backend_role.role',
        attribute: ['bound_service_account_namespaces'],
      },
    ],
    resource_drift: [
      {
        address: 'vault_kubernetes_auth_backend_role.role',
        type: 'vault_kubernetes_auth_backend_role',
        change: {
          actions: ['update'],
          before: { bound_service_account_namespaces: ['my-namespace'], token_ttl: 1200 },
          after: { bound_service_account_namespaces: ['default'], token_ttl: 1200 },
        },
      },
      {
        address: 'kubernetes_service_account_v1.sa',
        type: 'kubernetes_service_account_v1',
        change: {
          actions: ['delete'],
          before: { metadata: [{ name: 'vault-auth' }] },
          after: null,
        },
      },
    ],
    resource_changes: [
      {
        address: 'vault_kubernetes_auth_backend_role.role',
        type: 'vault_kubernetes_auth_backend_role',
        change: {
          actions: ['update'],
          before: { bound_service_account_namespaces: ['default'] },
          after: { bound_service_account_namespaces: ['my-namespace'] },
        },
      },
      {
        address: 'kubernetes_service_account_v1.sa',
        type: 'kubernetes_service_account_v1',
        change: {
          actions: ['create'],
          before: null,
          after: { metadata: [{ name: 'vault-auth' }] },
        },
      },
      {
        address: 'vault_policy.p',
        type: 'vault_policy',
        change: { actions: ['no-op'], before: {}, after: {} },
      },
      {
        // Every plan opens the ephemeral EKS token: not a change.
        address: 'ephemeral.aws_eks_cluster_auth.auth',
        mode: 'ephemeral',
        type: 'aws_eks_cluster_auth',
        change: { actions: ['open'], before: null, after: null },
      },
    ],
  };

  it('names each drifted resource and attribute, and what an apply would do', () => {
    const report = driftFromPlan('local', plan, '2026-01-01T00:00:00Z');
    expect(report.status).toBe('drift');
    expect(report.resources.map((r) => [r.address, r.kind])).toEqual([
      ['vault_kubernetes_auth_backend_role.role', 'changed outside Terraform'],
      ['kubernetes_service_account_v1.sa', 'deleted outside Terraform'],
      ['vault_kubernetes_auth_backend_role.role', 'will update'],
      ['kubernetes_service_account_v1.sa', 'will create'],
    ]);
    expect(report.resources[0].attributes).toEqual([
      { path: 'bound_service_account_namespaces[0]', before: 'my-namespace', after: 'default' },
    ]);
  });

  it('leaves out changes outside Terraform that do not matter to the plan', () => {
    const noise: PlanJson = {
      resource_drift: [
        {
          address: 'kubernetes_manifest.es',
          type: 'kubernetes_manifest',
          change: {
            actions: ['update'],
            before: { object: { metadata: { finalizers: null } } },
            after: { object: { metadata: { finalizers: ['eso'] } } },
          },
        },
        {
          address: 'vault_kubernetes_auth_backend_role.role',
          type: 'vault_kubernetes_auth_backend_role',
          change: {
            actions: ['update'],
            before: { alias_metadata: null, token_bound_cidrs: null },
            after: { alias_metadata: {}, token_bound_cidrs: [] },
          },
        },
      ],
      resource_changes: [],
    };
    expect(driftFromPlan('local', noise, 't')).toEqual({
      environment: 'local',
      status: 'no-drift',
      checkedAt: 't',
      resources: [],
    });
  });

  it('keeps drift that the plan reverts on the same resource, even if nothing else reads it', () => {
    const policy = (text: string) => ({ name: 'my-policy', policy: text });
    const edited: PlanJson = {
      resource_drift: [
        {
          address: 'vault_policy.p',
          type: 'vault_policy',
          change: { actions: ['update'], before: policy('declared'), after: policy('edited') },
        },
      ],
      resource_changes: [
        {
          address: 'vault_policy.p',
          type: 'vault_policy',
          change: { actions: ['update'], before: policy('edited'), after: policy('declared') },
        },
      ],
    };
    const report = driftFromPlan('local', edited, 't');
    expect(report.resources.map((r) => [r.kind, r.attributes.map((a) => a.path)])).toEqual([
      ['changed outside Terraform', ['policy']],
      ['will update', ['policy']],
    ]);
  });

  it('is no-drift when the plan changes nothing', () => {
    expect(
      driftFromPlan('local', { resource_changes: [plan.resource_changes![2]] }, 't').status,
    ).toBe('no-drift');
  });

  it('never shows sensitive values or credential-shaped ones', () => {
    const change = {
      actions: ['update'],
      before: { data_json: '{"k":"old"}', token: 'hvs.' + 'B'.repeat(30), name: 'a' },
      after: { data_json: '{"k":"new"}', token: 'hvs.' + 'C'.repeat(30), name: 'b' },
      before_sensitive: { data_json: true },
      after_sensitive: { data_json: true },
    };
    expect(diffAttributes(change)).toEqual([
      { path: 'data_json', before: SENSITIVE, after: SENSITIVE },
      { path: 'name', before: 'a', after: 'b' },
      { path: 'token', before: SENSITIVE, after: SENSITIVE },
    ]);
  });

  it('renders a Markdown summary naming resources and attributes', () => {
    const md = renderMarkdown([
      driftFromPlan('local', plan, '2026-01-01T00:00:00Z'),
      {
        environment: 'dev',
        status: 'error',
        checkedAt: 't',
        resources: [],
        error: 'Vault unreachable',
      },
    ]);
    expect(md).toContain('| local | **drift** | 4 |');
    expect(md).toContain('| dev | error | - |');
    expect(md).toContain(
      '- `vault_kubernetes_auth_backend_role.role`: changed outside Terraform\n  - `bound_service_account_namespaces[0]`: `my-namespace` -> `default`',
    );
    expect(md).toContain('Vault unreachable');
  });
});

describe('Terraform error summaries', () => {
  it('says plainly that a server is unreachable', () => {
    const stderr =
      '\u001b[31mError: Get "http://127.0.0.1:18200/v1/sys/mounts": dial tcp 127.0.0.1:18200: connect: connection refused\n';
    expect(summarizeTerraformError(stderr)).toBe(
      'a server is unreachable: connection refused at 127.0.0.1:18200\nTerraform: Get "http://127.0.0.1:18200/v1/sys/mounts": dial tcp 127.0.0.1:18200: connect: connection refused',
    );
  });

  it('names a 403 from Vault', () => {
    expect(
      summarizeTerraformError('Error: error reading: Code: 403. Errors:\n* permission denied'),
    ).toContain('Vault refused the credentials (403 permission denied)');
  });
});

describe('policy path patterns', () => {
  it.each([
    ['secret/data/my-secret', 'secret/data/my-secret', true],
    ['secret/my-secret', 'secret/data/my-secret', false],
    ['secret/data/*', 'secret/data/app/config', true],
    ['secret/data/my-*', 'secret/data/my-secret', true],
    ['secret/+/my-secret', 'secret/data/my-secret', true],
    ['secret/+/my-secret', 'secret/data/other', false],
    ['secret/data', 'secret/data/my-secret', false],
  ])('%s covers %s: %s', (pattern, path, expected) => {
    expect(policyPathCovers(pattern, path)).toBe(expected);
  });
});

describe('recover: objects a killed apply never created', () => {
  const candidates = [
    { address: 'vault_mount.kv', id: 'secret' },
    { address: 'kubernetes_service_account_v1.sa', id: 'my-namespace/vault-auth' },
    { address: 'kubernetes_secret_v1.token', id: 'my-namespace/vault-auth' },
    {
      address: 'kubernetes_manifest.es',
      id: 'apiVersion=external-secrets.io/v1,kind=ExternalSecret,namespace=my-namespace,name=vault-external-secret',
    },
    { address: 'kubernetes_namespace_v1.ns', id: 'my-namespace' },
  ];

  it("reads each importer's way of saying the object does not exist", () => {
    const plan = [
      'Error: Cannot import non-existent remote object',
      '',
      'While attempting to import an existing object to "vault_mount.kv", the provider',
      'detected that no object exists with the given id.',
      'Error: Unable to fetch service account "my-namespace/vault-auth" from Kubernetes:',
      'serviceaccounts "vault-auth" not found',
      'Error: Failed to get resource {Object:map[apiVersion:external-secrets.io/v1',
      'kind:ExternalSecret metadata:map[name:vault-external-secret namespace:my-namespace]]} from API',
    ].join('\n');
    expect(missingRemoteObjects(plan, candidates).sort()).toEqual([
      'kubernetes_manifest.es',
      'kubernetes_service_account_v1.sa',
      'vault_mount.kv',
    ]);
  });

  it('names nothing for errors of another kind', () => {
    const plan =
      'Error: Unable to fetch service account "my-namespace/vault-auth" from Kubernetes: Unauthorized';
    expect(missingRemoteObjects(plan, candidates)).toEqual([]);
  });
});

describe('drift report with tenants', () => {
  it('names the tenant whose resource drifted, and none for a shared one', () => {
    const change = {
      actions: ['update'],
      before: { policy: 'path "teams/data/payments/db" {}' },
      after: { policy: 'path "teams/data/search/db" {}' },
    };
    const plan: PlanJson = {
      resource_drift: [
        { address: 'vault_policy.tenant-payments_policy_0A1B2C3D', type: 'vault_policy', change },
        { address: 'vault_policy.policy_03D53757', type: 'vault_policy', change },
      ],
      resource_changes: [
        'vault_policy.tenant-payments_policy_0A1B2C3D',
        'vault_policy.policy_03D53757',
      ].map((address) => ({
        address,
        type: 'vault_policy',
        change: { ...change, before: change.after, after: change.before },
      })),
    };
    const report = driftFromPlan('local-tenants', plan, 'now', ['payments', 'search']);
    expect(report.resources.map((r) => [r.address, r.tenant])).toEqual([
      ['vault_policy.tenant-payments_policy_0A1B2C3D', 'payments'],
      ['vault_policy.policy_03D53757', undefined],
      ['vault_policy.tenant-payments_policy_0A1B2C3D', 'payments'],
      ['vault_policy.policy_03D53757', undefined],
    ]);
    expect(renderMarkdown([report])).toContain(
      '- `vault_policy.tenant-payments_policy_0A1B2C3D` (tenant payments): changed outside Terraform',
    );
  });
});

describe('command-line flags', () => {
  const spec = { values: ['--env', '--app'], booleans: ['--json'], repeatable: ['--env'] };

  it('reads values, repeated values and booleans', () => {
    const { values, booleans } = parseFlags(['--env', 'dev', '--env=local', '--json'], spec);
    expect(values.get('--env')).toEqual(['dev', 'local']);
    expect(booleans.has('--json')).toBe(true);
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--app', 'a', '--app', 'b'], '--app given twice'],
    [['--app'], "Option '--app <value>' argument missing"],
    [['stray'], "Unexpected argument 'stray'"],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => parseFlags(argv, spec)).toThrow(UsageError);
    expect(() => parseFlags(argv, spec)).toThrow(message);
  });
});
