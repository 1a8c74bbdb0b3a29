// How the lab talks to its user: timed step lines on stdout, one-line errors on stderr.

/** An expected failure: printed as one line naming the part (and its log), never as a stack trace. */
export class LabError extends Error {
  constructor(
    readonly part: string,
    message: string,
    readonly logPath?: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = 'LabError';
  }

  describe(): string {
    const log = this.logPath ? ` (log: ${this.logPath})` : '';
    return `[lab] ${this.part}: ERROR: ${this.message}${log}`;
  }
}

export function formatSeconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

export function say(line: string): void {
  process.stdout.write(`[lab] ${line}\n`);
}

/** Runs one step and prints `[lab] <part>: <what it returned> (<elapsed>)`. */
export async function timedStep(part: string, run: () => Promise<string>): Promise<void> {
  const started = Date.now();
  const outcome = await run();
  say(`${part}: ${outcome} (${formatSeconds(Date.now() - started)})`);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
