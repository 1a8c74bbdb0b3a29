/**
 * One environment synthesized in this process, into a directory of its own that is removed
 * afterwards: for the tools that read the stack without running it (the doctor's run identity,
 * `npm run identities`, `npm run workspace`), so they neither spawn the app nor touch cdktf.out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import { SynthesizedStack } from '../common/synthesized-stack';
import type { EnvironmentConfig } from '../environments';
import { EsoVaultStack } from '../stacks/eso-vault-stack';

export function synthesizeInProcess(config: EnvironmentConfig): SynthesizedStack {
  const outdir = mkdtempSync(join(tmpdir(), 'eks-vault-eso-synth-'));
  try {
    const app = new App({ outdir });
    new EsoVaultStack(app, config.name, { config });
    app.synth();
    return SynthesizedStack.read(join(outdir, 'stacks', config.name));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
