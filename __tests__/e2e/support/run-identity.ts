/**
 * Run identities in the lab, given exactly the grants the program generates (or all but one):
 * - Vault: the generated policy in the environment's namespace and a token of it alone (no
 *   `default` policy);
 * - AWS: an assumed session of the identity's role (moto's STS);
 * - Kubernetes: the generated ClusterRole/Roles bound to the identity's group, which an EKS
 *   access entry gives the role's sessions (the Kubernetes provider's EKS token), and a client
 *   certificate in that group for kubectl (the doctor).
 * Everything is put in place with the lab's administrator (root token, admin certificate).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  type Grant,
  type IdentityName,
  type KubernetesGrant,
  type KubernetesUrlGrant,
  type RunIdentity,
  type VaultGrant,
  grantLabel,
  runIdentity,
} from '../../../common/identity';
import { renderRbac, managedNamespaces } from '../../../common/identity/kubernetes';
import { renderVaultPolicy } from '../../../common/identity/vault';
import { SynthesizedStack } from '../../../common/synthesized-stack';
import type { EnvironmentConfig } from '../../../environments/types';
import { synthJson } from '../../support/stack';
import { exec, kubectl, lab, labEnvironment, vault } from './lab-chain';

/** The account of the lab's STS (moto's default). */
const LAB_ACCOUNT = '123456789012';

export interface ProvisionedIdentity {
  readonly identity: RunIdentity;
  /** The lab environment with this identity's credentials in place of the administrator's. */
  readonly env: NodeJS.ProcessEnv;
  /** Takes one grant away (giving back the one taken before); none: gives all back. */
  restrict(without?: Grant): Promise<void>;
  /** Removes the policy, the token, the RBAC and the access entry: the lab as it was. */
  remove(): Promise<void>;
}

/** The generated identities of an environment, from its synthesized stack. */
export function generatedIdentity(config: EnvironmentConfig, identity: IdentityName): RunIdentity {
  return runIdentity(new SynthesizedStack(synthJson(config)), config.name, identity);
}

function python(args: readonly string[], env: NodeJS.ProcessEnv = labEnvironment()): string {
  return execFileSync(
    lab().python.python,
    [join(__dirname, '..', '..', '..', 'lab', 'eks_client.py'), ...args],
    { env, encoding: 'utf8' },
  ).trim();
}

/** Writes the identity's Vault policy: all its grants but `without`. */
async function writePolicy(identity: RunIdentity, without?: Grant): Promise<void> {
  const grants = identity.grants.filter(
    (g): g is VaultGrant => g.system === 'vault' && g !== without,
  );
  const policy = renderVaultPolicy(grants, identity.names.vaultPolicy);
  const written = await vault('PUT', `sys/policies/acl/${identity.names.vaultPolicy}`, {
    body: { policy },
  });
  if (written.status !== 204 && written.status !== 200)
    throw new Error(`writing the policy: ${written.status} ${written.errors}`);
}

/** A token of the identity's policy alone (no `default` policy). */
async function vaultToken(identity: RunIdentity): Promise<string> {
  const created = await vault('POST', 'auth/token/create', {
    body: { policies: [identity.names.vaultPolicy], no_default_policy: true, ttl: '2h' },
  });
  const token = (created.body?.auth as { client_token?: string } | undefined)?.client_token;
  if (!token) throw new Error(`creating the token: ${created.status} ${created.errors}`);
  return token;
}

/** `kubectl auth can-i` for a grant, asked for the identity's group by the administrator. */
async function groupMay(identity: RunIdentity, grant: KubernetesGrant): Promise<boolean> {
  const [resource, subresource] = grant.resource.split('/');
  const group = grant.apiGroup ? `.${grant.apiGroup}` : '';
  const name = grant.names?.[0] ? `/${grant.names[0]}` : '';
  const canI = await kubectl([
    'auth',
    'can-i',
    grant.verb,
    `${resource}${group}${name}`,
    ...(subresource ? [`--subresource=${subresource}`] : []),
    ...(grant.namespace ? ['-n', grant.namespace] : []),
    '--as=eks-vault-eso-probe',
    `--as-group=${identity.names.kubernetes}`,
  ]);
  return canI.stdout.trim() === 'yes';
}

/** The identity's RBAC objects, of all its Kubernetes grants or of `grants`. */
function rbacObjects(
  identity: RunIdentity,
  stack: SynthesizedStack,
  grants: readonly (KubernetesGrant | KubernetesUrlGrant)[] = identity.grants.filter(
    (g): g is KubernetesGrant | KubernetesUrlGrant =>
      g.system === 'kubernetes' || g.system === 'kubernetes-url',
  ),
): Record<string, unknown>[] {
  return renderRbac(grants, identity.names.kubernetes, managedNamespaces(stack));
}

/**
 * Applies the identity's RBAC (all its grants but `without`; rules replaced), and waits until
 * the authorizer, which reads RBAC from an informer, refuses the grant left out and allows the
 * one left out before (`restored`).
 */
