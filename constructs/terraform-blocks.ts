/**
 * Terraform blocks cdktf 0.21 has no class for: ephemeral resources, `removed` blocks and `check`
 * blocks. cdktf is archived (no new versions will add them), so each is a small TerraformElement
 * that writes its block into the stack's JSON; the stack merges every element's fragment.
 */
import {
  type IResolvable,
  TerraformElement,
  TerraformResource,
  TerraformStack,
  Token,
  ref,
} from 'cdktf';
import type { Construct } from 'constructs';

/**
 * An ephemeral resource (Terraform/OpenTofu >= 1.10): opened during plan and apply, never written
 * to the plan or the state. Its attributes may feed provider configurations and write-only
 * arguments only.
 */
export class EphemeralResource extends TerraformElement {
  /**
   * The provider configuration it uses, e.g. `aws.green` (a stack of several clusters).
   * @default the type's default provider configuration
   */
  provider?: string;

  constructor(
    scope: Construct,
    id: string,
    readonly type: string,
    private readonly body: Record<string, unknown>,
  ) {
    super(scope, id, `ephemeral.${type}`);
  }

  /** A reference to one of its attributes, e.g. `token`. */
  stringAttribute(name: string): string {
    return Token.asString(this.reference(name));
  }

  private reference(name: string): IResolvable {
    return ref(`ephemeral.${this.type}.${this.friendlyUniqueId}.${name}`, this.cdktfStack);
  }

  override toTerraform(): Record<string, unknown> {
    const body = this.provider ? { ...this.body, provider: this.provider } : this.body;
    return { ephemeral: { [this.type]: { [this.friendlyUniqueId]: body } } };
  }
}

/**
 * A resource written as plain JSON: for the parts repeated per secret (seeds, ExternalSecrets),
 * where a provider binding's class creates several tokens per resource, each capturing a stack
 * trace, which made synthesis of 200 secrets x 4 environments twice as slow as it need be. Its
 * address is the one the binding's class would have at the same construct path.
 */
export class RawResource extends TerraformElement {
  /**
   * The provider configuration it uses, e.g. `kubernetes.green` (a stack of several clusters).
   * @default the type's default provider configuration
   */
  provider?: string;

  constructor(
    scope: Construct,
    id: string,
    readonly type: string,
    private readonly body: Record<string, unknown>,
  ) {
    super(scope, id, type);
  }

  /** `type.name`, for depends_on lists and references. */
  get address(): string {
    return `${this.type}.${this.friendlyUniqueId}`;
  }

  override toTerraform(): Record<string, unknown> {
    return {
      resource: {
        [this.type]: {
          [this.friendlyUniqueId]: {
            '//': { metadata: { path: this.node.path, uniqueId: this.friendlyUniqueId } },
            ...this.body,
            ...(this.provider ? { provider: this.provider } : {}),
          },
        },
      },
    };
  }
}

/** What a `removed` block forgets: a resource address that must stay out of the configuration. */
export interface ForgottenResource {
  /** Full address, e.g. `vault_kv_secret_v2.kv_my-secret_B73562F7`. */
  readonly address: string;
}

/**
 * `removed` blocks with `destroy = false`: the addresses leave the state without their objects
 * being destroyed. A block whose address is not in the state does nothing, so they can stay in
 * the configuration for good.
 */
export class RemovedResources extends TerraformElement {
  constructor(
    scope: Construct,
    id: string,
    private readonly forgotten: readonly ForgottenResource[],
  ) {
    super(scope, id);
  }

  override toTerraform(): Record<string, unknown> {
    if (this.forgotten.length === 0) return {};
    return {
      removed: this.forgotten.map((f) => ({ from: f.address, lifecycle: { destroy: false } })),
    };
  }
}

/** A resource that moved: its state follows it to the new address, nothing is replaced. */
export interface MovedResource {
  readonly from: string;
  readonly to: string;
}

