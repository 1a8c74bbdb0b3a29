import { DataAwsEksCluster } from '@cdktf/provider-aws/lib/data-aws-eks-cluster';
import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { AuthBackend } from '@cdktf/provider-vault/lib/auth-backend';
import { KubernetesAuthBackendConfig } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-config';
import { KubernetesAuthBackendRole } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-role';
import { KvSecretV2 } from '@cdktf/provider-vault/lib/kv-secret-v2';
import { Policy } from '@cdktf/provider-vault/lib/policy';
import { TerraformOutput, Testing } from 'cdktf';
import { EksClusterLookup } from '../../constructs/eks-cluster-lookup';
import { EsoApiGate } from '../../constructs/eso-api-gate';
import { EsoSecretStore } from '../../constructs/eso-secret-store';
import { EsoExternalSecret } from '../../constructs/eso-external-secret';
import { ReadinessCheck } from '../../constructs/eso-readiness';
import { KvV2Secrets } from '../../constructs/kv-v2-secrets';
import { kebabId, secretValuesVariableName, snakeId } from '../../common/names';
import { renderReadPolicy } from '../../common/chain/policy';
import { SecretReadPolicy } from '../../constructs/secret-read-policy';
import { VaultAuthServiceAccount } from '../../constructs/vault-auth-service-account';
import { VaultKubernetesAuth } from '../../constructs/vault-kubernetes-auth';
import { VaultJwtAuth } from '../../constructs/vault-jwt-auth';
import { JwtAuthBackend } from '@cdktf/provider-vault/lib/jwt-auth-backend';
import { JwtAuthBackendRole } from '@cdktf/provider-vault/lib/jwt-auth-backend-role';
import type { Construct } from 'constructs';
import { canonicalGoDuration, goDurationSeconds } from '../../common/go-duration';

type Synth = Record<string, Record<string, Record<string, Record<string, unknown>>>>;
const parse = (text: string) => JSON.parse(text) as Synth;
/** A reference to `type.<any name>.attribute`, whatever hash cdktf gave the name. */
const ref = (type: string, attribute: string): unknown =>
  expect.stringMatching(
    new RegExp(`^\\$\\{${type}\\.[^.]+\\.${attribute.replace(/[.[\]]/g, '\\$&')}\\}$`),
  );
const partial = (shape: Record<string, unknown>): unknown => expect.objectContaining(shape);
const countOf = (text: string, kind: 'resource' | 'data' | 'ephemeral', type: string) =>
  Object.keys(parse(text)[kind]?.[type] ?? {}).length;

describe('EksClusterLookup', () => {
  it('reads the cluster and, in eks-token mode, an ephemeral token that no plan or state keeps', () => {
    let lookup!: EksClusterLookup;
    const out = Testing.synthScope((scope) => {
      lookup = new EksClusterLookup(scope, 'eks', {
        clusterName: 'my-cluster',
        region: 'us-west-2',
        auth: 'eks-token',
      });
    });
    expect(out).toHaveDataSourceWithProperties(DataAwsEksCluster, { name: 'my-cluster' });
    expect(countOf(out, 'data', 'aws_eks_cluster_auth')).toBe(0);
    const [[name, auth]] = Object.entries(parse(out).ephemeral.aws_eks_cluster_auth);
    expect(auth).toEqual({ name: 'my-cluster' });
    expect(lookup.caCertificatePem).toMatch(/^\$\{TfToken/);
    expect(lookup.credentials.exec).toBeUndefined();
    const resolved = parse(
      Testing.synthScope((scope) => {
        const l = new EksClusterLookup(scope, 'eks', {
          clusterName: 'my-cluster',
          region: 'us-west-2',
          auth: 'eks-token',
        });
        new TerraformOutput(scope, 'token', { value: l.credentials.token, sensitive: true });
      }),
    );
    expect(resolved.output.token.value).toBe(`\${ephemeral.aws_eks_cluster_auth.${name}.token}`);
  });

  it('in exec mode runs aws eks get-token and reads no token at plan time', () => {
    let lookup!: EksClusterLookup;
    const out = Testing.synthScope((scope) => {
      lookup = new EksClusterLookup(scope, 'eks', {
        clusterName: 'prod-1',
        region: 'eu-west-1',
        auth: 'exec',
      });
    });
    expect(countOf(out, 'data', 'aws_eks_cluster_auth')).toBe(0);
    expect(lookup.credentials).toEqual({
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: 'aws',
        args: [
          'eks',
          'get-token',
          '--cluster-name',
          'prod-1',
          '--region',
          'eu-west-1',
          '--output',
          'json',
        ],
      },
    });
  });

  it('in static-token mode insists on a token', () => {
    expect(() =>
      Testing.synthScope((scope) => {
        new EksClusterLookup(scope, 'eks', {
          clusterName: 'c',
          region: 'us-west-2',
          auth: 'static-token',
        });
      }),
    ).toThrow('EksClusterLookup: auth "static-token" needs staticToken');
  });
});