async function applyRbac(
  identity: RunIdentity,
  stack: SynthesizedStack,
  without?: Grant,
  restored?: Grant,
): Promise<void> {
  const grants = identity.grants.filter(
    (g): g is KubernetesGrant | KubernetesUrlGrant =>
      (g.system === 'kubernetes' || g.system === 'kubernetes-url') && g !== without,
  );
  const objects = rbacObjects(identity, stack, grants);
  const applied = await kubectl(
    ['apply', '-f', '-'],
    objects.map((o) => stringify(o)).join('---\n'),
  );
  if (applied.code !== 0) throw new Error(`kubectl apply of the RBAC: ${applied.stderr}`);
  const settled = [
    ...(without?.system === 'kubernetes' ? [{ grant: without, allowed: false }] : []),
    ...(restored?.system === 'kubernetes' ? [{ grant: restored, allowed: true }] : []),
  ];
  // Polled every 200 ms: the sweep waits here once per grant.
  for (const { grant, allowed } of settled) {
    const deadline = Date.now() + 30_000;
    while ((await groupMay(identity, grant)) !== allowed) {
      if (Date.now() > deadline)
        throw new Error(`${grantLabel(grant)} still ${allowed ? 'refused' : 'allowed'} after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

const roleArn = (identity: RunIdentity) =>
  `arn:aws:iam::${LAB_ACCOUNT}:role/${identity.names.awsRole}`;

/** An assumed session of the identity's AWS role, mapped to its group by an access entry. */
function awsSession(identity: RunIdentity): Record<string, string> {
  const role = roleArn(identity);
  python(['create-access-entry', role, identity.names.kubernetes]);
  const credentials = JSON.parse(python(['assume-role', role, identity.identity])) as Record<
    string,
    string
  >;
  return {
    AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey,
    AWS_SESSION_TOKEN: credentials.SessionToken,
  };
}

const identityDir = (identity: RunIdentity) =>
  join(lab().labDir, 'identities', identity.names.awsRole);

/** A kubeconfig with a client certificate in the identity's group (made once per identity). */
function kubeconfig(identity: RunIdentity): string {
  const info = lab();
  const dir = identityDir(identity);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const [key, cert, file] = ['client.key', 'client.crt', 'kubeconfig'].map((f) => join(dir, f));
  const pki = join(info.labDir, 'pki');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      `/O=${identity.names.kubernetes}/CN=${identity.names.awsRole}`,
      '-CA',
      join(pki, 'ca.crt'),
      '-CAkey',
      join(pki, 'ca.key'),
      '-addext',
      'extendedKeyUsage=clientAuth',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const b64 = (f: string) => readFileSync(f).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'lab',
        cluster: {
          server: info.kubernetes.apiserverUrl,
          'certificate-authority-data': b64(join(pki, 'ca.crt')),
        },
      },
    ],
    users: [
      {
        name: identity.names.awsRole,
        user: { 'client-certificate-data': b64(cert), 'client-key-data': b64(key) },
      },
    ],
    contexts: [{ name: 'lab', context: { cluster: 'lab', user: identity.names.awsRole } }],
    'current-context': 'lab',
  };
  writeFileSync(file, stringify(config), { mode: 0o600 });
  return file;
}

/**
 * Puts an identity in place with all its generated grants and returns the environment to run
 * the tools with it; `restrict(grant)` then takes one grant away (and gives the last one back),
 * `restrict()` gives them all back: the same token, session and certificate throughout.
 */
export async function provision(
  config: EnvironmentConfig,
  identity: RunIdentity,
): Promise<ProvisionedIdentity> {
  const stack = new SynthesizedStack(synthJson(config));
  await writePolicy(identity);
  await applyRbac(identity, stack);
  const token = await vaultToken(identity);
  const env = labEnvironment({
    VAULT_TOKEN: token,
    BAO_TOKEN: token,
    ...awsSession(identity),
    KUBECONFIG: kubeconfig(identity),
  });
  let removed: Grant | undefined;
  return {
    identity,
    env,
    async restrict(without?: Grant) {
      await writePolicy(identity, without);
      await applyRbac(identity, stack, without, removed);
      removed = without;
    },
    async remove() {
      await vault('POST', 'auth/token/revoke', { body: { token } });
      await vault('DELETE', `sys/policies/acl/${identity.names.vaultPolicy}`);
      for (const object of rbacObjects(identity, stack)) {
        const { name, namespace } = object.metadata as { name: string; namespace?: string };
        const where = namespace ? ['-n', namespace] : [];
        await kubectl(['delete', String(object.kind), name, ...where, '--ignore-not-found']);
      }
      python(['delete-access-entry', roleArn(identity)]);
      rmSync(identityDir(identity), { recursive: true, force: true });
    },
  };
}

/** Runs a command of the lab's administrator with the output logged (never in the report). */
export function asAdmin(command: string, args: readonly string[], cwd?: string) {
  return exec(command, args, { cwd, env: labEnvironment() });
}
