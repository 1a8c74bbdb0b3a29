import { Testing } from 'cdktf';
import { dev } from '../../environments/dev';
import { local } from '../../environments/local';
import { staging } from '../../environments/staging';
import { CHAIN_RULES, checkChain } from '../../rules/chain-invariants';
import { findSecretLikeValues } from '../../common/secret-shapes';
import { noSecretValues } from '../../rules/no-secret-values';
import { noWildcardBindings } from '../../rules/no-wildcard-bindings';
import { parsePolicy } from '../../common/chain/policy';
import { policyExactDataPaths } from '../../rules/policy-exact-data-paths';
import { roleNamespaceMatchesServiceAccount } from '../../rules/role-namespace-matches-service-account';
import type { JsonObject, StackJson } from '../../common/stack-json';
import { storeMatchesVault } from '../../rules/store-matches-vault';
import { targetsKept } from '../../rules/targets-kept';
import { clustersApart } from '../../rules/clusters-apart';
import { localClusters } from '../../environments/local-clusters';
import { validateEnvironment } from '../../environments';
import { buildStack, synthJson, variant } from '../support/stack';
import { withSharedSecret, withTenants } from '../support/tenants';

/** A fresh copy of the local stack's JSON (validations off), to break one thing at a time. */
function localJson(): StackJson & { resource: Record<string, Record<string, JsonObject>> } {
  return synthJson(local, false) as StackJson & {
    resource: Record<string, Record<string, JsonObject>>;
  };
}

function only(json: StackJson, type: string): JsonObject {
  const all = Object.values(json.resource?.[type] ?? {});
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}

function storeManifest(json: StackJson): JsonObject {
  const store = Object.values(json.resource?.kubernetes_manifest ?? {}).find(
    (r) => (r.manifest as JsonObject).kind === 'ClusterSecretStore',
  );
  return store!.manifest as JsonObject;
}

function vaultOfStore(json: StackJson): JsonObject {
  return ((storeManifest(json).spec as JsonObject).provider as JsonObject).vault as JsonObject;
}

const messages = (violations: { ruleId: string; message: string }[]) =>
  violations.map((v) => `${v.ruleId} ${v.message}`);

describe('every real environment passes every rule', () => {
  it.each([dev, staging, local].map((e) => [e.name, e] as const))('%s', (_name, env) => {
    expect(checkChain(synthJson(env, false))).toEqual([]);
  });

  it('each rule has a stable, unique id', () => {
    expect(CHAIN_RULES.map((r) => r.id)).toEqual([
      'CHAIN-001',
      'CHAIN-002',
      'CHAIN-003',
      'CHAIN-004',
      'CHAIN-005',
      'CHAIN-006',
      'CHAIN-007',
      'CHAIN-008',
      'CHAIN-009',
    ]);
  });
});

describe('CHAIN-001 the policy covers exactly the declared data/ paths', () => {
  it('passes for the generated policy', () => {
    expect(policyExactDataPaths.check(localJson())).toEqual([]);
  });

  it("fails on the manual procedure's path without data/, and says which path to use", () => {
    const json = localJson();
    only(json, 'vault_policy').policy =
      'path "secret/my-secret" {\n  capabilities = ["read", "list"]\n}\npath "secret/data/app/config" {\n  capabilities = ["read"]\n}\n';
    expect(messages(policyExactDataPaths.check(json))).toEqual([
      'CHAIN-001 policy "my-policy": path "secret/my-secret" has no "data/" segment; on KV v2 it grants nothing, use "secret/data/my-secret"',
      'CHAIN-001 policy "my-policy": declared secret path "secret/data/my-secret" is not granted "read"',
    ]);
  });

  it('fails on a glob, an extra capability and an undeclared path', () => {
    const json = localJson();
    only(json, 'vault_policy').policy = [
      'path "secret/data/*" { capabilities = ["read"] }',
      'path "secret/data/my-secret" { capabilities = ["read", "update"] }',
      'path "secret/data/app/config" { capabilities = ["read"] }',
      'path "sys/mounts" { capabilities = ["read"] }',
    ].join('\n');
    expect(messages(policyExactDataPaths.check(json))).toEqual([
      'CHAIN-001 policy "my-policy": path "secret/data/*" is a glob; grant each secret\'s exact path',
      'CHAIN-001 policy "my-policy": path "secret/data/my-secret" grants ["update"]; only "read" is needed',
      'CHAIN-001 policy "my-policy": path "sys/mounts" is not the data/ or metadata/ path of a declared secret',
    ]);
  });

  it('parses policy blocks and reports text it does not understand', () => {
    expect(parsePolicy('path "a" { capabilities = ["read"] }\n# note\nbogus')).toEqual({
      paths: [{ path: 'a', capabilities: ['read'] }],
      rest: 'bogus',
    });
  });
});