describe('VaultAuthServiceAccount', () => {
  it('creates the service account and the auth-delegator binding whose subject has its namespace', () => {
    const out = Testing.synthScope((scope) => {
      new VaultAuthServiceAccount(scope, 'sa', {
        namespace: 'my-namespace',
        name: 'vault-auth',
        clusterRoleBindingName: 'k8s-auth-client-for-vault',
      });
    });
    expect(out).toHaveResourceWithProperties(ServiceAccountV1, {
      metadata: { name: 'vault-auth', namespace: 'my-namespace' },
    });
    expect(out).toHaveResourceWithProperties(ClusterRoleBindingV1, {
      metadata: { name: 'k8s-auth-client-for-vault' },
      role_ref: {
        api_group: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'system:auth-delegator',
      },
      subject: [
        {
          kind: 'ServiceAccount',
          name: ref('kubernetes_service_account_v1', 'metadata[0].name'),
          namespace: 'my-namespace',
        },
      ],
    });
    expect(countOf(out, 'resource', 'kubernetes_namespace_v1')).toBe(0);
    expect(countOf(out, 'resource', 'kubernetes_secret_v1')).toBe(0);
  });

  it('manages the namespace when asked, and everything in it refers to it', () => {
    const out = Testing.synthScope((scope) => {
      new VaultAuthServiceAccount(scope, 'sa', {
        namespace: 'team-a',
        manageNamespace: true,
        name: 'vault-auth',
        clusterRoleBindingName: 'b',
      });
    });
    expect(out).toHaveResourceWithProperties(NamespaceV1, { metadata: { name: 'team-a' } });
    expect(out).toHaveResourceWithProperties(ServiceAccountV1, {
      metadata: {
        name: 'vault-auth',
        namespace: ref('kubernetes_namespace_v1', 'metadata[0].name'),
      },
    });
  });

  it('protects a managed namespace: prevent_destroy, and a guard whose address names the key', () => {
    const out = parse(
      Testing.synthScope((scope) => {
        new VaultAuthServiceAccount(scope, 'sa', {
          namespace: 'team-a',
          manageNamespace: true,
          name: 'vault-auth',
          clusterRoleBindingName: 'b',
        });
      }),
    );
    const [namespace] = Object.values(out.resource.kubernetes_namespace_v1);
    expect(namespace.lifecycle).toEqual({ prevent_destroy: true });
    expect(out.resource.terraform_data['destroy-needs-kubernetes_allowNamespaceDestroy']).toEqual(
      expect.objectContaining({
        triggers_replace: { name: 'team-a' },
        lifecycle: { prevent_destroy: true },
      }),
    );
  });

  it('lets the lab destroy its namespace when allowNamespaceDestroy says so', () => {
    const out = parse(
      Testing.synthScope((scope) => {
        new VaultAuthServiceAccount(scope, 'sa', {
          namespace: 'team-a',
          manageNamespace: true,
          allowNamespaceDestroy: true,
          name: 'vault-auth',
          clusterRoleBindingName: 'b',
        });
      }),
    );
    expect(Object.values(out.resource.kubernetes_namespace_v1)[0].lifecycle).toEqual({
      prevent_destroy: false,
    });
    expect(out.resource).not.toHaveProperty('terraform_data');
  });

  it('forgets, never deletes, a namespace it no longer manages', () => {
    const out = JSON.parse(
      Testing.synthScope((scope) => {
        new VaultAuthServiceAccount(scope, 'service-account', {
          namespace: 'team-a',
          name: 'vault-auth',
          clusterRoleBindingName: 'b',
        });
      }),
    ) as { removed: unknown[] };
    // The address the managed namespace had (and has) in every stack of this app.
    expect(out.removed).toEqual([
      {
        from: 'kubernetes_namespace_v1.service-account_namespace_B496C502',
        lifecycle: { destroy: false },
      },
    ]);
  });

  it('in token-secret mode mints a reviewer JWT bound to an empty Secret, ephemerally', () => {
    let account!: VaultAuthServiceAccount;
    const out = Testing.synthScope((scope) => {
      account = new VaultAuthServiceAccount(scope, 'sa', {
        namespace: 'ns',
        name: 'vault-auth',
        clusterRoleBindingName: 'b',
        reviewerToken: { ttlSeconds: 86400, version: 2 },
      });
    });
    expect(out).toHaveResourceWithProperties(SecretV1, {
      type: 'Opaque',
      metadata: partial({ name: 'vault-auth', namespace: 'ns' }),
    });
    expect(out).not.toHaveResourceWithProperties(SecretV1, {
      wait_for_service_account_token: true,
    });
    const [request] = Object.values(parse(out).ephemeral.kubernetes_token_request_v1);
    expect(request).toEqual({
      metadata: { name: ref('kubernetes_service_account_v1', 'metadata[0].name'), namespace: 'ns' },
      spec: {
        expiration_seconds: 86400,
        bound_object_ref: {
          api_version: 'v1',
          kind: 'Secret',
          name: ref('kubernetes_secret_v1', 'metadata[0].name'),
          uid: ref('kubernetes_secret_v1', 'metadata[0].uid'),
        },
      },
    });
    expect(account.reviewerToken?.version).toBe(2);
  });
});

