/**
 * An apply interrupted halfway must not leave the environment stuck.
 * - Interrupted gracefully (SIGTERM to `npm run deploy`'s process group: a cancelled CI job,
 *   Ctrl-C): the signal reaches OpenTofu alone, which saves what it created, and the next deploy
 *   simply finishes the job. (Sent to cdktf's own group, cdktf dies first and OpenTofu dies on the
 *   closed pipe before saving: that is the SIGKILL case.)
 * - Killed outright (SIGKILL: a lost runner): the objects exist but the state never heard of them,
 *   so a plain deploy fails on "already exists"; `npm run recover` adopts them and converges.
 */
import { local } from '../../environments/local';
import {
  MINUTES,
  type StackVariant,
  deploy,
  ensureDestroyed,
  kubectl,
  labEnvironment,
  opsTool,
  plan,
  recover,
  VARIANT_APP,
  vault,
} from './support/lab-chain';
import { recordTiming } from './support/timings';

const variant: StackVariant = { name: 'local-interrupted', changes: {} };

/** Interrupt once a few resources exist and the Kubernetes half is under way. */
function afterSomeCreations(signal: NodeJS.Signals) {
  return (out: string): NodeJS.Signals | undefined =>
    (out.match(/Creation complete/g) ?? []).length >= 6 ? signal : undefined;
}

async function somethingWasCreated(): Promise<boolean> {
  const auth = await vault('GET', 'sys/auth');
  const ns = await kubectl([
    'get',
    'namespace',
    local.kubernetes.namespace,
    '--ignore-not-found',
    '-o',
    'name',
  ]);
  return (
    Object.keys((auth.body?.data as Record<string, unknown>) ?? {}).includes(
      `${local.vault.authPath}/`,
    ) || ns.stdout.trim() !== ''
  );
}

afterAll(async () => {
  await ensureDestroyed(variant);
}, 10 * MINUTES);

it(
  'after a graceful interrupt (SIGTERM), the next deploy converges',
  async () => {
    await ensureDestroyed(variant);
    const interrupted = await opsTool(
      'deploy',
      ['--env', variant.name, '--auto-approve', '--skip-provider-lock', '--app', VARIANT_APP],
      {
        env: labEnvironment({ E2E_VARIANT: JSON.stringify(variant) }),
        interruptWhen: afterSomeCreations('SIGTERM'),
      },
    );
    expect(interrupted.code).toBe(1);
    expect(interrupted.stderr).toContain('OpenTofu finishes what is in flight and saves its state');
    expect(await somethingWasCreated()).toBe(true);

    const again = await deploy(variant);
    recordTiming('deploy after SIGTERM', again.seconds);
    expect({ code: again.code, tail: again.code === 0 ? '' : again.stderr.slice(-3000) }).toEqual({
      code: 0,
      tail: '',
    });
    const second = await plan(variant);
    expect(second.code).toBe(0);
  },
  20 * MINUTES,
);

it(
  'after a SIGKILL, recover adopts what was created and the environment converges',
  async () => {
    await ensureDestroyed(variant);
    const killed = await deploy(variant, { interruptWhen: afterSomeCreations('SIGKILL') });
    expect(killed.code).not.toBe(0);
    expect(await somethingWasCreated()).toBe(true);

    const recovered = await recover(variant);
    recordTiming('recover after SIGKILL', recovered.seconds);
    expect({
      code: recovered.code,
      tail: recovered.code === 0 ? '' : recovered.stderr.slice(-3000),
    }).toEqual({ code: 0, tail: '' });
    expect(recovered.stdout).toMatch(/^adopt {2}\S+/m);
    const second = await plan(variant);
    expect({ code: second.code, out: second.code === 0 ? '' : second.stdout.slice(-3000) }).toEqual(
      { code: 0, out: '' },
    );
  },
  25 * MINUTES,
);
