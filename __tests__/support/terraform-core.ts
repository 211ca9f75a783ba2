/**
 * Evaluates the stacks' Terraform conditions (preconditions, postconditions, check
 * assertions) with the real Terraform binary, on inputs, without any provider: the
 * references a condition reads are replaced by variables, and the condition becomes the
 * precondition of Terraform's built-in `terraform_data` resource, which needs no download.
 * A test file asks all its questions first and gets them answered together (`together`).
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
    // A plan of many failing conditions prints each one's expression: megabytes.
    maxBuffer: 256 * 1024 * 1024,
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
function stateWith(
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

/** Runs `terraform plan` on a JSON configuration of built-in resources; returns its output. */
export function plan(config: object): string {
  const r = terraform(workdir(config), ['plan', '-input=false', '-no-color']);
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

/** What `terraform plan -json` reports: each resource instance's planned action, and failures. */
export interface PlanReport {
  /** By instance address: `create`, `update`, `delete`, `replace`, `move`, `remove` (forget),
   * ...; `reason` and, for a move, `from` when Terraform gives them. No entry: no change. */
  readonly changes: Readonly<
    Record<string, { readonly action: string; readonly reason?: string; readonly from?: string }>
  >;
  /** By resource name: the message of its failed precondition (unwrapped). */
  readonly failures: ReadonlyMap<string, string>;
  /** Each warning, as its summary and detail. */
  readonly warnings: readonly string[];
}

/**
 * `terraform plan -json` of a configuration of built-in resources, from the given state (see
 * `stateWith`) and variable values: every planned change, every failed precondition, every
 * error at a resource and every warning. It throws unless Terraform planned every resource
 * (it printed its change summary): an expression that cannot be evaluated can stop the plan
 * before the others are reported.
 */
function planJson(
  config: object,
  state: object,
  values: object,
): PlanReport & { readonly errors: ReadonlyMap<string, string> } {
  const dir = workdir(config, values);
  const statePath = join(dir, 'terraform.tfstate');
  writeFileSync(statePath, JSON.stringify(state));
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
  const errors = new Map<string, string>();
  const warnings: string[] = [];
  let complete = false;
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const m = JSON.parse(line) as { type?: string; change?: any; diagnostic?: any };
    if (m.type === 'change_summary') complete = true;
    if (m.type === 'planned_change') {
      const c = m.change;
      changes[c.resource.addr] = {
        action: c.action,
        ...(c.reason ? { reason: c.reason } : {}),
        ...(c.previous_resource ? { from: c.previous_resource.addr } : {}),
      };
    }
    const d = m.diagnostic;
    if (d?.severity === 'warning') warnings.push(`${d.summary}: ${d.detail}`);
    if (d?.severity !== 'error') continue;
    // The snippet of a JSON configuration is its one line: the resource says where instead.
    const at = /^resource\.terraform_data\.([^.]+)/.exec(d.snippet?.context ?? '');
    if (!at) throw new Error(`${d.summary}: ${d.detail}\n${d.snippet?.code ?? ''}`);
    if (d.summary === 'Resource precondition failed') failures.set(at[1], d.detail);
    else
      errors.set(
        at[1],
        `${d.summary}: ${d.detail}\nin ${d.snippet.context}: ${JSON.stringify((config as any).resource.terraform_data[at[1]])}`,
      );
  }
  if (!complete) {
    throw new Error(
      `Terraform stopped before planning every resource:\n${[...errors.values()].join('\n') || r.stdout + r.stderr}`,
    );
  }
  if (r.status !== 0 && failures.size + errors.size === 0) throw new Error(r.stdout + r.stderr);
  return { changes, failures, errors, warnings };
}

