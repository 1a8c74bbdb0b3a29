/**
 * The removal sweep: for each generated grant, the deploy identity without it runs the cheapest
 * step that needs it, against the deployed chain, and must fail with a message that names the
 * grant; then the chain is put back as it was. The step follows from what the grant is for:
 * - `plan`: a plan targeted at the resource (its refresh, its data source);
 * - `deploy`: what npm run deploy asks before the apply (it stops there);
 * - `create`/`update`: the resource forgotten by the state and applied again (targeted), so the
 *   provider writes it; where Vault or the provider tells creating from updating, the object is
 *   deleted first (by the administrator) so that the write creates it;
 * - `delete`: the resources that depend on it forgotten, and a targeted destroy;
 * - `doctor`: the doctor, with its own identity check off, so that the link that needs the grant
 *   fails.
 * The state is copied before each step and put back after it, so nothing is left half-done.
 */
import { copyFileSync, existsSync } from 'node:fs';
import {
  type Grant,
  type KubernetesGrant,
  type RunIdentity,
  type VaultGrant,
  grantLabel,
} from '../../../common/identity';
import {
  type Run,
  type StackVariant,
  exec,
  kubectl,
  lab,
  labEnvironment,
  opsTool,
  stackDir,
  stateFile,
  vault,
} from './lab-chain';

/** What a refusal of the grant looks like in the output of the step that needs it. */
export function refusalOf(grant: Grant): RegExp {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  switch (grant.system) {
    case 'vault':
      // Terraform: "URL: PUT http://.../v1/<path>" then "Code: 403", or (a provider that keeps
      // Vault's answer to itself) an error naming the path; the doctor: the path and its 403,
      // or (its own identity check) the grant in words.
      return new RegExp(
        [
          `${escape(grant.path)}[\\s\\S]*?(403|permission denied)`,
          `Error: [^\\n]*${escape(grant.path)}`,
          escape(grantLabel(grant)),
        ].join('|'),
      );
    case 'kubernetes': {
      if (grant.verb === 'bind') return /attempting to grant RBAC permissions not currently held/;
      const [resource] = grant.resource.split('/');
      const group = grant.apiGroup === '' ? '""' : `"${escape(grant.apiGroup)}"`;
      return new RegExp(
        `cannot ${grant.verb} resource "${escape(resource)}[^"]*" in API group ${group}`.replace(
          /\s+/g,
          '\\s+',
        ),
      );
    }
    default:
      return new RegExp(escape(grantLabel(grant)));
  }
}

/** The step a grant needs, as the sweep runs it. */
export type Step = 'plan' | 'deploy' | 'write' | 'write-absent' | 'changed' | 'delete' | 'doctor';

export function stepOf(grant: Grant): Step {
  // What npm run deploy asks the cluster before the apply (the takeover check).
  if (grant.use === 'deploy-plan' && grant.system === 'kubernetes') return 'deploy';
  if (grant.use === 'plan' || grant.use === 'deploy-plan') return 'plan';
  if (grant.use === 'doctor') return 'doctor';
  if (grant.use === 'delete') return 'delete';
  if (grant.system === 'kubernetes' && grant.use === 'update') return 'changed';
  // Vault checks `create` only for a path that does not exist; the kubernetes provider reads a
  // manifest's object first and refuses to create one that exists.
  const absent =
    (grant.system === 'vault' && grant.capability === 'create') ||
    grant.address?.startsWith('kubernetes_manifest.') === true;
  return absent ? 'write-absent' : 'write';
}

function tofu(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  // Only the commands that plan take -input.
  const input = ['plan', 'apply', 'destroy'].includes(args[0]) ? ['-input=false'] : [];
  return exec(lab().toolchain.tfBinary, [...args, ...input, '-no-color'], {
    cwd: stackDir(SWEPT),
    env,
  });
}

/** A step of the administrator that must work. */
async function tofuAsAdmin(args: readonly string[]): Promise<Run> {
  const run = await tofu(args, labEnvironment());
  if (run.code !== 0)
    throw new Error(`tofu ${args.join(' ')}: ${(run.stdout + run.stderr).slice(-2000)}`);
  return run;
}

/** The sweep runs on the lab's `local` chain (the doctor knows it by that name). */
export const SWEPT: StackVariant = { name: 'local', changes: {} };