describe('KvV2Secrets', () => {
  const placeholderSecret = {
    name: 'my-secret',
    values: { kind: 'placeholder' as const, pairs: { dummy_key1: 'dummy_value1' } },
  };

  it('seeds a placeholder once, only where the folder listing lacks the secret, and never again', () => {
    const out = parse(
      Testing.synthScope((scope) => {
        new KvV2Secrets(scope, 'kv', {
          mountPath: 'secret',
          stackName: 'dev',
          secrets: [placeholderSecret],
        });
      }),
    );
    const seeds = Object.entries(out.resource.vault_generic_endpoint).filter(([n]) =>
      n.includes('_seed_'),
    );
    expect(seeds).toHaveLength(1);
    const [, seed] = seeds[0];
    const listing = Object.keys(out.data.vault_kv_secrets_list_v2)[0];
    const exists = `contains(nonsensitive(data.vault_kv_secrets_list_v2.${listing}.names), "my-secret")`;
    expect(seed).toEqual(
      expect.objectContaining({
        path: `\${${exists} ? "secret/metadata/my-secret" : "secret/data/my-secret"}`,
        data_json: `\${${exists} ? "{}" : jsonencode({"data" = {"dummy_key1" = "dummy_value1"}, "options" = {"cas" = 0}})}`,
        disable_read: true,
        disable_delete: true,
        lifecycle: { ignore_changes: 'all' },
      }),
    );
    expect(out.resource).not.toHaveProperty('vault_kv_secret_v2');
    expect(out.resource).not.toHaveProperty('vault_mount');
  });

  it('lists each folder once, after writing its marker, so the listing is never empty', () => {
    const out = parse(
      Testing.synthScope((scope) => {
        new KvV2Secrets(scope, 'kv', {
          mountPath: 'secret',
          stackName: 'dev',
          secrets: [
            placeholderSecret,
            { ...placeholderSecret, name: 'app/a' },
            { ...placeholderSecret, name: 'app/b' },
          ],
        });
      }),
    );
    const listings = Object.values(out.data.vault_kv_secrets_list_v2);
    expect(listings.map((l) => l.name ?? '(root)').sort()).toEqual(['(root)', 'app']);
    const markers = Object.values(out.resource.vault_generic_endpoint)
      .map((e) => e.path as string)
      .filter((path) => path.includes('.eks-vault-eso'));
    expect(markers.sort()).toEqual([
      'secret/metadata/.eks-vault-eso-dev',
      'secret/metadata/app/.eks-vault-eso-dev',
    ]);
  });

  it('forgets the secrets of earlier versions (which purged on destroy) instead of destroying them', () => {
    const out = JSON.parse(
      Testing.synthScope((scope) => {
        new KvV2Secrets(scope, 'kv', {
          mountPath: 'secret',
          stackName: 'dev',
          secrets: [placeholderSecret],
        });
      }),
    ) as { removed: unknown[] };
    // The address an earlier version gave "my-secret" (its committed snapshot held it).
    expect(out.removed).toEqual([
      { from: 'vault_mount.kv_mount_FDFB2C73', lifecycle: { destroy: false } },
      { from: 'vault_kv_secret_v2.kv_my-secret_B73562F7', lifecycle: { destroy: false } },
    ]);
  });

  it('forgets retired secrets: the earlier layout, the seed and the value writer alike', () => {
    const out = JSON.parse(
      Testing.synthScope((scope) => {
        new KvV2Secrets(scope, 'kv', {
          mountPath: 'secret',
          stackName: 'dev',
          secrets: [placeholderSecret],
          retiredSecrets: ['team/legacy'],
        });
      }),
    ) as { removed: { from: string }[] };
    expect(out.removed.map((r) => r.from)).toEqual([
      'vault_mount.kv_mount_FDFB2C73',
      'vault_kv_secret_v2.kv_my-secret_B73562F7',
      expect.stringMatching(/^vault_kv_secret_v2\.kv_team-legacy_[0-9A-F]{8}$/),
      expect.stringMatching(/^vault_generic_endpoint\.kv_secret_team-legacy_seed_[0-9A-F]{8}$/),
      expect.stringMatching(
        /^vault_generic_endpoint\.kv_secret_team-legacy_purge-on-destroy_[0-9A-F]{8}$/,
      ),
      expect.stringMatching(/^vault_kv_secret_v2\.kv_secret_team-legacy_value_[0-9A-F]{8}$/),
    ]);
    // The seed a declared secret has is addressed the way retiring it forgets it.
    const seeds = Object.keys(
      parse(
        Testing.synthScope((scope) => {
          new KvV2Secrets(scope, 'kv', {
            mountPath: 'secret',
            stackName: 'dev',
            secrets: [{ ...placeholderSecret, name: 'team/legacy' }],
          });
        }),
      ).resource.vault_generic_endpoint,
    ).filter((n) => n.includes('_seed_'));
    expect(out.removed.map((r) => r.from)).toContain(`vault_generic_endpoint.${seeds[0]}`);
  });

  it('purges only with the explicit opt-in', () => {
    const out = parse(
      Testing.synthScope((scope) => {
        new KvV2Secrets(scope, 'kv', {
          mountPath: 'secret',
          stackName: 'dev',
          purgeOnDestroy: true,
          secrets: [placeholderSecret],
        });
      }),
    );
    expect(Object.values(out.resource.vault_generic_endpoint)).toContainEqual(
      expect.objectContaining({ path: 'secret/metadata/my-secret', data_json: '{}' }),
    );
  });

  it('writes write-only values through data_json_wo, keeping versions on destroy unless asked', () => {
    const out = Testing.synthScope((scope) => {
      new KvV2Secrets(scope, 'kv', {
        mountPath: 'secret',
        stackName: 'dev',
        secrets: [
          {
            name: 'app/db',
            values: { kind: 'write-only', json: '${jsonencode(var.x)}', version: 3 },
          },
        ],
      });
    });
    expect(out).toHaveResourceWithProperties(KvSecretV2, {
      name: 'app/db',
      data_json_wo: '${jsonencode(var.x)}',
      data_json_wo_version: 3,
      disable_read: true,
      delete_all_versions: false,
    });
    expect(out).not.toHaveResourceWithProperties(KvSecretV2, {
      data_json: expect.anything() as unknown,
    });
  });

  it('protects a managed mount with prevent_destroy and a guard that names the key', () => {
    const out = parse(
      Testing.synthScope((scope) => {
        new KvV2Secrets(scope, 'kv', {
          mountPath: 'secret',
          manageMount: true,
          stackName: 'dev',
          secrets: [{ name: 's', values: { kind: 'placeholder', pairs: { a: 'b' } } }],
        });
      }),
    );
    const [mount] = Object.values(out.resource.vault_mount);
    expect(mount).toEqual(
      expect.objectContaining({
        path: 'secret',
        type: 'kv',
        options: { version: '2' },
        lifecycle: { prevent_destroy: true },
      }),
    );
    expect(out.resource.terraform_data['destroy-needs-vault_kvMount_allowDestroy']).toEqual(
      expect.objectContaining({ triggers_replace: { path: 'secret' } }),
    );
    expect(Object.values(out.resource.vault_generic_endpoint)).toContainEqual(
      expect.objectContaining({
        path: expect.stringMatching(
          /^\$\{vault_mount\.[^.]+\.path\}\/metadata\/\.eks-vault-eso-dev$/,
        ) as unknown,
      }),
    );
  });
});

