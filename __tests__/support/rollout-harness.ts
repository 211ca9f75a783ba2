/**
 * The deploy job, in this process: the rollout's phases (rollout/run.ts) in the order and
 * under the conditions workflows/deploy-model.yml runs them (`validate`; `deploy` when
 * validate says proceed; `restore` when deploy did not succeed), against an in-memory Azure
 * ML (support/fake-azure-ml.ts) and a fake clock. A cancel or a step timeout is a `kill`
 * fault: the signal aborts while that command runs, as SIGINT does on a runner. A re-run is
 * `job()` again on the same Azure with the next attempt and an empty journal (a new machine).
 *
 * The workflow file's own conditions are checked against these by
 * __tests__/rollout-workflow.test.ts, which runs the bundle through it.
 */
import { publishedTarget, type PublishedTarget } from '../../lib/deployment-target';
import { through } from './config-fixtures';
import type { Inputs } from '../../rollout/inputs';
import type { JournalFile, JournalStore } from '../../rollout/journal';
import { readInputs } from '../../rollout/inputs';
import { runPhase, type Phase } from '../../rollout/run';
import {
  emptyState,
  FakeAzureMl,
  type Fault,
  type FakeOptions,
  type FakeState,
} from './fake-azure-ml';

export const SUBSCRIPTION = '00000000-0000-0000-0000-0000000000a1';
export const TENANT = '00000000-0000-0000-0000-0000000000b2';
export const CLIENT = '00000000-0000-0000-0000-0000000000c3';
export const RESOURCE_GROUP = 'rg-ml';
export const WORKSPACE = 'mlw-demo';
export const ENDPOINT = 'iris-ep';
const RUN_ID = '4242';
/** What GitHub's token endpoint hands out in these tests: it must never be shown. */
export const ID_TOKEN = 'eyJ.fake-github-oidc-token.sig';
export const CLIENT_SECRET = 'fake-client-secret-value';

/** The target the tests roll out to, built through the rule: every default filled in. */
export const DEFAULT_TARGET: PublishedTarget = through(publishedTarget, {
  endpoint: ENDPOINT,
  endpointSpec: 'aml/endpoint.yml',
  deploymentSpec: 'aml/deployment.yml',
  smokeTestRequest: 'aml/sample-request.json',
});

/** The files of the target repository that AML_DEPLOYMENT_TARGETS names. */
export const REPOSITORY_FILES = [
  'aml/endpoint.yml',
  'aml/deployment.yml',
  'aml/sample-request.json',
];

/** A target's fields; `undefined` leaves one out (as the stack does for smokeTestRequest). */
export type TargetFields = { [K in keyof PublishedTarget]?: PublishedTarget[K] | unknown };

/** The environment variables the workflow sets on the rollout steps (and GitHub's own). */
export function environment(overrides: Record<string, string> = {}, target: TargetFields = {}) {
  return {
    MODEL_NAME: 'iris',
    MODEL_VERSION: '2',
    DEPLOY_ENVIRONMENT: 'staging',
    EVENT_ID: '831e1650-001e-001b-66ab-eeb76e069631',
    EVENT_TIME: '2025-06-01T10:00:00.1234567Z',
    EVENT_WORKSPACE: WORKSPACE,
    AZURE_AUTH_MODE: 'oidc',
    AZURE_CLIENT_ID: CLIENT,
    AZURE_TENANT_ID: TENANT,
    AZURE_SUBSCRIPTION_ID: SUBSCRIPTION,
    AML_RESOURCE_GROUP: RESOURCE_GROUP,
    AML_WORKSPACE: WORKSPACE,
    // JSON.stringify leaves out fields set to undefined.
    AML_DEPLOYMENT_TARGETS: JSON.stringify({ iris: { ...DEFAULT_TARGET, ...target } }),
    GITHUB_EVENT_NAME: 'repository_dispatch',
    GITHUB_RUN_ID: RUN_ID,
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'contoso/models',
    ...overrides,
  };
}

/** A model reference the way Azure reports it back: an ARM-style id. */
export function armModel(name: string, version: string, workspace = WORKSPACE): string {
  return (
    `azureml:/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}` +
    `/providers/Microsoft.MachineLearningServices/workspaces/${workspace}/models/${name}/versions/${version}`
  );
}

