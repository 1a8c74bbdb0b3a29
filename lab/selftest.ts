// Hand-run checks that a running lab really works end to end:
//   node scripts/run-ts.js lab/selftest.ts
// Skips the checks of parts that the last `up` did not start. Ends with "N passed, N failed".
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { LabInfo } from './info';
import { labProcessEnv, readLabInfo } from './info';
import { request, sleep } from './http';
import { LabError, errorMessage } from './report';

const LAB_SOURCE_DIR = __dirname;

interface Outcome {
  name: string;
  ok: boolean;
  detail: string;
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
  timeoutMs = 60_000,
): string {
  const result = spawnSync(command, args, { env, input, encoding: 'utf8', timeout: timeoutMs });
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(
      `${path.basename(command)} ${args.slice(0, 3).join(' ')}: ${(result.stderr || result.stdout).trim()}`,
    );
  return result.stdout;
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let value: T | undefined;
    try {
      value = probe();
    } catch {
      value = undefined;
    }
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(500);
  }
}

class SelfTest {
  readonly env: NodeJS.ProcessEnv;
  readonly outcomes: Outcome[] = [];
  readonly suffix = crypto.randomBytes(3).toString('hex');

  constructor(readonly info: LabInfo) {
    this.env = labProcessEnv(info);
  }

  has(part: LabInfo['parts'][number]): boolean {
    return this.info.parts.includes(part);
  }

  async check(name: string, body: () => string | Promise<string>): Promise<void> {
    const started = Date.now();
    try {
      const detail = await body();
      this.outcomes.push({ name, ok: true, detail });
      process.stdout.write(
        `PASS ${name} (${((Date.now() - started) / 1000).toFixed(1)} s): ${detail}\n`,
      );
    } catch (error) {
      this.outcomes.push({ name, ok: false, detail: errorMessage(error) });
      process.stdout.write(`FAIL ${name}: ${errorMessage(error)}\n`);
    }
  }

  kubectl(args: string[], input?: string): string {
    return run(this.info.kubernetes.kubectl, args, this.env, input);
  }

  python(script: string, args: string[]): string {
    return run(this.info.python.python, [path.join(LAB_SOURCE_DIR, script), ...args], this.env);
  }

  eksToken(): string {
    return this.python('eks_client.py', ['token']).trim();
  }

