import { DataAwsEksCluster } from '@cdktf/provider-aws/lib/data-aws-eks-cluster';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { AuthBackend } from '@cdktf/provider-vault/lib/auth-backend';
import { JwtAuthBackend } from '@cdktf/provider-vault/lib/jwt-auth-backend';
import { JwtAuthBackendRole } from '@cdktf/provider-vault/lib/jwt-auth-backend-role';
import { KubernetesAuthBackendConfig } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-config';
import { KubernetesAuthBackendRole } from '@cdktf/provider-vault/lib/kubernetes-auth-backend-role';
import { Policy } from '@cdktf/provider-vault/lib/policy';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import { ALL_ENVIRONMENTS } from '../../environments';
import { dev } from '../../environments/dev';
import { local } from '../../environments/local';
import { prod } from '../../environments/prod';
import { staging } from '../../environments/staging';
import { authMethodOf, isSingleChain } from '../../environments/tenants';
import type { EnvironmentConfig, SingleChainConfig } from '../../environments/types';
import { providerVersions, readVersions } from '../../common/versions';
import { declaredSecrets } from '../../common/stack-json';
import { synthJson, synthText, variant } from '../support/stack';
import { withSharedSecret, withTenants } from '../support/tenants';

const partial = (shape: Record<string, unknown>): unknown => expect.objectContaining(shape);

function addresses(json: ReturnType<typeof synthJson>): string[] {
  const out: string[] = [];
  for (const kind of ['resource', 'data'] as const) {
    for (const [type, byName] of Object.entries(json[kind] ?? {})) {
      for (const name of Object.keys(byName))
        out.push(`${kind === 'data' ? 'data.' : ''}${type}.${name}`);
    }
  }
  return out.sort();
}

