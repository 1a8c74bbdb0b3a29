/**
 * What an earlier synthesis rendered, reused by a narrowed one (`npm run diff -- --team`): a
 * team's stack left unwritten is not built again when the output directory remembers the JSON
 * this program rendered for it from the same inputs. The chain rules check that JSON with the
 * rest of the environment, as if the stack had been built, so a one-team synthesis costs about
 * the same at 200 teams as at 2.
 *
 * A stack's inputs are all that builds it: the program (every source and shell file of the
 * repository, the package lock, cdktf.json), the app's context, the stack's name and part, its
 * ledger, and the environment's settings with that team's file alone (`teamConfig`: a team's
 * stack is built from no other team's). Every synthesis remembers each team stack it built, in
 * `<outdir>/.chain-memory/<stack>.json`: the hash of its inputs beside the JSON the rules checked.
 * Only a memory of the same inputs is recalled; anything else is built again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { allowAnyChildId } from '../common/construct-ids';
import type { StackJson } from '../common/stack-json';
import type { EnvironmentConfig } from '../environments/types';
import type { EnvironmentChain } from './environment-chain';

/** Where an output directory keeps what its syntheses rendered, one file per team stack. */
export function memoryDirOf(outdir: string): string {
  return join(outdir, '.chain-memory');
}

const REPOSITORY = join(__dirname, '..');
// Code, and the shell files the code reads (common/versions.sh holds the pinned versions).
const SOURCE = /\.(ts|js|mjs|cjs|sh)$/;
/** Folders holding no source of the program: dependencies, outputs, the lab's state. */
const NOT_SOURCE = (name: string) =>
  name === 'node_modules' || name.startsWith('.') || name.startsWith('cdktf.out');

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Every source and shell file of the repository, the package lock and cdktf.json, as one hash. */
export function programFingerprint(root: string = REPOSITORY): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!NOT_SOURCE(entry.name)) walk(path);
      } else if (SOURCE.test(entry.name))
        hash.update(`${relative(root, path)}\0`).update(readFileSync(path));
    }
  };
  walk(root);
  for (const file of ['package-lock.json', 'cdktf.json'])
    hash.update(`${file}\0`).update(readFileSync(join(root, file)));
  return hash.digest('hex');
}

/** The environment as a team's stack sees it: its settings and that team's file alone. */
export function teamConfig(config: EnvironmentConfig, team: string): EnvironmentConfig {
  return { ...config, tenants: (config.tenants ?? []).filter((t) => t.name === team) };
}

interface Memory {
  readonly input: string;
  readonly json: StackJson;
}

/** The memories of one output directory: read by a narrowed synthesis, written after any. */
export class RememberedStacks {
  private readonly built: {
    readonly name: string;
    readonly input: string;
    readonly json: () => StackJson | undefined;
  }[] = [];
  private program?: string;

  /**
   * @param outdir the app's output directory
   * @param fingerprint the program's fingerprint (default: `programFingerprint()`, taken once)
   */
  constructor(
    private readonly outdir: string,
    private readonly fingerprint: () => string = programFingerprint,
  ) {}

  private fileOf(stack: string): string {
    return join(memoryDirOf(this.outdir), `${stack}.json`);
  }

  /** The hash of what builds a stack (see the file's comment). */
  inputOf(scope: Construct, stack: string, inputs: unknown): string {
    this.program ??= this.fingerprint();
    const context: unknown = scope.node.getAllContext();
    return sha256(JSON.stringify({ program: this.program, context, stack, inputs }));
  }

  /** The JSON rendered for `stack` from the same inputs, or undefined (then it is built). */
  recall(stack: string, input: string): StackJson | undefined {
    try {
      const memory = JSON.parse(readFileSync(this.fileOf(stack), 'utf8')) as Memory;
      return memory.input === input ? memory.json : undefined;
    } catch {
      return undefined; // never remembered
    }
  }

  /** Notes a stack this synthesis builds; `json` gives what the rules checked, once they ran. */
  builds(stack: string, input: string, json: () => StackJson | undefined): void {
    this.built.push({ name: stack, input, json });
  }

  /** After `app.synth()`: remembers each noted stack the rules checked (renamed into place). */
  record(): void {
    mkdirSync(memoryDirOf(this.outdir), { recursive: true });
    for (const { name, input, json } of this.built) {
      const checked = json();
      if (checked === undefined) continue;
      const file = this.fileOf(name);
      // Renamed into place: a synthesis reading it meanwhile sees the old memory or the new one.
      const partial = `${file}.${process.pid}.tmp`;
      writeFileSync(partial, JSON.stringify({ input, json: checked } satisfies Memory));
      renameSync(partial, file);
    }
  }
}

/**
 * A team's stack recalled, not built: listed in the manifest (depending on the environment's
 * stack, as the built one does) and checked by the chain rules with its remembered JSON, never
 * written (its directory already holds that JSON).
 */
export class RecalledStack extends TerraformStack {
  constructor(scope: Construct, id: string, chain: EnvironmentChain, json: StackJson) {
    super(allowAnyChildId(scope), id);
    this.synthesizer = { synthesize: (session) => void session.manifest.forStack(this) };
    this.node.addValidation(chain.add(id, () => json));
  }
}