  async vault(method: string, apiPath: string, body?: unknown): Promise<string> {
    const token = fs.readFileSync(this.info.vault.rootTokenPath, 'utf8').trim();
    const response = await request(`${this.info.vault.addr}/v1/${apiPath}`, {
      method,
      headers: { 'X-Vault-Token': token, 'X-Vault-Namespace': this.info.vault.namespace },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status >= 300)
      throw new Error(
        `vault ${method} ${apiPath}: HTTP ${response.status} ${response.body.slice(0, 200)}`,
      );
    return response.body;
  }

  async reviewToken(
    token: string,
  ): Promise<{ authenticated?: boolean; user?: { username?: string }; error?: string }> {
    const response = await request(`${this.info.eks.webhookUrl}/`, {
      method: 'POST',
      body: JSON.stringify({
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: { token },
      }),
    });
    return (
      JSON.parse(response.body) as {
        status: { authenticated?: boolean; user?: { username?: string }; error?: string };
      }
    ).status;
  }
}

async function vaultChecks(t: SelfTest): Promise<void> {
  await t.check('vault: `bao namespace list` shows admin', () => {
    const out = run(path.join(t.info.binDir, 'bao'), ['namespace', 'list'], t.env);
    if (!/^admin\/$/m.test(out)) throw new Error(`namespace list: ${out.trim()}`);
    return 'admin/';
  });
}

async function eksChecks(t: SelfTest): Promise<void> {
  await t.check('eks: DescribeCluster (boto3) returns the lab endpoint and CA', () => {
    const cluster = JSON.parse(t.python('eks_client.py', ['describe'])) as {
      endpoint: string;
      certificateAuthority: { data: string };
    };
    const ca = fs.readFileSync(t.info.kubernetes.caFile).toString('base64');
    if (cluster.endpoint !== t.info.kubernetes.apiserverUrl)
      throw new Error(`endpoint ${cluster.endpoint}`);
    if (cluster.certificateAuthority.data !== ca)
      throw new Error('certificateAuthority.data is not the lab CA');
    return `endpoint ${cluster.endpoint}, CA = base64(${t.info.kubernetes.caFile})`;
  });
  await t.check('eks: webhook accepts a presigned EKS token, refuses forged ones', async () => {
    const good = await t.reviewToken(t.eksToken());
    if (!good.authenticated) throw new Error(`valid token refused: ${good.error}`);
    const foreign =
      'http://sts.amazonaws.example:15000/?Action=GetCallerIdentity&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id';
    const forged = [
      `k8s-aws-v1.${Buffer.from(foreign).toString('base64url')}`,
      `k8s-aws-v1.${Buffer.from(`${t.info.eks.stsUrl}/?Action=AssumeRole`).toString('base64url')}`,
      'not-an-eks-token',
    ];
    for (const token of forged) {
      const review = await t.reviewToken(token);
      if (review.authenticated) throw new Error(`forged token accepted: ${token.slice(0, 40)}`);
    }
    return `user ${good.user?.username}; ${forged.length} forged tokens refused`;
  });
}

async function kubernetesChecks(t: SelfTest): Promise<void> {
  const namespace = `lab-selftest-${t.suffix}`;
  await t.check('kubernetes: kubectl get ns', () => {
    const names = t.kubectl(['get', 'ns', '-o', 'name']).trim().split('\n');
    if (!names.includes('namespace/default')) throw new Error(names.join(' '));
    return names.join(' ');
  });
  await t.check('kubernetes: apiserver authenticates an EKS token via the webhook', () => {
    const out = t.kubectl([
      '--kubeconfig=/dev/null',
      `--server=${t.info.kubernetes.apiserverUrl}`,
      `--certificate-authority=${t.info.kubernetes.caFile}`,
      `--token=${t.eksToken()}`,
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username} {.status.userInfo.groups}',
    ]);
    if (!out.includes('system:masters')) throw new Error(out);
    t.kubectl([
      '--kubeconfig=/dev/null',
      `--server=${t.info.kubernetes.apiserverUrl}`,
      `--certificate-authority=${t.info.kubernetes.caFile}`,
      `--token=${t.eksToken()}`,
      'get',
      'ns',
    ]);
    return out;
  });
  await t.check(
    'kube-controller-manager: a service-account-token Secret gets its token',
    async () => {
      t.kubectl(['create', 'namespace', namespace]);
      t.kubectl(['-n', namespace, 'create', 'serviceaccount', 'probe']);
      const secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/service-account-token',
        metadata: {
          name: 'probe-token',
          namespace,
          annotations: { 'kubernetes.io/service-account.name': 'probe' },
        },
      };
      t.kubectl(['apply', '-f', '-'], JSON.stringify(secret));
      const token = await until('the token controller', () => {
        const value = t
          .kubectl([
            '-n',
            namespace,
            'get',
            'secret',
            'probe-token',
            '-o',
            'jsonpath={.data.token}',
          ])
          .trim();
        return value === '' ? undefined : Buffer.from(value, 'base64').toString('utf8');
      });
      const payload = JSON.parse(
        Buffer.from(token.split('.')[1], 'base64url').toString('utf8'),
      ) as { iss?: string; sub?: string };
      return `token for ${payload.sub} issued by ${payload.iss}`;
    },
  );
}

