/**
 * A day-two sweep: an environment deployed with `npm run deploy`, values a person wrote in Vault,
 * then edits of the environment file, each deployed while the workload's Secrets are watched,
 * and after each: Vault kept every version and the person's current value, every Secret showed
 * that value the whole time, and the next plan is empty.
 */
import { randomBytes } from 'node:crypto';
import { kvV2Paths } from '../../../common/chain/kv-path';
import { secretValuesVariableName } from '../../../common/names';
import type { EnvironmentConfig } from '../../../environments/types';
import type { Variant } from '../../support/stack';
import {
  type Run,
  type StackVariant,
  VARIANT_APP,
  ensureDestroyed,
  eventually,
  kubectl,
  kubectlJson,
  labEnvironment,
  opsTool,
  plan,
  vault,
} from './lab-chain';
import { SecretWatch, type WatchedSecret, expectedSteady, steady } from './secret-watch';
import { recordTiming } from './timings';

/** The key every swept secret holds. */
export const KEY = 'value';

export const ok = (run: Run) => ({
  code: run.code,
  tail: run.code === 0 ? '' : (run.stdout + run.stderr).slice(-3000),
});

export interface SweepSpec {
  /** The variant's stack name. */
  readonly name: string;
  /** The environment it starts from. @default 'local' */
  readonly base?: string;
  /** The KV mount it uses (created and removed by the sweep's own clean-up). */
  readonly mount: string;
  /** Namespaces it deploys to, made beforehand (so a destroy keeps the Secrets in them). */
  readonly namespaces: readonly string[];
  /** The environment as first deployed. */
  readonly changes: Variant<EnvironmentConfig>;
}

export class Sweep {
  /** What a person wrote: per Vault path, how many versions and the current value. */
  readonly written = new Map<string, { versions: number; current: string }>();
  /** The Secrets workloads read: `namespace/name` -> the Vault path it shows. */
  readonly targets = new Map<string, string>();
  /** The environment as deployed now. */
  changes: Variant<EnvironmentConfig>;

  constructor(readonly spec: SweepSpec) {
    this.changes = spec.changes;
  }

  private variant(changes: Variant<EnvironmentConfig>): StackVariant {
    return { name: this.spec.name, base: this.spec.base, changes };
  }

  merged(more: Variant<EnvironmentConfig>): Variant<EnvironmentConfig> {
    const c = this.changes;
    return {
      ...c,
      ...more,
      kubernetes: { ...c.kubernetes, ...more.kubernetes },
      vault: { ...c.vault, ...more.vault },
      eso: { ...c.eso, ...more.eso },
    };
  }

  /** TF_VAR values of write-only mode: each secret's current value, as the person keeps it. */
  private writeOnlyVars(config: Variant<EnvironmentConfig>): Record<string, string> {
    if (config.secretValues !== 'write-only') return {};
    return Object.fromEntries(
      (config.secrets ?? []).map((s) => [
        secretValuesVariableName(s.name),
        JSON.stringify({ [KEY]: this.written.get(s.name)?.current ?? 'unset' }),
      ]),
    );
  }