describe("CHAIN-002 the role's namespace is the service account's", () => {
  it('passes for the generated role', () => {
    expect(roleNamespaceMatchesServiceAccount.check(localJson())).toEqual([]);
  });

  it('fails when the role is bound to another namespace', () => {
    const json = localJson();
    only(json, 'vault_kubernetes_auth_backend_role').bound_service_account_namespaces = ['default'];
    expect(messages(roleNamespaceMatchesServiceAccount.check(json))).toEqual([
      'CHAIN-002 role "eso-vault": bound namespace "default" but service account "vault-auth" lives in "my-namespace"',
    ]);
  });

  it('fails when the role binds more than one account', () => {
    const json = localJson();
    only(json, 'vault_kubernetes_auth_backend_role').bound_service_account_names = [
      'vault-auth',
      'default',
    ];
    expect(messages(roleNamespaceMatchesServiceAccount.check(json))[0]).toContain(
      'bind exactly one service account in one namespace',
    );
  });

  it('is enforced at synth: a broken override stops synthesis with the rule id', () => {
    const stack = buildStack(local);
    const role = stack.node.findAll().find((c) => c.node.path.endsWith('kubernetes-auth/role'));
    (role as unknown as { addOverride(path: string, value: unknown): void }).addOverride(
      'bound_service_account_namespaces',
      ['default'],
    );
    // cdktf merges an overridden list into the original, so the role now binds two namespaces.
    expect(() => Testing.synth(stack, true)).toThrow(
      '[local] [CHAIN-002] role "eso-vault": admits ["my-namespace/vault-auth","default/vault-auth"]; bind exactly one service account in one namespace',
    );
  });
});

describe('CHAIN-003 the store matches the Vault side', () => {
  it('passes for the generated store', () => {
    expect(storeMatchesVault.check(localJson())).toEqual([]);
  });

  it("fails without the Vault namespace (the manual procedure's 403)", () => {
    const json = localJson();
    delete vaultOfStore(json).namespace;
    expect(messages(storeMatchesVault.check(json))).toEqual([
      'CHAIN-003 ClusterSecretStore "vault-backend": Vault namespace "(none)" but the Vault side is in "admin"; a store in the wrong namespace gets 403 on every read',
    ]);
  });

  it('fails on a wrong auth mount path, role and mount', () => {
    const json = localJson();
    const vault = vaultOfStore(json);
    vault.path = 'kv';
    ((vault.auth as JsonObject).kubernetes as JsonObject).mountPath = 'kubernetes';
    expect(messages(storeMatchesVault.check(json))).toEqual([
      'CHAIN-003 ClusterSecretStore "vault-backend": path "kv" is not the KV mount of the declared secrets (secret)',
      'CHAIN-003 ClusterSecretStore "vault-backend": auth mountPath "kubernetes" is not the path of an auth method of this stack (kubernetes-my-auth)',
      'CHAIN-003 ClusterSecretStore "vault-backend": kubernetes role "eso-vault" does not exist at auth path "kubernetes"',
    ]);
  });

  it("fails when the requested token lacks the role's audience", () => {
    const json = localJson();
    (
      ((vaultOfStore(json).auth as JsonObject).kubernetes as JsonObject)
        .serviceAccountRef as JsonObject
    ).audiences = ['vault'];
    expect(messages(storeMatchesVault.check(json))).toEqual([
      'CHAIN-003 ClusterSecretStore "vault-backend": token audiences ["vault"] lack the role\'s audience "https://kubernetes.default.svc"',
    ]);
  });

  it('fails when an ExternalSecret extracts an undeclared secret', () => {
    const json = localJson();
    const es = Object.values(json.resource.kubernetes_manifest).find(
      (r) => (r.manifest as JsonObject).kind === 'ExternalSecret',
    )!;
    ((es.manifest as JsonObject).spec as JsonObject).dataFrom = [{ extract: { key: 'other' } }];
    expect(messages(storeMatchesVault.check(json))).toEqual([
      'CHAIN-003 ExternalSecret "app-config": extracts "other", which is not a declared secret',
    ]);
  });
});

