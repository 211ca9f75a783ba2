import { TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';

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
