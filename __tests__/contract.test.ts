/**
 * The deploy workflow (workflows/deploy-model.yml: triggers and the chain of stages) and the
 * stage it calls (workflows/deploy-stage.yml) against the names defined once in lib/:
 * the dispatch event type and payload keys (lib/dispatch-contract.ts, which the Logic App
 * sends) and the GitHub variables and secrets (lib/workflow-contract.ts, which the stack
 * publishes). YAML cannot import TypeScript, so this test is what keeps them in step.
 * It also pins the workflow's security rules (permissions, environment, no event data in
 * `run:`), which a later edit could otherwise loosen unnoticed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { parse } from 'yaml';

import { DISPATCH_EVENT_TYPE, HANDED_ON, PAYLOAD, PAYLOAD_KEYS } from '../lib/dispatch-contract';
import { MAX_PROMOTIONS } from '../lib/promotion';
import {
  COMMITTED_FILES,
  SECRET_NAMES,
  STAGE_WORKFLOW_PATH,
  VARIABLE_NAMES,
} from '../lib/workflow-contract';
import {
  CREDENTIALS_VARIABLE,
  ENVIRONMENT_VARIABLES,
  PROMOTED_FROM_VARIABLE,
  PROMOTED_IN_RUN_VARIABLE,
  PROMOTION_INPUTS,
  REQUEST_VARIABLES,
  STARTED_AT_VARIABLE,
} from '../rollout/inputs';
import { PHASES, STEP_OUTPUTS } from '../rollout/run';

const ROOT = path.resolve(__dirname, '..');
const ROLLOUT = COMMITTED_FILES[2];

interface Step {
  id?: string;
  name?: string;
  if?: string;
  'timeout-minutes'?: number;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Job {
  uses?: string;
  needs?: string;
  if?: string;
  with?: Record<string, string | boolean>;
  outputs?: Record<string, string>;
  'timeout-minutes'?: number;
  permissions?: Record<string, string>;
  environment?: string;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  env?: Record<string, string>;
  steps: Step[];
}
interface Input {
  required?: boolean;
  type?: string;
  default?: unknown;
}
interface Workflow {
  on: {
    repository_dispatch: { types: string[] };
    workflow_dispatch: { inputs: Record<string, Input> };
    workflow_call: {
      inputs: Record<string, Input>;
      outputs: Record<string, { value: string }>;
    };
  };
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');
const caller = parse(read(COMMITTED_FILES[0].source)) as Workflow;
const stageSource = read(COMMITTED_FILES[1].source);
const stage = parse(stageSource) as Workflow;
const stageJob = stage.jobs.stage;
const steps = stageJob.steps;
/** Both workflows: what a target repository runs. */
const workflow = { caller, stage };

/** Every string in the parsed workflow (keys and values): comments are not code. */
function strings(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(strings);
  if (node && typeof node === 'object') {
    return Object.entries(node).flatMap(([key, value]) => [key, ...strings(value)]);
  }
  return [];
}
const text = strings(workflow).join('\n');

function matches(pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((m) => m[1]);
}

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

const payloadKeys = sorted(Object.values(PAYLOAD_KEYS));

describe('triggers', () => {
  test('repository_dispatch listens for exactly the event type the Logic App sends', () => {
    expect(caller.on.repository_dispatch.types).toEqual([DISPATCH_EVENT_TYPE]);
  });

  test('the client_payload keys read are exactly PAYLOAD_KEYS', () => {
    expect(sorted(matches(/github\.event\.client_payload\.(\w+)/g))).toEqual(payloadKeys);
  });

  test('client_payload is read only key by key (no other access to it)', () => {
    const all = text.match(/client_payload/g) ?? [];
    const keyed = text.match(/github\.event\.client_payload\.\w+/g) ?? [];
    expect(all.length).toBe(keyed.length);
  });

  test('workflow_dispatch takes the same names as inputs, and promoted_from (by hand)', () => {
    expect(sorted(Object.keys(caller.on.workflow_dispatch.inputs))).toEqual(
      sorted([...payloadKeys, PROMOTION_INPUTS.promotedFrom.key]),
    );
  });

  test('the inputs the contract requires are required; the rest are optional', () => {
    const inputs = caller.on.workflow_dispatch.inputs;
    const required = Object.keys(inputs).filter((name) => inputs[name].required === true);
    expect(sorted(required)).toEqual(
      sorted(Object.values(PAYLOAD).flatMap((f) => (f.required ? [f.key] : []))),
    );
    // At least the model, its version and the environment (a run needs them to mean anything).
    expect(required).toEqual(
      expect.arrayContaining([
        PAYLOAD_KEYS.modelName,
        PAYLOAD_KEYS.modelVersion,
        PAYLOAD_KEYS.environment,
      ]),
    );
    expect(inputs[PAYLOAD_KEYS.environment].type).toBe('environment');
  });

  test('each payload value falls back to the input of the same name', () => {
    const pairs = [...text.matchAll(/github\.event\.client_payload\.(\w+) \|\| inputs\.(\w+)/g)];
    expect(pairs.length).toBe((text.match(/github\.event\.client_payload\.\w+/g) ?? []).length);
    for (const [, key, input] of pairs) expect(input).toBe(key);
  });
});

