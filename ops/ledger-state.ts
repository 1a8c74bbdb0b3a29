/**
 * The ledger, as the deploy command keeps it: written from what a synthesized stack syncs after a
 * deploy, and, for an environment deployed before ledgers existed, read from its deployed state.
 */
import type { Ledger, LedgerEntry } from '../environments/ledger';
import type { DeclaredSync } from '../common/stack-json';
import type { SynthesizedStack } from '../common/synthesized-stack';
import { CommandError } from './cli';
import { run, summarizeTerraformError, terraformBinary } from './terraform';

/** A ledger entry of what a stack syncs. */
export function entryOf(sync: DeclaredSync): LedgerEntry {
  return {
    mount: sync.mount,
    secret: sync.secret,
    ...(sync.tenant ? { tenant: sync.tenant } : {}),
    externalSecret: `${sync.namespace}/${sync.external_secret}`,
    target: sync.target,
  };
}

/** The ledger after a deploy of `stack`: exactly what it syncs, and the clusters it is on. */
export function ledgerOfStack(environment: string, stack: SynthesizedStack): Ledger {
  const declared = stack.declaredClusters();
  const clusters = declared.filter((c) => !c.retired).map((c) => c.name);
  return {
    environment,
    ...(declared.length > 0 ? { clusters } : {}),
    entries: stack.declaredSync().map(entryOf),
  };
}

interface StateResource {
  readonly type: string;
  readonly name: string;
  readonly values?: Record<string, unknown>;
}

interface ShownState {
  readonly values?: { readonly root_module?: { readonly resources?: StateResource[] } };
}

/** `<mount>/data/<name>` or `<mount>/metadata/<name>` -> mount and name (the last such split). */
function splitKvPath(path: string): { mount: string; name: string } | undefined {
  const match = /^(.+?)\/(?:data|metadata)\/(.+)$/.exec(path);
  return match ? { mount: match[1], name: match[2] } : undefined;
}

/**
 * What a deployed state syncs, as ledger entries: each ExternalSecret in it (namespace, name,
 * target and the key it extracts), with the mount of the KV writer of that key. The state is
 * parsed in memory and never printed (it may hold values of earlier versions of this program).
 */
export function entriesFromState(shown: ShownState, fallbackMount: string): LedgerEntry[] {
  const resources = shown.values?.root_module?.resources ?? [];
  const mounts = new Map<string, string>();
  for (const r of resources) {
    if (r.type === 'vault_kv_secret_v2' && typeof r.values?.name === 'string')
      mounts.set(r.values.name, String(r.values.mount));
    if (r.type === 'vault_generic_endpoint' && typeof r.values?.path === 'string') {
      const split = splitKvPath(r.values.path);
      if (split && !split.name.split('/').pop()!.startsWith('.eks-vault-eso'))
        mounts.set(split.name, split.mount);
    }
  }
  const entries: LedgerEntry[] = [];
  for (const r of resources.filter((x) => x.type === 'kubernetes_manifest')) {
    const manifest = r.values?.manifest as
      | {
          kind?: string;
          metadata?: { name?: string; namespace?: string };
          spec?: { target?: { name?: string }; dataFrom?: { extract?: { key?: string } }[] };
        }
      | undefined;
    if (manifest?.kind !== 'ExternalSecret') continue;
    const key = manifest.spec?.dataFrom?.[0]?.extract?.key;
    const { name, namespace } = manifest.metadata ?? {};
    if (!key || !name || !namespace) continue;
    entries.push({
      mount: mounts.get(key) ?? fallbackMount,
      secret: key,
      externalSecret: `${namespace}/${name}`,
      target: manifest.spec?.target?.name ?? name,
    });
  }
  return entries;
}

/** The entries a deployed stack's state records (the directory must be initialized). */
export async function deployedEntries(
  stackDir: string,
  fallbackMount: string,
): Promise<LedgerEntry[]> {
  const shown = await run(terraformBinary(), ['show', '-json', '-no-color'], { cwd: stackDir });
  if (shown.code !== 0)
    throw new CommandError(
      `reading the deployed state failed:\n${summarizeTerraformError(shown.stderr)}`,
    );
  return entriesFromState(JSON.parse(shown.stdout) as ShownState, fallbackMount);
}
