import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

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
