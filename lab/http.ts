// Small HTTP(S) client for health checks and API calls against the lab's servers.
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';

export interface HttpResponse {
  status: number;
  body: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  /** TLS material for https URLs (PEM contents). */
  tls?: { ca: string; cert?: string; key?: string };
}

export function request(url: string, options: RequestOptions = {}): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const common = {
      method: options.method ?? 'GET',
      headers:
        options.body === undefined
          ? options.headers
          : {
              'Content-Type': 'application/json',
              'Content-Length': String(Buffer.byteLength(options.body)),
              ...options.headers,
            },
      timeout: options.timeoutMs ?? 3000,
    };
    const onResponse = (response: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    };
    const req =
      target.protocol === 'https:'
        ? https.request(
            target,
            { ...common, ca: options.tls?.ca, cert: options.tls?.cert, key: options.tls?.key },
            onResponse,
          )
        : http.request(target, common, onResponse);
    req.on('timeout', () => req.destroy(new Error(`timed out after ${common.timeout} ms`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** True if something accepts TCP connections on host:port (to refuse starting over a foreign server). */
export function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new net.Socket();
    const done = (inUse: boolean) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.connect(port, host);
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface CheckResult {
  ok: boolean;
  detail: string;
}

/**
 * Polls check until it passes. Gives up after timeoutMs, or as soon as abort() returns a reason
 * (e.g. the process being waited for has exited), throwing an Error with the last detail.
 */
export async function waitFor(
  check: () => Promise<CheckResult>,
  timeoutMs: number,
  abort: () => string | undefined = () => undefined,
  intervalMs = 200,
): Promise<CheckResult> {
  const deadline = Date.now() + timeoutMs;
  let last: CheckResult = { ok: false, detail: 'not checked yet' };
  for (;;) {
    last = await check().catch((error: unknown) => ({
      ok: false,
      detail: error instanceof Error ? error.message : String(error),
    }));
    if (last.ok) return last;
    const aborted = abort();
    if (aborted !== undefined)
      throw new Error(`${aborted} before becoming healthy (last check: ${last.detail})`);
    if (Date.now() >= deadline)
      throw new Error(`not healthy after ${timeoutMs / 1000} s: ${last.detail}`);
    await sleep(intervalMs);
  }
}