async function esoChecks(t: SelfTest): Promise<void> {
  const namespace = `lab-selftest-${t.suffix}`;
  const mount = `lab-selftest-${t.suffix}`;
  await t.check('eso: CRDs established, external-secrets.io/v1 served', () => {
    const resources = t
      .kubectl(['api-resources', '--api-group=external-secrets.io', '-o', 'name'])
      .trim()
      .split('\n');
    if (!resources.some((name) => name.startsWith('externalsecrets.')))
      throw new Error(resources.join(' '));
    t.kubectl(['get', '--raw', '/apis/external-secrets.io/v1']);
    return `${resources.length} resources`;
  });
  await t.check(
    'eso: an ExternalSecret syncs a KV v2 secret from OpenBao namespace admin',
    async () => {
      await t.vault('POST', `sys/mounts/${mount}`, { type: 'kv', options: { version: '2' } });
      await t.vault('POST', `${mount}/data/demo`, { data: { password: `pw-${t.suffix}` } });
      try {
        const token = fs.readFileSync(t.info.vault.rootTokenPath, 'utf8').trim();
        if (
          !t.has('kubernetes') ||
          spawnSync(t.info.kubernetes.kubectl, ['get', 'ns', namespace], { env: t.env }).status !==
            0
        ) {
          t.kubectl(['create', 'namespace', namespace]);
        }
        const manifests = [
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'vault-token', namespace },
            stringData: { token },
          },
          {
            apiVersion: 'external-secrets.io/v1',
            kind: 'SecretStore',
            metadata: { name: 'openbao', namespace },
            spec: {
              provider: {
                vault: {
                  server: t.info.vault.addr,
                  namespace: t.info.vault.namespace,
                  path: mount,
                  version: 'v2',
                  auth: { tokenSecretRef: { name: 'vault-token', key: 'token' } },
                },
              },
            },
          },
          {
            apiVersion: 'external-secrets.io/v1',
            kind: 'ExternalSecret',
            metadata: { name: 'demo', namespace },
            spec: {
              refreshInterval: '10s',
              secretStoreRef: { name: 'openbao', kind: 'SecretStore' },
              target: { name: 'demo' },
              data: [{ secretKey: 'password', remoteRef: { key: 'demo', property: 'password' } }],
            },
          },
        ];
        t.kubectl(
          ['apply', '-f', '-'],
          JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests }),
        );
        const value = await until(
          'ESO to write the Secret demo',
          () => {
            const data = t
              .kubectl([
                '-n',
                namespace,
                'get',
                'secret',
                'demo',
                '-o',
                'jsonpath={.data.password}',
              ])
              .trim();
            return data === '' ? undefined : Buffer.from(data, 'base64').toString('utf8');
          },
          60_000,
        );
        if (value !== `pw-${t.suffix}`) throw new Error(`synced value ${value}`);
        return `secret ${namespace}/demo synced from ${t.info.vault.namespace}/${mount}/demo`;
      } finally {
        await t.vault('DELETE', `sys/mounts/${mount}`).catch(() => '');
      }
    },
  );
}

/** The mirror has the aws provider: the kubernetes provider can then log in as on EKS. */
function mirrorHasAws(t: SelfTest): boolean {
  const { version } = t.info.toolchain.providers.aws;
  const dir = `registry.opentofu.org/hashicorp/aws/${version}/linux_amd64`;
  return fs.existsSync(path.join(t.info.toolchain.providerMirror, dir));
}

/**
 * A tofu configuration like the stack's: a KV mount in OpenBao's `admin` namespace and a
 * Kubernetes namespace. With the aws provider, the kubernetes provider is configured from
 * aws_eks_cluster / aws_eks_cluster_auth (emulator + EKS-token webhook); else from the kubeconfig.
 */
