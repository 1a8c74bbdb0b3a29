/**
 * Go's canonical form of a duration (what `time.Duration.String()` prints): "1m" -> "1m0s",
 * "1h" -> "1h0m0s", "90s" -> "1m30s", "0" -> "0s". Kubernetes controllers write durations back in
 * this form, so a manifest that says "1m" would show a change on every plan.
 */
const NANOS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** A Go duration in nanoseconds ("1m" -> 60e9); throws on anything else. */
function nanoseconds(text: string): number {
  if (text === '0') return 0;
  const parts = [...text.matchAll(/([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new Error(`"${text}" is not a Go duration such as "1h", "15m" or "90s"`);
  }
  return Math.round(parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * NANOS[unit], 0));
}

/** A Go duration in seconds ("1m" -> 60). */
export function goDurationSeconds(text: string): number {
  return nanoseconds(text) / 1e9;
}

export function canonicalGoDuration(text: string): string {
  const total = nanoseconds(text);
  if (total === 0) return '0s';
  if (total < 1e3) return `${total}ns`;
  if (total < 1e6) return `${trim(total / 1e3)}µs`;
  if (total < 1e9) return `${trim(total / 1e6)}ms`;
  const hours = Math.floor(total / 3600e9);
  const minutes = Math.floor((total % 3600e9) / 60e9);
  const seconds = (total % 60e9) / 1e9;
  return `${hours > 0 ? `${hours}h` : ''}${hours > 0 || minutes > 0 ? `${minutes}m` : ''}${trim(seconds)}s`;
}

/** 1.500 -> "1.5", 2 -> "2" (at most nanosecond precision). */
function trim(value: number): string {
  return Number(value.toFixed(9)).toString();
}

/** Whether text is a Go duration ("1h", "15m", "1.5s", "0"); the grammar canonicalGoDuration reads. */
export function isGoDuration(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  try {
    canonicalGoDuration(text);
    return true;
  } catch {
    return false;
  }
}