/** The references of `text`, longest first, each with the variable that stands for it. */
function substitution(references: Readonly<Record<string, unknown>>, prefix: string) {
  const names = Object.keys(references).sort((a, b) => b.length - a.length);
  const variable = (i: number) => `${prefix}ref${i}`;
  return {
    rewrite: (text: string) =>
      names.reduce((t, ref, i) => t.split(ref).join(`var.${variable(i)}`), text),
    variables: Object.fromEntries(names.map((_, i) => [variable(i), { type: 'any' }])),
    values: Object.fromEntries(names.map((ref, i) => [variable(i), references[ref]])),
  };
}

/** The values of templates, each case on its own references, computed in one `terraform console`. */
function consoleEach(
  cases: readonly {
    templates: Readonly<Record<string, string>>;
    references: Readonly<Record<string, unknown>>;
  }[],
): Record<string, unknown>[] {
  const variables: Record<string, object> = {};
  const values: Record<string, unknown> = {};
  const locals: Record<string, string> = {};
  const outputs = cases.map(({ templates, references }, i) => {
    const sub = substitution(references, `t${i}_`);
    Object.assign(variables, sub.variables);
    Object.assign(values, sub.values);
    const names = Object.keys(templates);
    names.forEach((n, j) => (locals[`t${i}_v${j}`] = sub.rewrite(templates[n])));
    return `{${names.map((n, j) => `${JSON.stringify(n)} = local.t${i}_v${j}`).join(', ')}}`;
  });
  const dir = workdir({ variable: variables, locals }, values);
  const r = spawnSync('terraform', ['console', '-var-file=values.tfvars.json'], {
    cwd: dir,
    input: `jsonencode([${outputs.join(', ')}])\n`,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: dir, CHECKPOINT_DISABLE: '1' },
  });
  if (r.status !== 0) throw new Error(r.stderr);
  // console prints the HCL string literal of the JSON text: two decodes.
  return JSON.parse(JSON.parse(r.stdout.trim())) as Record<string, unknown>[];
}

/** A configuration of built-in resources to plan, with the state an earlier apply left. */
export interface PlanPart {
  readonly variable?: Readonly<Record<string, object>>;
  /** `terraform_data` resources by name: names no other part of the file uses. */
  readonly resource: Readonly<Record<string, object>>;
  readonly moved?: readonly object[];
  readonly removed?: readonly object[];
  /** The state's addresses and inputs (see `stateWith`); none: nothing was applied. */
  readonly state?: readonly string[];
  readonly inputs?: Readonly<Record<string, unknown>>;
  /** The variables' values. */
  readonly values?: Readonly<Record<string, unknown>>;
}

/**
 * What one test file asks Terraform, answered in one `terraform plan` and one `terraform
 * console`: each run costs 50-100 ms, and a file asks dozens of questions. Questions are asked
 * while jest collects the tests (in describe bodies); each returns a function that a test calls
 * for its answer, and the first call runs Terraform for every question. Each question has its
 * own resources, variables and state, so each answer is that question's alone: a condition is
 * the precondition of its own `terraform_data`, and a plan part's changes and failures are
 * those of its own resources.
 */
