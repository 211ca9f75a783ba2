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

/** The cty type of a JSON value, as state files write the type of a dynamic attribute. */
function ctyType(value: unknown): unknown {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return ['object', Object.fromEntries(Object.entries(value).map(([k, v]) => [k, ctyType(v)]))];
  }
  throw new Error(`no cty type for ${JSON.stringify(value)}`);
}

/**
 * A state (format 4) holding one `terraform_data` object at each address (`terraform_data.x`,
 * or `terraform_data.x[0]` for an instance of a resource with count): what an earlier apply
 * would have left; `inputs` gives an object its `input` (and so its `output`).
 */
export function stateWith(
  addresses: readonly string[],
  inputs: Readonly<Record<string, unknown>> = {},
): object {
  return {
    version: 4,
    terraform_version: '1.11.4',
    serial: 1,
    lineage: 'terraform-core-test',
    outputs: {},
    resources: addresses.map((address) => {
      const [, name, key] = /^terraform_data\.([^[]+)(?:\[(\d+)\])?$/.exec(address)!;
      return {
        mode: 'managed',
        type: 'terraform_data',
        name,
        ...(key === undefined ? {} : { each: 'list' }),
        provider: 'provider["terraform.io/builtin/terraform"]',
        instances: [
          {
            ...(key === undefined ? {} : { index_key: Number(key) }),
            schema_version: 0,
            attributes: {
              id: address,
              ...(address in inputs
                ? Object.fromEntries(
                    ['input', 'output'].map((k) => [
                      k,
                      { value: inputs[address], type: ctyType(inputs[address]) },
                    ]),
                  )
                : { input: null, output: null }),
              triggers_replace: null,
            },
            sensitive_attributes: [],
          },
        ],
      };
    }),
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

/** What `terraform plan -json` reports: each resource instance's planned action, and failures. */
export interface PlanReport {
  /** By instance address: `create`, `update`, `delete`, `replace`, `move`, ...; `reason` and,
   * for a move, `from` when Terraform gives them. No entry: no change. */
  readonly changes: Readonly<
    Record<string, { readonly action: string; readonly reason?: string; readonly from?: string }>
  >;
  /** By resource name: the message of its failed precondition (unwrapped). */
  readonly failures: ReadonlyMap<string, string>;
}

/**
 * `terraform plan -json` of a configuration of built-in resources, from the given state (see
 * `stateWith`) and variable values: every planned change and every failed precondition.
 * Any other error throws.
 */
export function planJson(config: object, state?: object, values: object = {}): PlanReport {
  const dir = workdir(config, values);
  const statePath = join(dir, 'terraform.tfstate');
  if (state) writeFileSync(statePath, JSON.stringify(state));
  let r;
  try {
    r = terraform(dir, [
      'plan',
      '-input=false',
      '-no-color',
      '-json',
      '-var-file=values.tfvars.json',
    ]);
  } finally {
    rmSync(statePath, { force: true });
  }
  const changes: Record<string, { action: string; reason?: string; from?: string }> = {};
  const failures = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const m = JSON.parse(line) as { type?: string; change?: any; diagnostic?: any };
    if (m.type === 'planned_change') {
      const c = m.change;
      changes[c.resource.addr] = {
        action: c.action,
        ...(c.reason ? { reason: c.reason } : {}),
        ...(c.previous_resource ? { from: c.previous_resource.addr } : {}),
      };
    }
    const d = m.diagnostic;
    if (d?.severity !== 'error') continue;
    const at = /^resource\.terraform_data\.([^.]+)\.lifecycle\.precondition/.exec(
      d.snippet?.context ?? '',
    );
    if (d.summary !== 'Resource precondition failed' || !at) {
      throw new Error(`${d.summary}: ${d.detail}\n${d.snippet?.code ?? ''}`);
    }
    failures.set(at[1], d.detail);
  }
  if (r.status !== 0 && failures.size === 0) throw new Error(r.stdout + r.stderr);
  return { changes, failures };
}

/** The references of `text`, longest first, each with the variable that stands for it. */
function substitution(references: Readonly<Record<string, unknown>>, prefix = '') {
  const names = Object.keys(references).sort((a, b) => b.length - a.length);
  const variable = (i: number) => `${prefix}ref${i}`;
  return {
    rewrite: (text: string) =>
      names.reduce((t, ref, i) => t.split(ref).join(`var.${variable(i)}`), text),
    variables: Object.fromEntries(names.map((_, i) => [variable(i), { type: 'any' }])),
    values: Object.fromEntries(names.map((ref, i) => [variable(i), references[ref]])),
  };
}

/**
 * The values of several templates (attributes such as `count` and `subject`) with each
 * reference set to the given value, computed by Terraform in one run.
 */
export function evaluateTemplates<K extends string>(
  templates: Readonly<Record<K, string>>,
  references: Readonly<Record<string, unknown>>,
): Record<K, unknown> {
  return evaluateTemplatesEach({ only: { templates, references } }).only;
}

/** `evaluateTemplates` for several sets of references at once: one Terraform run in all. */
export function evaluateTemplatesEach<C extends string, K extends string>(
  cases: Readonly<
    Record<
      C,
      { templates: Readonly<Record<K, string>>; references: Readonly<Record<string, unknown>> }
    >
  >,
): Record<C, Record<K, unknown>> {
  const variables: Record<string, object> = {};
  const values: Record<string, unknown> = {};
  const locals: Record<string, string> = {};
  const caseNames = Object.keys(cases) as C[];
  const outputs = caseNames.map((c, i) => {
    const { templates, references } = cases[c];
    const sub = substitution(references, `c${i}_`);
    Object.assign(variables, sub.variables);
    Object.assign(values, sub.values);
    const names = Object.keys(templates) as K[];
    names.forEach((n, j) => (locals[`c${i}_v${j}`] = sub.rewrite(templates[n])));
    return `${JSON.stringify(c)} = {${names.map((n, j) => `${JSON.stringify(n)} = local.c${i}_v${j}`).join(', ')}}`;
  });
  const dir = workdir({ variable: variables, locals }, values);
  const r = spawnSync('terraform', ['console', '-var-file=values.tfvars.json'], {
    cwd: dir,
    input: `jsonencode({${outputs.join(', ')}})\n`,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: dir, CHECKPOINT_DISABLE: '1' },
  });
  if (r.status !== 0) throw new Error(r.stderr);
  // console prints the HCL string literal of the JSON text: two decodes.
  return JSON.parse(JSON.parse(r.stdout.trim())) as Record<C, Record<K, unknown>>;
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
  return evaluateEach({ only: { condition, references } }).only;
}

/**
 * Evaluates several conditions, each on its own references, in one Terraform run: each
 * becomes the precondition of its own `terraform_data`, and Terraform reports every one that
 * fails (`plan -json`: the diagnostic's detail is the message, unwrapped).
 */
export function evaluateEach<K extends string>(
  cases: Readonly<
    Record<K, { condition: Condition; references: Readonly<Record<string, unknown>> }>
  >,
): Record<K, Outcome> {
  const names = Object.keys(cases) as K[];
  const variable: Record<string, object> = {};
  const values: Record<string, unknown> = {};
  const resources: Record<string, object> = {};
  names.forEach((name, i) => {
    const { condition, references } = cases[name];
    const sub = substitution(references, `c${i}_`);
    Object.assign(variable, sub.variables);
    Object.assign(values, sub.values);
    resources[`c${i}`] = {
      lifecycle: {
        precondition: [
          {
            condition: sub.rewrite(condition.condition),
            error_message: sub.rewrite(condition.error_message),
          },
        ],
      },
    };
  });
  const { failures: failed } = planJson(
    { variable, resource: { terraform_data: resources } },
    undefined,
    values,
  );
  return Object.fromEntries(
    names.map((name, i) => {
      const message = failed.get(`c${i}`);
      return [name, message === undefined ? { ok: true } : { ok: false, message }];
    }),
  ) as Record<K, Outcome>;
}
