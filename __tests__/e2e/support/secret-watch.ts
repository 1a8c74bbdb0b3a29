/**
 * Watching the Kubernetes Secrets workloads read while something runs (an apply, an upgrade): a
 * loop reads each target again and again, and says afterwards whether any was ever missing, held
 * another value than the expected one, or was replaced (another uid). Values are compared here and
 * never logged.
 */
import { exec, lab } from './lab-chain';

export interface WatchedSecret {
  readonly namespace: string;
  readonly name: string;
  /** The key compared, and the value it must hold the whole time. */
  readonly key: string;
  readonly value: string;
  /**
   * Another cluster of the lab, by a name and its kubeconfig (reported as `<name>:<ns>/<name>`).
   * @default the lab's own cluster (KUBECONFIG)
   */
  readonly cluster?: { readonly name: string; readonly kubeconfig: string };
}

/** How a watched Secret is named in the report. */
const targetKey = (t: WatchedSecret): string =>
  `${t.cluster ? `${t.cluster.name}:` : ''}${t.namespace}/${t.name}`;

export interface WatchReport {
  /** `namespace/name` -> what was seen. */
  readonly [target: string]: {
    readonly reads: number;
    readonly missing: number;
    readonly otherValue: number;
    readonly uids: number;
  };
}

export class SecretWatch {
  private stopped = false;
  private readonly seen = new Map<
    string,
    { reads: number; missing: number; otherValue: number; uids: Set<string> }
  >();
  private readonly loop: Promise<void>;

  private constructor(private readonly targets: readonly WatchedSecret[]) {
    for (const t of targets)
      this.seen.set(targetKey(t), {
        reads: 0,
        missing: 0,
        otherValue: 0,
        uids: new Set(),
      });
    this.loop = this.run();
  }

  /** Starts reading every target in a loop until `stop`. */
  static start(targets: readonly WatchedSecret[]): SecretWatch {
    return new SecretWatch(targets);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      for (const t of this.targets) await this.read(t);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private async read(t: WatchedSecret): Promise<void> {
    const got = await exec(
      lab().kubernetes.kubectl,
      [
        ...(t.cluster ? ['--kubeconfig', t.cluster.kubeconfig] : []),
        'get',
        'secret',
        t.name,
        '-n',
        t.namespace,
        '-o',
        `jsonpath={.metadata.uid} {.data.${t.key.replace(/\./g, '\\.')}}`,
      ],
      { quiet: true },
    );
    const seen = this.seen.get(targetKey(t))!;
    seen.reads += 1;
    if (got.code !== 0) {
      seen.missing += 1;
      return;
    }
    const [uid, encoded = ''] = got.stdout.trim().split(' ');
    seen.uids.add(uid);
    if (Buffer.from(encoded, 'base64').toString('utf8') !== t.value) seen.otherValue += 1;
  }

  /** Stops the loop; what every target went through. */
  async stop(): Promise<WatchReport> {
    this.stopped = true;
    await this.loop;
    return Object.fromEntries(
      [...this.seen].map(([target, s]) => [
        target,
        { reads: s.reads, missing: s.missing, otherValue: s.otherValue, uids: s.uids.size },
      ]),
    );
  }
}

/** What a watch of targets that stayed put reports: read, never missing, never changed. */
export function steady(report: WatchReport): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(report).map(([target, s]) => [
      target,
      { read: s.reads > 0, missing: s.missing, otherValue: s.otherValue, uids: s.uids },
    ]),
  );
}

/** The report `steady` must equal for the targets. */
export function expectedSteady(targets: readonly WatchedSecret[]): Record<string, unknown> {
  return Object.fromEntries(
    targets.map((t) => [targetKey(t), { read: true, missing: 0, otherValue: 0, uids: 1 }]),
  );
}
