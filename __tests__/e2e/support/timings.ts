import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, lab } from './lab-chain';

/**
 * Records how long a lab step took, for the README's numbers (.lab/e2e-timings.tsv). Steps run
 * with Terraform are named `terraform: <step>`, so each engine's figures stay apart.
 */
export function recordTiming(step: string, seconds: number): void {
  if (lab().toolchain.engine !== 'tofu') step = `${lab().toolchain.engine}: ${step}`;
  const dir = join(ROOT, '.lab');
  mkdirSync(dir, { recursive: true });
  appendFileSync(
    join(dir, 'e2e-timings.tsv'),
    `${new Date().toISOString()}\t${step}\t${seconds.toFixed(1)}\n`,
  );
}
