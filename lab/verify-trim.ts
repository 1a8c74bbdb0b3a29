// `npm run lab -- verify-trim`: the trimmed aws provider serves the stacks' aws_* types with the
// schema an untrimmed build of the same commit serves. trim.py only edits the files that register
// services, so the two should agree; this shows it, against a real full build.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { awsProviderTypes } from '../common/versions';
import type { LabContext } from './parts/context';
import { MIRROR_HOSTS, tofuRcContent } from './parts/terraform';
import { LabError, errorMessage, formatSeconds, say } from './report';
import { ensureBuilt, isExecutable, providerVersion } from './toolchain';

/** The part of `tofu providers schema -json` this compares, for one provider. */
export interface ProviderSchema {
  provider?: unknown;
  resource_schemas?: Record<string, unknown>;
  data_source_schemas?: Record<string, unknown>;
  ephemeral_resource_schemas?: Record<string, unknown>;
}

/** Where the last comparison is written, for the README's figures. */
export const VERIFY_TRIM_REPORT = (labDir: string): string => path.join(labDir, 'verify-trim.txt');

const KINDS = ['resource_schemas', 'data_source_schemas', 'ephemeral_resource_schemas'] as const;

export interface SchemaComparison {
  /** `<kind> <type>` for every type both serve with the same schema (and `provider`). */
  readonly equal: string[];
  /** One line per disagreement, naming the kind, the type and the first differing JSON path. */
  readonly differences: string[];
  /** Types served, per kind, by the reference and by the candidate. */
  readonly counts: Record<(typeof KINDS)[number], { reference: number; candidate: number }>;
}

/** The first JSON path where a and b differ ('' when equal). Object key order does not count. */
export function firstDifference(a: unknown, b: unknown, at = '$'): string {
  if (Object.is(a, b)) return '';
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return at;
  if (Array.isArray(a) !== Array.isArray(b)) return at;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
  for (const key of keys) {
    if (!(key in left) || !(key in right)) return `${at}.${key}`;
    const inner = firstDifference(left[key], right[key], `${at}.${key}`);
    if (inner !== '') return inner;
  }
  return '';
}

/** Compares the provider block and each of `types` in every kind either build serves it as. */
export function compareSchemas(
  reference: ProviderSchema,
  candidate: ProviderSchema,
  types: readonly string[],
): SchemaComparison {
  const equal: string[] = [];
  const differences: string[] = [];
  const providerDiff = firstDifference(reference.provider, candidate.provider);
  if (providerDiff === '') equal.push('provider');
  else differences.push(`provider: differs at ${providerDiff}`);
  for (const type of types) {
    let served = false;
    for (const kind of KINDS) {
      const want = reference[kind]?.[type];
      const got = candidate[kind]?.[type];
      if (want === undefined && got === undefined) continue;
      served = true;
      if (want === undefined) differences.push(`${kind} ${type}: only the candidate serves it`);
      else if (got === undefined) differences.push(`${kind} ${type}: the candidate lacks it`);
      else {
        const at = firstDifference(want, got);
        if (at === '') equal.push(`${kind} ${type}`);
        else differences.push(`${kind} ${type}: differs at ${at}`);
      }
    }
    if (!served) differences.push(`${type}: neither build serves it`);
  }
  const count = (schema: ProviderSchema, kind: (typeof KINDS)[number]): number =>
    Object.keys(schema[kind] ?? {}).length;
  const counts = Object.fromEntries(
    KINDS.map((kind) => [
      kind,
      { reference: count(reference, kind), candidate: count(candidate, kind) },
    ]),
  ) as SchemaComparison['counts'];
  return { equal, differences, counts };
}

