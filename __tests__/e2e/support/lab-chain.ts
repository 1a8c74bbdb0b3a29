/**
 * Driving the real chain in the lab: cdktf deploy/destroy of a `local` variant, a second plan,
 * the login ESO makes, and direct looks at OpenBao and the API server.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { type RunResult, runProcess } from '../../../common/process';
import { join } from 'node:path';
import { waitFor } from '../../../lab/http';
import { type LabInfo, labProcessEnv, readLabInfo } from '../../../lab/info';
import type { EnvironmentConfig } from '../../../environments/types';
import type { CheckResult } from '../../../ops/doctor/model';
import { VaultClient, type VaultResponse } from '../../../ops/vault-http';
import { ledgerPath } from '../../../environments/ledger';
import { tenantsOf } from '../../../environments/tenants';
import { type VariantSpec, variantConfig, variantStackNames } from './variant-config';

export const ROOT = join(__dirname, '..', '..', '..');
export const MINUTES = 60_000;
const LOG_DIR = join(ROOT, '.lab', 'e2e-logs');

let cachedInfo: LabInfo | undefined;
/** The running lab; fails with the command to start it when there is none. */
export function lab(): LabInfo {
  cachedInfo ??= readLabInfo();
  return cachedInfo;
}

/**
 * How the engine of this run (LAB_ENGINE: tofu unless set) names itself in its messages, e.g.
 * "will no longer be managed by OpenTofu" / "... by Terraform".
 */
export function engineName(): 'OpenTofu' | 'Terraform' {
  return lab().toolchain.engine === 'terraform' ? 'Terraform' : 'OpenTofu';
}

export function labEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // TF_INPUT=0: a variable without a value fails the command instead of waiting for an answer.
  return { ...labProcessEnv(lab()), LEDGER_DIR: E2E_LEDGER_DIR, TF_INPUT: '0', ...extra };
}

export type Run = RunResult;

/**
 * Runs a command; its output goes to a per-suite log under .lab/e2e-logs (never to the test
 * report, which must not carry values).
 */
export function exec(
  command: string,
  args: readonly string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    input?: string;
    /** Looks at the output so far; a signal it returns is sent to the whole process group, once. */
    interruptWhen?: (stdoutSoFar: string) => NodeJS.Signals | undefined;
    /** Keep its output out of the log (it carries values a test compares). */
    quiet?: boolean;
  } = {},
): Promise<Run> {
  mkdirSync(LOG_DIR, { recursive: true });
  // One log per jest process: the suites of both engines run side by side (scripts/test-all.sh).
  const logFile = join(
    LOG_DIR,
    `${CDKTF_OUT}-${process.env.JEST_WORKER_ID ?? '0'}-${new Date().toISOString().slice(0, 10)}.log`,
  );
  let pid: number | undefined;
  let interrupted = false;
  return runProcess(command, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? labEnvironment(),
    input: options.input ?? '',
    logFile: options.quiet ? undefined : logFile,
    ownGroup: true,
    onSpawn: (spawned) => (pid = spawned),
    onStdout: (soFar) => {
      const signal = interrupted ? undefined : options.interruptWhen?.(soFar);
      if (!signal || pid === undefined) return;
      interrupted = true;
      // The whole process group: cdktf, and the tofu it started.
      try {
        process.kill(-pid, signal);
      } catch {
        /* already gone */
      }
    },
  });
}

/** A deployable variant of a real environment (`local` unless it names another `base`). */
export interface StackVariant extends VariantSpec {
  /** TF_VAR_* values (write-only secrets, tokens). */
  readonly vars?: Record<string, string>;
  /**
   * Credentials in place of the lab administrator's (a run identity's VAULT_TOKEN, AWS session,
   * KUBECONFIG).
   * @default the administrator's
   */
  readonly credentials?: NodeJS.ProcessEnv;
}

const CDKTF = join(ROOT, 'node_modules', '.bin', 'cdktf');

function cdktfEnv(v: StackVariant): NodeJS.ProcessEnv {
  const vars = Object.fromEntries(
    Object.entries(v.vars ?? {}).map(([k, value]) => [`TF_VAR_${k}`, value]),
  );
  return {
    ...labEnvironment({
      ...vars,
      // The ops tools synthesize where the suite's cdktf commands do (ops/terraform.ts outputDir).
      CDKTF_OUTDIR: CDKTF_OUT,
      E2E_VARIANT: JSON.stringify({
        name: v.name,
        base: v.base,
        changes: v.changes,
        teamsDir: v.teamsDir,
      }),
    }),
    ...v.credentials,
  };
}

