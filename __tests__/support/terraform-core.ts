/**
 * Evaluates the stacks' Terraform conditions (preconditions, postconditions, check
 * assertions) with the real Terraform binary, on inputs, without any provider: the
 * references a condition reads are replaced by variables, and the condition becomes the
 * precondition of Terraform's built-in `terraform_data` resource, which needs no download.
 * Terraform ≥ 1.11 must be on PATH (it is on the machines this repository is built on, and
 * CI installs it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Condition {
  readonly condition: string;
  readonly error_message: string;
}

export type Outcome = { readonly ok: true } | { readonly ok: false; readonly message: string };

function terraform(dir: string, args: string[]) {
  const r = spawnSync('terraform', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: dir, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' },
  });
  if (r.error) {
    throw new Error(
      `terraform could not run (${r.error.message}): these tests need Terraform ≥ 1.11 on PATH`,
    );
  }
  return r;
}

let initialized: string | undefined;

/**
 * A working directory initialized once per test file: the configurations use only the
 * built-in provider, so one `terraform init` serves every configuration written there.
 */
function workdir(config: object, values: object = {}): string {
  if (!initialized) {
    initialized = mkdtempSync(join(tmpdir(), 'tf-core-'));
    writeFileSync(join(initialized, 'main.tf.json'), '{}');
    terraform(initialized, ['init', '-backend=false', '-input=false', '-no-color']);
    process.on('exit', () => rmSync(initialized!, { recursive: true, force: true }));
  }
  writeFileSync(join(initialized, 'main.tf.json'), JSON.stringify(config));
  writeFileSync(join(initialized, 'values.tfvars.json'), JSON.stringify(values));
  return initialized;
}

/** Runs `terraform validate` on a JSON configuration; returns Terraform's errors, or [] when valid. */
export function validate(config: object): string[] {
  const r = terraform(workdir(config), ['validate', '-no-color', '-json']);
  const out = JSON.parse(r.stdout) as { diagnostics: { severity: string; summary: string }[] };
  return out.diagnostics.filter((d) => d.severity === 'error').map((d) => d.summary);
}

/**
 * A state (format 4) holding one `terraform_data` object at each address: what an earlier
 * apply would have left.
 */
export function stateWith(addresses: readonly string[]): object {
  return {
    version: 4,
    terraform_version: '1.11.4',
    serial: 1,
    lineage: 'terraform-core-test',
    outputs: {},
    resources: addresses.map((address) => ({
      mode: 'managed',
      type: 'terraform_data',
      name: address.replace(/^terraform_data\./, ''),
      provider: 'provider["terraform.io/builtin/terraform"]',
      instances: [
        {
          schema_version: 0,
          attributes: { id: address, input: null, output: null, triggers_replace: null },
          sensitive_attributes: [],
        },
      ],
    })),
  };
}

/**
 * Runs `terraform plan` on a JSON configuration of built-in resources, from an empty state or
 * the given one (see `stateWith`); returns its output.
 */
export function plan(config: object, state?: object): string {
  const dir = workdir(config);
  const statePath = join(dir, 'terraform.tfstate');
  if (state) writeFileSync(statePath, JSON.stringify(state));
  try {
    const r = terraform(dir, ['plan', '-input=false', '-no-color']);
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout;
  } finally {
    rmSync(statePath, { force: true });
  }
}

/** The references of `text`, longest first, each with the variable that stands for it. */
function substitution(references: Readonly<Record<string, unknown>>) {
  const names = Object.keys(references).sort((a, b) => b.length - a.length);
  return {
    rewrite: (text: string) => names.reduce((t, ref, i) => t.split(ref).join(`var.ref${i}`), text),
    variables: Object.fromEntries(names.map((_, i) => [`ref${i}`, { type: 'any' }])),
    values: Object.fromEntries(names.map((ref, i) => [`ref${i}`, references[ref]])),
  };
}

/**
 * The value of a string template (a synthesized attribute such as a federated credential's
 * subject) with each reference set to the given value, as Terraform computes it.
 */
export function evaluateTemplate(
  template: string,
  references: Readonly<Record<string, unknown>>,
): string {
  const { rewrite, variables, values } = substitution(references);
  const dir = workdir({ variable: variables, locals: { value: rewrite(template) } }, values);
  const r = spawnSync('terraform', ['console', '-var-file=values.tfvars.json'], {
    cwd: dir,
    input: 'jsonencode(local.value)\n',
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: dir, CHECKPOINT_DISABLE: '1' },
  });
  if (r.status !== 0) throw new Error(r.stderr);
  // console prints the HCL string literal of the JSON text: two decodes.
  return JSON.parse(JSON.parse(r.stdout.trim())) as string;
}

/**
 * Evaluates `condition` with each reference (e.g. `data.github_rest_api.x.body`,
 * `self.branches`, `var.read_only_plan`) set to the given value. References are replaced
 * longest first, so a prefix never eats a longer one.
 */
export function evaluate(
  condition: Condition,
  references: Readonly<Record<string, unknown>>,
): Outcome {
  const { rewrite, variables, values } = substitution(references);
  const config = {
    variable: variables,
    resource: {
      terraform_data: {
        subject: {
          lifecycle: {
            precondition: [
              {
                condition: rewrite(condition.condition),
                error_message: rewrite(condition.error_message),
              },
            ],
          },
        },
      },
    },
  };
  const dir = workdir(config, values);
  const r = terraform(dir, ['plan', '-input=false', '-no-color', '-var-file=values.tfvars.json']);
  if (r.status === 0) return { ok: true };
  if (!r.stderr.includes('Resource precondition failed')) throw new Error(r.stderr);
  // Terraform prints the failed condition's message as the last paragraph of the error,
  // wrapped at the terminal's width: joined back into one line.
  const paragraphs = r.stderr.trim().split(/\n\s*\n/);
  return {
    ok: false,
    message: paragraphs[paragraphs.length - 1].trim().replace(/\s*\n\s*/g, ' '),
  };
}