export function together() {
  const variable: Record<string, object> = {};
  const values: Record<string, unknown> = {};
  const resources: Record<string, object> = {};
  const moved: object[] = [];
  const removed: object[] = [];
  const state: string[] = [];
  const inputs: Record<string, unknown> = {};
  const templateCases: Parameters<typeof consoleEach>[0][number][] = [];
  let planned: ReturnType<typeof planJson> | undefined;
  let computed: Record<string, unknown>[] | undefined;

  const unique = (kind: string, taken: object, names: readonly string[]) => {
    for (const name of names) {
      if (name in taken) throw new Error(`${kind} ${name} is asked for twice`);
    }
  };
  const asking = () => {
    if (planned || computed) {
      throw new Error('ask Terraform while jest collects the tests, before a test reads an answer');
    }
  };
  const plannedAll = () =>
    (planned ??= planJson(
      { variable, resource: { terraform_data: resources }, moved, removed },
      stateWith(state, inputs),
      values,
    ));
  const nameOf = (address: string) => /^terraform_data\.([^.[]+)/.exec(address)?.[1] ?? '';

  /** Plans the part with every other one; the answer holds only the part's own resources. */
  function plan(part: PlanPart): () => PlanReport {
    asking();
    const own = new Set([...Object.keys(part.resource), ...(part.state ?? []).map(nameOf)]);
    unique('resource', resources, [...own]);
    unique('variable', variable, Object.keys(part.variable ?? {}));
    Object.assign(variable, part.variable);
    Object.assign(values, part.values);
    Object.assign(resources, part.resource);
    moved.push(...(part.moved ?? []));
    removed.push(...(part.removed ?? []));
    state.push(...(part.state ?? []));
    Object.assign(inputs, part.inputs);
    return () => {
      const all = plannedAll();
      // An error at another part's resource is that part's alone.
      const errors = [...all.errors].filter(([name]) => own.has(name));
      if (errors.length > 0) throw new Error(errors.map(([, message]) => message).join('\n'));
      return {
        changes: Object.fromEntries(
          Object.entries(all.changes).filter(([address]) => own.has(nameOf(address))),
        ),
        failures: new Map([...all.failures].filter(([name]) => own.has(name))),
        warnings: all.warnings,
      };
    };
  }

  /**
   * Evaluates each condition with each reference (e.g. `data.github_rest_api.x.body`,
   * `self.branches`, `var.read_only_plan`) set to the given value. References are replaced
   * longest first, so a prefix never eats a longer one.
   */
  function evaluateEach<K extends string>(
    cases: Readonly<
      Record<K, { condition: Condition; references: Readonly<Record<string, unknown>> }>
    >,
  ): () => Record<K, Outcome> {
    const names = Object.keys(cases) as K[];
    const first = Object.keys(resources).length;
    const id = (i: number) => `condition${first + i}`;
    const part = { variable: {}, values: {}, resource: {} as Record<string, object> };
    names.forEach((name, i) => {
      const { condition, references } = cases[name];
      const sub = substitution(references, `${id(i)}_`);
      Object.assign(part.variable, sub.variables);
      Object.assign(part.values, sub.values);
      part.resource[id(i)] = {
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
    const report = plan(part);
    return () => {
      const { changes, failures } = report();
      return Object.fromEntries(
        names.map((name, i) => {
          const message = failures.get(id(i));
          if (message !== undefined) return [name, { ok: false, message }];
          // Held: Terraform went on to plan the resource.
          if (changes[`terraform_data.${id(i)}`]?.action === 'create') return [name, { ok: true }];
          throw new Error(`Terraform neither planned ${id(i)} nor reported its condition failing`);
        }),
      ) as Record<K, Outcome>;
    };
  }

  /** The value of each case's templates (attributes such as `count` and `subject`) with each
   * reference set to the given value, as Terraform computes it. */
  function evaluateTemplatesEach<C extends string, K extends string>(
    cases: Readonly<
      Record<
        C,
        { templates: Readonly<Record<K, string>>; references: Readonly<Record<string, unknown>> }
      >
    >,
  ): () => Record<C, Record<K, unknown>> {
    asking();
    const names = Object.keys(cases) as C[];
    const first = templateCases.length;
    templateCases.push(...names.map((name) => cases[name]));
    return () => {
      computed ??= consoleEach(templateCases);
      return Object.fromEntries(names.map((name, i) => [name, computed![first + i]])) as Record<
        C,
        Record<K, unknown>
      >;
    };
  }

  return {
    plan,
    evaluateEach,
    evaluateTemplatesEach,
    evaluateTemplates: <K extends string>(
      templates: Readonly<Record<K, string>>,
      references: Readonly<Record<string, unknown>>,
    ) => {
      const values = evaluateTemplatesEach({ only: { templates, references } });
      return () => values().only;
    },
  };
}
