/**
 * The doctor's model: links in the order a login travels, each either holding or explaining, in
 * words a person can act on, why Vault would answer 403 (or ESO would not sync). Like the chain
 * rules (rules/), one link per file; each names the chain rule it checks live, where there is one.
 */
import type { EnvironmentConfig } from '../../environments/types';
import type { ResolvedTenant } from '../../environments/tenants';
import type { VaultResponse } from '../vault-http';

export type CheckStatus = 'ok' | 'fail' | 'not-checked';

export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  /** The tenant the check is about (tenant links of an environment with tenants). */
  readonly tenant?: string;
  /** The chain rule this link checks live, e.g. `CHAIN-001`. */
  readonly rule?: string;
  /** What was found (ok) or what is broken (fail). Never a secret value. */
  readonly detail: string;
  /** What to do about it (fail only). */
  readonly fix?: string;
}

/** A broken link: stops the walk and explains itself. */
export class Broken extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

/** What the links need of Vault: requests as data, in a namespace, with a token. */
export interface DoctorVault {
  request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'LIST',
    path: string,
    body?: unknown,
  ): Promise<VaultResponse>;
  inNamespace(namespace: string | undefined): DoctorVault;
  withToken(token: string): DoctorVault;
}

/** What the links need of kubectl. */
export interface DoctorKubectl {
  /** `get -o json`; undefined when the object does not exist, an Error for anything else. */
  getJson(args: readonly string[]): Promise<Record<string, unknown> | undefined | Error>;
  run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

export interface DoctorContext {
  readonly config: EnvironmentConfig;
  readonly tenants: readonly ResolvedTenant[];
  /** Vault client in the environment's namespace, with the operator's token. */
  readonly vault: DoctorVault;
  readonly kubectl: DoctorKubectl;
  /** Filled by the links as they go. */
  state: {
    /** Each tenant's store as deployed (by tenant name), undefined when missing. */
    stores: Map<string, Record<string, unknown> | undefined>;
    /** Each tenant's login token (by tenant name). */
    loginTokens: Map<string, string>;
    /** Whether each tenant's policy grants read on a data/ path (by tenant name). */
    grants: Map<string, (dataPath: string) => boolean>;
    /** Accessor of the auth mount, which templated policies name. */
    authAccessor?: string;
  };
}

export interface Link {
  readonly id: string;
  readonly title: string;
  /** Checked once for the environment, or once per tenant. */
  readonly scope: 'environment' | 'tenant';
  /** The chain rule it checks live, e.g. `CHAIN-002`. */
  readonly rule?: string;
  /** Returns what it found; throws Broken when the link is broken. */
  check(ctx: DoctorContext, tenant: ResolvedTenant): Promise<string>;
}

/** A value at a dotted path of a JSON answer. */
export function get(value: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (v, k) =>
        v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined,
      value,
    );
}

/** A value from a JSON response, as text for a message. */
export function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The `spec.provider.vault` of a tenant's store as deployed. */
export function storeVault(
  ctx: DoctorContext,
  tenant: ResolvedTenant,
): Record<string, unknown> | undefined {
  return get(ctx.state.stores.get(tenant.name), 'spec.provider.vault') as
    Record<string, unknown> | undefined;
}

/** "store X" or "SecretStore ns/X", for messages. */
export function storeLabel(tenant: ResolvedTenant): string {
  return tenant.store.kind === 'SecretStore'
    ? `SecretStore "${tenant.namespace}/${tenant.store.name}"`
    : `ClusterSecretStore "${tenant.store.name}"`;
}

/** `get` arguments of a tenant's store for kubectl. */
export function storeArgs(tenant: ResolvedTenant): string[] {
  return tenant.store.kind === 'SecretStore'
    ? ['secretstore', tenant.store.name, '-n', tenant.namespace]
    : ['clustersecretstore', tenant.store.name];
}