/** `tofu providers schema -json` of one aws provider binary, installed from a throwaway mirror. */
function awsSchema(tofu: string, binary: string, version: string): ProviderSchema {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-trim-'));
  try {
    const mirror = path.join(dir, 'mirror');
    const platformDir = path.join(
      mirror,
      MIRROR_HOSTS[0],
      'hashicorp',
      'aws',
      version,
      'linux_amd64',
    );
    fs.mkdirSync(platformDir, { recursive: true });
    fs.symlinkSync(binary, path.join(platformDir, `terraform-provider-aws_v${version}`));
    const rc = path.join(dir, 'tofu.rc');
    fs.writeFileSync(rc, tofuRcContent(mirror));
    const work = path.join(dir, 'work');
    fs.mkdirSync(work);
    fs.writeFileSync(
      path.join(work, 'main.tf.json'),
      JSON.stringify({
        terraform: { required_providers: { aws: { source: 'hashicorp/aws', version } } },
      }),
    );
    const env = { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: rc };
    const run = (args: string[]): string =>
      execFileSync(tofu, args, {
        cwd: work,
        env,
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    try {
      run(['init', '-input=false', '-no-color']);
      const all = JSON.parse(run(['providers', 'schema', '-json'])) as {
        provider_schemas?: Record<string, ProviderSchema>;
      };
      const key = Object.keys(all.provider_schemas ?? {}).find((k) => k.endsWith('/hashicorp/aws'));
      if (key === undefined) throw new Error('the output holds no hashicorp/aws schema');
      return all.provider_schemas![key];
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw new LabError('verify-trim', `schema of ${binary}: ${stderr || errorMessage(error)}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds what is missing (the full provider: about an hour), compares, prints; 0 equal, 1 not. */
export async function verifyTrim(ctx: LabContext): Promise<number> {
  const version = providerVersion(ctx.versions, 'aws');
  const types = awsProviderTypes(ctx.versions);
  if (!isExecutable(ctx.tools['provider-aws-full']))
    say(
      'verify-trim: building the untrimmed aws provider first (about an hour and 9 GB on two cores)',
    );
  const started = Date.now();
  const full = await ensureBuilt(ctx.config, ctx.tools, 'provider-aws-full');
  const trimmed = await ensureBuilt(ctx.config, ctx.tools, 'provider-aws');
  const tofu = await ensureBuilt(ctx.config, ctx.tools, 'tofu');
  say(`verify-trim: binaries ready (${formatSeconds(Date.now() - started)}); reading schemas`);
  const reference = awsSchema(tofu, full, version);
  const candidate = awsSchema(tofu, trimmed, version);
  const result = compareSchemas(reference, candidate, types);
  // The services kept for those types serve others too: they must match as well, or the trim
  // changed more than which services are registered.
  const others = [...new Set(KINDS.flatMap((kind) => Object.keys(candidate[kind] ?? {})))].filter(
    (type) => !types.includes(type),
  );
  const rest = compareSchemas(reference, candidate, others);
  const differences = [
    ...result.differences,
    ...rest.differences.filter((d) => !d.startsWith('provider')),
  ];
  const sizes = [full, trimmed].map((f) => `${Math.round(fs.statSync(f).size / 2 ** 20)} MB`);
  const lines = [`aws provider ${version}: untrimmed ${sizes[0]}, trimmed ${sizes[1]}`];
  for (const [kind, counts] of Object.entries(result.counts))
    lines.push(
      `  ${kind.padEnd(27)} untrimmed ${String(counts.reference).padStart(5)}   trimmed ${counts.candidate}`,
    );
  for (const line of result.equal) lines.push(`  same:   ${line}`);
  lines.push(
    `  same:   ${rest.equal.filter((e) => e !== 'provider').length} schemas of the ${others.length} other types the trimmed build serves`,
  );
  for (const line of differences) lines.push(`  DIFFER: ${line}`);
  lines.push(
    differences.length === 0
      ? `OK: the provider block and the ${types.length} types the stacks use (${types.join(', ')}) are identical, and so is every other type the trimmed build serves`
      : `FAILED: ${differences.length} difference(s)`,
  );
  for (const line of lines) say(`verify-trim: ${line}`);
  // The README's figure (npm run figures): what was compared, and when.
  const stamp = `compared ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  fs.mkdirSync(ctx.config.labDir, { recursive: true });
  fs.writeFileSync(VERIFY_TRIM_REPORT(ctx.config.labDir), `${[...lines, stamp].join('\n')}\n`);
  return differences.length === 0 ? 0 : 1;
}
