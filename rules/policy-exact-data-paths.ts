import { kvV2Paths } from '../common/kv-paths';
import {
  type Rule,
  type StackJson,
  type Violation,
  declaredSecrets,
  resourcesOfType,
  str,
} from './stack-json';

export const POLICY_EXACT_DATA_PATHS_ID = 'CHAIN-001';

interface PolicyPath {
  readonly path: string;
  readonly capabilities: string[];
}

const PATH_BLOCK = /path\s+"([^"]*)"\s*\{\s*capabilities\s*=\s*\[([^\]]*)\]\s*\}/g;

/** Parses the `path "..." { capabilities = [...] }` blocks; `rest` is any text that is not one. */
export function parsePolicy(text: string): { paths: PolicyPath[]; rest: string } {
  const paths: PolicyPath[] = [];
  const rest = text.replace(PATH_BLOCK, (_all, path: string, caps: string) => {
    paths.push({
      path,
      capabilities: caps
        .split(',')
        .map((c) => c.trim().replace(/^"|"$/g, ''))
        .filter((c) => c.length > 0),
    });
    return '';
  });
  return { paths, rest: rest.replace(/#[^\n]*/g, '').trim() };
}

/**
 * The policy grants `read` on every declared secret's KV v2 `data/` path, and nothing broader:
 * no other path, no glob, no capability beyond read (list only on a declared secret's metadata).
 */
export const policyExactDataPaths: Rule = {
  id: POLICY_EXACT_DATA_PATHS_ID,
  description:
    "the policy covers exactly the declared secrets' KV v2 data/ paths and nothing broader",
  check(stack: StackJson): Violation[] {
    const violations: Violation[] = [];
    const add = (message: string) =>
      violations.push({ ruleId: POLICY_EXACT_DATA_PATHS_ID, message });

    const dataPaths = new Set<string>();
    const metadataPaths = new Set<string>();
    for (const secret of declaredSecrets(stack)) {
      const paths = kvV2Paths(secret.mount, secret.name);
      dataPaths.add(paths.data);
      metadataPaths.add(paths.metadata);
    }

    for (const policy of resourcesOfType(stack, 'vault_policy')) {
      const name = str(stack, policy.body.name) ?? policy.address;
      const text = str(stack, policy.body.policy);
      if (text === undefined) {
        add(`policy "${name}": its text is not a literal, so it cannot be checked`);
        continue;
      }
      const { paths, rest } = parsePolicy(text);
      if (rest.length > 0)
        add(
          `policy "${name}": unexpected text outside path blocks: ${JSON.stringify(rest.slice(0, 60))}`,
        );
      const granted = new Set<string>();
      for (const { path, capabilities } of paths) {
        if (/[*+]/.test(path)) {
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
          add(
            kvV1Style
              ? `policy "${name}": path "${path}" has no "data/" segment; on KV v2 it grants nothing, use "${kvV1Style}"`
              : `policy "${name}": path "${path}" is not the data/ or metadata/ path of a declared secret`,
          );
        }
      }
      for (const path of dataPaths) {
        if (!granted.has(path))
          add(`policy "${name}": declared secret path "${path}" is not granted "read"`);
      }
    }
    return violations;
  },
};