/** Endpoints as tests write them: traffic, and each deployment's model (state Succeeded). */
export type Endpoints = Record<
  string,
  { traffic: Record<string, number>; deployments: Record<string, string> }
>;

/** iris version 1 serves all traffic from deployment model-v1. */
export const V1_SERVING: Endpoints = {
  [ENDPOINT]: { traffic: { 'model-v1': 100 }, deployments: { 'model-v1': armModel('iris', '1') } },
};

/** Azure with iris 1-6 registered in the workspace and these endpoints; `failed` did not provision. */
export function azure(
  endpoints: Endpoints = {},
  { models = ['1', '2', '3', '4', '5', '6'], failed = [] as string[] } = {},
): FakeState {
  const state = emptyState();
  state.models[WORKSPACE] = { iris: models };
  state.endpoints[WORKSPACE] = Object.fromEntries(
    Object.entries(endpoints).map(([name, e]) => [
      name,
      {
        traffic: { ...e.traffic },
        tags: {},
        state: 'Succeeded',
        deployments: Object.fromEntries(
          Object.entries(e.deployments).map(([d, model]) => [
            d,
            { model, state: failed.includes(d) ? 'Failed' : 'Succeeded', tags: {} },
          ]),
        ),
      },
    ]),
  );
  return state;
}

/** The endpoints as tests write them, read back from Azure (tags and states left out). */
export function endpointsOf(state: FakeState, workspace = WORKSPACE): Endpoints {
  return Object.fromEntries(
    Object.entries(state.endpoints[workspace] ?? {}).map(([name, e]) => [
      name,
      {
        traffic: { ...e.traffic },
        deployments: Object.fromEntries(
          Object.entries(e.deployments).map(([d, x]) => [d, x.model]),
        ),
      },
    ]),
  );
}