describe('SecretReadPolicy', () => {
  it('grants read on each data/ path only, sorted', () => {
    expect(renderReadPolicy('secret', [{ name: 'my-secret' }, { name: 'app/config' }])).toBe(
      'path "secret/data/app/config" {\n  capabilities = ["read"]\n}\n\npath "secret/data/my-secret" {\n  capabilities = ["read"]\n}\n',
    );
  });

  it('adds read and list on metadata/ only where asked', () => {
    expect(renderReadPolicy('kv', [{ name: 'a', listMetadata: true }])).toBe(
      'path "kv/data/a" {\n  capabilities = ["read"]\n}\n\npath "kv/metadata/a" {\n  capabilities = ["read", "list"]\n}\n',
    );
  });

  it('creates the vault_policy with that text', () => {
    const out = Testing.synthScope((scope) => {
      new SecretReadPolicy(scope, 'policy', {
        name: 'my-policy',
        mountPath: 'secret',
        secrets: [{ name: 'my-secret' }],
      });
    });
    expect(out).toHaveResourceWithProperties(Policy, {
      name: 'my-policy',
      policy: 'path "secret/data/my-secret" {\n  capabilities = ["read"]\n}\n',
    });
  });
});

describe('VaultKubernetesAuth', () => {
  const role = {
    name: 'eso-vault',
    bindings: [{ serviceAccountName: 'vault-auth', namespace: 'my-namespace' }],
    policies: ['my-policy'],
    audience: 'https://kubernetes.default.svc',
    tokenTtlSeconds: 1200,
    tokenMaxTtlSeconds: 3600,
  };

  it('enables kubernetes auth at its path, configures host and CA, and binds the role to one account', () => {
    const out = Testing.synthScope((scope) => {
      new VaultKubernetesAuth(scope, 'auth', {
        path: 'kubernetes-my-auth',
        kubernetesHost: 'https://k8s.example',
        kubernetesCaPem: 'PEM',
      }).addRole(scope, 'role', role);
    });
    expect(out).toHaveResourceWithProperties(AuthBackend, {
      type: 'kubernetes',
      path: 'kubernetes-my-auth',
    });
    expect(out).toHaveResourceWithProperties(KubernetesAuthBackendConfig, {
      backend: ref('vault_auth_backend', 'path'),
      kubernetes_host: 'https://k8s.example',
      kubernetes_ca_cert: 'PEM',
      disable_local_ca_jwt: true,
    });
    expect(out).not.toHaveResourceWithProperties(KubernetesAuthBackendConfig, {
      token_reviewer_jwt: expect.anything() as unknown,
    });
    expect(out).toHaveResourceWithProperties(KubernetesAuthBackendRole, {
      role_name: 'eso-vault',
      bound_service_account_names: ['vault-auth'],
      bound_service_account_namespaces: ['my-namespace'],
      token_policies: ['my-policy'],
      audience: 'https://kubernetes.default.svc',
      token_ttl: 1200,
      token_max_ttl: 3600,
    });
  });

  it('writes a reviewer JWT only when given one, and write-only', () => {
    const out = Testing.synthScope((scope) => {
      new VaultKubernetesAuth(scope, 'auth', {
        path: 'k',
        kubernetesHost: 'https://h',
        kubernetesCaPem: 'PEM',
        reviewerToken: { jwt: '${ephemeral.x.y.token}', version: 4 },
      });
    });
    expect(out).toHaveResourceWithProperties(KubernetesAuthBackendConfig, {
      token_reviewer_jwt_wo: '${ephemeral.x.y.token}',
      token_reviewer_jwt_wo_version: 4,
    });
    expect(out).not.toHaveResourceWithProperties(KubernetesAuthBackendConfig, {
      token_reviewer_jwt: expect.anything() as unknown,
    });
  });
});