describe('CHAIN-004 no wildcard bindings', () => {
  it('passes for the generated role', () => {
    expect(noWildcardBindings.check(localJson())).toEqual([]);
  });

  it('fails on "*" in bound names and namespaces, and on a namespace selector', () => {
    const json = localJson();
    const role = only(json, 'vault_kubernetes_auth_backend_role');
    role.bound_service_account_names = ['*'];
    role.bound_service_account_namespaces = ['team-*'];
    role.bound_service_account_namespace_selector = '{"matchLabels":{}}';
    expect(messages(noWildcardBindings.check(json))).toEqual([
      'CHAIN-004 role "eso-vault": bound_service_account_names contains "*"; name the one service account and namespace',
      'CHAIN-004 role "eso-vault": bound_service_account_namespaces contains "team-*"; name the one service account and namespace',
      'CHAIN-004 role "eso-vault": bound_service_account_namespace_selector widens the binding; name the namespace',
    ]);
  });
});

describe('CHAIN-005 no secret values in the synthesized JSON', () => {
  it('passes for every mode: placeholders are not secrets, write-only values are references', () => {
    expect(noSecretValues.check(localJson())).toEqual([]);
    expect(
      noSecretValues.check(
        synthJson(
          variant({ vault: { reviewerMode: 'token-secret' }, eso: { storeAuth: 'token' } }),
          false,
        ),
      ),
    ).toEqual([]);
    expect(noSecretValues.check(synthJson(staging, false))).toEqual([]);
  });

  it('fails on a literal reviewer JWT, without echoing it', () => {
    const json = localJson();
    const jwt = [
      'eyJhbGciOiJSUzI1NiJ9',
      'eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ',
      'c2lnbmF0dXJl',
    ].join('.');
    only(json, 'vault_kubernetes_auth_backend_config').token_reviewer_jwt = jwt;
    const found = messages(noSecretValues.check(json));
    expect(found).toEqual([
      "CHAIN-005 a JSON Web Token (eyJhbG...) is written in the configuration; pass it through a sensitive variable or the provider's environment",
      expect.stringMatching(
        /^CHAIN-005 vault_kubernetes_auth_backend_config\.[^:]+: token_reviewer_jwt is a literal; it must come from a sensitive variable or another resource$/,
      ),
    ]);
    expect(found.join('\n')).not.toContain(jwt);
  });

  it('fails on a Vault token in the provider block', () => {
    const json = localJson();
    json.provider!.vault[0].token = 'hvs.' + 'A'.repeat(24);
    expect(messages(noSecretValues.check(json))).toEqual([
      "CHAIN-005 a Vault service/batch/recovery token (hvs.AA...) is written in the configuration; pass it through a sensitive variable or the provider's environment",
      "CHAIN-005 the vault provider has a token in code; use VAULT_TOKEN or the provider's auth_login",
    ]);
  });

  it('fails on a literal write-only value', () => {
    const json = synthJson(
      variant({
        secretValues: 'write-only',
        secrets: local.secrets.map(({ placeholder: _placeholder, ...rest }) => rest),
      }),
    ) as ReturnType<typeof localJson>;
    Object.values(json.resource.vault_kv_secret_v2)[0].data_json_wo = '{"password":"hunter2"}';
    expect(messages(noSecretValues.check(json))).toEqual([
      expect.stringContaining('data_json_wo is a literal'),
    ]);
  });

  it('recognises the credential shapes it looks for', () => {
    const shapes = [
      'AKIA' + 'ABCDEFGHIJKLMNOP',
      '-----BEGIN RSA ' + 'PRIVATE KEY-----',
      'k8s-aws-v1.' + 'aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8',
      's.' + 'abcdefghijklmnopqrstuvwx',
    ];
    expect(shapes.map((s) => findSecretLikeValues(`x ${s} y`).map((f) => f.name))).toEqual([
      ['AWS access key id'],
      ['private key'],
      ['EKS token'],
      ['legacy Vault token'],
    ]);
    expect(findSecretLikeValues('dummy_value1 my-secret https://kubernetes.default.svc')).toEqual(
      [],
    );
  });
});

