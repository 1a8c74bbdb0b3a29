import { DataAwsEksCluster } from '@cdktf/provider-aws/lib/data-aws-eks-cluster';
import { DataAwsEksClusterAuth } from '@cdktf/provider-aws/lib/data-aws-eks-cluster-auth';
import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { AuthBackend } from '@cdktf/provider-vault/lib/auth-backend';
import { KubernetesAuthBackendConfig } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-config';
import { KubernetesAuthBackendRole } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-role';
import { KvSecretV2 } from '@cdktf/provider-vault/lib/kv-secret-v2';
import { Mount } from '@cdktf/provider-vault/lib/mount';
import { Policy } from '@cdktf/provider-vault/lib/policy';
import { Testing } from 'cdktf';
import { EksClusterLookup } from '../../constructs/eks-cluster-lookup';
import { EsoClusterSecretStore } from '../../constructs/eso-cluster-secret-store';
import { EsoExternalSecret } from '../../constructs/eso-external-secret';
import { KvV2Secrets } from '../../constructs/kv-v2-secrets';
import { kebabId, secretValuesVariableName, snakeId } from '../../constructs/resource-ids';
import { SecretReadPolicy, renderReadPolicy } from '../../constructs/secret-read-policy';
import { VaultAuthServiceAccount } from '../../constructs/vault-auth-service-account';
import { VaultKubernetesAuth } from '../../constructs/vault-kubernetes-auth';
import { canonicalGoDuration } from '../../constructs/go-duration';

type Synth = Record<string, Record<string, Record<string, Record<string, unknown>>>>;
const parse = (text: string) => JSON.parse(text) as Synth;
/** A reference to `type.<any name>.attribute`, whatever hash cdktf gave the name. */
const ref = (type: string, attribute: string): unknown =>
  expect.stringMatching(
    new RegExp(`^\\$\\{${type}\\.[^.]+\\.${attribute.replace(/[.[\]]/g, '\\$&')}\\}$`),
  );
const partial = (shape: Record<string, unknown>): unknown => expect.objectContaining(shape);
const countOf = (text: string, kind: 'resource' | 'data', type: string) =>
  Object.keys(parse(text)[kind]?.[type] ?? {}).length;

