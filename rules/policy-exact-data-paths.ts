import { CHAIN_RULE_IDS } from '../common/chain-rule-ids';
import { kvV2Paths } from '../common/kv-paths';
import { NAMESPACE_METADATA } from '../common/names';
import {
  type StackJson,
  declaredSecrets,
  declaredTenants,
  resourcesOfType,
  str,
} from '../common/stack-json';
import type { Rule, Violation } from './rule';
import { parsePolicy } from '../common/vault-policy';

const POLICY_EXACT_DATA_PATHS_ID = CHAIN_RULE_IDS.policyExactDataPaths;

/** The templated path of the shared store's policy: `<mount>/data/{{...<accessor>...}}/*`. */
function templatedNamespacePath(mount: string): RegExp {
  const escaped = mount.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `^${escaped}/data/\\{\\{identity\\.entity\\.aliases\\.\\$\\{vault_(jwt_)?auth_backend\\.[^.}]+\\.accessor\\}\\.metadata\\.${NAMESPACE_METADATA}\\}\\}/\\*$`,
  );
}

/**
 * Each policy grants `read` on the KV v2 `data/` path of exactly the secrets of the tenants that
 * use it, and nothing broader: no other path, no glob, no capability beyond read (list only on a
 * declared secret's metadata). The shared store's one templated policy may grant each login its
 * own namespace's prefix, and only if every tenant's secrets lie under its namespace.
 */
export const policyExactDataPaths: Rule = {
  id: POLICY_EXACT_DATA_PATHS_ID,
  description: "each policy covers exactly its tenants' KV v2 data/ paths and nothing broader",
  check(stack: StackJson): Violation[] {
    const violations: Violation[] = [];
    const add = (message: string) =>
      violations.push({ ruleId: POLICY_EXACT_DATA_PATHS_ID, message });

    const mountOf = new Map(declaredSecrets(stack).map((s) => [s.name, s.mount]));
    const { tenants } = declaredTenants(stack);
    for (const policy of resourcesOfType(stack, 'vault_policy')) {
      const name = str(stack, policy.body.name) ?? policy.address;
      const users = tenants.filter((t) => t.policy === name);
      if (users.length === 0) {
        add(`policy "${name}": no tenant uses it; every policy belongs to a declared tenant`);
        continue;
      }
      const dataPaths = new Set<string>();
      const metadataPaths = new Set<string>();
      for (const secret of users.flatMap((t) => t.secrets)) {
        const paths = kvV2Paths(mountOf.get(secret) ?? '?', secret);
        dataPaths.add(paths.data);
        metadataPaths.add(paths.metadata);
      }
      const raw = policy.body.policy;
      const text = typeof raw === 'string' ? raw : undefined;
      if (text === undefined) {
        add(`policy "${name}": its text is not a string, so it cannot be checked`);
        continue;
      }
      const { paths, rest } = parsePolicy(text);
      if (rest.length > 0)
        add(
          `policy "${name}": unexpected text outside path blocks: ${JSON.stringify(rest.slice(0, 60))}`,
        );
      const mounts = new Set([...mountOf.values()]);
      const templated = paths.filter((p) =>
        [...mounts].some((m) => templatedNamespacePath(m).test(p.path)),
      );
      if (templated.length > 0) {
        for (const { path, capabilities } of templated)
          if (capabilities.join(',') !== 'read')
            add(
              `policy "${name}": path "${path}" grants ${JSON.stringify(capabilities)}; only "read" is needed`,
            );
        for (const tenant of users)
          for (const secret of tenant.secrets.filter((s) => !s.startsWith(`${tenant.namespace}/`)))
            add(
              `policy "${name}": grants each namespace its own prefix, but tenant "${tenant.name}"'s secret "${secret}" is not under "${tenant.namespace}/"`,
            );
      }
      const granted = new Set<string>();
      for (const { path, capabilities } of paths.filter((p) => !templated.includes(p))) {
        if (/[*+]|\{\{/.test(path)) {
          add(`policy "${name}": path "${path}" is a glob; grant each secret's exact path`);
        } else if (dataPaths.has(path)) {
          const extra = capabilities.filter((c) => c !== 'read');
          if (extra.length > 0)
            add(
              `policy "${name}": path "${path}" grants ${JSON.stringify(extra)}; only "read" is needed`,
            );
          if (capabilities.includes('read')) granted.add(path);
        } else if (metadataPaths.has(path)) {
          const extra = capabilities.filter((c) => c !== 'read' && c !== 'list');
          if (extra.length > 0)
            add(
              `policy "${name}": path "${path}" grants ${JSON.stringify(extra)}; only "read" and "list" are allowed on metadata`,
            );
        } else {
          const kvV1Style = [...dataPaths].find((p) => p.replace('/data/', '/') === path);
          const owner = tenants.find((t) =>
            t.secrets.some((s) => kvV2Paths(mountOf.get(s) ?? '?', s).data === path),
          );
          add(
            kvV1Style
              ? `policy "${name}": path "${path}" has no "data/" segment; on KV v2 it grants nothing, use "${kvV1Style}"`
              : owner
                ? `policy "${name}": path "${path}" is a secret of tenant "${owner.name}", not of ${users.map((t) => `"${t.name}"`).join(', ')}`
                : `policy "${name}": path "${path}" is not the data/ or metadata/ path of a declared secret`,
          );
        }
      }
      if (templated.length > 0) continue;
      for (const path of dataPaths) {
        if (!granted.has(path))
          add(`policy "${name}": declared secret path "${path}" is not granted "read"`);
      }
    }
    return violations;
  },
};
