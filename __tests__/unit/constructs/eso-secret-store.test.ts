import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { Testing } from 'cdktf';
import { EsoApiGate } from '../../../constructs/eso-api-gate';
import { EsoSecretStore } from '../../../constructs/eso-secret-store';
import type { Construct } from 'constructs';
import { parse, ref, partial } from '../../support/construct-test';

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
    readiness: { diagnose: 'npm run doctor -- --env dev', timeout: '2m' },
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
