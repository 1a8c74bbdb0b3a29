import { CHAIN_RULE_IDS } from '../common/chain-rule-ids';
import { kvV2Paths } from '../common/chain/kv-path';
import { type PolicyPath, isNamespacePrefixGrant, parsePolicy } from '../common/chain/policy';
import type { DeclaredTenant, StackJson } from '../common/stack-json';
import { SynthesizedStack } from '../common/synthesized-stack';
import type { Rule, Violation } from './rule';

const POLICY_EXACT_DATA_PATHS_ID = CHAIN_RULE_IDS.policyExactDataPaths;

/** One policy, the tenants that use it and what they are owed. */
interface PolicyUnderCheck {
  readonly name: string;
  readonly users: readonly DeclaredTenant[];
  readonly allTenants: readonly DeclaredTenant[];
  /** KV v2 data/ path of a declared secret. */
  readonly dataPath: (secret: string) => string;
  /** The data/ and metadata/ paths of the users' secrets. */
  readonly dataPaths: ReadonlySet<string>;
  readonly metadataPaths: ReadonlySet<string>;
  /** The dynamic credential paths (`<mount>/creds/<role>`) its users declare. */
  readonly credentialPaths: ReadonlySet<string>;
}

/** The shared store's templated grant: read only, and every user's secrets under its namespace. */
function templatedProblems(policy: PolicyUnderCheck, templated: readonly PolicyPath[]): string[] {
  const problems: string[] = [];
  for (const { path, capabilities } of templated)
    if (capabilities.join(',') !== 'read')
      problems.push(
        `policy "${policy.name}": path "${path}" grants ${JSON.stringify(capabilities)}; only "read" is needed`,
      );
  for (const tenant of policy.users)
    for (const secret of tenant.secrets.filter((s) => !s.startsWith(`${tenant.namespace}/`)))
      problems.push(
        `policy "${policy.name}": grants each namespace its own prefix, but tenant "${tenant.name}"'s secret "${secret}" is not under "${tenant.namespace}/"`,
      );
  return problems;
}

/** What is wrong with one exact path of a policy, if anything; `granted` collects data reads. */
function exactPathProblem(
  policy: PolicyUnderCheck,
  { path, capabilities }: PolicyPath,
  granted: Set<string>,
): string | undefined {
  const { name } = policy;
  if (/[*+]|\{\{/.test(path))
    return `policy "${name}": path "${path}" is a glob; grant each secret's exact path`;
  if (policy.dataPaths.has(path)) {
    if (capabilities.includes('read')) granted.add(path);
    const extra = capabilities.filter((c) => c !== 'read');
    return extra.length > 0
      ? `policy "${name}": path "${path}" grants ${JSON.stringify(extra)}; only "read" is needed`
      : undefined;
  }
  if (policy.credentialPaths.has(path)) {
    if (capabilities.includes('read')) granted.add(path);
    const extra = capabilities.filter((c) => c !== 'read');
    return extra.length > 0
      ? `policy "${name}": path "${path}" grants ${JSON.stringify(extra)}; reading a credential needs "read" only`
      : undefined;
  }
  if (policy.metadataPaths.has(path)) {
    const extra = capabilities.filter((c) => c !== 'read' && c !== 'list');
    return extra.length > 0
      ? `policy "${name}": path "${path}" grants ${JSON.stringify(extra)}; only "read" and "list" are allowed on metadata`
      : undefined;
  }
  const kvV1Style = [...policy.dataPaths].find((p) => p.replace('/data/', '/') === path);
  if (kvV1Style)
    return `policy "${name}": path "${path}" has no "data/" segment; on KV v2 it grants nothing, use "${kvV1Style}"`;
  const owner = policy.allTenants.find((t) => t.secrets.some((s) => policy.dataPath(s) === path));
  return owner
    ? `policy "${name}": path "${path}" is a secret of tenant "${owner.name}", not of ${policy.users.map((t) => `"${t.name}"`).join(', ')}`
    : `policy "${name}": path "${path}" is not the data/ or metadata/ path of a declared secret`;
}

/** Every problem of one policy's text. */
function policyProblems(policy: PolicyUnderCheck, text: string, mounts: Set<string>): string[] {
  const problems: string[] = [];
  const { paths, rest } = parsePolicy(text);
  if (rest.length > 0)
    problems.push(
      `policy "${policy.name}": unexpected text outside path blocks: ${JSON.stringify(rest.slice(0, 60))}`,
    );
  const templated = paths.filter((p) => [...mounts].some((m) => isNamespacePrefixGrant(p.path, m)));
  if (templated.length > 0) problems.push(...templatedProblems(policy, templated));
  const granted = new Set<string>();
  for (const path of paths.filter((p) => !templated.includes(p))) {
    const problem = exactPathProblem(policy, path, granted);
    if (problem !== undefined) problems.push(problem);
  }
  if (templated.length > 0) return problems;
  for (const path of policy.dataPaths)
    if (!granted.has(path))
      problems.push(
        `policy "${policy.name}": declared secret path "${path}" is not granted "read"`,
      );
  for (const path of policy.credentialPaths)
    if (!granted.has(path))
      problems.push(
        `policy "${policy.name}": declared database credential path "${path}" is not granted "read"`,
      );
  return problems;
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
  check(json: StackJson): Violation[] {
    const stack = new SynthesizedStack(json);
    const mountOf = new Map(stack.declaredSecrets().map((s) => [s.name, s.mount]));
    const mounts = new Set([...mountOf.values()]);
    const dataPath = (secret: string) => kvV2Paths(mountOf.get(secret) ?? '?', secret).data;
    const { tenants } = stack.declaredTenants();
    const problems: string[] = [];
    for (const policy of stack.policies()) {
      const name = policy.name ?? policy.address;
      const users = tenants.filter((t) => t.policy === name);
      if (users.length === 0) {
        problems.push(
          `policy "${name}": no tenant uses it; every policy belongs to a declared tenant`,
        );
        continue;
      }
      if (policy.text === undefined) {
        problems.push(`policy "${name}": its text is not a string, so it cannot be checked`);
        continue;
      }
      const secrets = users.flatMap((t) => t.secrets);
      const underCheck: PolicyUnderCheck = {
        name,
        users,
        allTenants: tenants,
        dataPath,
        dataPaths: new Set(secrets.map(dataPath)),
        metadataPaths: new Set(secrets.map((s) => kvV2Paths(mountOf.get(s) ?? '?', s).metadata)),
        credentialPaths: new Set(users.flatMap((t) => t.database_credentials ?? [])),
      };
      problems.push(...policyProblems(underCheck, policy.text, mounts));
    }
    return problems.map((message) => ({ ruleId: POLICY_EXACT_DATA_PATHS_ID, message }));
  },
};
