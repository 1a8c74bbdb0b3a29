/**
 * The manual procedure (docs/manual-procedure.md), run against the lab with the bao CLI and
 * kubectl: what a team built by hand before adopting this program (07-adopt, 11-eso-upgrade).
 */
import { readFileSync } from 'node:fs';
import { local } from '../../../environments/local';
import type { EsoApiVersion } from '../../../environments/types';
import { eventually, exec, kubectl, kubectlJson, lab, labEnvironment } from './lab-chain';

const { vault: v, kubernetes: k8s, eso } = local;
export const mySecret = local.secrets[0];

function bao(args: readonly string[], input?: string) {
  return exec('bao', args, {
    env: labEnvironment({ BAO_NAMESPACE: lab().vault.namespace }),
    input,
  });
}

/** The manual procedure's steps, in its order, with its values (the lab plays EKS and HCP). */
export async function buildByHand(
  esoApiVersion: EsoApiVersion = 'external-secrets.io/v1',
): Promise<void> {
  const must = async (what: string, run: Promise<{ code: number; stderr: string }>) => {
    const result = await run;
    if (result.code !== 0) throw new Error(`${what} failed: ${result.stderr}`);
  };
  await must('namespace', kubectl(['create', 'namespace', k8s.namespace]));
  // 1. One manifest: the account, its long-lived token Secret, the auth-delegator binding.
  await must(
    'kubectl apply',
    kubectl(
      ['apply', '-f', '-'],
      `apiVersion: v1
kind: ServiceAccount
metadata: { name: ${k8s.serviceAccountName}, namespace: ${k8s.namespace} }
---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: ${k8s.serviceAccountName}
  namespace: ${k8s.namespace}
  annotations: { kubernetes.io/service-account.name: ${k8s.serviceAccountName} }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: ${k8s.clusterRoleBindingName} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:auth-delegator }
subjects:
  - { kind: ServiceAccount, name: ${k8s.serviceAccountName}, namespace: ${k8s.namespace} }
`,
    ),
  );
  // 2. Read back the reviewer JWT and the cluster CA.
  const jwt = await eventually('the token controller to fill the Secret', 60, async () => {
    const secret = await kubectlJson<{ data?: { token?: string } }>([
      'secret',
      k8s.serviceAccountName,
      '-n',
      k8s.namespace,
    ]);
    return secret?.data?.token ? Buffer.from(secret.data.token, 'base64').toString() : undefined;
  });
  const caPem = readFileSync(lab().kubernetes.caFile, 'utf8');
  // 3.-6. The policy, the KV secret with its placeholder, the auth method, its config, the role.
  await must('kv mount', bao(['secrets', 'enable', `-path=${v.kvMount.path}`, '-version=2', 'kv']));
  await must(
    'policy',
    bao(
      ['policy', 'write', v.policyName, '-'],
      `path "${v.kvMount.path}/data/${mySecret.name}" { capabilities = ["read", "list"] }\n`,
    ),
  );
  await must(
    'kv put',
    bao(['kv', 'put', `-mount=${v.kvMount.path}`, mySecret.name, 'dummy_key1=dummy_value1']),
  );
  await must('auth enable', bao(['auth', 'enable', `-path=${v.authPath}`, 'kubernetes']));
  await must(
    'auth config',
    bao([
      'write',
      `auth/${v.authPath}/config`,
      `token_reviewer_jwt=${jwt}`,
      `kubernetes_host=${lab().kubernetes.apiserverUrl}`,
      `kubernetes_ca_cert=${caPem}`,
    ]),
  );
  await must(
    'role',
    bao([
      'write',
      `auth/${v.authPath}/role/${v.roleName}`,
      `bound_service_account_names=${k8s.serviceAccountName}`,
      `bound_service_account_namespaces=${k8s.namespace}`,
      `policies=${v.policyName}`,
    ]),
  );
  // 7. The store and the ExternalSecret (the write-up wrote v1beta1, which ESO 0.20 no longer
  // serves: 07 applies them as v1, 09 as v1beta1 on ESO 0.16).
  await must(
    'ESO objects',
    kubectl(
      ['apply', '-f', '-'],
      `apiVersion: ${esoApiVersion}
kind: ClusterSecretStore
metadata: { name: ${eso.storeName} }
spec:
  provider:
    vault:
      server: ${v.address}
      namespace: ${lab().vault.namespace}
      path: ${v.kvMount.path}
      version: v2
      auth:
        kubernetes:
          mountPath: ${v.authPath}
          role: ${v.roleName}
          serviceAccountRef: { name: ${k8s.serviceAccountName}, namespace: ${k8s.namespace} }
---
apiVersion: ${esoApiVersion}
kind: ExternalSecret
metadata: { name: ${mySecret.externalSecretName}, namespace: ${k8s.namespace} }
spec:
  refreshInterval: "0"
  secretStoreRef: { name: ${eso.storeName}, kind: ClusterSecretStore }
  target: { name: ${mySecret.targetSecretName} }
  dataFrom: [{ extract: { key: ${mySecret.name} } }]
`,
    ),
  );
}