describe('tenants: the rules hold every tenant to its own', () => {
  type Resources = Record<string, Record<string, JsonObject>>;
  const tenantJson = (options: Parameters<typeof withTenants>[0] = {}) =>
    synthJson(withTenants(options), false) as StackJson & { resource: Resources };
  const byName = (json: { resource: Resources }, type: string, field: string, value: string) =>
    Object.values(json.resource[type]).find((r) => r[field] === value)!;

  it.each([
    ['per-tenant', 'kubernetes'],
    ['per-tenant', 'jwt'],
    ['shared-store', 'kubernetes'],
    ['shared-store', 'jwt'],
  ] as const)('%s design with the %s method passes every rule', (isolation, authMethod) => {
    expect(messages(checkChain(tenantJson({ isolation, authMethod })))).toEqual([]);
  });

  it("a policy granting another tenant's secret breaks CHAIN-001 and CHAIN-006, naming both tenants", () => {
    const json = tenantJson();
    const policy = byName(json, 'vault_policy', 'name', 'eso-alpha');
    policy.policy = `${policy.policy as string}path "secret/data/beta/s01" {\n  capabilities = ["read"]\n}\n`;
    expect(messages(checkChain(json))).toEqual([
      'CHAIN-001 policy "eso-alpha": path "secret/data/beta/s01" is a secret of tenant "beta", not of "alpha"',
      'CHAIN-006 "secret/data/beta/s01" is granted to tenants "alpha" and "beta", but "alpha" and "beta" did not declare it shared',
    ]);
  });

  it('a secret both tenants declare shared may be granted to both', () => {
    const both = withSharedSecret();
    expect(validateEnvironment(both)).toEqual([]);
    expect(messages(checkChain(synthJson(both, false)))).toEqual([]);
  });

  it("a role bound to another tenant's namespace breaks CHAIN-002", () => {
    const json = tenantJson();
    byName(
      json,
      'vault_kubernetes_auth_backend_role',
      'role_name',
      'eso-alpha',
    ).bound_service_account_namespaces = ['team-beta'];
    expect(messages(roleNamespaceMatchesServiceAccount.check(json))).toEqual([
      'CHAIN-002 role "eso-alpha": bound namespace "team-beta" but service account "vault-auth" lives in "team-alpha"',
    ]);
  });

  it('a jwt role without a subject, or with a wildcard one, breaks CHAIN-002 or CHAIN-004', () => {
    const json = tenantJson({ authMethod: 'jwt' });
    const alpha = byName(json, 'vault_jwt_auth_backend_role', 'role_name', 'eso-alpha');
    delete alpha.bound_subject;
    const beta = byName(json, 'vault_jwt_auth_backend_role', 'role_name', 'eso-beta');
    beta.bound_subject = 'system:serviceaccount:team-beta:*';
    expect(messages(checkChain(json))).toEqual(
      expect.arrayContaining([
        'CHAIN-002 role "eso-alpha": binds no subject and no namespace and name claims: any service account of the cluster could log in',
        'CHAIN-004 role "eso-beta": bound_subject contains "system:serviceaccount:team-beta:*"; name the one service account and namespace',
      ]),
    );
  });

  it("an ExternalSecret reading another tenant's secret breaks CHAIN-006", () => {
    const json = tenantJson();
    const es = Object.values(json.resource.kubernetes_manifest).find(
      (r) =>
        (r.manifest as JsonObject).kind === 'ExternalSecret' &&
        ((r.manifest as JsonObject).metadata as JsonObject).namespace === 'team-alpha',
    )!;
    ((es.manifest as JsonObject).spec as JsonObject).dataFrom = [{ extract: { key: 'beta/s01' } }];
    expect(messages(checkChain(json))).toEqual([
      'CHAIN-006 ExternalSecret "team-alpha/s01": reads "beta/s01", which is not a secret of tenant "alpha"',
    ]);
  });

  it('a shared ClusterSecretStore opened to a namespace that is no tenant breaks CHAIN-003 and CHAIN-006', () => {
    const json = tenantJson({ isolation: 'shared-store' });
    const store = Object.values(json.resource.kubernetes_manifest).find(
      (r) => (r.manifest as JsonObject).kind === 'ClusterSecretStore',
    )!;
    ((store.manifest as JsonObject).spec as JsonObject).conditions = [
      { namespaces: ['team-alpha', 'team-beta', 'default'] },
    ];
    expect(messages(checkChain(json))).toEqual([
      'CHAIN-003 ClusterSecretStore "vault-backend": logs in as default/vault-auth, which role "eso-local" does not admit (team-alpha/vault-auth, team-beta/vault-auth)',
      'CHAIN-006 ClusterSecretStore "vault-backend": serves namespace "default", which is not a tenant logging in with role "eso-local"',
    ]);
  });
});

