/**
 * Synthesizes every shipped environment and a set of variants that, together, take every branch
 * of the stack and its constructs (both isolation designs, both login methods, every reviewer,
 * store-auth, cluster-auth and value mode, managed and existing mounts and namespaces, purging,
 * several clusters),
 * and prints one sha256 per stack. A change that should not alter behaviour (a restructuring)
 * proves it by printing the same lines before and after:
 *
 *   node scripts/run-ts.js scripts/synth-fingerprint.ts > before.txt   # on the old commit
 *   node scripts/run-ts.js scripts/synth-fingerprint.ts | diff before.txt -
 *
 * --out DIR also writes each stack's cdk.tf.json there, to diff the JSON itself.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ALL_ENVIRONMENTS } from '../environments';
import { localDatabase } from '../environments/local-database';
import type { ClusterConfig, EnvironmentConfig } from '../environments/types';
import { localClusters } from '../environments/local-clusters';
import { localTenants } from '../environments/local-tenants';
import {
  LAB_CLUSTER_NAME,
  LAB_GREEN_CLUSTER_NAME,
  LAB_GREEN_REGION,
} from '../common/lab-coordinates';
import { synthTexts, variant } from '../__tests__/support/stack';
import { withSharedSecret, withTenantRetired, withTenants } from '../__tests__/support/tenants';

const USAGE = `usage: node scripts/run-ts.js scripts/synth-fingerprint.ts [--out DIR]

Prints "<sha256>  <stack>" for every stack of every shipped environment (with team files, its own
and one per team) and of every variant that takes another branch of the stacks; --out DIR writes
each synthesized cdk.tf.json to DIR/<stack>.json.
`;

/** The lab's cluster as an entry of `clusters` (it takes over `local`'s objects), and another. */
const BLUE: ClusterConfig = {
  name: 'blue',
  clusterName: LAB_CLUSTER_NAME,
  authPath: 'kubernetes-my-auth',
};
const GREEN_JWT: ClusterConfig = {
  name: 'green',
  region: LAB_GREEN_REGION,
  clusterName: LAB_GREEN_CLUSTER_NAME,
  authPath: 'jwt-green',
  authMethod: 'jwt',
  jwtIssuerCa: 'cluster',
  tokenAudience: 'vault',
};