/** Every resource whose state records that it depends on `address` (the state says it all). */
async function dependentsOf(address: string): Promise<string[]> {
  const shown = await tofuAsAdmin(['show', '-json']);
  const resources = (
    JSON.parse(shown.stdout) as {
      values: { root_module: { resources: { address: string; depends_on?: string[] }[] } };
    }
  ).values.root_module.resources;
  const base = (a: string) => a.replace(/\[\d+\]$/, '');
  return resources
    .filter((r) => (r.depends_on ?? []).includes(address) && !r.address.startsWith('data.'))
    .map((r) => base(r.address));
}

/** The administrator deletes the object a write grant creates, so that the write creates it. */
async function deleteObject(grant: VaultGrant | KubernetesGrant): Promise<void> {
  if (grant.system === 'vault') {
    // A seed creates the secret's first version: the secret goes (its metadata).
    const path = grant.path.replace(/^([^/]+)\/data\//, '$1/metadata/');
    const deleted = await vault('DELETE', path);
    if (deleted.status !== 204) throw new Error(`deleting ${path}: ${deleted.status}`);
    return;
  }
  const kind = `${grant.resource}${grant.apiGroup ? `.${grant.apiGroup}` : ''}`;
  const namespace = grant.namespace ? ['-n', grant.namespace] : [];
  const deleted = await kubectl(['delete', kind, grant.names![0], ...namespace, '--wait=true']);
  if (deleted.code !== 0) throw new Error(`kubectl delete ${kind}: ${deleted.stderr}`);
}

/** The administrator changes a binding by hand, so that an apply rewrites it. */
async function changeObject(grant: KubernetesGrant): Promise<void> {
  const patched = await kubectl([
    'patch',
    `${grant.resource}.${grant.apiGroup}`,
    grant.names![0],
    '--type=json',
    '-p',
    '[{"op":"add","path":"/subjects/-","value":{"kind":"ServiceAccount","name":"sweep","namespace":"default"}}]',
  ]);
  if (patched.code !== 0) throw new Error(`kubectl patch: ${patched.stderr}`);
}

const approve = ['-auto-approve', '-lock=false'];

/** Runs the step a grant needs with `env` (the identity without it); returns its output. */
export async function runStep(
  grant: Grant,
  env: NodeJS.ProcessEnv,
): Promise<{ run: Run; restore: () => Promise<void> }> {
  const step = stepOf(grant);
  const target = grant.address ? [`-target=${grant.address}`] : [];
  const saved = `${stateFile(SWEPT)}.sweep`;
  copyFileSync(stateFile(SWEPT), saved);
  const putBack = () => Promise.resolve(copyFileSync(saved, stateFile(SWEPT)));
  const reapply = async () => {
    await tofuAsAdmin(['apply', ...approve, ...target]);
  };
  switch (step) {
    case 'plan':
      return { run: await tofu(['plan', '-lock=false', ...target], env), restore: putBack };
    case 'deploy': {
      const args = ['--env', SWEPT.name, '--auto-approve', '--skip-provider-lock'];
      return { run: await opsTool('deploy', args, { env }), restore: putBack };
    }
    case 'doctor': {
      // Its own identity check off, so that the link that needs the grant fails; the check itself
      // is what asks for its capabilities.
      const own = grant.system === 'vault' && grant.path === 'sys/capabilities-self';
      const args = ['--env', SWEPT.name, '--identity', own ? 'deploy' : 'none'];
      return { run: await opsTool('doctor', args, { env }), restore: putBack };
    }
    case 'delete': {
      const dependents = await dependentsOf(grant.address!);
      if (dependents.length > 0) await tofuAsAdmin(['state', 'rm', ...dependents]);
      return { run: await tofu(['destroy', ...approve, ...target], env), restore: putBack };
    }
    case 'changed':
      await changeObject(grant as KubernetesGrant);
      return { run: await tofu(['apply', ...approve, ...target], env), restore: reapply };
    default: {
      if (step === 'write-absent') await deleteObject(grant as VaultGrant | KubernetesGrant);
      await tofuAsAdmin(['state', 'rm', grant.address!]);
      const run = await tofu(['apply', ...approve, ...target], env);
      return { run, restore: step === 'write-absent' ? reapply : putBack };
    }
  }
}

/** The grants the sweep removes, in the order it removes them: all but AWS's (moto checks none). */
export function sweptGrants(identity: RunIdentity): Grant[] {
  return identity.grants.filter((g) => g.system !== 'aws');
}

export function hasState(): boolean {
  return existsSync(stateFile(SWEPT));
}