describe('CHAIN-007 the Secrets workloads read are kept', () => {
  const externalSecrets = (json: StackJson) =>
    Object.values(json.resource?.kubernetes_manifest ?? {})
      .map((r) => r.manifest as JsonObject)
      .filter((m) => m.kind === 'ExternalSecret');

  it('passes for the generated ExternalSecrets and takeover guard', () => {
    expect(targetsKept.check(localJson())).toEqual([]);
    expect(targetsKept.check(synthJson(withTenants(), false))).toEqual([]);
  });

  it('fails on an ExternalSecret that owns its target, naming the Secret it would delete', () => {
    const json = localJson();
    const [first] = externalSecrets(json);
    ((first.spec as JsonObject).target as JsonObject).creationPolicy = 'Owner';
    expect(messages(targetsKept.check(json))).toEqual([
      'CHAIN-007 ExternalSecret "my-namespace/app-config": creationPolicy "Owner"; use "Orphan", or deleting or replacing it deletes the Secret "app-config" its workload reads',
    ]);
  });

  it('fails on a target the takeover guard leaves out, unless the environment adopts it', () => {
    const json = localJson();
    const policy = Object.values(json.resource.kubernetes_manifest).find(
      (r) => (r.manifest as JsonObject).kind === 'ValidatingAdmissionPolicy',
    )!;
    const [condition] = ((policy.manifest as JsonObject).spec as JsonObject)
      .matchConditions as JsonObject[];
    condition.expression = `request.namespace + '/' + request.name in ["my-namespace/app-config"]`;
    expect(messages(targetsKept.check(json))).toEqual([
      'CHAIN-007 Secret "my-namespace/vault-secret" (ExternalSecret "my-namespace/vault-external-secret") is not guarded: ESO could take over a Secret of that name it did not create; guard it with the stack\'s takeover policy, or adopt it (adoptExistingTarget)',
    ]);
    const adopted = synthJson(
      variant({
        secrets: [{ ...local.secrets[0], adoptExistingTarget: true }, local.secrets[1]],
      }),
      false,
    );
    expect(targetsKept.check(adopted)).toEqual([]);
  });
});