/** Variants of the lab's environment, one per branch the shipped environments do not take. */
const VARIANTS: Record<string, EnvironmentConfig> = {
  'local-token-secret': variant({ vault: { reviewerMode: 'token-secret' } }),
  'local-token-secret-ttl': variant({
    vault: {
      reviewerMode: 'token-secret',
      reviewerTokenTtlSeconds: 86400,
      reviewerTokenVersion: 3,
    },
  }),
  'local-exec': variant({ kubernetes: { auth: 'exec' } }),
  'local-static-token': variant({ kubernetes: { auth: 'static-token' } }),
  'local-existing-namespace': variant({ kubernetes: { manageNamespace: false } }),
  'local-protected': variant({
    kubernetes: { allowNamespaceDestroy: false },
    vault: { kvMount: { path: 'secret', managed: true, allowDestroy: false } },
  }),
  'local-unmanaged-mount': variant({ vault: { kvMount: { path: 'secret', managed: false } } }),
  'local-purge': variant({
    vault: {
      kvMount: { path: 'secret', managed: true, allowDestroy: true, purgeSecretsOnDestroy: true },
    },
  }),
  'local-write-only': variant({
    secretValues: 'write-only',
    secrets: [
      {
        name: 'my-secret',
        externalSecretName: 'vault-external-secret',
        targetSecretName: 'vault-secret',
        writeOnlyVersion: 2,
      },
      {
        name: 'app/config',
        externalSecretName: 'app-config',
        targetSecretName: 'app-config',
        listMetadata: true,
      },
    ],
  }),
  'local-store-token': variant({ eso: { storeAuth: 'token' } }),
  'local-jwt': variant({
    kubernetes: { tokenAudience: 'vault' },
    vault: { authMethod: 'jwt', jwtIssuerCa: 'cluster' },
  }),
  'local-v1beta1': variant({
    eso: { apiVersion: 'external-secrets.io/v1beta1', readyTimeout: '30s' },
  }),
  'local-retired': variant({ retiredSecrets: ['old/one', 'gone'] }),
  // Placeholder text that holds template syntax, quotes and controls: written as literals.
  'local-template-text': variant({
    secrets: [
      {
        name: 'my-secret',
        externalSecretName: 'vault-external-secret',
        targetSecretName: 'vault-secret',
        placeholder: {
          tpl: '${file("/etc/hostname")} %{ if true }x%{ endif } $${y}',
          q: 'a"b\\c\nd',
        },
      },
    ],
  }),
  'tenants-per-tenant-kubernetes': withTenants({
    isolation: 'per-tenant',
    authMethod: 'kubernetes',
    secretsPerTenant: 2,
  }),
  'tenants-per-tenant-jwt': withTenants({ isolation: 'per-tenant', authMethod: 'jwt' }),
  'tenants-shared-kubernetes': withTenants({
    isolation: 'shared-store',
    authMethod: 'kubernetes',
    tenants: 3,
  }),
  'tenants-shared-jwt': withTenants({ isolation: 'shared-store', authMethod: 'jwt' }),
  'tenants-shared-secret': withSharedSecret(),
  // Team files (the environment's stack and one per team) in the other designs and methods, and
  // a team's own retired secret; a team stack's Terraform Cloud workspace.
  'teams-per-tenant-kubernetes': variant(
    {
      vault: { authMethod: 'kubernetes', authPath: 'kubernetes-teams', jwtIssuerCa: null },
      kubernetes: { tokenAudience: 'https://kubernetes.default.svc' },
    },
    localTenants,
  ),
  'teams-shared-jwt': variant({ eso: { isolation: 'shared-store' } }, localTenants),
  'teams-shared-kubernetes': variant(
    {
      eso: { isolation: 'shared-store' },
      vault: { authMethod: 'kubernetes', authPath: 'kubernetes-teams', jwtIssuerCa: null },
      kubernetes: { tokenAudience: 'https://kubernetes.default.svc' },
    },
    localTenants,
  ),
  'teams-cloud': variant(
    {
      vault: { address: 'https://vault.example.com', versionOverride: null, jwtIssuerCa: null },
      backend: { type: 'cloud', organization: 'example', workspace: 'teams' },
    },
    localTenants,
  ),
  'tenants-retired': withTenantRetired(),
  // Dynamic credentials in a single chain (kubernetes login), behind the engine's destroy guard.
  'local-database-single-chain': variant({
    vault: {
      database: { ...localDatabase.vault.database!, allowDestroy: false },
    },
    databaseCredentials: [
      { ...localDatabase.tenants![0].databaseCredentials![0], name: 'local-app' },
    ],
  }),
  // Several clusters: a single chain taking over its cluster beside a jwt one (guarded
  // namespaces, the guards per cluster), exec credentials, token-secret reviewers per cluster,
  // a retired cluster, and dynamic credentials read in each cluster.
  'local-clusters-single-chain': variant({
    kubernetes: { allowNamespaceDestroy: false },
    clusters: [BLUE, GREEN_JWT],
  }),
  'local-clusters-exec': variant({ kubernetes: { auth: 'exec' }, clusters: [BLUE, GREEN_JWT] }),
  'local-clusters-token-secret': variant({
    vault: { reviewerMode: 'token-secret' },
    clusters: [BLUE, { ...GREEN_JWT, authMethod: 'kubernetes', tokenAudience: undefined }],
  }),
  'local-clusters-retired': variant(
    { clusters: [{ ...localClusters.clusters![0], retired: true }, localClusters.clusters![1]] },
    localClusters,
  ),
  'local-clusters-database': variant(
    {
      clusters: [
        { name: 'blue', clusterName: LAB_CLUSTER_NAME, authPath: 'jwt-dbteams' },
        localClusters.clusters![1],
      ],
    },
    localDatabase,
  ),
};

function main(): void {
  const { values } = parseArgs({ options: { out: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const stacks: [string, EnvironmentConfig][] = [
    ...ALL_ENVIRONMENTS.map((e): [string, EnvironmentConfig] => [e.name, e]),
    ...Object.entries(VARIANTS).map(([name, config]): [string, EnvironmentConfig] => [
      name,
      { ...config, name },
    ]),
  ];
  if (values.out) mkdirSync(values.out, { recursive: true });
  for (const [, config] of stacks)
    for (const [stack, text] of synthTexts(config)) {
      if (values.out) writeFileSync(join(values.out, `${stack}.json`), text);
      process.stdout.write(`${createHash('sha256').update(text).digest('hex')}  ${stack}\n`);
    }
}

main();