export interface Step {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Job {
  validate: Step;
  deploy?: Step;
  restore?: Step;
  outputs: Record<string, string[]>;
  summary: string;
  /** argv of every az call of this job, in order. */
  calls: string[][];
  azure: FakeState;
  journal?: JournalFile;
}

export interface JobOptions extends FakeOptions {
  readonly env?: Record<string, string>;
  readonly target?: TargetFields;
  /** Files of the checkout (default REPOSITORY_FILES). */
  readonly files?: readonly string[];
  /** The job runs on this Azure (a re-run passes the state the first run left). */
  readonly azure?: FakeState;
  /** The restore step is killed too (the runner ends everything 4 min 45 s after a cancel). */
  readonly noRestore?: boolean;
  /** Runs only this phase (a step is safe on its own), with no other step before or after. */
  readonly only?: Phase;
  readonly faults?: readonly Fault[];
}

/** An in-memory journal file: JSON in and out, like the real one. */
function memoryJournal(): JournalStore & { file?: string } {
  const store: JournalStore & { file?: string } = {
    read: () => (store.file === undefined ? undefined : (JSON.parse(store.file) as JournalFile)),
    write: (journal) => {
      store.file = JSON.stringify(journal);
    },
  };
  return store;
}

/** Runs the deploy job's rollout steps as the workflow does. */
export async function job(options: JobOptions = {}): Promise<Job> {
  const state = options.azure ?? azure();
  const callsBefore = state.calls.length;
  const cancel = new AbortController();
  const fake = new FakeAzureMl(state, { ...options, onKill: () => cancel.abort() });
  const journal = memoryJournal();
  const out = { summary: '', outputs: {} as Record<string, string[]> };
  let inputs = readInputs({
    ...environment(options.env, options.target),
    AZURE_CREDENTIALS: JSON.stringify({ clientId: CLIENT, clientSecret: CLIENT_SECRET }),
  });
  const step = (phase: Phase, signal?: AbortSignal) =>
    phaseIn(fake, journal, out, inputs, phase, options, signal);
  const result: Job = {
    validate: { code: 0, stdout: '', stderr: '' },
    outputs: out.outputs,
    summary: '',
    calls: [],
    azure: state,
  };
  if (options.only === 'deploy') result.deploy = await step('deploy', cancel.signal);
  else if (options.only === 'restore') result.restore = await step('restore');
  else result.validate = await step('validate');
  if (options.only === undefined && out.outputs.proceed?.at(-1) === 'true') {
    const startedAt = out.outputs.started_at?.at(-1) ?? '';
    inputs = { ...inputs, startedAt };
    result.deploy = await step('deploy', cancel.signal);
    if (result.deploy.code !== 0 && !options.noRestore) result.restore = await step('restore');
  }
  result.summary = out.summary;
  result.calls = state.calls.slice(callsBefore);
  result.journal = journal.read();
  return result;
}

async function phaseIn(
  fake: FakeAzureMl,
  journal: JournalStore,
  out: { summary: string; outputs: Record<string, string[]> },
  inputs: Inputs,
  phase: Phase,
  options: JobOptions,
  signal?: AbortSignal,
): Promise<Step> {
  const files = new Set(options.files ?? REPOSITORY_FILES);
  const step: Step = { code: 0, stdout: '', stderr: '' };
  step.code = await runPhase(phase, inputs, {
    io: {
      out: (line) => (step.stdout += `${line}\n`),
      err: (text) => (step.stderr += text),
      appendSummary: (markdown) => (out.summary += markdown),
      setOutput: (name, value) => (out.outputs[name] ??= []).push(value),
      isFile: (path) => files.has(path),
    },
    az: fake,
    clock: fake.clock(),
    journal,
    idToken: () => Promise.resolve(ID_TOKEN),
    killGroup: () => undefined,
    signal,
  });
  return step;
}

// ---------------------------------------------------------------------------------------
// Reading a job's results
// ---------------------------------------------------------------------------------------

/** "ml online-endpoint update" for ["ml", "online-endpoint", "update", "--name", ...]. */
export function command(call: readonly string[]): string {
  const end = call.findIndex((arg) => arg.startsWith('-'));
  return call.slice(0, end === -1 ? undefined : end).join(' ');
}

export function option(call: readonly string[], name: string): string | undefined {
  const i = call.indexOf(name);
  return i === -1 ? undefined : call[i + 1];
}

export function callsOf(j: Job, cmd: string): string[][] {
  return j.calls.filter((call) => command(call) === cmd);
}

/** Calls that change Azure: creates, updates and deletes. */
export function changes(j: Job): string[] {
  return j.calls.map(command).filter((c) => /\b(create|update|delete)$/.test(c));
}

/** The --traffic of every endpoint update that set traffic. */
export function trafficUpdates(j: Job): string[] {
  return callsOf(j, 'ml online-endpoint update').flatMap((call) => option(call, '--traffic') ?? []);
}

export function deletedDeployments(j: Job): string[] {
  return callsOf(j, 'ml online-deployment delete').map((call) => option(call, '--name') ?? '');
}

export function createdDeployments(j: Job): string[] {
  return callsOf(j, 'ml online-deployment create').map((call) => option(call, '--name') ?? '');
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** A row of the job summary table, as the reader sees it ('' for "–"). */
export function summaryRow(j: { summary: string }, label: string): string {
  const row = new RegExp(`^\\| ${label} \\| (.*) \\|$`, 'm').exec(j.summary);
  if (!row) throw new Error(`no "${label}" row in the job summary:\n${j.summary}`);
  const value = row[1].replace(/^<code>(.*)<\/code>$/, '$1');
  return value === '–' ? '' : decodeEntities(value);
}

/** The text of the summary, entities decoded. */
export function summaryText(j: { summary: string }): string {
  return decodeEntities(j.summary);
}

/** Traffic on the endpoint, without the deployments at 0 %. */
export function servingOn(
  state: FakeState,
  endpoint = ENDPOINT,
  workspace = WORKSPACE,
): Record<string, number> {
  const traffic = state.endpoints[workspace]?.[endpoint]?.traffic ?? {};
  return Object.fromEntries(Object.entries(traffic).filter(([, s]) => s > 0));
}

/** Deployment names on the endpoint, sorted. */
export function deploymentsOn(
  state: FakeState,
  endpoint = ENDPOINT,
  workspace = WORKSPACE,
): string[] {
  return Object.keys(state.endpoints[workspace]?.[endpoint]?.deployments ?? {}).sort();
}

/** Lets Azure go on for `ms` (operations the job started finish). */
export function later(state: FakeState, ms = 600_000): FakeState {
  state.now += ms;
  new FakeAzureMl(state).settle();
  return state;
}