/** The cdktf app of the variants (environments/local.ts with some keys changed). */
export const VARIANT_APP = 'node scripts/run-ts.js __tests__/e2e/support/variant-app.ts';

/**
 * Where cdktf writes the synthesized stacks: its own directory per jest process (E2E_CDKTF_OUT),
 * since each synthesis rewrites the whole directory. Same depth as cdktf.out, so the stacks'
 * local state path still points at the project root.
 */
export const CDKTF_OUT = process.env.E2E_CDKTF_OUT ?? 'cdktf.out';

/**
 * The ledgers the suites' deploys write and check: their own directory per jest process, never
 * the committed environments/ledgers (a suite's variant of local must not be refused by it).
 */
export const E2E_LEDGER_DIR = join(
  ROOT,
  '.lab',
  `e2e-ledgers-${CDKTF_OUT}-${process.env.JEST_WORKER_ID ?? '0'}`,
);

/** The directory of the variant's own stack (or of `stack`, one of its teams'). */
export function stackDir(v: StackVariant, stack: string = v.name): string {
  return join(ROOT, CDKTF_OUT, 'stacks', stack);
}

/** The local state file of the variant's own stack (or of `stack`, one of its teams'). */
export function stateFile(v: StackVariant, stack: string = v.name): string {
  return join(ROOT, `terraform.${stack}.tfstate`);
}

/** Drops the state files of every stack of the variant (after a destroy). */
function removeStateFiles(v: StackVariant): void {
  for (const stack of variantStackNames(v)) {
    rmSync(stateFile(v, stack), { force: true });
    rmSync(`${stateFile(v, stack)}.backup`, { force: true });
  }
}

/**
 * `cdktf <verb>` of the variant's stacks (its own, then its teams') through the variant app, into
 * the suite's output directory.
 */
function cdktfVariant(
  verb: 'deploy' | 'destroy' | 'diff',
  v: StackVariant,
  interruptWhen?: (stdoutSoFar: string) => NodeJS.Signals | undefined,
): Promise<Run> {
  const approve = verb === 'diff' ? [] : ['--auto-approve'];
  return exec(
    CDKTF,
    [
      verb,
      ...variantStackNames(v),
      ...approve,
      '--skip-provider-lock',
      '--no-color',
      '--app',
      VARIANT_APP,
      '--output',
      CDKTF_OUT,
    ],
    { env: cdktfEnv(v), interruptWhen },
  );
}

export async function deploy(
  v: StackVariant,
  options: { interruptWhen?: (stdoutSoFar: string) => NodeJS.Signals | undefined } = {},
): Promise<Run> {
  return cdktfVariant('deploy', v, options.interruptWhen);
}

/** `cdktf diff`: a plan through the CLI, changing nothing. */
export async function diff(v: StackVariant): Promise<Run> {
  return cdktfVariant('diff', v);
}

/**
 * One of the operations tools, run as `npm run <tool>` runs it, in the suite's output directory
 * (CDKTF_OUTDIR), where the suite's own cdktf runs and plans look: the tools' default, cdktf.out,
 * is the OpenTofu run's.
 */
export function opsTool(
  tool:
    | 'adopt'
    | 'deploy'
    | 'destroy'
    | 'diff'
    | 'doctor'
    | 'drift'
    | 'recover'
    | 'review'
    | 'split-teams',
  args: readonly string[],
  options: {
    env?: NodeJS.ProcessEnv;
    interruptWhen?: (stdoutSoFar: string) => NodeJS.Signals | undefined;
  } = {},
): Promise<Run> {
  return exec(process.execPath, [join(ROOT, 'scripts/run-ts.js'), `ops/${tool}.ts`, ...args], {
    ...options,
    env: { ...(options.env ?? labEnvironment()), CDKTF_OUTDIR: CDKTF_OUT },
  });
}

/**
 * `npm run deploy` for the variant (the ops tool: cdktf deploy, then its own follow-ups); with
 * `team`, `--team` (that team's stack alone).
 */