describe.each(ALL_ENVIRONMENTS.filter(isSingleChain).map((e) => [e.name, e] as const))(
  'stack %s',
  (_name, env: SingleChainConfig) => {
    const text = synthText(env);
    const json = JSON.parse(text) as ReturnType<typeof synthJson>;

    it('looks the cluster up and builds the Kubernetes provider from it', () => {
      expect(text).toHaveDataSourceWithProperties(DataAwsEksCluster, { name: env.aws.clusterName });
      expect(text).toHaveProviderWithProperties(AwsProvider, { region: env.aws.region });
      expect(text).toHaveProviderWithProperties(KubernetesProvider, {
        host: expect.stringMatching(/^\$\{data\.aws_eks_cluster\.[^.]+\.endpoint\}$/) as unknown,
        cluster_ca_certificate: expect.stringMatching(
          /^\$\{base64decode\(data\.aws_eks_cluster\.[^.]+\.certificate_authority\[0\]\.data\)\}$/,
        ) as unknown,
      });
    });

    it('configures Vault with the address and namespace, and no token', () => {
      expect(text).toHaveProviderWithProperties(VaultProvider, {
        address: env.vault.address,
        namespace: env.vault.namespace,
      });
      expect(json.provider?.vault?.[0]).not.toHaveProperty('token');
    });

    const jwt = authMethodOf(env) === 'jwt';

    it('creates the service account (kubernetes method: and its auth-delegator binding)', () => {
      expect(text).toHaveResourceWithProperties(ServiceAccountV1, {
        metadata: partial({ name: env.kubernetes.serviceAccountName }),
      });
      if (jwt)
        expect(Object.keys(json.resource ?? {})).not.toContain(
          'kubernetes_cluster_role_binding_v1',
        );
      else
        expect(text).toHaveResourceWithProperties(ClusterRoleBindingV1, {
          metadata: { name: env.kubernetes.clusterRoleBindingName },
          role_ref: partial({ name: 'system:auth-delegator' }),
        });
    });

    it('creates every secret, the policy, the auth method and the role', () => {
      expect(declaredSecrets(json)).toEqual(
        env.secrets.map((s) => ({ mount: env.vault.kvMount.path, name: s.name })),
      );
      const writers =
        env.secretValues === 'placeholder'
          ? Object.keys(json.resource?.vault_generic_endpoint ?? {}).filter((n) =>
              n.includes('_seed_'),
            )
          : Object.keys(json.resource?.vault_kv_secret_v2 ?? {});
      expect(writers).toHaveLength(env.secrets.length);
      expect(text).toHaveResourceWithProperties(Policy, { name: env.vault.policyName });
      const ttls = {
        token_ttl: env.vault.tokenTtlSeconds,
        token_max_ttl: env.vault.tokenMaxTtlSeconds,
      };
      if (jwt) {
        // The cluster's OIDC issuer, from the EKS lookup; a public CA signs EKS's issuer.
        const issuer: unknown = expect.stringMatching(
          /aws_eks_cluster.*\.identity\[0\]\.oidc\[0\]\.issuer/,
        );
        expect(text).toHaveResourceWithProperties(JwtAuthBackend, {
          path: env.vault.authPath,
          oidc_discovery_url: issuer,
          bound_issuer: issuer,
        });
        // No CA of its own: Vault trusts the issuer's public certificate with the system's CAs.
        const backends = Object.values(json.resource?.vault_jwt_auth_backend ?? {});
        expect(backends.map((b) => Object.keys(b).includes('oidc_discovery_ca_pem'))).toEqual([
          false,
        ]);
        expect(text).toHaveResourceWithProperties(JwtAuthBackendRole, {
          role_name: env.vault.roleName,
          bound_audiences: [env.kubernetes.tokenAudience],
          bound_subject: `system:serviceaccount:${env.kubernetes.namespace}:${env.kubernetes.serviceAccountName}`,
          ...ttls,
        });
        return;
      }
      expect(text).toHaveResourceWithProperties(AuthBackend, {
        type: 'kubernetes',
        path: env.vault.authPath,
      });
      expect(text).toHaveResourceWithProperties(KubernetesAuthBackendConfig, {
        kubernetes_host: expect.stringMatching(/aws_eks_cluster.*\.endpoint/) as unknown,
        kubernetes_ca_cert: expect.stringMatching(/base64decode/) as unknown,
      });
      expect(text).toHaveResourceWithProperties(KubernetesAuthBackendRole, {
        role_name: env.vault.roleName,
        audience: env.kubernetes.tokenAudience,
        ...ttls,
      });
    });

    it('creates the store and one ExternalSecret per secret', () => {
      expect(text).toHaveResourceWithProperties(Manifest, {
        manifest: partial({
          apiVersion: env.eso.apiVersion,
          kind: 'ClusterSecretStore',
          metadata: { name: env.eso.storeName },
        }),
      });
      for (const secret of env.secrets) {
        expect(text).toHaveResourceWithProperties(Manifest, {
          manifest: partial({
            kind: 'ExternalSecret',
            metadata: partial({ name: secret.externalSecretName }),
          }),
        });
      }
    });

    it('passes every chain rule at synth', () => {
      expect(() => synthText(env, true)).not.toThrow();
    });

    it('keeps the same Terraform addresses as dev for the same resources', () => {
      const devAddresses = new Set(addresses(synthJson(dev)));
      const shared = addresses(json).filter(
        (a) =>
          !a.includes('external-secret-') &&
          !a.startsWith('vault_generic_endpoint.kv_') &&
          !a.startsWith('data.vault_kv_secrets_list_v2.kv_') &&
          // One listing of ExternalSecrets per namespace, named after it.
          !a.startsWith('data.kubernetes_resources.eso-ready_external-secrets-') &&
          // The jwt method's resources are its own (dev uses the kubernetes method).
          !/vault_kv_secret_v2|namespace_v1|vault_mount|terraform_data|vault_jwt_auth/.test(a),
      );
      for (const address of shared) expect(devAddresses).toContain(address);
    });

    it('matches its snapshot (a tripwire, not the main assertion)', () => {
      expect(json).toMatchSnapshot();
    });
  },
);

