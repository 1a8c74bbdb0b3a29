/**
 * The doctor's model: links in the order a login travels, each either holding or explaining, in
 * words a person can act on, why Vault would answer 403 (or ESO would not sync). Like the chain
 * rules (rules/), one link per file; each names the chain rule it checks live, where there is one.
 */
import type { Grant, IdentityName } from '../../common/identity';
import type { EnvironmentConfig } from '../../environments/types';
import type { ResolvedTenant } from '../../environments/tenants';
import { type StoreRead, readStore, storeLabel as chainStoreLabel } from '../../common/chain/store';
import { LITERAL_VALUES } from '../../common/chain/values';
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
  /** Runs kubectl; `input` goes to its standard input (`create -f -`). */
  run(
    args: readonly string[],
    input?: string,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
}

export interface DoctorContext {
  readonly config: EnvironmentConfig;
  /**
   * The run identity the doctor checks its credentials against: its name and generated grants.
   * @default none: not checked
   */
  readonly identity?: { readonly name: IdentityName; readonly grants: readonly Grant[] };
  readonly tenants: readonly ResolvedTenant[];
  /** Vault client in the environment's namespace, with the operator's token. */
  readonly vault: DoctorVault;
  readonly kubectl: DoctorKubectl;
}

/**
 * What a link learns and hands on to the links after it. Each fact is provided by exactly one
 * link and read only by links that declare they need it; the walk's order follows from that.
 */
export interface Facts {
  /** Each tenant's store as deployed (by tenant name), undefined when missing. */
  readonly stores: ReadonlyMap<string, Record<string, unknown> | undefined>;
  /** Accessor of the auth mount, which templated policies name. */
  readonly authAccessor: string | undefined;
  /** Whether the tenant's policy grants read on a data/ path. */
  readonly grants: (dataPath: string) => boolean;
  /** The tenant's Vault token from a real login. */
  readonly loginToken: string;
}

export type FactName = keyof Facts;

/** A link's view of the facts: what it declared it needs, and a place for what it provides. */
export interface LinkFacts {
  /** A fact the link declared in `needs` (an earlier link provided it). */
  need<K extends FactName>(fact: K): Facts[K];
  /** Hands on a fact the link declared in `provides`. */
  provide<K extends FactName>(fact: K, value: Facts[K]): void;
}

export interface Link {
  readonly id: string;
  readonly title: string;
  /** Checked once for the environment, or once per tenant. */
  readonly scope: 'environment' | 'tenant';
  /** The chain rule it checks live, e.g. `CHAIN-002`. */
  readonly rule?: string;
  /** Facts it reads, provided by links before it. */
  readonly needs: readonly FactName[];
  /** Facts it provides (a tenant link provides them for its tenant). */
  readonly provides: readonly FactName[];
  /**
   * Whether the link is part of this chain (for this tenant): a link of an optional part (the
   * database engine) is left out of the walk where the part is not used.
   * @default always
   */
  appliesTo?(ctx: DoctorContext, tenant: ResolvedTenant): boolean;
  /** Returns what it found; throws Broken when the link is broken. */
  check(ctx: DoctorContext, tenant: ResolvedTenant, facts: LinkFacts): Promise<string>;
}

/** Whether the tenant reads dynamic database credentials (the database links apply). */
export function usesDatabaseCredentials(ctx: DoctorContext, tenant: ResolvedTenant): boolean {
  return ctx.config.vault.database !== undefined && tenant.databaseCredentials.length > 0;
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

/** A tenant's store as deployed, read as the store module reads it; undefined when missing. */
export function deployedStore(
  stores: Facts['stores'],
  tenant: ResolvedTenant,
): StoreRead | undefined {
  const object = stores.get(tenant.name);
  return object === undefined ? undefined : readStore(tenant.store.kind, object, LITERAL_VALUES);
}

/** "ClusterSecretStore "X"" or "SecretStore "ns/X"", for messages. */
export function storeLabel(tenant: ResolvedTenant): string {
  return chainStoreLabel({
    kind: tenant.store.kind,
    name: tenant.store.name,
    namespace: tenant.store.kind === 'SecretStore' ? tenant.namespace : undefined,
  });
}

/** `get` arguments of a tenant's store for kubectl. */
export function storeArgs(tenant: ResolvedTenant): string[] {
  return tenant.store.kind === 'SecretStore'
    ? ['secretstore', tenant.store.name, '-n', tenant.namespace]
    : ['clustersecretstore', tenant.store.name];
}