export async function opsDeploy(v: StackVariant, team?: string): Promise<Run> {
  return opsTool(
    'deploy',
    [
      '--env',
      v.name,
      ...(team === undefined ? [] : ['--team', team]),
      '--app',
      VARIANT_APP,
      '--auto-approve',
      '--skip-provider-lock',
    ],
    { env: cdktfEnv(v) },
  );
}

/** `npm run diff` for the variant (every stack's plan; with `team`, that team's alone). */
export async function opsDiff(v: StackVariant, team?: string): Promise<Run> {
  const teamArgs = team === undefined ? [] : ['--team', team];
  return opsTool('diff', ['--env', v.name, ...teamArgs, '--app', VARIANT_APP], {
    env: cdktfEnv(v),
  });
}

/** `npm run split-teams` for the variant (with `--plan-only`: what would move). */
export async function splitTeams(v: StackVariant, planOnly = false): Promise<Run> {
  return opsTool(
    'split-teams',
    ['--env', v.name, '--app', VARIANT_APP, ...(planOnly ? ['--plan-only'] : [])],
    { env: cdktfEnv(v) },
  );
}

/** `npm run recover` for the variant. */
export async function recover(v: StackVariant): Promise<Run> {
  return opsTool('recover', ['--env', v.name, '--app', VARIANT_APP], { env: cdktfEnv(v) });
}

export interface Diagnosis {
  readonly code: number;
  readonly healthy: boolean;
  readonly brokenLink: string | null;
  readonly checks: CheckResult[];
  readonly human: string;
}

/** `npm run doctor -- --env <env>`: the JSON report with its exit code, and the human text. */
export async function doctor(env = 'local'): Promise<Diagnosis> {
  const [asJson, human] = await Promise.all([
    opsTool('doctor', ['--env', env, '--json']),
    opsTool('doctor', ['--env', env]),
  ]);
  const parsed = JSON.parse(asJson.stdout) as Omit<Diagnosis, 'code' | 'human'>;
  return { ...parsed, code: asJson.code, human: human.stdout };
}

/** `cdktf destroy`; on success the (now empty) state files go too, so a later run starts clean. */
export async function destroy(v: StackVariant): Promise<Run> {
  const result = await cdktfVariant('destroy', v);
  if (result.code === 0) removeStateFiles(v);
  return result;
}

/**
 * A refreshing plan of each deployed stack of the variant: exit 0 no changes, 2 changes, 1
 * error; of several stacks, the first that errs, else the first that changes something.
 */
export async function plan(v: StackVariant): Promise<Run> {
  const runs: Run[] = [];
  for (const stack of variantStackNames(v))
    runs.push(
      await exec(
        lab().toolchain.tfBinary,
        ['plan', '-detailed-exitcode', '-input=false', '-no-color', '-lock=false'],
        { cwd: stackDir(v, stack), env: cdktfEnv(v) },
      ),
    );
  return runs.find((r) => r.code === 1) ?? runs.find((r) => r.code !== 0) ?? runs[0];
}

/** A saved plan of the deployed stack, shown as JSON (the form that carries every value). */
export async function savedPlanJson(v: StackVariant): Promise<Run> {
  const saved = join(stackDir(v), 'e2e.tfplan');
  try {
    const planned = await exec(
      lab().toolchain.tfBinary,
      ['plan', '-input=false', '-no-color', '-lock=false', `-out=${saved}`],
      { cwd: stackDir(v), env: cdktfEnv(v) },
    );
    if (planned.code !== 0) return planned;
    return await exec(lab().toolchain.tfBinary, ['show', '-json', saved], {
      cwd: stackDir(v),
      env: cdktfEnv(v),
    });
  } finally {
    rmSync(saved, { force: true });
  }
}

interface PlannedChange {
  readonly address: string;
  readonly change: { readonly actions: readonly string[] };
}

/**
 * A saved plan of each of `stacks` (the variant's, deployed), as actions -> addresses (the
 * construct hash dropped); unchanged objects and data sources read are left out. Throws on a
 * plan that errs.
 */