/** `moved` blocks: each state entry at `from` moves to `to` (no-op when `from` is not in state). */
export class MovedResources extends TerraformElement {
  constructor(
    scope: Construct,
    id: string,
    private readonly moves: readonly MovedResource[],
  ) {
    super(scope, id);
  }

  override toTerraform(): Record<string, unknown> {
    if (this.moves.length === 0) return {};
    return { moved: this.moves.map((m) => ({ from: m.from, to: m.to })) };
  }
}

export interface CheckAssertion {
  /** A Terraform expression, e.g. `${data.x.y.ready}`. */
  readonly condition: string;
  readonly errorMessage: string;
}

/**
 * A `check` block: its assertions are reported as warnings after plan and apply, never as errors,
 * so a broken chain is named without ever blocking the plan that would repair it. It scopes no
 * data source of its own: OpenTofu re-reads those at every apply, so every plan would show a
 * pending read and `-detailed-exitcode` would report changes; the assertions read ordinary data
 * sources instead, which a plan reads once.
 */
export class CheckBlock extends TerraformElement {
  constructor(
    scope: Construct,
    id: string,
    private readonly assertions: readonly CheckAssertion[],
  ) {
    super(scope, id);
  }

  override toTerraform(): Record<string, unknown> {
    return {
      check: {
        [this.friendlyUniqueId]: {
          assert: this.assertions.map((a) => ({
            condition: a.condition,
            error_message: a.errorMessage,
          })),
        },
      },
    };
  }
}

/**
 * cdktf's CloudBackend and terraform_data (DataResource) validate by running `terraform version`
 * at synth: a subprocess per element (about 0.2 s) that fails where only tofu is installed.
 * Synthesis stays pure; Terraform checks `required_version` when it plans. (constructs 10 has no
 * public way to drop one validation; the versions are pinned exactly. docs/decisions/0002.)
 */
export function withoutBinaryVersionCheck(construct: Construct): void {
  const node = construct.node as unknown as { _validations?: { constructor: { name: string } }[] };
  node._validations = node._validations?.filter(
    (v) => v.constructor.name !== 'ValidateTerraformVersion',
  );
}

/**
 * cdktf's logical id for a construct path below the stack (its hashed addressing scheme), from
 * cdktf's own function, so that addresses of resources no longer declared are computed, not
 * copied. cdktf is pinned exactly and archived; a unit test pins addresses of the earlier layout.
 */
export function logicalIdOf(components: readonly string[]): string {
  return makeUniqueId([...components]);
}

/**
 * `moved` blocks for everything below `scope` (a tenant's scope) from where it was when the
 * scope had the id `earlierId`: the same construct paths with the first component renamed.
 * Elements whose logical id was overridden (named outright) are left alone.
 */
export function movesFromRenamedScope(scope: Construct, earlierId: string): MovedResource[] {
  const stack = TerraformStack.of(scope);
  const moves: MovedResource[] = [];
  for (const node of scope.node.findAll()) {
    const type =
      node instanceof TerraformResource
        ? node.terraformResourceType
        : node instanceof RawResource
          ? node.type
          : undefined;
    if (type === undefined) continue;
    const element = node as TerraformElement;
    const below = element.node.scopes
      .slice(element.node.scopes.indexOf(stack) + 1)
      .map((c) => c.node.id);
    if (logicalIdOf(below) !== element.friendlyUniqueId) continue;
    moves.push({
      from: `${type}.${logicalIdOf([earlierId, ...below.slice(1)])}`,
      to: `${type}.${element.friendlyUniqueId}`,
    });
  }
  return moves;
}

/** The logical id a child `id` of `scope` has (or would have), from scope's path in its stack. */
export function childLogicalId(scope: Construct, id: string): string {
  const stack = TerraformStack.of(scope);
  const below = scope.node.scopes.slice(scope.node.scopes.indexOf(stack) + 1).map((c) => c.node.id);
  return logicalIdOf([...below, id]);
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { makeUniqueId } = require('cdktf/lib/private/unique') as {
  makeUniqueId: (components: string[]) => string;
};