describe('VaultJwtAuth', () => {
  const spec = {
    name: 'eso-alpha',
    policies: ['eso-alpha'],
    audience: 'vault',
    tokenTtlSeconds: 1200,
    tokenMaxTtlSeconds: 3600,
  };

  it("checks tokens against the cluster's issuer, and pins one role to one account's subject", () => {
    const out = Testing.synthScope((scope) => {
      new VaultJwtAuth(scope, 'jwt', {
        path: 'jwt-lab',
        issuer: 'https://oidc.example/id/ABC',
      }).addRole(scope, 'role', {
        ...spec,
        bindings: [{ namespace: 'team-alpha', serviceAccountName: 'vault-auth' }],
      });
    });
    expect(out).toHaveResourceWithProperties(JwtAuthBackend, {
      type: 'jwt',
      path: 'jwt-lab',
      oidc_discovery_url: 'https://oidc.example/id/ABC',
      bound_issuer: 'https://oidc.example/id/ABC',
    });
    expect(out).toHaveResourceWithProperties(JwtAuthBackendRole, {
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: ['vault'],
      bound_subject: 'system:serviceaccount:team-alpha:vault-auth',
      claim_mappings: { '/kubernetes.io/namespace': 'service_account_namespace' },
      token_policies: ['eso-alpha'],
    });
    expect(out).not.toHaveResourceWithProperties(JwtAuthBackendRole, {
      bound_claims: expect.anything() as unknown,
    });
  });

  it('binds a shared role to the listed namespaces and account name by claims', () => {
    const out = Testing.synthScope((scope) => {
      new VaultJwtAuth(scope, 'jwt', { path: 'j', issuer: 'https://i' }).addRole(scope, 'role', {
        ...spec,
        bindings: [
          { namespace: 'team-a', serviceAccountName: 'vault-auth' },
          { namespace: 'team-b', serviceAccountName: 'vault-auth' },
        ],
      });
    });
    expect(out).toHaveResourceWithProperties(JwtAuthBackendRole, {
      bound_claims_type: 'string',
      bound_claims: {
        '/kubernetes.io/namespace': 'team-a,team-b',
        '/kubernetes.io/serviceaccount/name': 'vault-auth',
      },
    });
  });
});

