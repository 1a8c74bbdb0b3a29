/**
 * Identities: the least rights of the identities that run an environment's stack, generated from
 * the stack itself: the Vault policy, the Kubernetes RBAC and the IAM policy of `deploy` (plans,
 * applies, destroys) and of `drift` (checks for drift and diagnoses, changing nothing).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { IDENTITIES, type IdentityName, type RunIdentity, runIdentity } from '../common/identity';
import { ALL_ENVIRONMENTS } from '../environments';
import { EXIT, UsageError, parseFlags, progress, requiredEnvironment, runMain } from './cli';
import { synthesizeInProcess } from './synthesized';
import { PROJECT_ROOT } from './terraform';

const TOOL = 'identities';
const USAGE = `usage: npm run identities -- --env NAME [--identity deploy|drift] [--only vault|kubernetes|aws] [--out DIR]

Prints the least rights of the identities that run one environment, read from its synthesized
stack (so they follow what the stack manages): each Vault path, Kubernetes verb and AWS action
says what needs it.

  deploy   plans, applies and destroys the stack (npm run deploy, diff, destroy)
  drift    plans with a refresh and diagnoses (npm run drift, npm run doctor), writes nothing

For each: the Vault policy (HCL) for the environment's Vault namespace, the Kubernetes RBAC (a
ClusterRole, Roles in namespaces that exist already, bound to the group
eks-vault-eso:<identity>:<env>, which the run role's EKS access entry names), and the IAM policy
of the AWS role. A cluster administrator applies the RBAC once; npm run workspace shows the
access entry.

  --env NAME         the environment (one of ${ALL_ENVIRONMENTS.map((e) => e.name).join(', ')})
  --identity NAME    one identity (default: both)
  --only KIND        one kind of document (default: all three)
  --out DIR          write DIR/<identity>-vault-policy.hcl, <identity>-rbac.yaml and
                     <identity>-iam-policy.json instead of printing them

Exit status: 0 printed or written, 2 bad arguments.
`;

const KINDS = ['vault', 'kubernetes', 'aws'] as const;
type Kind = (typeof KINDS)[number];

/** Each document of an identity: its file name and text. */
function documents(identity: RunIdentity): Record<Kind, { file: string; text: string }> {
  const name = identity.identity;
  return {
    vault: { file: `${name}-vault-policy.hcl`, text: identity.vaultPolicy },
    kubernetes: {
      file: `${name}-rbac.yaml`,
      text: identity.kubernetesRbac.map((o) => stringify(o)).join('---\n'),
    },
    aws: {
      file: `${name}-iam-policy.json`,
      text: `${JSON.stringify(identity.iamPolicy, null, 2)}\n`,
    },
  };
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]) {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, not "${value}"`);
  return value as T;
}

function main(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    values: ['--env', '--identity', '--only', '--out'],
    booleans: [],
  });
  const config = requiredEnvironment(values);
  const only = oneOf<Kind>('--only', values.get('--only')?.[0], KINDS);
  const wanted = oneOf<IdentityName>('--identity', values.get('--identity')?.[0], IDENTITIES);
  const out = values.get('--out')?.[0];
  const stack = synthesizeInProcess(config);
  for (const name of wanted ? [wanted] : IDENTITIES) {
    const docs = documents(runIdentity(stack, config.name, name));
    for (const kind of only ? [only] : KINDS) {
      const { file, text } = docs[kind];
      if (out === undefined) {
        process.stdout.write(`# ==> ${file}\n${text}\n`);
        continue;
      }
      const dir = resolve(PROJECT_ROOT, out);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, file), text);
      progress(TOOL, `${config.name}: wrote ${join(dir, file)}`);
    }
  }
  return Promise.resolve(EXIT.ok);
}

runMain(TOOL, USAGE, main);