describe('environment differences are keys', () => {
  it('dev uses an existing namespace and mount, as in the manual procedure', () => {
    const json = synthJson(dev);
    expect(json.resource).not.toHaveProperty('kubernetes_namespace_v1');
    expect(json.resource).not.toHaveProperty('vault_mount');
  });

  it('eks-token mode opens the ephemeral aws_eks_cluster_auth; exec mode runs aws eks get-token', () => {
    for (const env of [dev, staging, prod]) {
      const json = synthJson(env);
      expect(json.data).not.toHaveProperty('aws_eks_cluster_auth');
      const [name] = Object.keys(
        (json.ephemeral as Record<string, Record<string, unknown>>).aws_eks_cluster_auth,
      );
      expect(json.provider?.kubernetes?.[0]?.token).toBe(
        `\${ephemeral.aws_eks_cluster_auth.${name}.token}`,
      );
    }
    const exec = synthText(
      variant({
        kubernetes: { auth: 'exec' },
        aws: { region: 'us-west-2', clusterName: 'platform-prod' },
      }),
    );
    expect(exec).toHaveProviderWithProperties(KubernetesProvider, {
      exec: [
        {
          api_version: 'client.authentication.k8s.io/v1beta1',
          command: 'aws',
          args: [
            'eks',
            'get-token',
            '--cluster-name',
            'platform-prod',
            '--region',
            'us-west-2',
            '--output',
            'json',
          ],
        },
      ],
    });
  });

  it('static-token mode takes the token from a sensitive, ephemeral variable', () => {
    const json = synthJson(variant({ kubernetes: { auth: 'static-token' } }));
    expect(json.variable?.kubernetes_token).toEqual(
      expect.objectContaining({ sensitive: true, ephemeral: true, type: 'string' }),
    );
    expect(json.provider?.kubernetes?.[0]?.token).toBe('${var.kubernetes_token}');
  });

  it('the lab configures AWS exactly like the real environments (its endpoints come from the environment)', () => {
    expect(synthJson(local).provider?.aws).toEqual(synthJson(dev).provider?.aws);
  });

  it('custom endpoints are written, with the checks only an emulator fails turned off', () => {
    const emulated = variant({
      aws: { endpoints: { eks: 'http://127.0.0.1:15000', sts: 'http://127.0.0.1:15000' } },
    });
    expect(synthText(emulated)).toHaveProviderWithProperties(AwsProvider, {
      endpoints: [{ eks: 'http://127.0.0.1:15000', sts: 'http://127.0.0.1:15000' }],
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
    });
    expect(synthJson(dev).provider?.aws?.[0]).not.toHaveProperty('skip_credentials_validation');
  });

  it('client-jwt mode stores no reviewer JWT and creates no token Secret', () => {
    const json = synthJson(dev);
    expect(json.resource).not.toHaveProperty('kubernetes_secret_v1');
    expect(
      Object.values(json.resource?.vault_kubernetes_auth_backend_config ?? {})[0],
    ).not.toHaveProperty('token_reviewer_jwt');
  });

  it('token-secret mode writes a reviewer JWT minted at apply time, write-only', () => {
    const json = synthJson(variant({ vault: { reviewerMode: 'token-secret' } }));
    const [request] = Object.keys(
      (json.ephemeral as Record<string, Record<string, unknown>>).kubernetes_token_request_v1,
    );
    expect(Object.values(json.resource?.vault_kubernetes_auth_backend_config ?? {})[0]).toEqual(
      expect.objectContaining({
        token_reviewer_jwt_wo: `\${ephemeral.kubernetes_token_request_v1.${request}.token}`,
        // The minting time: it changes exactly when a new token is minted.
        token_reviewer_jwt_wo_version: expect.stringMatching(
          /^\$\{parseint\(formatdate\("YYYYMMDDhhmmss", local\.service-account_reviewer-token-issued-at_\w+\), 10\)\}$/,
        ) as unknown,
      }),
    );
    // Asked for 90 days by default: the longest EKS grants.
    expect(
      (
        Object.values(
          (json.ephemeral as Record<string, Record<string, { spec: object }>>)
            .kubernetes_token_request_v1,
        )[0].spec as { expiration_seconds: number }
      ).expiration_seconds,
    ).toBe(90 * 24 * 3600);
    expect(JSON.stringify(json)).not.toContain('token_reviewer_jwt"');
    expect(JSON.stringify(json)).not.toContain('wait_for_service_account_token');
  });

  it('write-only mode declares one sensitive, ephemeral map variable per secret', () => {
    const json = synthJson(staging);
    expect(Object.keys(json.variable ?? {}).sort()).toEqual([
      'secret_values_payments_database',
      'secret_values_payments_stripe',
    ]);
    expect(json.variable?.secret_values_payments_database).toEqual(
      expect.objectContaining({
        type: 'map(string)',
        sensitive: true,
        ephemeral: true,
        nullable: false,
      }),
    );
    const secrets = Object.values(json.resource?.vault_kv_secret_v2 ?? {});
    expect(secrets.map((s) => s.data_json_wo)).toEqual([
      '${jsonencode(var.secret_values_payments_database)}',
      '${jsonencode(var.secret_values_payments_stripe)}',
    ]);
    expect(secrets.every((s) => s.data_json === undefined)).toBe(true);
  });

  it('token store auth writes the Vault token write-only into the vault-token Secret', () => {
    const json = synthJson(variant({ eso: { storeAuth: 'token' } }));
    expect(json.variable?.eso_vault_token).toEqual(
      expect.objectContaining({ sensitive: true, ephemeral: true }),
    );
    const secret = Object.values(json.resource?.kubernetes_secret_v1 ?? {})[0];
    expect(secret).toEqual(
      expect.objectContaining({ data_wo: { token: '${var.eso_vault_token}' } }),
    );
  });

  it('v1beta1 is selectable for ESO older than 0.16', () => {
    const text = synthText(variant({ eso: { apiVersion: 'external-secrets.io/v1beta1' } }));
    expect(text).toHaveResourceWithProperties(Manifest, {
      manifest: partial({ apiVersion: 'external-secrets.io/v1beta1', kind: 'ExternalSecret' }),
    });
  });
});

