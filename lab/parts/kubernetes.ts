// kube-apiserver (RBAC, client certs, EKS tokens through the emulator's webhook) and
// kube-controller-manager (namespaces, service accounts and their tokens, garbage collection).
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import type { HttpResponse } from '../http';
import { request, waitFor } from '../http';
import { ensureBuilt } from '../toolchain';
import type { LabContext } from './context';
import { apiserverUrl, etcdUrl, kubernetesBinDir, webhookUrl, writeFileIfChanged } from './context';
import { adminTls, pkiFiles } from './pki';
import type { Health, ServiceDefinition } from './service';

/** The audience the API server accepts bearer tokens for (the lab environment requests it). */
export const API_AUDIENCE = 'https://kubernetes.default.svc';

/**
 * The issuer of service-account tokens: the API server's own URL, so that its discovery document
 * and keys (/.well-known/openid-configuration, /openid/v1/jwks) are where Vault's jwt method
 * looks for them, as an EKS cluster's OIDC issuer would be.
 */
export function serviceAccountIssuer(ctx: LabContext): string {
  return apiserverUrl(ctx);
}

/** Lets unauthenticated clients (OpenBao's jwt method) read the issuer's discovery and keys. */
const DISCOVERY_BINDING = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: 'lab-service-account-issuer-discovery' },
  roleRef: {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    name: 'system:service-account-issuer-discovery',
  },
  subjects: [
    { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:unauthenticated' },
  ],
};
export const SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/16';

/** GET/POST against the lab apiserver as the admin (client certificate). */
export function kubeRequest(
  ctx: LabContext,
  apiPath: string,
  method = 'GET',
  body?: string,
): Promise<HttpResponse> {
  return request(`${apiserverUrl(ctx)}${apiPath}`, {
    method,
    body,
    tls: adminTls(ctx),
    timeoutMs: 5000,
  });
}

function base64File(file: string): string {
  return fs.readFileSync(file).toString('base64');
}

function clientKubeconfig(ctx: LabContext, user: string, cert: string, key: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'lab',
        cluster: {
          server: apiserverUrl(ctx),
          'certificate-authority-data': base64File(pkiFiles(ctx).caCert),
        },
      },
    ],
    users: [
      {
        name: user,
        user: { 'client-certificate-data': base64File(cert), 'client-key-data': base64File(key) },
      },
    ],
    contexts: [{ name: 'lab', context: { cluster: 'lab', user, namespace: 'default' } }],
    'current-context': 'lab',
  });
}

/** The kubeconfigs: the user's (KUBECONFIG), the controller manager's, and the apiserver's webhook. */
export function writeKubeconfigs(ctx: LabContext): void {
  const files = pkiFiles(ctx);
  writeFileIfChanged(
    ctx.paths.kubeconfig,
    clientKubeconfig(ctx, 'lab-admin', files.adminCert, files.adminKey),
    0o600,
  );
  writeFileIfChanged(
    ctx.paths.controllerManagerKubeconfig,
    clientKubeconfig(
      ctx,
      'kube-controller-manager',
      files.controllerManagerCert,
      files.controllerManagerKey,
    ),
    0o600,
  );
  // The TokenReview webhook is plain HTTP on loopback, like the STS endpoint it calls.
  writeFileIfChanged(
    ctx.paths.webhookKubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'eks-token-webhook',
          cluster: { server: `${webhookUrl(ctx)}/${ctx.config.webhookPath ?? ''}` },
        },
      ],
      users: [{ name: 'kube-apiserver', user: {} }],
      contexts: [
        { name: 'webhook', context: { cluster: 'eks-token-webhook', user: 'kube-apiserver' } },
      ],
      'current-context': 'webhook',
    }),
    0o600,
  );
}