describe('EsoSecretStore', () => {
  const withGate = (
    props: Omit<ConstructorParameters<typeof EsoSecretStore>[2], 'gate'>,
    apiVersion = 'external-secrets.io/v1',
  ) =>
    Testing.synthScope((scope: Construct) => {
      new EsoSecretStore(scope, 'store', {
        ...props,
        gate: new EsoApiGate(scope, 'eso-api', apiVersion),
      });
    });
  const base = {
    kind: 'ClusterSecretStore' as const,
    name: 'vault-backend',
    vaultServer: 'https://vault.example:8200',
    kvMountPath: 'secret',
    allowedNamespaces: ['my-namespace'],
    readiness: { diagnose: 'npm run doctor -- --env dev' },
  };
  const kubernetesAuth = {
    method: 'kubernetes' as const,
    mountPath: 'k',
    role: 'r',
    serviceAccount: { name: 's', namespace: 'n', audiences: ['a'] },
  };

  it('reads KV v2 through kubernetes auth in the Vault namespace, limited to the allowed namespaces', () => {
    const out = withGate({
      ...base,
      vaultNamespace: 'admin',
      auth: {
        method: 'kubernetes',
        mountPath: 'kubernetes-my-auth',
        role: 'eso-vault',
        serviceAccount: {
          name: 'vault-auth',
          namespace: 'my-namespace',
          audiences: ['https://kubernetes.default.svc'],
        },
      },
    });
    expect(out).toHaveResourceWithProperties(Manifest, {
      manifest: {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterSecretStore',
        metadata: { name: 'vault-backend' },
        spec: {
          provider: {
            vault: {
              server: 'https://vault.example:8200',
              namespace: 'admin',
              path: 'secret',
              version: 'v2',
              auth: {
                kubernetes: {
                  mountPath: 'kubernetes-my-auth',
                  role: 'eso-vault',
                  serviceAccountRef: {
                    name: 'vault-auth',
                    namespace: 'my-namespace',
                    audiences: ['https://kubernetes.default.svc'],
                  },
                },
              },
            },
          },
          conditions: [{ namespaces: ['my-namespace'] }],
        },
      },
    });
  });

  it("a tenant's SecretStore lives in its namespace and logs in as that namespace's account with jwt", () => {
    const out = withGate({
      ...base,
      kind: 'SecretStore',
      namespace: 'team-alpha',
      allowedNamespaces: undefined,
      auth: {
        method: 'jwt',
        mountPath: 'jwt-lab',
        role: 'eso-alpha',
        serviceAccount: { name: 'vault-auth', audiences: ['vault'] },
      },
    });
    expect(out).toHaveResourceWithProperties(Manifest, {
      manifest: {
        apiVersion: 'external-secrets.io/v1',
        kind: 'SecretStore',
        metadata: { name: 'vault-backend', namespace: 'team-alpha' },
        spec: {
          provider: {
            vault: partial({
              auth: {
                jwt: {
                  path: 'jwt-lab',
                  role: 'eso-alpha',
                  kubernetesServiceAccountToken: {
                    serviceAccountRef: { name: 'vault-auth' },
                    audiences: ['vault'],
                  },
                },
              },
            }),
          },
        },
      },
    });
  });

  it("a shared ClusterSecretStore names no account namespace: ESO uses the ExternalSecret's (referent)", () => {
    const out = parse(
      withGate({
        ...base,
        allowedNamespaces: ['team-a', 'team-b'],
        auth: { ...kubernetesAuth, serviceAccount: { name: 'vault-auth', audiences: ['a'] } },
      }),
    );
    const manifest = Object.values(out.resource.kubernetes_manifest)[0].manifest as {
      spec: {
        provider: {
          vault: { auth: { kubernetes: { serviceAccountRef: Record<string, unknown> } } };
        };
        conditions: unknown;
      };
    };
    expect(manifest.spec.provider.vault.auth.kubernetes.serviceAccountRef).toEqual({
      name: 'vault-auth',
      audiences: ['a'],
    });
    expect(manifest.spec.conditions).toEqual([{ namespaces: ['team-a', 'team-b'] }]);
  });

  it('checks the API server serves the ESO version first, and stops the plan with a clear message', () => {
    const out = parse(withGate({ ...base, auth: kubernetesAuth }));
    const [gateName, gate] = Object.entries(out.data.kubernetes_resources)[0];
    // The aggregator's APIService for external-secrets.io/v1: tiny, and present exactly when
    // ESO's CRDs serve v1 (the CRD itself is 295 KB of schema, read at every plan).
    expect(gate).toEqual(
      expect.objectContaining({
        api_version: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        field_selector: 'metadata.name=v1.external-secrets.io',
      }),
    );
    const store = Object.values(out.resource.kubernetes_manifest)[0];
    const [precondition] = (
      store.lifecycle as { precondition: { condition: string; error_message: string }[] }
    ).precondition;
    expect(precondition.condition).toBe(
      `\${length(data.kubernetes_resources.${gateName}.objects) > 0}`,
    );
    expect(precondition.error_message).toContain(
      'The cluster does not serve external-secrets.io/v1: the External Secrets Operator is not installed',
    );
    expect(store.depends_on).toEqual([`data.kubernetes_resources.${gateName}`]);
  });

  it('makes the apply wait until ESO reports the store Ready, and owns its fields', () => {
    const out = parse(withGate({ ...base, auth: kubernetesAuth }));
    const store = Object.values(out.resource.kubernetes_manifest)[0];
    expect(store.wait).toEqual({ condition: [{ type: 'Ready', status: 'True' }] });
    expect(store.timeouts).toEqual({ create: '2m', update: '2m' });
    expect(store.field_manager).toEqual({ force_conflicts: true });
  });

  it('omits the namespace for a root-namespace Vault', () => {
    const out = parse(withGate({ ...base, auth: kubernetesAuth }));
    const manifest = Object.values(out.resource.kubernetes_manifest)[0].manifest as {
      spec: { provider: { vault: Record<string, unknown> } };
    };
    expect(manifest.spec.provider.vault).not.toHaveProperty('namespace');
  });

  it('in token mode keeps the token in a write-only Secret field and points the store at it', () => {
    const out = withGate({
      ...base,
      auth: {
        method: 'token',
        secretName: 'vault-token',
        secretNamespace: 'my-namespace',
        token: '${var.eso_vault_token}',
      },
    });
    expect(out).toHaveResourceWithProperties(SecretV1, {
      metadata: { name: 'vault-token', namespace: 'my-namespace' },
      data_wo: { token: '${var.eso_vault_token}' },
      data_wo_revision: 1,
    });
    expect(out).not.toHaveResourceWithProperties(SecretV1, { data: expect.anything() as unknown });
    expect(out).toHaveResourceWithProperties(Manifest, {
      manifest: partial({
        spec: partial({
          provider: {
            vault: partial({
              auth: {
                tokenSecretRef: {
                  name: ref('kubernetes_secret_v1', 'metadata[0].name'),
                  namespace: ref('kubernetes_secret_v1', 'metadata[0].namespace'),
                  key: 'token',
                },
              },
            }),
          },
        }),
      }),
    });
  });

  it('can speak v1beta1 for ESO older than 0.16', () => {
    const out = withGate({ ...base, auth: kubernetesAuth }, 'external-secrets.io/v1beta1');
    expect(out).toHaveResourceWithProperties(Manifest, {
      manifest: partial({ apiVersion: 'external-secrets.io/v1beta1', kind: 'ClusterSecretStore' }),
    });
  });
});