export async function plannedActions(
  v: StackVariant,
  stacks: readonly string[],
): Promise<Record<string, Record<string, string[]>>> {
  const tf = lab().toolchain.tfBinary;
  const result: Record<string, Record<string, string[]>> = {};
  for (const stack of stacks) {
    const cwd = stackDir(v, stack);
    let shown: Run;
    try {
      const planned = await exec(
        tf,
        ['plan', '-input=false', '-no-color', '-lock=false', '-out=e2e.tfplan'],
        { cwd },
      );
      if (planned.code !== 0)
        throw new Error(`plan of ${stack}: ${(planned.stdout + planned.stderr).slice(-3000)}`);
      shown = await exec(tf, ['show', '-json', 'e2e.tfplan'], { cwd, quiet: true });
    } finally {
      rmSync(join(cwd, 'e2e.tfplan'), { force: true });
    }
    if (shown.code !== 0) throw new Error(`show of ${stack}'s plan: ${shown.stderr.slice(-3000)}`);
    const byAction: Record<string, string[]> = {};
    for (const c of (JSON.parse(shown.stdout) as { resource_changes?: PlannedChange[] })
      .resource_changes ?? [])
      (byAction[c.change.actions.join('+')] ??= []).push(c.address.replace(/_[0-9A-F]{8}$/, ''));
    for (const quiet of ['no-op', 'read', 'open']) delete byAction[quiet];
    for (const list of Object.values(byAction)) list.sort();
    result[stack] = byAction;
  }
  return result;
}

/** Removes whatever an earlier, interrupted run of this variant left behind. */
export async function ensureDestroyed(v: StackVariant): Promise<void> {
  // Whatever the variant declares now, all it deployed goes: its ledgers must not refuse that.
  const stacks = variantStackNames(v);
  for (const stack of stacks) rmSync(ledgerPath(stack, E2E_LEDGER_DIR), { force: true });
  if (stacks.some((stack) => existsSync(stateFile(v, stack)))) await destroyRecorded(v);
  const config = variantConfig(v);
  await sweepUnrecorded(config);
  for (const tenant of tenantsOf(config).filter((t) => t.manageNamespace))
    await namespaceGone(tenant.namespace);
}

/** Destroys what the variant's state records, then drops the state file. */
async function destroyRecorded(v: StackVariant): Promise<void> {
  let result = await destroy(v);
  // After a Vault that lost its data (a restarted dev server) the deletes of KV objects hit a
  // missing mount; they are gone already: forget them (in each stack that holds some).
  if (result.code !== 0 && /no handler for route/.test(result.stdout + result.stderr)) {
    for (const stack of variantStackNames(v).filter((s) => existsSync(stateFile(v, s)))) {
      const listed = await exec(lab().toolchain.tfBinary, ['state', 'list'], {
        cwd: stackDir(v, stack),
        env: cdktfEnv(v),
      });
      const secrets = listed.stdout
        .split('\n')
        .filter((address) => /^vault_(kv_secret_v2|generic_endpoint)\./.test(address));
      if (secrets.length > 0)
        await exec(lab().toolchain.tfBinary, ['state', 'rm', ...secrets], {
          cwd: stackDir(v, stack),
          env: cdktfEnv(v),
        });
    }
    result = await destroy(v);
  }
  if (result.code !== 0)
    throw new Error(
      `cleanup destroy of ${v.name} failed:\n${(result.stdout + result.stderr).slice(-3000)}`,
    );
  removeStateFiles(v);
}

/**
 * Deletes the chain's objects that no state records: an apply killed before it saved its state
 * (02's SIGKILL case, when a test fails before recover adopts them) leaves objects that destroy
 * cannot see, and the next suite's deploy would stop on "already exists".
 */
async function sweepUnrecorded(config: EnvironmentConfig): Promise<void> {
  const tenants = tenantsOf(config);
  await kubectl(['delete', 'clustersecretstore', config.eso.storeName, '--ignore-not-found']);
  await kubectl([
    'delete',
    'clusterrolebinding',
    config.kubernetes.clusterRoleBindingName,
    '--ignore-not-found',
  ]);
  for (const tenant of tenants.filter((t) => t.manageNamespace))
    await kubectl(['delete', 'namespace', tenant.namespace, '--ignore-not-found', '--wait=false']);
  await vault('DELETE', `sys/auth/${config.vault.authPath}`);
  for (const policy of new Set(tenants.map((t) => t.policyName)))
    await vault('DELETE', `sys/policies/acl/${policy}`);
  if (config.vault.kvMount.managed)
    await vault('DELETE', `sys/mounts/${config.vault.kvMount.path}`);
  // Unmounting the database engine revokes what it issued: Vault drops its users.
  if (config.vault.database) await vault('DELETE', `sys/mounts/${config.vault.database.mountPath}`);
}

