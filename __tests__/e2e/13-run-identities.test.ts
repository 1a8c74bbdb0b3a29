/**
 * Least-privilege run identities, generated and proven. The `local` chain is deployed, planned
 * again, checked for drift, diagnosed and destroyed with the identities the program generates
 * (a Vault token of the generated policy alone, an AWS session whose EKS access entry maps it to
 * the generated RBAC, a kubeconfig in the same group): never the root token, never
 * system:masters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { local } from '../../environments/local';
import {
  MINUTES,
  type StackVariant,
  deployedAround,
  destroyedAround,
  kubectl,
  lab,
  namespaceGone,
  opsTool,
  vault,
} from './support/lab-chain';
import { grantLabel } from '../../common/identity';
import { SWEPT, refusalOf, runStep, stepOf, sweptGrants } from './support/removal-sweep';
import { type ProvisionedIdentity, generatedIdentity, provision } from './support/run-identity';
import { recordTiming } from './support/timings';

const variant: StackVariant = { name: 'local', changes: {} };
const { vault: v, kubernetes: k8s } = local;

function ok(run: { code: number; stdout: string; stderr: string }): Record<string, unknown> {
  return { code: run.code, tail: run.code === 0 ? '' : (run.stdout + run.stderr).slice(-3000) };
}

/** `npm run <tool> -- --env local ...` with an identity's credentials; its timing recorded. */
async function asIdentity(
  who: ProvisionedIdentity,
  tool: 'deploy' | 'destroy' | 'diff' | 'doctor' | 'drift',
  args: readonly string[] = [],
): Promise<Awaited<ReturnType<typeof opsTool>>> {
  const lifecycle = tool === 'deploy' || tool === 'destroy';
  const run = await opsTool(
    tool,
    ['--env', 'local', ...(lifecycle ? ['--auto-approve', '--skip-provider-lock'] : []), ...args],
    { env: who.env },
  );
  recordTiming(`${tool} (${who.identity.identity} identity)`, run.seconds);
  return run;
}

describe('the local chain under its generated run identities', () => {
  destroyedAround(variant);
  let deployer: ProvisionedIdentity;
  let checker: ProvisionedIdentity;
  beforeAll(async () => {
    deployer = await provision(local, generatedIdentity(local, 'deploy'));
    checker = await provision(local, generatedIdentity(local, 'drift'));
  }, 5 * MINUTES);
  afterAll(async () => {
    await deployer?.remove();
    await checker?.remove();
  });

  it('neither identity is the administrator', async () => {
    const self = await vault('GET', 'auth/token/lookup-self', {
      token: deployer.env.VAULT_TOKEN,
    });
    expect((self.body?.data as { policies?: string[] }).policies).toEqual([
      deployer.identity.names.vaultPolicy,
    ]);
    const whoami = await kubectl([
      'auth',
      'whoami',
      '-o',
      'json',
      '--kubeconfig',
      checker.env.KUBECONFIG!,
    ]);
    expect(JSON.parse(whoami.stdout)).toEqual(
      expect.objectContaining({
        status: {
          userInfo: expect.objectContaining({
            groups: [checker.identity.names.kubernetes, 'system:authenticated'],
          }) as unknown,
        },
      }),
    );
  });

  it(
    'deploy: npm run deploy with the deploy identity',
    async () => {
      expect(ok(await asIdentity(deployer, 'deploy'))).toEqual({ code: 0, tail: '' });
    },
    10 * MINUTES,
  );

  it('second plan: npm run diff with the deploy identity plans nothing', async () => {
    expect(ok(await asIdentity(deployer, 'diff'))).toEqual({ code: 0, tail: '' });
  });

  it('drift: npm run drift with the drift identity finds none', async () => {
    const reports = mkdtempSync(join(lab().labDir, 'drift-identity-'));
    try {
      const drift = await asIdentity(checker, 'drift', ['--report-dir', reports]);
      expect(ok(drift)).toEqual({ code: 0, tail: '' });
    } finally {
      rmSync(reports, { recursive: true, force: true });
    }
  });

  it.each(['drift', 'deploy'] as const)(
    'doctor: npm run doctor with the %s identity finds every link holding',
    async (name) => {
      const who = name === 'drift' ? checker : deployer;
      const doctor = await asIdentity(who, 'doctor', ['--identity', name]);
      expect(ok(doctor)).toEqual({ code: 0, tail: '' });
      expect(doctor.stdout).toContain('healthy: every link holds');
    },
  );

  it(
    'destroy: npm run destroy with the deploy identity leaves nothing',
    async () => {
      expect(ok(await asIdentity(deployer, 'destroy'))).toEqual({ code: 0, tail: '' });
      await namespaceGone(k8s.namespace);
      const policy = await vault('GET', `sys/policies/acl/${v.policyName}`);
      expect(policy.status).toBe(404);
    },
    10 * MINUTES,
  );
});

describe('each generated grant is needed: without it, the cheapest step that needs it fails, naming it', () => {
  deployedAround(SWEPT);
  const identity = generatedIdentity(local, 'deploy');
  let deployer: ProvisionedIdentity;
  let started = 0;
  beforeAll(async () => {
    deployer = await provision(local, identity);
    started = Date.now();
  }, 5 * MINUTES);
  afterAll(async () => {
    recordTiming('removal sweep (every grant)', (Date.now() - started) / 1000);
    await deployer?.remove();
  });

  it.each(sweptGrants(identity).map((g) => [`${grantLabel(g)} (${stepOf(g)})`, g] as const))(
    '%s',
    async (_label, grant) => {
      await deployer.restrict(grant);
      const { run, restore } = await runStep(grant, deployer.env);
      try {
        const output = run.stdout + run.stderr;
        expect({
          failed: run.code !== 0,
          namesTheGrant: refusalOf(grant).test(output),
          tail: refusalOf(grant).test(output) ? '' : output.slice(-2500),
        }).toEqual({ failed: true, namesTheGrant: true, tail: '' });
      } finally {
        await restore();
      }
    },
    5 * MINUTES,
  );

  it('the doctor names the grant a failing deploy identity lacks', async () => {
    const [vaultGrant, kubernetesGrant] = [
      identity.grants.find((g) => g.system === 'vault' && g.use === 'create')!,
      identity.grants.find((g) => g.system === 'kubernetes' && g.use === 'create')!,
    ];
    for (const grant of [vaultGrant, kubernetesGrant]) {
      await deployer.restrict(grant);
      const doctor = await opsTool('doctor', ['--env', 'local', '--identity', 'deploy'], {
        env: deployer.env,
      });
      expect({ code: doctor.code, said: doctor.stdout.includes(grantLabel(grant)) }).toEqual({
        code: 1,
        said: true,
      });
      expect(doctor.stdout).toContain('FAIL  the run identity holds every grant its work needs');
    }
    await deployer.restrict();
  });
});