export const kubeApiserver: ServiceDefinition = {
  name: 'kube-apiserver',
  group: 'kubernetes',
  address: apiserverUrl,
  ports: (ctx) => [{ port: ctx.config.ports.apiserver, variable: 'LAB_APISERVER_PORT' }],
  startTimeoutMs: 90_000,

  async health(ctx): Promise<Health> {
    const response = await kubeRequest(ctx, '/readyz');
    if (response.status !== 200)
      return {
        ok: false,
        detail: `/readyz: HTTP ${response.status} ${response.body.trim().slice(0, 80)}`,
      };
    // An API server from an older lab signs tokens as another issuer: restart it.
    const discovery = await kubeRequest(ctx, '/.well-known/openid-configuration');
    const issuer =
      discovery.status === 200 ? (JSON.parse(discovery.body) as { issuer?: string }).issuer : '?';
    if (issuer !== serviceAccountIssuer(ctx))
      return { ok: false, stale: true, detail: `signs tokens as issuer ${issuer}` };
    return { ok: true, detail: `/readyz: ok; issuer ${issuer}` };
  },

  async prepare(ctx) {
    const binary = await ensureBuilt(ctx.config, ctx.tools, 'kubernetes');
    writeKubeconfigs(ctx);
    const files = pkiFiles(ctx);
    return {
      command: binary,
      args: [
        `--etcd-servers=${etcdUrl(ctx)}`,
        `--bind-address=${ctx.config.host}`,
        `--advertise-address=${ctx.config.host}`,
        `--secure-port=${ctx.config.ports.apiserver}`,
        '--authorization-mode=RBAC',
        `--client-ca-file=${files.caCert}`,
        `--tls-cert-file=${files.apiserverCert}`,
        `--tls-private-key-file=${files.apiserverKey}`,
        `--service-account-issuer=${serviceAccountIssuer(ctx)}`,
        `--api-audiences=${API_AUDIENCE}`,
        `--service-account-key-file=${files.serviceAccountPub}`,
        `--service-account-signing-key-file=${files.serviceAccountKey}`,
        `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
        `--authentication-token-webhook-config-file=${ctx.paths.webhookKubeconfig}`,
        '--authentication-token-webhook-version=v1',
        '--allow-privileged=true',
        // No kubelets and no in-cluster clients: the kubernetes Service's endpoints would be
        // 127.0.0.1, which Endpoints validation refuses (loopback), so do not reconcile them.
        '--endpoint-reconciler-type=none',
        '--profiling=false',
      ],
    };
  },

  async afterHealthy(ctx) {
    // RBAC bootstrap policy lands shortly after /readyz; the stack binds system:auth-delegator.
    await waitFor(async () => {
      const response = await kubeRequest(
        ctx,
        '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:auth-delegator',
      );
      return {
        ok: response.status === 200,
        detail: `clusterrole system:auth-delegator: HTTP ${response.status}`,
      };
    }, 60_000);
    const bound = await kubeRequest(
      ctx,
      '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      'POST',
      JSON.stringify(DISCOVERY_BINDING),
    );
    if (bound.status !== 201 && bound.status !== 409)
      throw new Error(
        `could not bind the issuer discovery role: HTTP ${bound.status} ${bound.body.slice(0, 200)}`,
      );
    return undefined;
  },
};

export const kubeControllerManager: ServiceDefinition = {
  name: 'kube-controller-manager',
  group: 'kubernetes',
  address: () => 'no listener (--secure-port=0)',
  ports: () => [],
  startTimeoutMs: 60_000,

  async health(ctx): Promise<Health> {
    // Its serviceaccount controller creates `default` in every namespace: proof it is working.
    const response = await kubeRequest(ctx, '/api/v1/namespaces/default/serviceaccounts/default');
    return {
      ok: response.status === 200,
      detail: `default/default ServiceAccount: HTTP ${response.status}`,
    };
  },

  async prepare(ctx) {
    await ensureBuilt(ctx.config, ctx.tools, 'kubernetes');
    writeKubeconfigs(ctx);
    const files = pkiFiles(ctx);
    return {
      command: path.join(kubernetesBinDir(ctx), 'kube-controller-manager'),
      args: [
        `--kubeconfig=${ctx.paths.controllerManagerKubeconfig}`,
        '--controllers=namespace,serviceaccount,serviceaccount-token,garbagecollector',
        `--service-account-private-key-file=${files.serviceAccountKey}`,
        `--root-ca-file=${files.caCert}`,
        '--use-service-account-credentials=false',
        `--bind-address=${ctx.config.host}`,
        '--secure-port=0',
        '--leader-elect=false',
      ],
    };
  },
};
