/**
 * Configuration text is never evaluated by Terraform: placeholder values that hold template
 * syntax (`${file(...)}`, `${path.module}`, `%{ if }`, an already escaped `$${`), quotes,
 * backslashes, newlines and other scripts are deployed through the real OpenTofu and land in
 * OpenBao, and in the Secret ESO syncs, exactly as written.
 */
import { kvV2Paths } from '../../common/chain/kv-path';
import {
  type StackVariant,
  deployedAround,
  eventually,
  kubectlJson,
  vault,
} from './support/lab-chain';

/** What Terraform would have evaluated had the text reached it unescaped. */
const PLACEHOLDERS: Record<string, string> = {
  file: '${file("/etc/hostname")}',
  module: '${path.module}',
  directive: '%{ if true }evaluated%{ endif }',
  escaped: '$${already-escaped}',
  shell: 'echo "${HOME}" > %{out}',
  mixed: 'a "quoted" C:\\dir\\ line\nnext\ttab ☕ 日本',
};

const NAMESPACE = 'literals';
const SECRET = 'app/literals';
const MOUNT = 'literals';

const variant: StackVariant = {
  name: 'local-literals',
  changes: {
    kubernetes: {
      namespace: NAMESPACE,
      clusterRoleBindingName: 'literals-auth-delegator',
    },
    vault: {
      kvMount: { path: MOUNT, managed: true, allowDestroy: true },
      policyName: 'literals-read',
      authPath: 'kubernetes-literals',
      roleName: 'literals',
    },
    secrets: [
      {
        name: SECRET,
        externalSecretName: 'literals',
        targetSecretName: 'literals',
        placeholder: PLACEHOLDERS,
      },
    ],
    eso: { storeName: 'literals' },
  },
};

describe('placeholder text with template syntax, deployed to the lab', () => {
  deployedAround(variant);

  it('lands in Vault exactly as written, read back through the Vault API', async () => {
    const read = await vault('GET', kvV2Paths(MOUNT, SECRET).data);
    expect(read.status).toBe(200);
    expect((read.body as { data: { data: Record<string, string> } }).data.data).toEqual(
      PLACEHOLDERS,
    );
  });

  it('reaches the Kubernetes Secret ESO syncs, exactly as written', async () => {
    const synced = await eventually('the literals Secret to be synced', 120, async () => {
      const secret = await kubectlJson<{ data?: Record<string, string> }>([
        'secret',
        'literals',
        '-n',
        NAMESPACE,
      ]);
      return secret?.data;
    });
    const decoded = Object.fromEntries(
      Object.entries(synced).map(([k, b64]) => [k, Buffer.from(b64, 'base64').toString('utf8')]),
    );
    expect(decoded).toEqual(PLACEHOLDERS);
  });
});
