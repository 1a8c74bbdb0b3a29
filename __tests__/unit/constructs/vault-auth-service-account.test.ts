import { ClusterRoleBindingV1 } from '@cdktf/provider-kubernetes/lib/cluster-role-binding-v1';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { Testing } from 'cdktf';
import { VaultAuthServiceAccount } from '../../../constructs/vault-auth-service-account';
import { parse, ref, partial, countOf } from '../../support/construct-test';

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
    const issuedAt = expect.stringMatching(
      /^\$\{local\.sa_reviewer-token-issued-at_\w+\}$/,
    ) as unknown;
    expect(out).toHaveResourceWithProperties(SecretV1, {
      type: 'Opaque',
      metadata: partial({
        name: 'vault-auth',
        namespace: 'ns',
        // The record of the token: when it was minted and expires, which version minted it.
        annotations: partial({
          'eks-vault-eso/reviewer-token-issued-at': issuedAt,
          'eks-vault-eso/reviewer-token-expires-at': expect.stringMatching(
            /^\$\{timeadd\(local\.sa_reviewer-token-issued-at_\w+, "86400s"\)\}$/,
          ) as unknown,
          'eks-vault-eso/reviewer-token-version': '2',
        }),
      }),
    });
    // A new token is due without a record (first deploy, the Secret deleted), half its
    // lifetime after the recorded minting, or for another version; the record is read by name.
    const json = parse(out) as unknown as {
      locals: Record<string, string>;
      data: { kubernetes_secret_v1: Record<string, { metadata: object }> };
    };
    expect(Object.values(json.data.kubernetes_secret_v1)).toEqual([
      { metadata: { name: 'vault-auth', namespace: 'ns' } },
    ]);
    const [issued] = Object.values(json.locals);
    expect(issued).toContain('timeadd(try(data.kubernetes_secret_v1.');
    expect(issued).toContain('"43200s"), plantimestamp()) < 0, true)');
    expect(issued).toContain('["eks-vault-eso/reviewer-token-version"], "") != "2"');
    expect(issued).toMatch(/\? plantimestamp\(\) : try\(/);
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
    expect(account.reviewerToken?.version).toMatch(/^\$\{parseint\(formatdate\(/);
  });
});
