/** A minimal Vault HTTP client for the doctor: JSON in, JSON out, errors kept as data. */

export interface VaultResponse {
  readonly status: number;
  /** Parsed body (Vault answers JSON), or undefined when empty. */
  readonly body?: Record<string, unknown>;
  /** Vault's `errors` array, joined. */
  readonly errors: string;
}

export class VaultUnreachable extends Error {
  override name = 'VaultUnreachable';
}

export interface VaultClientOptions {
  readonly address: string;
  readonly token?: string;
  readonly namespace?: string;
  readonly timeoutMs?: number;
}

export class VaultClient {
  constructor(private readonly options: VaultClientOptions) {}

  /** The same server and token in another namespace (undefined: the root namespace). */
  inNamespace(namespace: string | undefined): VaultClient {
    return new VaultClient({ ...this.options, namespace });
  }

  withToken(token: string): VaultClient {
    return new VaultClient({ ...this.options, token });
  }

  get namespace(): string | undefined {
    return this.options.namespace;
  }

  async request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'LIST',
    path: string,
    body?: unknown,
  ): Promise<VaultResponse> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (this.options.token) headers['X-Vault-Token'] = this.options.token;
    if (this.options.namespace) headers['X-Vault-Namespace'] = this.options.namespace;
    const url = `${this.options.address}/v1/${path.replace(/^\/+/, '')}`;
    let response: Response;
    try {
      response = await fetch(method === 'LIST' ? `${url}?list=true` : url, {
        method: method === 'LIST' ? 'GET' : method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new VaultUnreachable(cause?.code ?? cause?.message ?? (error as Error).message);
    }
    const text = await response.text();
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      parsed = undefined;
    }
    const errors = Array.isArray(parsed?.errors)
      ? (parsed.errors as unknown[]).map(String).join('; ')
      : '';
    return { status: response.status, body: parsed, errors };
  }
}