describe('backends and provider versions', () => {
  it('a local backend keeps the state beside the project, named after the stack', () => {
    expect((synthJson(dev).terraform as { backend: unknown }).backend).toEqual({
      local: { path: '../../../terraform.dev.tfstate' },
    });
  });

  it('a cloud backend names one workspace', () => {
    expect((synthJson(staging).terraform as { cloud: unknown }).cloud).toEqual({
      organization: 'example-platform',
      workspaces: { name: 'eks-vault-eso-staging' },
    });
  });

  it('a cloud backend can select workspaces by tags, on another host', () => {
    expect((synthJson(prod).terraform as { cloud: unknown }).cloud).toEqual({
      organization: 'example-platform',
      workspaces: { tags: ['eks-vault-eso', 'prod'] },
    });
    const json = synthJson(
      variant({
        backend: {
          type: 'cloud',
          organization: 'acme',
          workspace: 'w',
          hostname: 'tfe.acme.internal',
        },
      }),
    );
    expect((json.terraform as { cloud: unknown }).cloud).toEqual({
      organization: 'acme',
      hostname: 'tfe.acme.internal',
      workspaces: { name: 'w' },
    });
  });

  it('every environment requires the one set of provider versions the lab builds, and Terraform >= 1.11', () => {
    for (const env of ALL_ENVIRONMENTS) {
      const terraform = synthJson(env).terraform as {
        required_providers: Record<string, { version: string }>;
        required_version: string;
      };
      expect({
        aws: terraform.required_providers.aws.version,
        kubernetes: terraform.required_providers.kubernetes.version,
        vault: terraform.required_providers.vault.version,
      }).toEqual(providerVersions());
      expect(terraform.required_version).toBe('>= 1.11.0');
    }
    expect(providerVersions()).toEqual({
      aws: readVersions().AWS_PROVIDER_VERSION,
      kubernetes: readVersions().KUBERNETES_PROVIDER_VERSION,
      vault: readVersions().VAULT_PROVIDER_VERSION,
    });
  });
});