/**
 * Deploys the variant from an empty state before the tests of the enclosing block, and destroys it
 * after them.
 */
export function deployedAround(v: StackVariant): void {
  beforeAll(async () => {
    await ensureDestroyed(v);
    const deployed = await deploy(v);
    if (deployed.code !== 0)
      throw new Error(
        `deploy of ${v.name} failed:\n${(deployed.stdout + deployed.stderr).slice(-3000)}`,
      );
  }, 15 * 60_000);
  afterAll(async () => {
    await ensureDestroyed(v);
  }, 10 * 60_000);
}

/** Starts the tests of the enclosing block from nothing, and leaves nothing after them. */
export function destroyedAround(v: StackVariant): void {
  beforeAll(() => ensureDestroyed(v), 10 * MINUTES);
  afterAll(() => ensureDestroyed(v), 10 * MINUTES);
}

/** Waits until the namespace controller has finished deleting a namespace. */
export async function namespaceGone(namespace: string): Promise<void> {
  await eventually(`namespace ${namespace} to be deleted`, 120, async () =>
    (
      await kubectl(['get', 'namespace', namespace, '--ignore-not-found', '-o', 'name'])
    ).stdout.trim() === ''
      ? true
      : undefined,
  );
}

export function kubectl(args: readonly string[], input?: string): Promise<Run> {
  return exec(lab().kubernetes.kubectl, args, { input });
}

export async function kubectlJson<T = Record<string, unknown>>(
  args: readonly string[],
): Promise<T | undefined> {
  const result = await kubectl(['get', ...args, '-o', 'json']);
  if (result.code !== 0) {
    if (/NotFound/.test(result.stderr)) return undefined;
    throw new Error(`kubectl get ${args.join(' ')}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as T;
}

/** One key of a Kubernetes Secret, decoded (compare it in memory; never print it). */
export async function secretValue(
  namespace: string,
  name: string,
  key: string,
): Promise<string | undefined> {
  const secret = await kubectlJson<{ data?: Record<string, string> }>([
    'secret',
    name,
    '-n',
    namespace,
  ]);
  const b64 = secret?.data?.[key];
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}

/** One Vault API call, in the lab's `admin` namespace unless told otherwise (null: the root). */
export async function vault(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'LIST',
  path: string,
  options: { token?: string; namespace?: string | null; body?: unknown } = {},
): Promise<VaultResponse> {
  const info = lab();
  const client = new VaultClient({
    address: info.vault.addr,
    token: options.token ?? readFileSync(info.vault.rootTokenPath, 'utf8').trim(),
    namespace:
      options.namespace === undefined ? info.vault.namespace : (options.namespace ?? undefined),
    timeoutMs: 30_000,
  });
  return client.request(method, path, options.body);
}

/** A TokenRequest token for the service account, as ESO requests it. */
export async function serviceAccountToken(
  namespace: string,
  name: string,
  audience: string,
): Promise<string> {
  const result = await kubectl([
    'create',
    'token',
    name,
    '-n',
    namespace,
    `--audience=${audience}`,
    '--duration=10m',
  ]);
  if (result.code !== 0) throw new Error(`TokenRequest failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** Logs in the way ESO does; returns the Vault token (or the refusal). */
export async function login(
  authPath: string,
  role: string,
  jwt: string,
): Promise<{ status: number; token?: string; errors?: string }> {
  const answer = await vault('POST', `auth/${authPath}/login`, { token: '', body: { role, jwt } });
  const auth = answer.body?.auth as { client_token?: string } | undefined;
  return {
    status: answer.status,
    token: auth?.client_token,
    errors: JSON.stringify(answer.body?.errors ?? []),
  };
}

/** Polls (each second) until `probe` returns a value, or fails after `seconds`: the lab's poller. */
export async function eventually<T>(
  what: string,
  seconds: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  let value: T | undefined;
  try {
    await waitFor(
      async () => {
        value = await probe();
        return { ok: value !== undefined, detail: 'not yet' };
      },
      seconds * 1000,
      undefined,
      1000,
    );
  } catch (error) {
    throw new Error(`waiting for ${what}: ${(error as Error).message}`);
  }
  return value as T;
}
