/**
 * Runs a committed workflow file the way a GitHub-hosted runner does, for the parts our
 * workflows use, so the tests exercise the real YAML: jobs in `needs` order, `if:` (with the
 * implicit `success()`), `environment:` and its approval, `env:` and `${{ }}` values, `run:`
 * steps in `bash --noprofile --norc -e -o pipefail`, `$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`,
 * `$RUNNER_TEMP`, `steps.<id>.outcome`, job outputs, and a GitHub OIDC token endpoint
 * (ACTIONS_ID_TOKEN_REQUEST_URL) for jobs with `id-token: write`.
 *
 * Cancels and step timeouts are driven by the test (`interrupt`): the runner signals only
 * the step's own process (SIGINT, then SIGTERM, then SIGKILL), as actions/runner does
 * (ProcessInvoker.cs); a cancel makes the job's status `cancelled` for the steps after it, a
 * step timeout makes the step a failure (StepsRunner.cs). `uses:` steps other than checkout
 * and setup-node throw: the test must not pass over an action it does not model.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse } from 'yaml';

import { COMMITTED_FILES } from '../../lib/workflow-contract';
import { condition, interpolate, type Contexts, type JobStatus } from './gh-expressions';

interface StepSpec {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  'timeout-minutes'?: number;
}

interface JobSpec {
  /** A reusable workflow (`./.github/workflows/x.yml`), with its inputs. */
  uses?: string;
  with?: Record<string, unknown>;
  if?: string;
  needs?: string | string[];
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  outputs?: Record<string, string>;
  steps?: StepSpec[];
}

interface WorkflowSpec {
  on?: {
    workflow_call?: {
      inputs?: Record<string, { default?: unknown }>;
      outputs?: Record<string, { value: string }>;
    };
  };
  jobs: Record<string, JobSpec>;
}