describe('tenants', () => {
  type Resources = Record<string, Record<string, Record<string, unknown>>>;
  const resources = (config: EnvironmentConfig): Resources =>
    (synthJson(config) as { resource: Resources }).resource;
  const manifests = (r: Resources, kind: string) =>
    Object.values(r.kubernetes_manifest ?? {})
      .map((m) => m.manifest as { kind: string; metadata: { name: string; namespace?: string } })
      .filter((m) => m.kind === kind);

  it('per-tenant: a SecretStore in each namespace, a role and an exact policy per tenant, under tenant-<name>', () => {
    const r = resources(withTenants({ tenants: ['alpha', 'beta'] }));
    expect(manifests(r, 'SecretStore').map((m) => m.metadata)).toEqual([
      { name: 'vault-backend', namespace: 'team-alpha' },
      { name: 'vault-backend', namespace: 'team-beta' },
    ]);
    expect(manifests(r, 'ClusterSecretStore')).toEqual([]);
    const roles = Object.entries(r.vault_kubernetes_auth_backend_role);
    expect(
      roles.map(([address, role]) => [
        address.split('_')[0],
        role.role_name,
        role.bound_service_account_namespaces,
      ]),
    ).toEqual([
      ['tenant-alpha', 'eso-alpha', ['team-alpha']],
      ['tenant-beta', 'eso-beta', ['team-beta']],
    ]);
    expect(Object.values(r.vault_policy).map((p) => p.policy)).toEqual([
      'path "secret/data/alpha/s01" {\n  capabilities = ["read"]\n}\n',
      'path "secret/data/beta/s01" {\n  capabilities = ["read"]\n}\n',
    ]);
  });

  it('shared-store: one ClusterSecretStore for the tenant namespaces, one role, one templated policy', () => {
    const r = resources(withTenants({ isolation: 'shared-store' }));
    expect(manifests(r, 'ClusterSecretStore').map((m) => m.metadata.name)).toEqual([
      'vault-backend',
    ]);
    expect(manifests(r, 'SecretStore')).toEqual([]);
    expect(
      Object.values(r.vault_kubernetes_auth_backend_role).map(
        (role) => role.bound_service_account_namespaces,
      ),
    ).toEqual([['team-alpha', 'team-beta']]);
    const [policy] = Object.values(r.vault_policy);
    expect(policy.policy).toMatch(
      /^path "secret\/data\/\{\{identity\.entity\.aliases\.\$\{vault_auth_backend\.[^.]+\.accessor\}\.metadata\.service_account_namespace\}\}\/\*"/,
    );
  });

  it('jwt: the issuer comes from the EKS lookup; no auth-delegator binding; roles pinned to one subject', () => {
    const r = resources(withTenants({ authMethod: 'jwt' }));
    const [backend] = Object.values(r.vault_jwt_auth_backend);
    expect(backend.oidc_discovery_url).toMatch(
      /^\$\{data\.aws_eks_cluster\.[^.]+\.identity\[0\]\.oidc\[0\]\.issuer\}$/,
    );
    expect(r.kubernetes_cluster_role_binding_v1).toBeUndefined();
    expect(
      Object.values(r.vault_jwt_auth_backend_role).map((role) => [
        role.bound_subject,
        role.bound_audiences,
      ]),
    ).toEqual([
      ['system:serviceaccount:team-alpha:vault-auth', ['vault']],
      ['system:serviceaccount:team-beta:vault-auth', ['vault']],
    ]);
  });

  it("guards each tenant's namespace under its own name, naming its own key", () => {
    const config = withTenants({ tenants: ['alpha', 'beta'] });
    const guarded = {
      ...config,
      tenants: config.tenants!.map(({ allowNamespaceDestroy: _a, ...t }) => t),
    };
    const guards = resources(guarded).terraform_data;
    expect(
      Object.entries(guards)
        .filter(([name]) => name.startsWith('destroy-needs-'))
        .map(([name, body]) => [name, (body.input as { allowKey: string }).allowKey]),
    ).toEqual([
      [
        'destroy-needs-tenant_alpha_allowNamespaceDestroy',
        'tenants[0].allowNamespaceDestroy (tenant "alpha")',
      ],
      [
        'destroy-needs-tenant_beta_allowNamespaceDestroy',
        'tenants[1].allowNamespaceDestroy (tenant "beta")',
      ],
    ]);
  });

  it('seeds a secret two tenants share once', () => {
    const both = withSharedSecret();
    expect(declaredSecrets(synthJson(both)).map((s) => s.name)).toEqual(['alpha/s01']);
  });
});
