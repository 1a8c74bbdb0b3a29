/**
 * The upgrade harness: an earlier commit of this program, checked out beside the project, that
 * deploys a variant of `local` into the same lab and hands its state to the current code. Later
 * changes that move Terraform addresses or lifecycles prove themselves with it: deploy the
 * earlier code, let a person write values, deploy the current code, check nothing moved.
 */
import { copyFileSync, existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { EnvironmentConfig } from '../../../environments/types';
import type { Variant } from '../../support/stack';
import {
  MINUTES,
  ROOT,
  type Run,
  type StackVariant,
  ensureDestroyed,
  exec,
  labEnvironment,
  stateFile,
} from './lab-chain';

export interface EarlierCheckout {
  /** The commit, as given. */
  readonly commit: string;
  /**
   * Deploys a variant with the earlier code (of `local`, or of the environment `base` names;
   * TF_VAR_ values in `vars`); its state then lies where the current code looks.
   */
  deploy(
    name: string,
    changes: Variant<EnvironmentConfig>,
    vars?: Record<string, string>,
    base?: string,
  ): Promise<Run>;
  /** Removes the worktree. */
  remove(): Promise<void>;
}

async function git(args: readonly string[]): Promise<Run> {
  return exec('git', args, { cwd: ROOT, env: process.env });
}

/**
 * Whether two lockfiles install the same tree: every package at the same place, version and
 * integrity. What they say of the project itself (its dependency lists) and whether a package is
 * only for development may differ: npm ci installs both kinds (e.g. yaml moving from
 * devDependencies to dependencies changes the lockfile, not node_modules).
 */
export function sameInstall(lockA: string, lockB: string): boolean {
  const tree = (file: string) => {
    const lock = JSON.parse(readFileSync(file, 'utf8')) as {
      packages?: Record<string, { version?: string; resolved?: string; integrity?: string }>;
    };
    return Object.fromEntries(
      Object.entries(lock.packages ?? {})
        .filter(([path]) => path !== '')
        .map(([path, p]) => [path, [p.version, p.resolved, p.integrity]]),
    );
  };
  return isDeepStrictEqual(tree(lockA), tree(lockB));
}

/**
 * A detached worktree of `commit` (CI's clone has the history). It shares the project's
 * node_modules when the lockfiles install the same tree, and installs its own otherwise (minutes
 * without a network: npm ci from its cache).
 */
export async function checkoutEarlier(commit: string): Promise<EarlierCheckout> {
  // Per engine: the earlier checkout's own cdktf.out must not be shared by two runs.
  const dir = join(
    tmpdir(),
    `eks-vault-eso-upgrade-${commit.slice(0, 12)}-${labEnvironment().LAB_ENGINE ?? 'tofu'}`,
  );
  if (existsSync(dir)) await git(['worktree', 'remove', '--force', dir]);
  rmSync(dir, { recursive: true, force: true });
  await git(['worktree', 'prune']);
  const added = await git(['worktree', 'add', '--detach', dir, commit]);
  if (added.code !== 0)
    throw new Error(
      `git worktree add ${commit} failed (a shallow clone lacks the history: fetch it with git fetch --unshallow):\n${added.stderr}`,
    );
  if (sameInstall(join(dir, 'package-lock.json'), join(ROOT, 'package-lock.json'))) {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  } else {
    const installed = await exec('npm', ['ci', '--no-audit', '--no-fund'], {
      cwd: dir,
      env: process.env,
    });
    if (installed.code !== 0) throw new Error(`npm ci in ${dir} failed:\n${installed.stderr}`);
  }

  return {
    commit,
    async deploy(name, changes, vars = {}, base) {
      const result = await exec(
        join(dir, 'node_modules', '.bin', 'cdktf'),
        [
          'deploy',
          name,
          '--auto-approve',
          '--skip-provider-lock',
          '--no-color',
          '--app',
          'node scripts/run-ts.js __tests__/e2e/support/variant-app.ts',
        ],
        {
          cwd: dir,
          env: labEnvironment({
            E2E_VARIANT: JSON.stringify({ name, base, changes }),
            ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [`TF_VAR_${k}`, v])),
          }),
        },
      );
      // Its local backend wrote the state beside the earlier checkout.
      const earlierState = join(dir, `terraform.${name}.tfstate`);
      if (existsSync(earlierState)) copyFileSync(earlierState, stateFile({ name, changes }));
      return result;
    },
    async remove() {
      await git(['worktree', 'remove', '--force', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * For the tests of the enclosing block: the earlier commit checked out and the variant destroyed
 * before them; after them, the variant destroyed and the checkout removed.
 */
export function earlierAround(commit: string, v: StackVariant): () => EarlierCheckout {
  let earlier: EarlierCheckout | undefined;
  beforeAll(async () => {
    earlier = await checkoutEarlier(commit);
    await ensureDestroyed(v);
  }, 10 * MINUTES);
  afterAll(async () => {
    await ensureDestroyed(v);
    await earlier?.remove();
  }, 10 * MINUTES);
  return () => {
    if (earlier === undefined) throw new Error(`the checkout of ${commit} failed`);
    return earlier;
  };
}