export interface StepResult {
  readonly outcome: 'success' | 'failure' | 'cancelled' | 'skipped';
  readonly exitCode?: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface JobResult {
  readonly status: 'success' | 'failure' | 'cancelled' | 'skipped';
  readonly environment?: string;
  readonly steps: Record<string, StepResult>;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

export interface RunnerOptions {
  /** Path of the workflow file. */
  readonly workflow: string;
  readonly event:
    | {
        readonly name: 'repository_dispatch';
        readonly action: string;
        readonly clientPayload: Record<string, string>;
      }
    | { readonly name: 'workflow_dispatch'; readonly inputs: Record<string, string> };
  /** Variables and secrets by GitHub environment name ('' for the repository's). */
  readonly vars: Record<string, Record<string, string>>;
  readonly secrets?: Record<string, Record<string, string>>;
  /** The checkout: the folder `run:` steps start in. */
  readonly checkout: string;
  /** The environment every step process inherits (PATH with the fakes, their settings). */
  readonly env: Record<string, string>;
  readonly runId?: string;
  readonly runAttempt?: string;
  /** Whether the environment's reviewers approve the job (default: yes). */
  readonly approve?: (job: string, environment: string) => boolean | Promise<boolean>;
  /** Called with each chunk a step prints on stderr; returning a reason interrupts it. */
  readonly interrupt?: (
    job: string,
    step: string,
    stderr: string,
  ) => 'cancel' | 'timeout' | undefined;
  /** SIGINT → SIGTERM → SIGKILL delays (the runner's: 7.5 s, 2.5 s); tests shorten them. */
  readonly signalDelaysMs?: readonly [number, number];
  /**
   * Runs a `run:` step in the test's process instead of bash, when it returns a result (the
   * rollout's phases, without a Node.js start each); undefined: bash runs it.
   */
  readonly inProcess?: (
    run: string,
    env: Record<string, string>,
  ) => Promise<{ exitCode: number; stdout: string; stderr: string }> | undefined;
}

export const ID_TOKEN = 'fake.github-oidc.token';

/**
 * A target repository's checkout in a new temporary folder: the files the stack commits (as
 * this repository has them) and `files` (each holding a line). Returns the folder it is in.
 */
export function checkout(
  prefix: string,
  files: readonly string[],
): { dir: string; checkout: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const root = join(dir, 'repo');
  const project = join(__dirname, '..', '..');
  for (const file of [...files, ...COMMITTED_FILES.map((f) => f.path)]) {
    mkdirSync(join(root, file, '..'), { recursive: true });
  }
  for (const file of files) writeFileSync(join(root, file), 'name: x\n');
  for (const f of COMMITTED_FILES) copyFileSync(join(project, f.source), join(root, f.path));
  return { dir, checkout: root };
}

/** Runs every job of the workflow; returns each job's result. */
export async function runWorkflow(options: RunnerOptions): Promise<Record<string, JobResult>> {
  const spec = parse(readFileSync(options.workflow, 'utf8')) as WorkflowSpec;
  const server = createServer((_request, response) => {
    response.setHeader('Content-Type', 'application/json');
    response.end(JSON.stringify({ value: ID_TOKEN }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const inputs = options.event.name === 'workflow_dispatch' ? options.event.inputs : {};
    return await runJobs(spec, inputs, options, `http://127.0.0.1:${port}/token?x=1`);
  } finally {
    server.close();
  }
}

/** The jobs of one workflow, in `needs` order, with `inputs` as its inputs context. */
async function runJobs(
  spec: WorkflowSpec,
  inputs: Record<string, unknown>,
  options: RunnerOptions,
  tokenUrl: string,
): Promise<Record<string, JobResult>> {
  const results: Record<string, JobResult> = {};
  for (const name of jobOrder(spec.jobs)) {
    results[name] = await runJob(name, spec.jobs[name], results, inputs, options, tokenUrl);
  }
  return results;
}

/**
 * A job that calls a reusable workflow: its inputs from `with` (defaults for the rest), its
 * jobs run as the caller's, its outputs from `on.workflow_call.outputs`.
 */
async function callWorkflow(
  job: JobSpec,
  early: Contexts,
  options: RunnerOptions,
  tokenUrl: string,
): Promise<JobResult> {
  const called = parse(
    readFileSync(join(options.checkout, job.uses ?? ''), 'utf8'),
  ) as WorkflowSpec;
  const declared = called.on?.workflow_call?.inputs ?? {};
  const inputs = Object.fromEntries(
    Object.entries(declared).map(([k, spec]) => {
      const given = job.with?.[k];
      return [
        k,
        given === undefined
          ? (spec.default ?? '')
          : typeof given === 'string'
            ? interpolate(given, early)
            : given,
      ];
    }),
  );
  const results = await runJobs(called, inputs, options, tokenUrl);
  const all = Object.values(results);
  const outputs = Object.fromEntries(
    Object.entries(called.on?.workflow_call?.outputs ?? {}).map(([k, o]) => [
      k,
      interpolate(o.value, { jobs: results }),
    ]),
  );
  const status =
    all.find((r) => r.status !== 'success' && r.status !== 'skipped')?.status ?? 'success';
  const first = all[0];
  return { ...first, status, outputs };
}

function jobOrder(jobs: Record<string, JobSpec>): string[] {
  const order: string[] = [];
  const visit = (name: string): void => {
    if (order.includes(name)) return;
    for (const need of needsOf(jobs[name])) visit(need);
    order.push(name);
  };
  Object.keys(jobs).forEach(visit);
  return order;
}

const needsOf = (job: JobSpec): string[] => (job.needs === undefined ? [] : [job.needs].flat());

function baseContexts(
  options: RunnerOptions,
  results: Record<string, JobResult>,
  job: JobSpec,
  inputs: Record<string, unknown>,
): Contexts {
  const event = options.event;
  const needs = Object.fromEntries(
    needsOf(job).map((n) => [n, { result: results[n].status, outputs: results[n].outputs }]),
  );
  return {
    github: {
      event_name: event.name,
      event:
        event.name === 'repository_dispatch'
          ? { action: event.action, client_payload: event.clientPayload }
          : { inputs: event.inputs },
      run_id: options.runId ?? '4242',
      run_attempt: options.runAttempt ?? '1',
    },
    inputs,
    needs,
    vars: options.vars[''] ?? {},
    secrets: options.secrets?.[''] ?? {},
  };
}

async function runJob(
  name: string,
  job: JobSpec,
  results: Record<string, JobResult>,
  inputs: Record<string, unknown>,
  options: RunnerOptions,
  tokenUrl: string,
): Promise<JobResult> {
  const skipped: JobResult = { status: 'skipped', steps: {}, outputs: {}, summary: '' };
  const needsFailed = needsOf(job).some((n) => results[n].status !== 'success');
  // A job after a skipped or failed one is skipped, unless its condition says otherwise.
  const early = baseContexts(options, results, job, inputs);
  if (needsFailed && !/\b(always|failure|cancelled)\(\)/.test(job.if ?? '')) return skipped;
  if (!condition(job.if, early, needsFailed ? 'failure' : 'success')) return skipped;
  if (job.uses !== undefined) return callWorkflow(job, early, options, tokenUrl);
  const environmentSpec =
    typeof job.environment === 'object' ? job.environment.name : job.environment;
  const environment =
    environmentSpec === undefined ? undefined : interpolate(environmentSpec, early);
  if (environment !== undefined && !((await options.approve?.(name, environment)) ?? true)) {
    return { ...skipped, status: 'failure', environment };
  }
  const vars = { ...(options.vars[''] ?? {}), ...(environment ? options.vars[environment] : {}) };
  const secrets = {
    ...(options.secrets?.[''] ?? {}),
    ...(environment ? options.secrets?.[environment] : {}),
  };
  const temp = mkdtempSync(join(tmpdir(), `runner-${name}-`));
  const files = {
    output: join(temp, 'output'),
    summary: join(temp, 'summary'),
    runnerTemp: join(temp, 'tmp'),
  };
  writeFileSync(files.summary, '');
  mkdirSync(files.runnerTemp);
  const steps: Record<string, StepResult & { outputs: Record<string, string> }> = {};
  let status: JobStatus = 'success';
  const contexts = (): Contexts => ({ ...early, vars, secrets, steps });
  const jobEnv = Object.fromEntries(
    Object.entries(job.env ?? {}).map(([k, v]) => [k, interpolate(String(v), contexts())]),
  );
  const oidc: Record<string, string> =
    job.permissions?.['id-token'] === 'write'
      ? { ACTIONS_ID_TOKEN_REQUEST_URL: tokenUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token' }
      : {};
  for (const [index, step] of (job.steps ?? []).entries()) {
    const key = step.id ?? step.name ?? `step-${index}`;
    if (!condition(step.if, contexts(), status)) {
      steps[key] = { outcome: 'skipped', stdout: '', stderr: '', outputs: {} };
      continue;
    }
    if (step.uses !== undefined) {
      if (!/^actions\/(checkout|setup-node)@/.test(step.uses))
        throw new Error(`unmodelled action ${step.uses}`);
      steps[key] = { outcome: 'success', stdout: '', stderr: '', outputs: {} };
      continue;
    }
    writeFileSync(files.output, '');
    const env = {
      ...options.env,
      ...oidc,
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: options.event.name,
      GITHUB_RUN_ID: options.runId ?? '4242',
      GITHUB_RUN_ATTEMPT: options.runAttempt ?? '1',
      GITHUB_REPOSITORY: 'contoso/models',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      RUNNER_TEMP: files.runnerTemp,
      ...jobEnv,
      ...Object.fromEntries(
        Object.entries(step.env ?? {}).map(([k, v]) => [k, interpolate(String(v), contexts())]),
      ),
    };
    const here = options.inProcess?.(step.run ?? '', env);
    const result = here
      ? await inProcessStep(here)
      : await runStep(step, env, options, (text) => options.interrupt?.(name, key, text));
    if (result.interrupted === 'timeout' && step['timeout-minutes'] === undefined) {
      throw new Error(`step ${key} has no timeout-minutes to time out`);
    }
    if (result.interrupted === 'cancel') status = 'cancelled';
    else if (result.outcome === 'failure' && status === 'success') status = 'failure';
    steps[key] = { ...result, outputs: readOutputs(files.output) };
  }
  const outputs = Object.fromEntries(
    Object.entries(job.outputs ?? {}).map(([k, v]) => [k, interpolate(v, contexts())]),
  );
  const summary = readFileSync(files.summary, 'utf8');
  rmSync(temp, { recursive: true, force: true });
  return { status, environment, steps, outputs, summary };
}

async function inProcessStep(
  done: Promise<{ exitCode: number; stdout: string; stderr: string }>,
): Promise<StepResult & { interrupted?: 'cancel' | 'timeout' }> {
  const r = await done;
  // 130: the step stopped on a cancel (the in-process run was aborted).
  const outcome = r.exitCode === 0 ? 'success' : r.exitCode === 130 ? 'cancelled' : 'failure';
  return { ...r, outcome, interrupted: r.exitCode === 130 ? 'cancel' : undefined };
}

function readOutputs(file: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const i = line.indexOf('=');
    outputs[line.slice(0, i)] = line.slice(i + 1);
  }
  return outputs;
}

function runStep(
  step: StepSpec,
  env: Record<string, string>,
  options: RunnerOptions,
  interrupt: (stderr: string) => 'cancel' | 'timeout' | undefined,
): Promise<StepResult & { interrupted?: 'cancel' | 'timeout' }> {
  const [toTerm, toKill] = options.signalDelaysMs ?? [7500, 2500];
  return new Promise((resolve) => {
    const child = spawn(
      'bash',
      ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', step.run ?? ''],
      {
        cwd: options.checkout,
        env,
      },
    );
    let stdout = '';
    let stderr = '';
    let interrupted: 'cancel' | 'timeout' | undefined;
    const timers: NodeJS.Timeout[] = [];
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      if (interrupted) return;
      interrupted = interrupt(stderr);
      if (!interrupted) return;
      // Only the step's own process is signalled (for `exec node`, node itself).
      child.kill('SIGINT');
      timers.push(setTimeout(() => child.kill('SIGTERM'), toTerm));
      timers.push(setTimeout(() => child.kill('SIGKILL'), toTerm + toKill));
    });
    child.on('close', (code) => {
      timers.forEach(clearTimeout);
      const outcome =
        interrupted === 'cancel' ? 'cancelled' : code === 0 && !interrupted ? 'success' : 'failure';
      resolve({ outcome, exitCode: code ?? undefined, stdout, stderr, interrupted });
    });
  });
}
