import { runProcess } from '../common/process';

/** kubectl, as the user runs it: `KUBECTL` (the lab sets it) or `kubectl` on PATH, `KUBECONFIG`. */
export class Kubectl {
  constructor(
    private readonly binary: string = process.env.KUBECTL ?? 'kubectl',
    private readonly context?: string,
    /** Its environment (KUBECONFIG). @default this process's */
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async run(
    args: readonly string[],
    input?: string,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const full = this.context ? ['--context', this.context, ...args] : [...args];
    return runProcess(this.binary, full, { cwd: process.cwd(), input, env: this.env });
  }

  /** `get -o json`; undefined when the object does not exist, an Error for anything else. */
  async getJson(args: readonly string[]): Promise<Record<string, unknown> | undefined | Error> {
    const result = await this.run(['get', ...args, '-o', 'json']);
    if (result.code === 0) return JSON.parse(result.stdout) as Record<string, unknown>;
    if (
      /NotFound|not found/.test(result.stderr) &&
      !/the server doesn't have a resource type/.test(result.stderr)
    )
      return undefined;
    return new Error(result.stderr.trim().split('\n').pop() ?? `kubectl exited ${result.code}`);
  }
}
