// The lab's certificates and keys, made with openssl: a CA, the apiserver's serving cert, client
// certs for the admin and the controller manager, and the service-account signing key pair.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { LabError } from '../report';
import type { LabContext } from './context';
import { ensurePrivateDir } from './context';

export interface PkiFiles {
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  adminCert: string;
  adminKey: string;
  controllerManagerCert: string;
  controllerManagerKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

export function pkiFiles(ctx: LabContext): PkiFiles {
  const file = (name: string) => path.join(ctx.paths.pkiDir, name);
  return {
    caCert: file('ca.crt'),
    caKey: file('ca.key'),
    apiserverCert: file('apiserver.crt'),
    apiserverKey: file('apiserver.key'),
    adminCert: file('admin.crt'),
    adminKey: file('admin.key'),
    controllerManagerCert: file('controller-manager.crt'),
    controllerManagerKey: file('controller-manager.key'),
    serviceAccountKey: file('service-account.key'),
    serviceAccountPub: file('service-account.pub'),
  };
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    const reason = stderr.trim().split('\n').pop() ?? (error as Error).message;
    throw new LabError('pki', `openssl ${args[0]} failed: ${reason}`);
  }
}

interface CertRequest {
  cert: string;
  key: string;
  subject: string;
  days: number;
  /** openssl -addext values. */
  extensions: string[];
  /** Signed by the lab CA; self-signed when absent. */
  signer?: { cert: string; key: string };
}

/** A new RSA key and its certificate in one `openssl req -x509` (with -CA: OpenSSL 3). */
function newCertificate(request: CertRequest): void {
  const signer = request.signer ? ['-CA', request.signer.cert, '-CAkey', request.signer.key] : [];
  const extensions = request.extensions.flatMap((extension) => ['-addext', extension]);
  const output = ['-keyout', request.key, '-out', request.cert];
  const validity = ['-days', String(request.days), '-subj', request.subject];
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    ...output,
    ...validity,
    ...signer,
    ...extensions,
  ]);
  fs.chmodSync(request.key, 0o600);
}

const LEAF = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
];

/** Creates whatever is missing; a new CA invalidates (and so re-issues) every certificate. */
export function ensurePki(ctx: LabContext): string {
  const files = pkiFiles(ctx);
  ensurePrivateDir(ctx.paths.pkiDir);
  const made: string[] = [];
  if (!fs.existsSync(files.caCert) || !fs.existsSync(files.caKey)) {
    for (const cert of [files.apiserverCert, files.adminCert, files.controllerManagerCert]) {
      fs.rmSync(cert, { force: true });
    }
    newCertificate({
      cert: files.caCert,
      key: files.caKey,
      subject: '/CN=eks-vault-eso-lab CA',
      days: 3650,
      extensions: [
        'basicConstraints=critical,CA:TRUE',
        'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
      ],
    });
    made.push('CA');
  }
  const signer = { cert: files.caCert, key: files.caKey };
  const leaves: (CertRequest & { name: string })[] = [
    {
      name: 'apiserver',
      cert: files.apiserverCert,
      key: files.apiserverKey,
      subject: '/CN=kube-apiserver',
      days: 825,
      // 10.96.0.1 and the kubernetes.default names: how in-cluster clients would reach it.
      extensions: [
        ...LEAF,
        'extendedKeyUsage=serverAuth',
        'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc',
      ],
      signer,
    },
    {
      name: 'admin',
      cert: files.adminCert,
      key: files.adminKey,
      subject: '/O=system:masters/CN=lab-admin',
      days: 825,
      extensions: [...LEAF, 'extendedKeyUsage=clientAuth'],
      signer,
    },
    {
      name: 'controller-manager',
      cert: files.controllerManagerCert,
      key: files.controllerManagerKey,
      // With --use-service-account-credentials=false every controller acts as this user: full rights.
      subject: '/O=system:masters/CN=system:kube-controller-manager',
      days: 825,
      extensions: [...LEAF, 'extendedKeyUsage=clientAuth'],
      signer,
    },
  ];
  for (const leaf of leaves) {
    if (fs.existsSync(leaf.cert) && fs.existsSync(leaf.key)) continue;
    newCertificate(leaf);
    made.push(leaf.name);
  }
  if (!fs.existsSync(files.serviceAccountKey) || !fs.existsSync(files.serviceAccountPub)) {
    const key = files.serviceAccountKey;
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key]);
    fs.chmodSync(key, 0o600);
    openssl(['pkey', '-in', key, '-pubout', '-out', files.serviceAccountPub]);
    made.push('service-account keys');
  }
  const where = ctx.paths.pkiDir;
  return made.length === 0 ? `present in ${where}` : `created ${made.join(', ')} in ${where}`;
}

export interface KubeTls {
  ca: string;
  cert: string;
  key: string;
}

/** Admin TLS material for Node's https client. */
export function adminTls(ctx: LabContext): KubeTls {
  const files = pkiFiles(ctx);
  return {
    ca: fs.readFileSync(files.caCert, 'utf8'),
    cert: fs.readFileSync(files.adminCert, 'utf8'),
    key: fs.readFileSync(files.adminKey, 'utf8'),
  };
}