describe('CHAIN-009 each cluster keeps to its own', () => {
  /** The two-cluster lab environment's JSON, and its resources of one type by name part. */
  const fleet = () => synthJson(localClusters, false);
  const find = (json: StackJson, type: string, part: string): JsonObject => {
    const [found] = Object.entries(json.resource?.[type] ?? {}).filter(([name]) =>
      name.includes(part),
    );
    if (!found) throw new Error(`no ${type} with ${part}`);
    return found[1];
  };
  const manifest = (json: StackJson, kind: string, part: string): JsonObject => {
    const [found] = Object.entries(json.resource?.kubernetes_manifest ?? {}).filter(
      ([name, r]) => name.includes(part) && (r.manifest as JsonObject).kind === kind,
    );
    return found[1];
  };

  it('passes for the two-cluster environment and a retired cluster, and has nothing to say of one', () => {
    expect(clustersApart.check(fleet())).toEqual([]);
    const [blue, green] = localClusters.clusters!;
    const retired = variant({ clusters: [{ ...blue, retired: true }, green] }, localClusters);
    expect(checkChain(synthJson(retired, false))).toEqual([]);
    expect(clustersApart.check(localJson())).toEqual([]);
  });

  it("fails on a store of one cluster logging in through another cluster's auth method", () => {
    const json = fleet();
    const store = manifest(json, 'SecretStore', 'cluster-green_tenant-shop');
    const auth = (
      (((store.manifest as JsonObject).spec as JsonObject).provider as JsonObject)
        .vault as JsonObject
    ).auth as JsonObject;
    (auth.kubernetes as JsonObject).mountPath = 'jwt-fleet-blue';
    expect(messages(clustersApart.check(json))).toEqual([
      'CHAIN-009 SecretStore "fleet-shop/vault" in cluster "green": logs in at "jwt-fleet-blue", not its cluster\'s auth method "kubernetes-fleet-green"; its tokens are another cluster\'s to vouch for',
    ]);
  });

  it("fails on an auth method configured from another cluster's lookup", () => {
    const json = fleet();
    const blueLookup = Object.keys(json.data?.aws_eks_cluster ?? {}).find((n) =>
      n.startsWith('cluster-blue_'),
    )!;
    find(json, 'vault_kubernetes_auth_backend_config', 'cluster-green_').kubernetes_host =
      `\${data.aws_eks_cluster.${blueLookup}.endpoint}`;
    expect(messages(clustersApart.check(json))).toEqual([
      expect.stringMatching(
        /^CHAIN-009 cluster "green": auth method "kubernetes-fleet-green" \(kubernetes\) is not configured with this cluster's own API server/,
      ),
    ]);
  });

  it('fails on a Kubernetes object left on the default provider, and a provider aimed at another cluster', () => {
    const json = fleet();
    delete manifest(json, 'ExternalSecret', 'cluster-blue_tenant-books').provider;
    const green = json.provider!.kubernetes.find((p) => p.alias === 'green')!;
    green.host = json.provider!.kubernetes.find((p) => p.alias === 'blue')!.host;
    expect(messages(clustersApart.check(json))).toEqual([
      expect.stringMatching(
        /^CHAIN-009 cluster "green": its Kubernetes provider \(kubernetes.green\) is not configured with its own lookup's endpoint and CA/,
      ),
      expect.stringMatching(
        /^CHAIN-009 kubernetes_manifest\.cluster-blue_tenant-books_external-secret-api_external-secret_[0-9A-F]+: provider \(the default\) is no cluster's/,
      ),
    ]);
  });

  it("fails on a target one cluster's guard leaves out, and on a retired cluster's logins kept", () => {
    const json = fleet();
    const policy = manifest(json, 'ValidatingAdmissionPolicy', 'cluster-green_');
    const [condition] = ((policy.manifest as JsonObject).spec as JsonObject)
      .matchConditions as JsonObject[];
    condition.expression = `request.namespace + '/' + request.name in ["fleet-books/api"]`;
    const declared = ((json.locals as JsonObject).declared_clusters as JsonObject)
      .clusters as JsonObject[];
    declared[0].retired = true;
    expect(messages(clustersApart.check(json))).toEqual([
      'CHAIN-009 cluster "blue": auth method "jwt-fleet-blue" is still declared; a retired cluster\'s logins must end',
      'CHAIN-009 Secret "fleet-shop/database" in cluster "green" is not guarded there: each cluster\'s admission policy guards that cluster\'s targets',
    ]);
  });
});
