// The engines (OpenTofu and Terraform) and the providers: a filesystem mirror of the built
// providers and one CLI config that installs only from it, for both engines (the registries are
// unreachable here).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { LabError } from '../report';
import type { ProviderType } from '../toolchain';
import {
  PROVIDER_TYPES,
  ensureBuilt,
  isExecutable,
  providerVersion,
  whichOnPath,
} from '../toolchain';
import type { Engine } from '../config';
import { ENGINES } from '../config';
import type { LabContext } from './context';
import { writeFileIfChanged } from './context';

/** OpenTofu's default registry host and Terraform's: the mirror serves both. */
export const MIRROR_HOSTS = ['registry.opentofu.org', 'registry.terraform.io'];
const PLATFORM = 'linux_amd64';

/**
 * The binary of an engine: the built one, or LAB_TF_BINARY when that engine is the one LAB_ENGINE
 * picks.
 */
export function engineBinary(ctx: LabContext, engine: Engine): string {
  const override = ctx.config.tfBinaryOverride;
  if (override === undefined || engine !== ctx.config.engine) return ctx.tools[engine];
  const found = whichOnPath(override);
  if (found === undefined)
    throw new LabError(
      'toolchain',
      `LAB_TF_BINARY=${override} is not an executable file or a command on PATH`,
    );
  return found;
}

/** The binary of the engine LAB_ENGINE picks. */
export function tfBinary(ctx: LabContext): string {
  return engineBinary(ctx, ctx.config.engine);
}

export function providerMirror(ctx: LabContext): string {
  return ctx.config.providerMirrorOverride ?? ctx.paths.mirrorDir;
}

export function providerBinary(ctx: LabContext, type: ProviderType): string {
  return ctx.tools[`provider-${type}`];
}

function linkIfDifferent(target: string, link: string): void {
  try {
    if (fs.readlinkSync(link) === target) return;
  } catch {
    // Missing or not a link: (re)create it.
  }
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.rmSync(link, { force: true, recursive: true });
  fs.symlinkSync(target, link);
}

/** <mirror>/<host>/hashicorp/<type>/<version>/linux_amd64/terraform-provider-<type>_v<version> -> cache. */
function linkProvider(ctx: LabContext, type: ProviderType, binary: string): void {
  const version = providerVersion(ctx.versions, type);
  for (const host of MIRROR_HOSTS) {
    const dir = path.join(ctx.paths.mirrorDir, host, 'hashicorp', type, version, PLATFORM);
    linkIfDifferent(binary, path.join(dir, `terraform-provider-${type}_v${version}`));
  }
}

export function tofuRcContent(mirror: string): string {
  return `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`;
}

/** `<binary> version -json`, run with the lab's CLI config (the user's may point at a missing file). */
function tfVersion(binary: string, cliConfig: string): string {
  const env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: cliConfig };
  try {
    const output = execFileSync(binary, ['version', '-json'], {
      encoding: 'utf8',
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return (JSON.parse(output) as { terraform_version?: string }).terraform_version ?? 'unknown';
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    throw new LabError('toolchain', `${binary} version -json failed: ${reason}`);
  }
}

export async function ensureToolchain(ctx: LabContext): Promise<string> {
  const binaries: string[] = [];
  for (const engine of ENGINES)
    binaries.push(
      ctx.config.tfBinaryOverride !== undefined && engine === ctx.config.engine
        ? engineBinary(ctx, engine)
        : await ensureBuilt(ctx.config, ctx.tools, engine),
    );
  const words: string[] = [];
  if (ctx.config.providerMirrorOverride !== undefined) {
    if (!fs.statSync(ctx.config.providerMirrorOverride, { throwIfNoEntry: false })?.isDirectory()) {
      throw new LabError(
        'toolchain',
        `LAB_PROVIDER_MIRROR=${ctx.config.providerMirrorOverride} is not a directory`,
      );
    }
    words.push(`provider mirror ${ctx.config.providerMirrorOverride} (LAB_PROVIDER_MIRROR)`);
  } else {
    const built: string[] = [];
    for (const type of PROVIDER_TYPES) {
      linkProvider(ctx, type, await ensureBuilt(ctx.config, ctx.tools, `provider-${type}`));
      built.push(`${type} ${providerVersion(ctx.versions, type)}`);
    }
    words.push(`provider mirror ${ctx.paths.mirrorDir} (${built.join(', ')})`);
  }
  writeFileIfChanged(ctx.paths.tofuRc, tofuRcContent(providerMirror(ctx)));
  words.unshift(
    ...binaries.map(
      (binary) => `${path.basename(binary)} ${tfVersion(binary, ctx.paths.tofuRc)} at ${binary}`,
    ),
  );
  return words.join('; ');
}

/** For status: which toolchain pieces exist, without building anything. */
export function toolchainState(ctx: LabContext): { ok: boolean; detail: string } {
  const missing: string[] = [];
  for (const engine of ENGINES) {
    let binary: string | undefined;
    try {
      binary = engineBinary(ctx, engine);
    } catch {
      binary = undefined;
    }
    if (binary === undefined || !isExecutable(binary)) missing.push(engine);
  }
  if (ctx.config.providerMirrorOverride === undefined) {
    for (const type of PROVIDER_TYPES)
      if (!isExecutable(providerBinary(ctx, type))) missing.push(`provider-${type}`);
  }
  if (!fs.existsSync(ctx.paths.tofuRc)) missing.push('tofu.rc');
  return missing.length === 0
    ? { ok: true, detail: `${ENGINES.join(', ')}, providers and ${ctx.paths.tofuRc} ready` }
    : { ok: false, detail: `missing: ${missing.join(', ')}` };
}