function tofuConfig(t: SelfTest, name: string, viaEks: boolean): object {
  const providers = t.info.toolchain.providers;
  const required: Record<string, { source: string; version: string }> = {
    vault: { source: 'hashicorp/vault', version: providers.vault.version },
    kubernetes: { source: 'hashicorp/kubernetes', version: providers.kubernetes.version },
  };
  const resource = {
    vault_mount: { kv: { path: name, type: 'kv-v2' } },
    kubernetes_namespace: { ns: { metadata: { name } } },
  };
  const vault = { namespace: t.info.vault.namespace };
  if (!viaEks) {
    const kubernetes = { config_path: t.info.kubernetes.kubeconfig };
    return {
      terraform: { required_providers: required },
      provider: { vault, kubernetes },
      resource,
    };
  }
  required.aws = { source: 'hashicorp/aws', version: providers.aws.version };
  const endpoint = t.info.eks.motoUrl;
  const aws = {
    region: t.info.eks.region,
    access_key: 'lab',
    secret_key: 'lab',
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: 'true',
    endpoints: [{ eks: endpoint, sts: endpoint, iam: endpoint }],
  };
  const kubernetes = {
    host: '${data.aws_eks_cluster.lab.endpoint}',
    cluster_ca_certificate:
      '${base64decode(data.aws_eks_cluster.lab.certificate_authority[0].data)}',
    token: '${data.aws_eks_cluster_auth.lab.token}',
  };
  const cluster = { lab: { name: t.info.eks.clusterName } };
  return {
    terraform: { required_providers: required },
    provider: { aws, vault, kubernetes },
    data: { aws_eks_cluster: cluster, aws_eks_cluster_auth: cluster },
    resource,
  };
}

/** A real `tofu apply` + `destroy` with the providers from the mirror. */
async function toolchainChecks(t: SelfTest): Promise<void> {
  const viaEks = mirrorHasAws(t);
  const how = viaEks ? 'kubernetes provider logged in via aws_eks_cluster_auth' : 'no aws provider';
  await t.check(`toolchain: tofu init/apply/destroy from the mirror (${how})`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-selftest-tofu-'));
    const name = `lab-selftest-tf-${t.suffix}`;
    const config = tofuConfig(t, name, viaEks);
    fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify(config, null, 2));
    const tofu = t.info.toolchain.tfBinary;
    // The aws provider alone takes a while to load on 2 cores.
    const inDir = (args: string[]) =>
      run(tofu, [`-chdir=${dir}`, ...args], t.env, undefined, 600_000);
    try {
      inDir(['init', '-input=false', '-no-color']);
      inDir(['apply', '-auto-approve', '-input=false', '-no-color']);
      t.kubectl(['get', 'namespace', name]);
      inDir(['destroy', '-auto-approve', '-input=false', '-no-color']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return `vault_mount ${t.info.vault.namespace}/${name} and namespace ${name} applied and destroyed`;
  });
}

async function cleanup(t: SelfTest): Promise<void> {
  if (!t.has('kubernetes')) return;
  const namespace = `lab-selftest-${t.suffix}`;
  if (spawnSync(t.info.kubernetes.kubectl, ['get', 'ns', namespace], { env: t.env }).status !== 0)
    return;
  await t.check('kube-controller-manager: deleting the test namespace completes', () => {
    t.kubectl(['delete', 'namespace', namespace, '--wait=true', '--timeout=60s']);
    return `${namespace} deleted`;
  });
}

async function main(): Promise<number> {
  const t = new SelfTest(readLabInfo());
  if (t.has('vault')) await vaultChecks(t);
  if (t.has('eks')) await eksChecks(t);
  if (t.has('kubernetes')) await kubernetesChecks(t);
  if (t.has('eso') && t.has('vault')) await esoChecks(t);
  if (t.has('toolchain') && t.has('vault') && t.has('kubernetes')) await toolchainChecks(t);
  await cleanup(t);
  const failed = t.outcomes.filter((outcome) => !outcome.ok).length;
  process.stdout.write(`${t.outcomes.length - failed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof LabError ? error.describe() : `[lab] selftest: ${errorMessage(error)}`}\n`,
    );
    process.exitCode = 1;
  },
);
