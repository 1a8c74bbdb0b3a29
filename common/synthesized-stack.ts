/**
 * The one typed reader of a synthesized stack (the `cdk.tf.json` cdktf writes): the chain rules,
 * the operations tools and the benchmarks all read a stack through it, and it reads each chain
 * object through that object's module in `common/chain/`, which also writes it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  VAULT_DYNAMIC_SECRET_KIND,
  type VaultDynamicSecretRead,
  readVaultDynamicSecret,
} from './chain/database';
import { type ExternalSecretRead, readExternalSecret } from './chain/external-secret';
import { type LoginMethod, admittedAccounts, rolePolicies, roleAudiences } from './chain/role';
import { type StoreKind, type StoreRead, readStore } from './chain/store';
import { guardedTargets } from './chain/takeover-guard';
import type { ValueReader } from './chain/values';
import { DESTROY_GUARD_PREFIX } from './names';
import {
  type DeclaredCluster,
  type DeclaredSecret,
  type DeclaredSync,
  type DeclaredTenants,
  type JsonObject,
  type NamedResource,
  type StackJson,
  declaredClusters,
  declaredSecrets,
  declaredSync,
  declaredTenants,
  isObject,
  manifestsOfKind,
  resolveStrings,
  resourcesOfType,
  str,
} from './stack-json';

/** The file cdktf writes a stack to, in its stack directory. */
export const STACK_FILE = 'cdk.tf.json';

/** A Vault login role of the stack, kubernetes or jwt, read the same way. */
export interface VaultRole {
  readonly resource: NamedResource;
  readonly method: LoginMethod;
  readonly name: string;
  /** Path of its auth method. */
  readonly backend?: string;
  /** The accounts it admits (`namespace/name`), or why they cannot be told. */
  readonly accounts: readonly string[] | string;
  /** Audiences a login token must carry (empty: any). */
  readonly audiences: readonly string[];
  readonly policies: readonly string[];
}

/** A stack's `cloud` block, as read (undefined fields: not set). */
export interface CloudBlockRead {
  readonly organization?: string;
  readonly hostname?: string;
  /** The one workspace it names. */
  readonly workspace?: string;
  /** The tags it selects workspaces by (TF_WORKSPACE then names the one a run uses). */
  readonly tags?: readonly string[];
}

/** A guard that refuses a destroy, in words: what it protects and the key that allows it. */
export interface DestroyGuardRead {
  readonly protects: string;
  readonly allowKey: string;
}

/** The blocks of one type under `data` or `ephemeral`, addressed `<prefix>.<name>`. */
function blocksOfType(
  blocks: Record<string, Record<string, JsonObject>> | undefined,
  prefix: string,
): NamedResource[] {
  const type = prefix.slice(prefix.indexOf('.') + 1);
  return Object.entries(blocks?.[type] ?? {}).map(([name, body]) => ({
    address: `${prefix}.${name}`,
    body,
  }));
}

const ROLE_TYPES: Record<string, LoginMethod> = {
  vault_kubernetes_auth_backend_role: 'kubernetes',
  vault_jwt_auth_backend_role: 'jwt',
};

export class SynthesizedStack {
  /** Reads values through the stack's references to the literals they point at. */
  readonly values: ValueReader;

  constructor(readonly json: StackJson) {
    this.values = {
      text: (value) => str(json, value as never),
      list: (value) => resolveStrings(json, value as never),
    };
  }

  /** The stack synthesized into `stackDir` (the one place `cdk.tf.json` is parsed). */
  static read(stackDir: string): SynthesizedStack {
    return new SynthesizedStack(
      JSON.parse(readFileSync(join(stackDir, STACK_FILE), 'utf8')) as StackJson,
    );
  }

  resources(type: string): NamedResource[] {
    return resourcesOfType(this.json, type);
  }

  /** Its data sources of one type (addresses `data.<type>.<name>`). */
  dataSources(type: string): NamedResource[] {
    return blocksOfType(this.json.data, `data.${type}`);
  }

  /** Its ephemeral resources of one type (addresses `ephemeral.<type>.<name>`). */
  ephemerals(type: string): NamedResource[] {
    return blocksOfType(
      this.json.ephemeral as Record<string, Record<string, JsonObject>> | undefined,
      `ephemeral.${type}`,
    );
  }

  /** The type of every resource it declares, each once. */
  resourceTypes(): string[] {
    return Object.keys(this.json.resource ?? {});
  }

  /** Every configuration block of a provider (the default one and each alias). */
  providerConfigs(name: string): JsonObject[] {
    return this.json.provider?.[name] ?? [];
  }

  /**
   * The provider configuration a resource or data source names (`kubernetes.green`), by its
   * address; undefined for the type's default configuration.
   */
  providerOf(address: string): string | undefined {
    const [first, ...rest] = address.split('.');
    const [type, name] = first === 'data' ? rest : [first, rest[0]];
    const body =
      first === 'data' ? this.json.data?.[type]?.[name] : this.json.resource?.[type]?.[name];
    return typeof body?.provider === 'string' ? body.provider : undefined;
  }