describe('ReadinessCheck', () => {
  it('warns at plan time, naming each object that is not Ready and the doctor command', () => {
    const out = JSON.parse(
      Testing.synthScope((scope) => {
        new ReadinessCheck(scope, 'ready', {
          gate: new EsoApiGate(scope, 'eso-api', 'external-secrets.io/v1'),
          stores: [
            { kind: 'ClusterSecretStore', name: 'vault-backend' },
            { kind: 'SecretStore', name: 'vault-backend', namespace: 'a' },
          ],
          externalSecrets: [
            { namespace: 'a', name: 'one' },
            { namespace: 'a', name: 'two' },
            { namespace: 'b', name: 'three' },
          ],
          readiness: { diagnose: 'npm run doctor -- --env dev' },
        });
      }),
    ) as Synth & {
      check: Record<string, { assert: { condition: string; error_message: string }[] }>;
    };
    // One listing per kind and namespace, not one read per object.
    expect(
      Object.values(out.data.kubernetes_resources)
        .filter((d) => d.kind !== 'APIService')
        .map(
          (d) => `${String(d.kind)} ${typeof d.namespace === 'string' ? d.namespace : '(cluster)'}`,
        )
        .sort(),
    ).toEqual([
      'ClusterSecretStore (cluster)',
      'ExternalSecret a',
      'ExternalSecret b',
      'SecretStore a',
    ]);
    // Nothing is listed while the cluster does not serve the ESO version (the store's
    // precondition says so): listing an unserved kind is an error of its own.
    const [gateName] = Object.entries(out.data.kubernetes_resources).find(
      ([, d]) => d.kind === 'APIService',
    )!;
    for (const listing of Object.values(out.data.kubernetes_resources).filter(
      (d) => d.kind !== 'APIService',
    ))
      expect(listing.count).toBe(
        `\${length(data.kubernetes_resources.${gateName}.objects) > 0 ? 1 : 0}`,
      );
    const [check] = Object.values(out.check);
    expect(check.assert).toHaveLength(1);
    expect(check.assert[0].error_message).toMatch(
      /^Not Ready: \$\{join\("; ", concat\(.*\)\)\}\. Run `npm run doctor -- --env dev` to find the broken link\.$/,
    );
    expect(check.assert[0].condition).toContain('contains(["one","two"], o.metadata.name)');
    expect(check.assert[0].condition).toContain('contains(["three"], o.metadata.name)');
    expect(check.assert[0].condition).toContain('contains(["vault-backend"], o.metadata.name)');
  });
});

