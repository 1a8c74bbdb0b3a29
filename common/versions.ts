/**
 * The toolchain versions, read from `common/versions.sh`: the one place that pins them. The stacks
 * require exactly these provider versions, and the lab builds exactly these, so what ships is what
 * the lab proves. The file is shell (KEY=VALUE) because the lab's build script sources it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const VERSIONS_FILE = join(__dirname, 'versions.sh');

/** KEY=VALUE pairs of the versions file, quotes removed. */
export function readVersions(file: string = VERSIONS_FILE): Readonly<Record<string, string>> {
  const versions: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) versions[match[1]] = match[2].replace(/^["']|["']$/g, '');
  }
  return versions;
}

/** One key of the versions file; a missing key is a broken checkout, said plainly. */
export function requireVersion(versions: Readonly<Record<string, string>>, key: string): string {
  const value = versions[key];
  if (!value) throw new Error(`${key} is missing from ${VERSIONS_FILE}`);
  return value;
}

export const PROVIDER_TYPES = ['aws', 'kubernetes', 'vault'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** Exact provider versions every stack requires. */
export type ProviderVersions = Readonly<Record<ProviderType, string>>;

export function providerVersions(
  versions: Readonly<Record<string, string>> = readVersions(),
): ProviderVersions {
  return {
    aws: requireVersion(versions, 'AWS_PROVIDER_VERSION'),
    kubernetes: requireVersion(versions, 'KUBERNETES_PROVIDER_VERSION'),
    vault: requireVersion(versions, 'VAULT_PROVIDER_VERSION'),
  };
}

/**
 * Terraform/OpenTofu versions every stack accepts: write-only arguments and ephemeral resources
 * (the EKS token, the Vault reviewer JWT, write-only values) arrived in 1.11.
 */
export function requiredTerraformVersion(
  versions: Readonly<Record<string, string>> = readVersions(),
): string {
  return requireVersion(versions, 'TERRAFORM_REQUIRED_VERSION');
}

/** The aws_* types the lab's trimmed aws provider serves (see lab/toolchain/trim.py). */
export function awsProviderTypes(
  versions: Readonly<Record<string, string>> = readVersions(),
): readonly string[] {
  return requireVersion(versions, 'AWS_PROVIDER_TYPES').split(/\s+/).filter(Boolean);
}