  /** `npm run deploy` of the environment as `config` edits it. */
  deployAs(config: Variant<EnvironmentConfig>): Promise<Run> {
    const vars = this.writeOnlyVars(config);
    return opsTool(
      'deploy',
      ['--env', this.spec.name, '--app', VARIANT_APP, '--auto-approve', '--skip-provider-lock'],
      {
        env: labEnvironment({
          E2E_VARIANT: JSON.stringify(this.variant(config)),
          ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [`TF_VAR_${k}`, v])),
        }),
      },
    );
  }

  /** A person writes two versions of a secret with the Vault API; `target` shows it. */
  async personWrites(path: string, target: string): Promise<void> {
    const paths = kvV2Paths(this.spec.mount, path);
    for (const round of [1, 2]) {
      const current = `person-${round}-${randomBytes(6).toString('hex')}`;
      const answer = await vault('POST', paths.data, { body: { data: { [KEY]: current } } });
      expect(answer.status).toBe(200);
      const meta = await vault('GET', paths.metadata);
      this.written.set(path, {
        current,
        versions: Object.keys((meta.body?.data as { versions: object }).versions).length,
      });
    }
    this.targets.set(target, path);
  }

  /** Every version still there (none deleted or destroyed), and the current value the person's. */
  async vaultKept(): Promise<Record<string, unknown>> {
    const found: Record<string, unknown> = {};
    for (const [path, before] of this.written) {
      const paths = kvV2Paths(this.spec.mount, path);
      const meta = await vault('GET', paths.metadata);
      const data = meta.body?.data as
        { versions: Record<string, { deletion_time: string; destroyed: boolean }> } | undefined;
      const versions = Object.values(data?.versions ?? {});
      const read = await vault('GET', paths.data);
      const value = (read.body?.data as { data?: Record<string, string> } | undefined)?.data?.[KEY];
      found[path] = {
        keepsEveryVersion: versions.length >= before.versions,
        deletedOrDestroyed: versions.filter((v) => v.deletion_time !== '' || v.destroyed).length,
        currentIsThePersons: value === before.current,
      };
      before.versions = Math.max(before.versions, versions.length);
    }
    return found;
  }

  keptEverywhere(): Record<string, unknown> {
    return Object.fromEntries(
      [...this.written.keys()].map((p) => [
        p,
        { keepsEveryVersion: true, deletedOrDestroyed: 0, currentIsThePersons: true },
      ]),
    );
  }

  watched(): WatchedSecret[] {
    return [...this.targets].map(([target, path]) => {
      const [namespace, name] = target.split('/');
      return { namespace, name, key: KEY, value: this.written.get(path)!.current };
    });
  }

  /** One edit: deployed with the Secrets watched; then Vault, the Secrets and the next plan. */
  async edit(what: string, more: Variant<EnvironmentConfig>): Promise<void> {
    const next = this.merged(more);
    const watch = SecretWatch.start(this.watched());
    const deployed = await this.deployAs(next);
    const report = await watch.stop();
    recordTiming(`sweep ${this.spec.name}: ${what}`, deployed.seconds);
    expect({ what, ...ok(deployed) }).toEqual({ what, code: 0, tail: '' });
    this.changes = next;
    expect({ what, secrets: steady(report) }).toEqual({
      what,
      secrets: expectedSteady(this.watched()),
    });
    expect({ what, vault: await this.vaultKept() }).toEqual({ what, vault: this.keptEverywhere() });
    const second = await plan({ ...this.variant(this.changes), vars: this.writeOnlyVars(next) });
    expect({
      what,
      plan: second.code,
      out: second.code === 0 ? '' : second.stdout.slice(-3000),
    }).toEqual({ what, plan: 0, out: '' });
  }

  /** An edit `npm run deploy` must refuse, changing nothing; its message must contain `says`. */
  async refused(what: string, more: Variant<EnvironmentConfig>, says: string): Promise<void> {
    const watch = SecretWatch.start(this.watched());
    const result = await this.deployAs(this.merged(more));
    const report = await watch.stop();
    expect({ what, code: result.code }).toEqual({ what, code: 1 });
    expect((result.stdout + result.stderr).replace(/\s+/g, ' ')).toContain(says);
    expect({ what, secrets: steady(report) }).toEqual({
      what,
      secrets: expectedSteady(this.watched()),
    });
    expect({ what, vault: await this.vaultKept() }).toEqual({ what, vault: this.keptEverywhere() });
  }

  /** Forces every ExternalSecret to sync and waits until each Secret shows the person's value. */
  async synced(): Promise<void> {
    for (const namespace of this.spec.namespaces)
      await kubectl([
        'annotate',
        'externalsecret',
        '--all',
        '-n',
        namespace,
        `force-sync=${Date.now()}`,
        '--overwrite',
      ]);
    for (const { namespace, name, value } of this.watched())
      await eventually(`${namespace}/${name} to show the person's value`, 120, async () => {
        const found = await kubectlJson<{ data?: Record<string, string> }>([
          'secret',
          name,
          '-n',
          namespace,
        ]);
        const shown = found?.data?.[KEY];
        return shown !== undefined && Buffer.from(shown, 'base64').toString('utf8') === value
          ? true
          : undefined;
      });
  }

  /**
   * The stack as last deployed, its mount's destroy opted in: a sweep that ends without its own
   * destroy step leaves a mount the stack keeps (prevent_destroy), and the clean-up removes it all.
   */
  private disposable(): StackVariant {
    const c = this.changes;
    const kvMount = { ...c.vault?.kvMount, allowDestroy: true };
    return this.variant({ ...c, vault: { ...c.vault, kvMount } });
  }

  /** The `npm run destroy` of the stack as it is, with the Secrets watched. */
  async destroyWatched(): Promise<{ run: Run; report: ReturnType<typeof steady> }> {
    const watch = SecretWatch.start(this.watched());
    const run = await opsTool(
      'destroy',
      ['--env', this.spec.name, '--app', VARIANT_APP, '--auto-approve', '--skip-provider-lock'],
      { env: labEnvironment({ E2E_VARIANT: JSON.stringify(this.variant(this.changes)) }) },
    );
    return { run, report: steady(await watch.stop()) };
  }

  /** Nothing of the sweep left: the stack, its namespaces and its mount. */
  async cleanUp(): Promise<void> {
    await ensureDestroyed(this.disposable());
    for (const namespace of this.spec.namespaces)
      await kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=true']);
    await vault('DELETE', `sys/mounts/${this.spec.mount}`);
  }

  /** Before the sweep: clean, then its namespaces made and its mount left to the stack. */
  async prepare(): Promise<void> {
    await this.cleanUp();
    for (const namespace of this.spec.namespaces) await kubectl(['create', 'namespace', namespace]);
  }
}
