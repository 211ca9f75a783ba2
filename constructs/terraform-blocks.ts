import { TerraformStack, type TerraformResource } from 'cdktf';
import { Construct } from 'constructs';

/**
 * The Terraform versions the stacks accept. The newest features they use set the floor:
 * write-only arguments (Key Vault's `value_wo`, variable token mode) need 1.11; below that,
 * ephemeral variables 1.10, `removed` blocks 1.7, `check` blocks 1.5. An older CLI then stops
 * at init with this constraint instead of failing later with errors that name none of them.
 * (`.terraform-version` holds the version CI runs; a test checks it satisfies this.)
 */
export const TERRAFORM_REQUIRED_VERSION = '>= 1.11';

/** Writes `TERRAFORM_REQUIRED_VERSION` into the stack's `terraform` block. */
export function requireTerraformVersion(stack: TerraformStack): void {
  stack.addOverride('terraform.required_version', TERRAFORM_REQUIRED_VERSION);
}

/**
 * A Terraform `check` block (Terraform ≥ 1.5): its assertions are evaluated on every plan
 * and apply and shown as warnings, never errors. cdktf 0.21 has no class for it, so it is
 * written into the stack's JSON; `name` must be unique in the stack.
 */
export function addCheck(
  scope: Construct,
  name: string,
  asserts: readonly { readonly condition: unknown; readonly errorMessage: string }[],
): void {
  TerraformStack.of(scope).addOverride(`check.${name}`, {
    assert: asserts.map((a) => ({ condition: a.condition, error_message: a.errorMessage })),
  });
}

const removedBlocks = new WeakMap<TerraformStack, { from: string }[]>();
const movedBlocks = new WeakMap<TerraformStack, { from: string; to: string }[]>();

/**
 * A Terraform `moved` block for a resource that gained `count`: the object a previous version
 * created at `address` becomes instance 0, so it is kept, not destroyed and created again.
 * (Terraform would also infer this move; written out, it shows in the stack and is tested.)
 * When count is 0, Terraform then plans to destroy that instance, as it would without it.
 */
export function moveIntoCount(resource: TerraformResource): void {
  const stack = TerraformStack.of(resource);
  const address = `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
  const blocks = movedBlocks.get(stack) ?? [];
  blocks.push({ from: address, to: `${address}[0]` });
  movedBlocks.set(stack, blocks);
  // cdktf 0.21 writes moved blocks only for its own moveTo/moveFromId, which cannot name an
  // instance key; one override holds every block of the stack.
  stack.addOverride('moved', [...blocks]);
}

/**
 * A Terraform `removed` block (Terraform ≥ 1.7) with `destroy = false` for the resource of
 * type `resourceType` that `scope` would hold under construct ID `id`: when the state has it,
 * Terraform forgets it and leaves the real object alone; when it does not, the block does
 * nothing. `id` is then taken in `scope` (by a construct that synthesizes nothing), so the
 * resource itself cannot be created there too, which Terraform would refuse.
 */
export function forgetResource(scope: Construct, resourceType: string, id: string): void {
  const stack = TerraformStack.of(scope);
  const placeholder = new Construct(scope, id);
  const blocks = removedBlocks.get(stack) ?? [];
  blocks.push({ from: `${resourceType}.${stack.getLogicalId(placeholder.node)}` });
  removedBlocks.set(stack, blocks);
  // cdktf 0.21 has no class for it either; one override holds every block of the stack.
  stack.addOverride(
    'removed',
    blocks.map((b) => ({ ...b, lifecycle: { destroy: false } })),
  );
}