  /** Its ESO stores, both kinds. */
  stores(): { address: string; store: StoreRead }[] {
    return (['ClusterSecretStore', 'SecretStore'] as const satisfies readonly StoreKind[]).flatMap(
      (kind) =>
        manifestsOfKind(this.json, kind).map(({ address, manifest }) => ({
          address,
          store: readStore(kind, manifest, this.values),
        })),
    );
  }

  externalSecrets(): { address: string; externalSecret: ExternalSecretRead }[] {
    return manifestsOfKind(this.json, 'ExternalSecret').map(({ address, manifest }) => ({
      address,
      externalSecret: readExternalSecret(manifest, this.values),
    }));
  }

  /** Its ESO VaultDynamicSecret generators. */
  vaultDynamicSecrets(): { address: string; generator: VaultDynamicSecretRead }[] {
    return manifestsOfKind(this.json, VAULT_DYNAMIC_SECRET_KIND).map(({ address, manifest }) => ({
      address,
      generator: readVaultDynamicSecret(manifest, this.values),
    }));
  }

  /** Its Vault login roles, kubernetes and jwt. */
  roles(): VaultRole[] {
    return Object.entries(ROLE_TYPES).flatMap(([type, method]) =>
      this.resources(type).map((resource): VaultRole => ({
        resource,
        method,
        name: this.values.text(resource.body.role_name) ?? resource.address,
        backend: this.values.text(resource.body.backend),
        accounts: admittedAccounts(method, resource.body, this.values),
        audiences: roleAudiences(method, resource.body, this.values),
        policies: rolePolicies(resource.body, this.values),
      })),
    );
  }

  /** Its Vault policies: name and text (undefined when not literal). */
  policies(): { address: string; name?: string; text?: string }[] {
    return this.resources('vault_policy').map((p) => ({
      address: p.address,
      name: this.values.text(p.body.name),
      text: typeof p.body.policy === 'string' ? p.body.policy : undefined,
    }));
  }

  declaredSecrets(): DeclaredSecret[] {
    return declaredSecrets(this.json);
  }

  declaredTenants(): DeclaredTenants {
    return declaredTenants(this.json);
  }

  declaredSync(): DeclaredSync[] {
    return declaredSync(this.json);
  }

  /** Its clusters, when it has several (empty: the one cluster of its providers). */
  declaredClusters(): DeclaredCluster[] {
    return declaredClusters(this.json);
  }

  /** The takeover guards' targets (`namespace/name`), from its admission policies. */
  guardedTargets(): string[] {
    return manifestsOfKind(this.json, 'ValidatingAdmissionPolicy').flatMap(
      ({ manifest }) => guardedTargets(manifest, this.values) ?? [],
    );
  }

  /** Names of the tenants a report names resources after (none for a single chain). */
  tenantNames(): string[] {
    const { isolation, tenants } = this.declaredTenants();
    return isolation === 'single-chain' ? [] : tenants.map((t) => t.name);
  }

  /** Its input variables, with their declared type. */
  variables(): Record<string, { type?: string }> {
    return this.json.variable ?? {};
  }

  /** The `terraform` block (backend, required versions and providers). */
  terraformBlock(): unknown {
    return this.json.terraform;
  }

  /** The local backend's state path (relative to the stack directory), if it has one. */
  localStatePath(): string | undefined {
    const terraform = this.json.terraform;
    const local = isObject(terraform)
      ? (terraform.backend as { local?: { path?: string } })
      : undefined;
    return local?.local?.path;
  }

  usesCloudBackend(): boolean {
    const terraform = this.json.terraform;
    return isObject(terraform) && terraform.cloud !== undefined;
  }

  /** The `cloud` block: organization, host, and the workspace by name or by tags. */
  cloudBlock(): CloudBlockRead | undefined {
    const terraform = this.json.terraform;
    if (!isObject(terraform) || !isObject(terraform.cloud)) return undefined;
    const cloud = terraform.cloud;
    const workspaces = isObject(cloud.workspaces) ? cloud.workspaces : {};
    return {
      organization: this.values.text(cloud.organization),
      hostname: this.values.text(cloud.hostname),
      workspace: this.values.text(workspaces.name),
      tags: this.values.list(workspaces.tags),
    };
  }

  /** The Terraform versions the stack accepts (`required_version`). */
  requiredVersion(): string | undefined {
    const terraform = this.json.terraform;
    return isObject(terraform) ? this.values.text(terraform.required_version) : undefined;
  }

  /** Its destroy guards (terraform_data.destroy-needs-<key>), in words. */
  destroyGuards(): DestroyGuardRead[] {
    return Object.entries(this.json.resource?.terraform_data ?? {})
      .filter(([name]) => name.startsWith(DESTROY_GUARD_PREFIX))
      .map(([, body]) => body.input as unknown as DestroyGuardRead);
  }
}