describe('variables and secrets', () => {
  test('the vars.X read are exactly VARIABLE_NAMES', () => {
    expect(sorted(matches(/\bvars\.(\w+)/g))).toEqual(sorted(Object.values(VARIABLE_NAMES)));
  });

  test('the secrets.X read are exactly SECRET_NAMES', () => {
    expect(sorted(matches(/\bsecrets\.(\w+)/g))).toEqual(sorted(Object.values(SECRET_NAMES)));
  });
});

describe('security rules', () => {
  test('no permission at workflow level; every job gets id-token: write and contents: read', () => {
    expect(caller.permissions).toEqual({});
    expect(stage.permissions).toEqual({});
    for (const job of [...Object.values(caller.jobs), stageJob]) {
      expect(job.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    }
  });

  test('the stage runs in the environment its caller names', () => {
    expect(stageJob.environment).toBe('${{ inputs.environment }}');
  });

  test('rollouts of one model in one environment are serialised, never cancelled half-way', () => {
    expect(stageJob.concurrency).toEqual({
      group: 'aml-deploy-${{ inputs.environment }}-${{ inputs.model_name }}',
      'cancel-in-progress': false,
    });
  });

  test('no ${{ }} expression inside any run: script', () => {
    const runs = steps.filter((step) => step.run !== undefined);
    expect(runs.length).toBeGreaterThan(0);
    for (const step of runs) expect(step.run).not.toContain('${{');
  });

  test('every action is pinned to a full commit, with the release it is in a comment', () => {
    // A tag can be moved to other code; a commit cannot. The YAML parser drops comments, so
    // the lines are read as text, and each must be a step's `uses:` the parser saw.
    const lines = stageSource.split('\n').filter((line) => /^\s*(- )?uses:/.test(line));
    const uses = steps.flatMap((step) => (step.uses ? [step.uses] : []));
    expect(uses.length).toBeGreaterThan(0);
    expect(lines.length).toBe(uses.length);
    for (const [i, line] of lines.entries()) {
      expect(line).toMatch(/^\s*(- )?uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
      expect(line).toContain(`uses: ${uses[i]} # v`);
    }
  });

  test('no sign-in action: the rollout signs in itself, afresh per step, with OIDC or the secret', () => {
    // azure/login signs in once, with a GitHub token that lives five minutes and that the CLI
    // cannot renew: a rollout (and the restore after it) outlives it (rollout/session.ts).
    expect(steps.filter((step) => step.uses?.startsWith('azure/login@'))).toEqual([]);
    const signingIn = steps.filter((step) => /rollout\.js (deploy|restore)$/.test(step.run ?? ''));
    expect(signingIn.length).toBe(2);
    // The secret exists only in client-secret mode; only the steps that sign in get it.
    for (const step of steps) {
      const secret = step.env?.[SECRET_NAMES.azureCredentials];
      expect(secret).toBe(
        signingIn.includes(step) ? `\${{ secrets.${SECRET_NAMES.azureCredentials} }}` : undefined,
      );
    }
    expect(stageJob.env?.[SECRET_NAMES.azureCredentials]).toBeUndefined();
    expect(CREDENTIALS_VARIABLE).toBe(SECRET_NAMES.azureCredentials);
  });

  test('the request is validated before anything signs in, and every later step depends on it', () => {
    const validate = steps.findIndex((step) => step.id === 'validate');
    expect(validate).toBeGreaterThanOrEqual(0);
    expect(steps.slice(validate + 1).length).toBe(2);
    for (const step of steps.slice(validate + 1)) {
      expect(step.if).toContain("steps.validate.outputs.proceed == 'true'");
    }
  });

  test('the restore runs after a failed, cancelled or timed-out rollout, and is not cancelled itself', () => {
    const restore = steps.find((step) => step.run?.endsWith(' restore'));
    // always(), not failure() or cancelled(): after a cancel (or a job timeout) the runner
    // sets the job's status to cancelled, so failure() is false, and a running step whose
    // condition turns false is cancelled too (actions/runner StepsRunner.cs).
    expect(restore?.if).toBe(
      "always() && steps.validate.outputs.proceed == 'true' && steps.deploy.outcome != 'success'",
    );
  });

  test('step limits end a long rollout before the job limit, leaving the restore its minutes', () => {
    const deploy = steps.find((step) => step.id === 'deploy');
    const restore = steps.find((step) => step.run?.endsWith(' restore'));
    // A step that times out fails, and the restore step runs; the runner ends the steps that
    // run after a cancel 4 min 45 s after it (actions/runner JobDispatcher.cs).
    expect(restore?.['timeout-minutes']).toBeLessThanOrEqual(4);
    expect(stageJob['timeout-minutes']).toBeGreaterThan(
      (deploy?.['timeout-minutes'] ?? Infinity) + (restore?.['timeout-minutes'] ?? Infinity) + 5,
    );
  });
});

describe('the rollout', () => {
  const runs = steps.filter((s) => s.run !== undefined);

  test('is committed in a subfolder of .github/workflows/, where GitHub runs no workflow', () => {
    // Under .github/workflows/ only a token with the Workflows permission can change it (the
    // dispatch token cannot); GitHub runs only *.yml / *.yaml directly in .github/workflows.
    expect(ROLLOUT.source).toBe('workflows/rollout.js');
    expect(ROLLOUT.path).toBe('.github/workflows/aml-deploy/rollout.js');
    expect(ROLLOUT.path).toMatch(/^\.github\/workflows\/[\w.-]+\/[\w.-]+$/);
    expect(ROLLOUT.path).not.toMatch(/\.ya?ml$/);
  });

  test('every run: step runs it with node, at the path the stack commits it to', () => {
    expect(runs.map((step) => step.run)).toEqual(
      PHASES.map((phase) => `exec node ${ROLLOUT.path} ${phase}`),
    );
  });

  test('every run: that invokes it starts with `exec node `, so a cancel signal reaches node', () => {
    // Without exec, the runner's SIGINT/SIGTERM on cancel goes to the bash around the step,
    // not to node, which then never rolls back. One command per step: nothing before or after.
    const invoking = steps.filter((step) => step.run?.includes('rollout.js'));
    expect(invoking.length).toBe(PHASES.length);
    for (const step of invoking) expect(step.run).toMatch(/^exec node [^\n;&|]+$/);
  });

  test('it runs on an exact Node.js 22 set up before it, without a dependency cache', () => {
    const setup = steps.findIndex((step) => step.uses?.startsWith('actions/setup-node@'));
    expect(setup).toBeGreaterThanOrEqual(0);
    expect(setup).toBeLessThan(steps.indexOf(runs[0]));
    expect(steps[setup].with?.['node-version']).toMatch(/^22\.\d+\.\d+$/);
    expect(String(steps[setup].with?.['package-manager-cache'])).toBe('false');
    expect(steps[setup].if).toBeUndefined();
  });

  test('the job sets exactly the variables the rollout reads, each from its source', () => {
    const job = stageJob;
    const expected: Record<string, string> = {
      [PROMOTED_FROM_VARIABLE]: `\${{ inputs.${PROMOTION_INPUTS.promotedFrom.key} }}`,
      [PROMOTED_IN_RUN_VARIABLE]: `\${{ inputs.${PROMOTION_INPUTS.promotedInRun.key} }}`,
    };
    for (const [field, name] of Object.entries(REQUEST_VARIABLES)) {
      expected[name] = `\${{ inputs.${PAYLOAD_KEYS[field as keyof typeof PAYLOAD_KEYS]} }}`;
    }
    for (const name of Object.values(ENVIRONMENT_VARIABLES))
      expected[name] = `\${{ vars.${name} }}`;
    expect(job.env).toEqual(expected);
    // The later steps get validate's start time and the secret; nothing else is set per step.
    const later = runs.filter((step) => step.id !== 'validate');
    expect(later.length).toBe(2);
    for (const step of later) {
      expect(step.env).toEqual({
        [STARTED_AT_VARIABLE]: `\${{ steps.validate.outputs.${STEP_OUTPUTS.startedAt} }}`,
        [CREDENTIALS_VARIABLE]: `\${{ secrets.${SECRET_NAMES.azureCredentials} }}`,
      });
    }
    expect(runs.find((step) => step.id === 'validate')?.env).toBeUndefined();
  });

  test('the step outputs read are exactly those the rollout writes', () => {
    const read = [
      ...matches(/steps\.validate\.outputs\.(\w+)/g),
      ...matches(/steps\.deploy\.outputs\.(\w+)/g),
    ];
    expect(sorted(read)).toEqual(
      sorted([...Object.values(STEP_OUTPUTS), ...HANDED_ON.map((name) => PAYLOAD[name].key)]),
    );
  });
});

describe('the chain of stages', () => {
  const stageUse = `./${STAGE_WORKFLOW_PATH}`;
  const promotions = Object.keys(caller.jobs).filter((name) => name !== 'deploy');
  const handOn = [STEP_OUTPUTS.promoteTo, ...HANDED_ON.map((name) => PAYLOAD[name].key)];

  test('every job calls the one stage workflow: the first environment, then each promotion', () => {
    expect(Object.keys(caller.jobs)).toEqual([
      'deploy',
      ...Array.from({ length: MAX_PROMOTIONS }, (_, i) => `promote-${i + 1}`),
    ]);
    for (const job of Object.values(caller.jobs)) expect(job.uses).toBe(stageUse);
  });

  test('the first stage takes the event, or the inputs of a run by hand', () => {
    const { key } = PROMOTION_INPUTS.promotedFrom;
    const expected: Record<string, string> = { [key]: `\${{ inputs.${key} }}` };
    for (const key of payloadKeys) {
      expected[key] = `\${{ github.event.client_payload.${key} || inputs.${key} }}`;
    }
    expect(caller.jobs.deploy.with).toEqual(expected);
  });

  test('each promotion runs after the stage before, only when it hands the version on', () => {
    promotions.forEach((name, i) => {
      const before = i === 0 ? 'deploy' : promotions[i - 1];
      const job = caller.jobs[name];
      const out = (key: string): string => `\${{ needs.${before}.outputs.${key} }}`;
      expect(job.needs).toBe(before);
      expect(job.if).toBe(`needs.${before}.outputs.${STEP_OUTPUTS.promoteTo} != ''`);
      // Each field as the contract says a promotion takes it; the workspace is the next
      // stage's own, so it is not passed.
      const expected: Record<string, string | boolean> = {
        [PROMOTION_INPUTS.promotedFrom.key]: out(PAYLOAD_KEYS.environment),
        [PROMOTION_INPUTS.promotedInRun.key]: true,
      };
      for (const f of Object.values(PAYLOAD)) {
        if (f.promotedAs === 'checked') expected[f.key] = out(f.key);
        if (f.promotedAs === 'next') expected[f.key] = out(STEP_OUTPUTS.promoteTo);
        if (f.promotedAs === 'event') {
          expected[f.key] = `\${{ github.event.client_payload.${f.key} || inputs.${f.key} }}`;
        }
      }
      expect(job.with).toEqual(expected);
      expect(job.with).not.toHaveProperty(PAYLOAD_KEYS.eventWorkspace);
      expect(job.with?.[PAYLOAD_KEYS.modelVersion]).toBe(out(PAYLOAD_KEYS.modelVersion));
    });
  });

  test('the stage takes exactly what its callers pass, and hands on exactly what the rollout writes', () => {
    const passed = new Set(
      Object.values(caller.jobs).flatMap((job) => Object.keys(job.with ?? {})),
    );
    expect(sorted(Object.keys(stage.on.workflow_call.inputs))).toEqual(sorted(passed));
    expect(stage.on.workflow_call.outputs).toEqual(
      Object.fromEntries(
        handOn.map((key) => [
          key,
          expect.objectContaining({ value: `\${{ jobs.stage.outputs.${key} }}` }),
        ]),
      ),
    );
    expect(stageJob.outputs).toEqual(
      Object.fromEntries(handOn.map((key) => [key, `\${{ steps.deploy.outputs.${key} }}`])),
    );
  });
});
