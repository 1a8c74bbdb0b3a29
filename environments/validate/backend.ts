import { type Checker, isObject, type Obj } from './checker';
import { OPTIONS } from './schema';

const CLOUD_ONLY = ['organization', 'workspace', 'tags', 'hostname', 'runsOnAgentWithAwsCli'];

export function validateBackend(c: Checker, value: unknown): void {
  const backend = c.object('backend', value, 'backend');
  if (!backend) return;
  if (!c.oneOf('backend.type', backend.type, OPTIONS.backendType)) return;
  if (backend.type === 'local') {
    for (const k of CLOUD_ONLY)
      c.absent(`backend.${k}`, backend[k], 'a local backend has no such setting');
    return;
  }
  c.shape('backend.organization', backend.organization, {
    re: /^[A-Za-z0-9_-]+$/,
    words: 'a Terraform Cloud organization name',
  });
  const hasWorkspace = backend.workspace !== undefined;
  const hasTags = backend.tags !== undefined;
  if (hasWorkspace === hasTags)
    c.add(
      'backend.workspace',
      backend.workspace,
      'exactly one of backend.workspace or backend.tags',
    );
  if (hasWorkspace)
    c.shape('backend.workspace', backend.workspace, {
      re: /^[A-Za-z0-9_-]{1,90}$/,
      words: 'a workspace name: letters, digits, "-" and "_"',
    });
  if (hasTags) {
    const tags = backend.tags;
    if (
      !Array.isArray(tags) ||
      tags.length === 0 ||
      !tags.every((t) => typeof t === 'string' && /^[a-z0-9:_-]+$/.test(t))
    )
      c.add('backend.tags', tags, 'a non-empty list of lowercase workspace tags');
  }
  if (backend.runsOnAgentWithAwsCli !== undefined)
    c.boolean('backend.runsOnAgentWithAwsCli', backend.runsOnAgentWithAwsCli);
  if (backend.hostname !== undefined)
    c.shape('backend.hostname', backend.hostname, {
      re: /^[a-z0-9.-]+$/,
      words: 'a hostname such as "app.terraform.io"',
    });
}

/** Terraform Cloud's hosted runners have no AWS CLI, so `exec` auth cannot work there. */
export function validateRunnerCanAuthenticate(c: Checker, env: Obj): void {
  if (
    isObject(env.backend) &&
    env.backend.type === 'cloud' &&
    env.backend.runsOnAgentWithAwsCli !== true &&
    isObject(env.kubernetes) &&
    env.kubernetes.auth === 'exec'
  ) {
    c.add(
      'kubernetes.auth',
      'exec',
      '"eks-token" with a cloud backend: Terraform Cloud\'s hosted runners have no AWS CLI for `aws eks get-token` (or set backend.runsOnAgentWithAwsCli: true if runs execute on an agent that has it)',
    );
  }
}