describe('EsoExternalSecret', () => {
  it('extracts every key of one Vault secret into one Kubernetes Secret, on an explicit interval', () => {
    const out = Testing.synthScope((scope) => {
      new EsoExternalSecret(scope, 'es', {
        apiVersion: 'external-secrets.io/v1',
        name: 'vault-external-secret',
        namespace: 'my-namespace',
        store: { kind: 'ClusterSecretStore', name: 'vault-backend' },
        targetSecretName: 'vault-secret',
        remoteKey: 'my-secret',
        refreshInterval: '1h',
        readiness: { diagnose: 'npm run doctor -- --env dev' },
      });
    });
    expect(out).toHaveResourceWithProperties(Manifest, {
      manifest: {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'vault-external-secret', namespace: 'my-namespace' },
        spec: {
          refreshInterval: '1h0m0s',
          secretStoreRef: { name: 'vault-backend', kind: 'ClusterSecretStore' },
          target: { name: 'vault-secret', creationPolicy: 'Owner' },
          dataFrom: [{ extract: { key: 'my-secret' } }],
        },
      },
    });
  });
});

describe('resource ids', () => {
  it('derive from the secret name only', () => {
    expect(kebabId('payments/database')).toBe('payments-database');
    expect(snakeId('App/Config.v2')).toBe('app_config_v2');
    expect(secretValuesVariableName('my-secret')).toBe('secret_values_my_secret');
  });
});

describe('Go durations', () => {
  it.each([
    ['0', '0s'],
    ['1m', '1m0s'],
    ['1h', '1h0m0s'],
    ['15m', '15m0s'],
    ['90s', '1m30s'],
    ['1h30m', '1h30m0s'],
    ['1.5s', '1.5s'],
    ['500ms', '500ms'],
    ['61m', '1h1m0s'],
  ])('%s is written as %s, the form ESO writes back', (input, expected) => {
    expect(canonicalGoDuration(input)).toBe(expected);
  });

  it.each([
    ['15s', 15],
    ['1m', 60],
    ['1h30m', 5400],
    ['500ms', 0.5],
    ['0', 0],
  ])('%s is %d seconds', (input, seconds) => {
    expect(goDurationSeconds(input)).toBe(seconds);
  });

  it('refuses what is not a duration', () => {
    expect(() => goDurationSeconds('soon')).toThrow('"soon" is not a Go duration');
    expect(() => canonicalGoDuration('1 hour')).toThrow(
      '"1 hour" is not a Go duration such as "1h", "15m" or "90s"',
    );
  });
});
