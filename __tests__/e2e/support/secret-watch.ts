/**
 * Watches a Kubernetes Secret while something else happens (an apply): the API server's watch
 * events of it (a DELETED event is a gap) and a GET every 200 ms with the administrator's
 * certificate (each must find it, with the same keys). Values are compared in memory, never
 * printed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess } from '../../../common/process';
import { request } from '../../../lab/http';
import { lab, labEnvironment } from './lab-chain';

export interface SecretWatchReport {
  /** Watch events by type (ADDED, MODIFIED, DELETED). */
  readonly events: Record<string, number>;
  /** GETs made, and those that did not find the Secret with its keys. */
  readonly polls: number;
  readonly misses: readonly string[];
}

export interface SecretWatch {
  stop(): Promise<SecretWatchReport>;
}

function adminTls(): { ca: string; cert: string; key: string } {
  const pki = join(lab().labDir, 'pki');
  const read = (name: string) => readFileSync(join(pki, name), 'utf8');
  return { ca: read('ca.crt'), cert: read('admin.crt'), key: read('admin.key') };
}

export function watchSecret(namespace: string, name: string, keys: readonly string[]): SecretWatch {
  let pid: number | undefined;
  const watching = runProcess(
    lab().kubernetes.kubectl,
    ['get', 'secret', name, '-n', namespace, '--watch', '--output-watch-events', '-o', 'json'],
    { env: labEnvironment(), ownGroup: true, onSpawn: (p) => (pid = p) },
  );
  const url = `${lab().kubernetes.apiserverUrl}/api/v1/namespaces/${namespace}/secrets/${name}`;
  const tls = adminTls();
  const misses: string[] = [];
  let polls = 0;
  let running = true;
  const polling = (async () => {
    while (running) {
      polls += 1;
      const answer = await request(url, { tls, timeoutMs: 5000 }).catch((e: Error) => ({
        status: 0,
        body: e.message,
      }));
      const data =
        answer.status === 200
          ? ((JSON.parse(answer.body) as { data?: Record<string, string> }).data ?? {})
          : {};
      const found = Object.keys(data).sort().join(',');
      if (answer.status !== 200 || found !== [...keys].sort().join(','))
        misses.push(`${new Date().toISOString()} HTTP ${answer.status}, keys [${found}]`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return {
    async stop() {
      running = false;
      await polling;
      if (pid !== undefined) process.kill(-pid, 'SIGTERM');
      const { stdout } = await watching;
      // One event per line: {"type":"ADDED|MODIFIED|DELETED","object":{...}}.
      const events: Record<string, number> = {};
      for (const line of stdout.split('\n').filter((l) => l.trim() !== '')) {
        const event = JSON.parse(line) as { type: string; object: { data?: object } };
        events[event.type] = (events[event.type] ?? 0) + 1;
        const found = Object.keys(event.object.data ?? {})
          .sort()
          .join(',');
        if (event.type !== 'DELETED' && found !== [...keys].sort().join(','))
          misses.push(`watch event ${event.type} with keys [${found}]`);
      }
      return { events, polls, misses };
    },
  };
}