describe('EksClusterLookup', () => {
  it('reads the cluster and, in eks-token mode, a token from aws_eks_cluster_auth', () => {
    let lookup!: EksClusterLookup;
    const out = Testing.synthScope((scope) => {
      lookup = new EksClusterLookup(scope, 'eks', {
        clusterName: 'my-cluster',
        region: 'us-west-2',
        auth: 'eks-token',
      });
    });
    expect(out).toHaveDataSourceWithProperties(DataAwsEksCluster, { name: 'my-cluster' });
    expect(out).toHaveDataSourceWithProperties(DataAwsEksClusterAuth, { name: 'my-cluster' });
    expect(lookup.caCertificatePem).toMatch(/^\$\{TfToken/);
    expect(lookup.credentials.exec).toBeUndefined();
    expect(lookup.credentials.token).toBeDefined();
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

  it('in token-secret mode creates the long-lived token Secret and waits for its token', () => {
    let account!: VaultAuthServiceAccount;
    const out = Testing.synthScope((scope) => {
      account = new VaultAuthServiceAccount(scope, 'sa', {
        namespace: 'ns',
        name: 'vault-auth',
        clusterRoleBindingName: 'b',
        createTokenSecret: true,
      });
    });
    expect(out).toHaveResourceWithProperties(SecretV1, {
      type: 'kubernetes.io/service-account-token',
      wait_for_service_account_token: true,
      metadata: {
        name: 'vault-auth',
        namespace: 'ns',
        annotations: {
          'kubernetes.io/service-account.name': ref(
            'kubernetes_service_account_v1',
            'metadata[0].name',
          ),
        },
      },
    });
    expect(account.reviewerJwt).toBeDefined();
  });
});

describe('KvV2Secrets', () => {
  it('writes placeholders once, never reads values back, and removes every version on destroy', () => {
    const out = Testing.synthScope((scope) => {
      new KvV2Secrets(scope, 'kv', {
        mountPath: 'secret',
        secrets: [
          {
            name: 'my-secret',
            values: { kind: 'placeholder', pairs: { dummy_key1: 'dummy_value1' } },
          },
        ],
      });
    });
    expect(out).toHaveResourceWithProperties(KvSecretV2, {
      mount: 'secret',
      name: 'my-secret',
      data_json: '{"dummy_key1":"dummy_value1"}',
      disable_read: true,
      delete_all_versions: true,
      lifecycle: { ignore_changes: ['data_json'] },
    });
    expect(countOf(out, 'resource', 'vault_mount')).toBe(0);
  });

  it('writes write-only values through data_json_wo, with a version to bump', () => {
    const out = Testing.synthScope((scope) => {
      new KvV2Secrets(scope, 'kv', {
        mountPath: 'secret',
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
    });
    expect(out).not.toHaveResourceWithProperties(KvSecretV2, {
      data_json: expect.anything() as unknown,
    });
  });

  it('manages a KV version 2 mount when asked, and secrets refer to it', () => {
    const out = Testing.synthScope((scope) => {
      new KvV2Secrets(scope, 'kv', {
        mountPath: 'secret',
        manageMount: true,
        secrets: [{ name: 's', values: { kind: 'placeholder', pairs: { a: 'b' } } }],
      });
    });
    expect(out).toHaveResourceWithProperties(Mount, {
      path: 'secret',
      type: 'kv',
      options: { version: '2' },
    });
    expect(out).toHaveResourceWithProperties(KvSecretV2, { mount: ref('vault_mount', 'path') });
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
    serviceAccountName: 'vault-auth',
    serviceAccountNamespace: 'my-namespace',
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
        role,
      });
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

  it('stores a reviewer JWT only when given one', () => {
    const out = Testing.synthScope((scope) => {
      new VaultKubernetesAuth(scope, 'auth', {
        path: 'k',
        kubernetesHost: 'https://h',
        kubernetesCaPem: 'PEM',
        reviewerJwt: '${var.jwt}',
        role,
      });
    });
    expect(out).toHaveResourceWithProperties(KubernetesAuthBackendConfig, {
      token_reviewer_jwt: '${var.jwt}',
    });
  });
});

describe('EsoClusterSecretStore', () => {
  const base = {
    apiVersion: 'external-secrets.io/v1',
    name: 'vault-backend',
    vaultServer: 'https://vault.example:8200',
    kvMountPath: 'secret',
    allowedNamespaces: ['my-namespace'],
  };

  it('reads KV v2 through kubernetes auth in the Vault namespace, limited to the allowed namespaces', () => {
    const out = Testing.synthScope((scope) => {
      new EsoClusterSecretStore(scope, 'store', {
        ...base,
        vaultNamespace: 'admin',
        auth: {
          kind: 'kubernetes',
          mountPath: 'kubernetes-my-auth',
          role: 'eso-vault',
          serviceAccountName: 'vault-auth',
          serviceAccountNamespace: 'my-namespace',
          audiences: ['https://kubernetes.default.svc'],
        },
      });
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

  it('reads the CRD first and stops the plan with a clear message when ESO is missing or too old', () => {
    const out = parse(
      Testing.synthScope((scope) => {
        new EsoClusterSecretStore(scope, 'store', {
          ...base,
          auth: {
            kind: 'kubernetes',
            mountPath: 'k',
            role: 'r',
            serviceAccountName: 's',
            serviceAccountNamespace: 'n',
            audiences: ['a'],
          },
        });
      }),
    );
    const [crdName, crd] = Object.entries(out.data.kubernetes_resources)[0];
    expect(crd).toEqual(
      expect.objectContaining({
        api_version: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        field_selector: 'metadata.name=clustersecretstores.external-secrets.io',
      }),
    );
    const conditions = (
      crd.lifecycle as { postcondition: { condition: string; error_message: string }[] }
    ).postcondition;
    expect(conditions.map((c) => c.condition)).toEqual([
      '${length(self.objects) > 0}',
      '${length(self.objects) == 0 || contains([for v in self.objects[0].spec.versions : v.name if v.served], "v1")}',
    ]);
    expect(conditions[0].error_message).toContain(
      'The External Secrets Operator CRDs are not installed in this cluster',
    );
    const store = Object.values(out.resource.kubernetes_manifest)[0];
    expect(store.depends_on).toEqual([`data.kubernetes_resources.${crdName}`]);
  });

  it('omits the namespace for a root-namespace Vault', () => {
    const out = parse(
      Testing.synthScope((scope) => {
        new EsoClusterSecretStore(scope, 'store', {
          ...base,
          auth: {
            kind: 'kubernetes',
            mountPath: 'k',
            role: 'r',
            serviceAccountName: 's',
            serviceAccountNamespace: 'n',
            audiences: ['a'],
          },
        });
      }),
    );
    const manifest = Object.values(out.resource.kubernetes_manifest)[0].manifest as {
      spec: { provider: { vault: Record<string, unknown> } };
    };
    expect(manifest.spec.provider.vault).not.toHaveProperty('namespace');
  });

  it('in token mode keeps the token in a write-only Secret field and points the store at it', () => {
    const out = Testing.synthScope((scope) => {
      new EsoClusterSecretStore(scope, 'store', {
        ...base,
        auth: {
          kind: 'token',
          secretName: 'vault-token',
          secretNamespace: 'my-namespace',
          token: '${var.eso_vault_token}',
        },
      });
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
    const out = Testing.synthScope((scope) => {
      new EsoClusterSecretStore(scope, 'store', {
        ...base,
        apiVersion: 'external-secrets.io/v1beta1',
        auth: {
          kind: 'kubernetes',
          mountPath: 'k',
          role: 'r',
          serviceAccountName: 's',
          serviceAccountNamespace: 'n',
          audiences: ['a'],
        },
      });
    });
    expect(out).toHaveResourceWithProperties(Manifest, {
      manifest: partial({ apiVersion: 'external-secrets.io/v1beta1', kind: 'ClusterSecretStore' }),
    });
  });
});

describe('EsoExternalSecret', () => {
  it('extracts every key of one Vault secret into one Kubernetes Secret, on an explicit interval', () => {
    const out = Testing.synthScope((scope) => {
      new EsoExternalSecret(scope, 'es', {
        apiVersion: 'external-secrets.io/v1',
        name: 'vault-external-secret',
        namespace: 'my-namespace',
        storeName: 'vault-backend',
        targetSecretName: 'vault-secret',
        remoteKey: 'my-secret',
        refreshInterval: '1h',
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

  it('refuses what is not a duration', () => {
    expect(() => canonicalGoDuration('1 hour')).toThrow(
      '"1 hour" is not a Go duration such as "1h", "15m" or "90s"',
    );
  });
});
