/**
 * The rollout as the target repository runs it: the committed bundle workflows/rollout.js
 * (built from rollout/, see __tests__/rollout-bundle.test.ts), run by `node` against a fake
 * `az` first on PATH (__tests__/support/fake-az/az). The fake keeps endpoints, deployments
 * and traffic as files and records every call, so each test asserts on the resulting Azure
 * state AND on the calls. GITHUB_EVENT_NAME is repository_dispatch unless a scenario says
 * workflow_dispatch (a rollback by hand).
 *
 * `run()` runs the steps the way the workflow does: `validate`, then `deploy` if validate
 * wrote proceed=true. The rollout scenarios run the `deploy` step alone (`deployOnly`): it
 * checks the request again by itself. Each is one node process plus the fake's bash calls.
 *
 * Requests refused before any Azure call run in-process (`checkInProcess`): the same phases
 * (rollout/run.ts) with the same file-based Io (rollout/github-io.ts) that rollout/main.ts
 * wires up, and an `az` that records calls, so "no Azure call" is asserted without a process.
 * A few of them also go through the bundle, to show that the process does the same.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { PublishedTarget } from '../lib/deployment-target';
import { ML_EXTENSION_VERSION, type Az } from '../rollout/az';
import { gitHubIo } from '../rollout/github-io';
import { readInputs } from '../rollout/inputs';
import { runPhase, type Phase } from '../rollout/run';

const BUNDLE = path.resolve(__dirname, '../workflows/rollout.js');
const FAKE_AZ_BIN = path.resolve(__dirname, 'support/fake-az');

const RESOURCE_GROUP = 'rg-ml';
const WORKSPACE = 'mlw-demo';
const ENDPOINT = 'iris-ep';

/** What the fake `az` knows: registered models, endpoints with traffic and deployments. */
interface AzureState {
  models: Record<string, string[]>;
  endpoints: Record<
    string,
    { traffic: Record<string, number>; deployments: Record<string, /* model */ string> }
  >;
}

/** The environment variables the workflow sets on the rollout steps. */
interface Request {
  MODEL_NAME: string;
  MODEL_VERSION: string;
  DEPLOY_ENVIRONMENT: string;
  EVENT_ID: string;
  EVENT_TIME: string;
  EVENT_WORKSPACE: string;
  AZURE_AUTH_MODE: string;
  AML_RESOURCE_GROUP: string;
  AML_WORKSPACE: string;
  AML_DEPLOYMENT_TARGETS: string;
}

/** A target's fields; `undefined` leaves one out (as the stack does for smokeTestRequest). */
type TargetFields = { [K in keyof PublishedTarget]?: PublishedTarget[K] | unknown };

interface Scenario {
  request?: Partial<Request>;
  /** Overrides of the iris target (merged over the default). */
  target?: TargetFields;
  /** Models registered (default: iris 1-6) and endpoints (default: none). */
  state?: Partial<AzureState>;
  /** Deployments seeded in provisioning state Failed (default: all Succeeded). */
  failedDeployments?: string[];
  /** FAKE_AZ_FAIL: e.g. "ml online-endpoint update@2". */
  fail?: string;
  /**
   * FAKE_AZ_CANCEL, e.g. "ml online-deployment create@1": the run is cancelled (SIGTERM)
   * while that call is under way (see `node`).
   */
  cancelAt?: string;
  /** Run only this step instead of validate-then-deploy; `args` replaces the phase. */
  phase?: 'deploy' | 'not-started';
  args?: string[];
  /** GITHUB_EVENT_NAME (default: repository_dispatch, an event from the pipeline). */
  event?: 'repository_dispatch' | 'workflow_dispatch';
}

interface StepResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface Run {
  validate?: StepResult;
  deploy?: StepResult;
  notStarted?: StepResult;
  other?: StepResult;
  outputs: Record<string, string[]>;
  summary: string;
  /** argv of every az call, in order. */
  calls: string[][];
  state: AzureState;
}

/** A model reference the way Azure reports it back: an ARM-style id. */
function armModel(name: string, version: string): string {
  return (
    'azureml:/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/' +
    `${RESOURCE_GROUP}/providers/Microsoft.MachineLearningServices/workspaces/${WORKSPACE}` +
    `/models/${name}/versions/${version}`
  );
}

const DEFAULT_TARGET: PublishedTarget = {
  endpoint: ENDPOINT,
  endpointSpec: 'aml/endpoint.yml',
  deploymentSpec: 'aml/deployment.yml',
  smokeTestRequest: 'aml/sample-request.json',
  canaryPercent: 0,
  keepDeployments: 1,
};

function defaultRequest(target: TargetFields): Request {
  return {
    MODEL_NAME: 'iris',
    MODEL_VERSION: '2',
    DEPLOY_ENVIRONMENT: 'staging',
    EVENT_ID: '831e1650-001e-001b-66ab-eeb76e069631',
    EVENT_TIME: '2025-06-01T10:00:00.1234567Z',
    EVENT_WORKSPACE: WORKSPACE,
    AZURE_AUTH_MODE: 'oidc',
    AML_RESOURCE_GROUP: RESOURCE_GROUP,
    AML_WORKSPACE: WORKSPACE,
    // JSON.stringify leaves out fields set to undefined.
    AML_DEPLOYMENT_TARGETS: JSON.stringify({ iris: target }),
  };
}

/** iris version 1 serves all traffic from deployment model-v1. */
const V1_SERVING: AzureState['endpoints'] = {
  [ENDPOINT]: { traffic: { 'model-v1': 100 }, deployments: { 'model-v1': armModel('iris', '1') } },
};

function writeState(root: string, state: AzureState, failed: string[] = []): void {
  fs.mkdirSync(path.join(root, 'counters'), { recursive: true });
  for (const [model, versions] of Object.entries(state.models)) {
    fs.mkdirSync(path.join(root, 'models', model), { recursive: true });
    for (const v of versions) fs.writeFileSync(path.join(root, 'models', model, v), '');
  }
  for (const [name, endpoint] of Object.entries(state.endpoints)) {
    const dir = path.join(root, 'endpoints', name);
    fs.mkdirSync(path.join(dir, 'deployments'), { recursive: true });
    const lines = Object.entries(endpoint.traffic).map(([d, share]) => `${d}=${share}\n`);
    fs.writeFileSync(path.join(dir, 'traffic'), lines.join(''));
    for (const [deployment, model] of Object.entries(endpoint.deployments)) {
      const provisioning = failed.includes(deployment) ? 'Failed' : 'Succeeded';
      fs.writeFileSync(path.join(dir, 'deployments', deployment), `${model}\n${provisioning}\n`);
    }
  }
}

function readState(root: string, models: AzureState['models']): AzureState {
  const endpoints: AzureState['endpoints'] = {};
  const endpointsDir = path.join(root, 'endpoints');
  const names = fs.existsSync(endpointsDir) ? fs.readdirSync(endpointsDir).sort() : [];
  for (const name of names) {
    const dir = path.join(endpointsDir, name);
    const traffic: Record<string, number> = {};
    for (const line of fs.readFileSync(path.join(dir, 'traffic'), 'utf8').split('\n')) {
      const [deployment, share] = line.split('=');
      if (deployment) traffic[deployment] = Number(share);
    }
    const deployments: Record<string, string> = {};
    for (const d of fs.readdirSync(path.join(dir, 'deployments')).sort()) {
      deployments[d] = fs.readFileSync(path.join(dir, 'deployments', d), 'utf8').split('\n')[0];
    }
    endpoints[name] = { traffic, deployments };
  }
  return { models, endpoints };
}

/** What the fake az prints when it holds the call FAKE_AZ_CANCEL names. */
const FAKE_AZ_HOLDING = 'fake az: holding call ';
/** What the rollout prints once it has seen the signal (rollout/main.ts). */
const CANCEL_SEEN = 'The run was cancelled (SIGTERM)';

/**
 * Runs one step of the bundle. With `cancelIn` (the fake az's state folder), the run is
 * cancelled the way GitHub does it, in lock-step with the processes rather than a clock: the
 * fake az holds the call FAKE_AZ_CANCEL names and says so; then node gets SIGTERM; once node
 * says it saw it, the call is released and finishes.
 */
function node(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  cancelIn?: string,
): Promise<StepResult> {
  return new Promise((resolve) => {
    const release = (): void => {
      if (cancelIn !== undefined) fs.writeFileSync(path.join(cancelIn, 'release'), '');
    };
    const child = execFile(
      process.execPath,
      [BUNDLE, ...args],
      { cwd, env },
      (error, stdout, stderr) => {
        // A held call whose rollout ended without it does not wait on.
        release();
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (cancelIn === undefined) return;
    let seen = '';
    let stage: 'held' | 'signalled' | 'released' = 'held';
    child.stderr?.on('data', (chunk: string) => {
      seen += chunk;
      if (stage === 'held' && seen.includes(FAKE_AZ_HOLDING)) {
        stage = 'signalled';
        child.kill('SIGTERM');
      }
      if (stage === 'signalled' && seen.includes(CANCEL_SEEN)) {
        stage = 'released';
        release();
      }
    });
  });
}

/** A scenario's temp folder: the target repository's files, the fake's state, the env. */
interface Setup {
  dir: string;
  repo: string;
  azDir: string;
  models: AzureState['models'];
  env: Record<string, string>;
  outputFile: string;
  summaryFile: string;
}

function setUp(scenario: Scenario): Setup {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollout-test-'));
  const repo = path.join(dir, 'repo');
  const azDir = path.join(dir, 'az');
  // The target repository's files that AML_DEPLOYMENT_TARGETS points at.
  fs.mkdirSync(path.join(repo, 'aml'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'aml/endpoint.yml'), 'name: iris-ep\nauth_mode: key\n');
  fs.writeFileSync(path.join(repo, 'aml/deployment.yml'), 'instance_type: Standard_DS3_v2\n');
  fs.writeFileSync(path.join(repo, 'aml/sample-request.json'), '{"data": [[1, 2, 3, 4]]}\n');

  const models = scenario.state?.models ?? { iris: ['1', '2', '3', '4', '5', '6'] };
  writeState(
    azDir,
    { models, endpoints: scenario.state?.endpoints ?? {} },
    scenario.failedDeployments,
  );

  const target = { ...DEFAULT_TARGET, ...scenario.target };
  const request = { ...defaultRequest(target), ...scenario.request };
  const outputFile = path.join(dir, 'github-output');
  const summaryFile = path.join(dir, 'step-summary');
  const env = {
    // The fake az first; then only system folders (bash for the fake): node is started by
    // its path, and a long PATH makes every lookup slower.
    PATH: [FAKE_AZ_BIN, '/usr/local/bin', '/usr/bin', '/bin'].join(path.delimiter),
    HOME: dir,
    TMPDIR: dir,
    // As on a runner (which empties it after each job).
    RUNNER_TEMP: dir,
    FAKE_AZ_DIR: azDir,
    FAKE_AZ_FAIL: scenario.fail ?? '',
    FAKE_AZ_CANCEL: scenario.cancelAt ?? '',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_NAME: scenario.event ?? 'repository_dispatch',
    ...request,
  };
  return { dir, repo, azDir, models, env, outputFile, summaryFile };
}

/** Reads what a scenario left behind, and removes its folder. */
function finish(setup: Setup, steps: Partial<Run>, calls?: string[][]): Run {
  const callsFile = path.join(setup.azDir, 'calls.jsonl');
  const recorded = fs.existsSync(callsFile)
    ? fs
        .readFileSync(callsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as string[])
    : [];
  const finished: Run = {
    ...steps,
    outputs: parseOutputs(setup.outputFile),
    summary: fs.existsSync(setup.summaryFile) ? fs.readFileSync(setup.summaryFile, 'utf8') : '',
    calls: calls ?? recorded,
    state: readState(setup.azDir, setup.models),
  };
  fs.rmSync(setup.dir, { recursive: true, force: true });
  return finished;
}

/** Runs the workflow's steps for one scenario through the bundle, in a fresh temp folder. */
async function run(scenario: Scenario = {}): Promise<Run> {
  const setup = setUp(scenario);
  const { repo, env } = setup;
  const result: Partial<Run> = {};
  // Only the deploy step calls az, so only it can be cancelled in a call.
  const cancelIn = scenario.cancelAt ? setup.azDir : undefined;
  if (scenario.args) {
    result.other = await node(scenario.args, repo, env);
  } else if (scenario.phase === 'deploy') {
    result.deploy = await node(['deploy'], repo, env, cancelIn);
  } else if (scenario.phase === 'not-started') {
    result.notStarted = await node(['not-started'], repo, env);
  } else {
    result.validate = await node(['validate'], repo, env);
    const outputs = parseOutputs(setup.outputFile);
    if (outputs.proceed?.at(-1) === 'true') {
      // The sign-in steps run here in the workflow.
      const startedAt = outputs.started_at?.at(-1) ?? '';
      const deployEnv = { ...env, ROLLOUT_STARTED_AT: startedAt };
      result.deploy = await node(['deploy'], repo, deployEnv, cancelIn);
    }
  }
  return finish(setup, result);
}

/** Runs only the workflow's `deploy` step (which validates the request again by itself). */
function deployOnly(scenario: Scenario = {}): Promise<Run> {
  return run({ ...scenario, phase: 'deploy' });
}

/**
 * Runs one phase in this process: rollout/run.ts with the Io rollout/main.ts uses, in the
 * scenario's folder. `az` only records: these scenarios must not reach Azure.
 */
async function inProcess(scenario: Scenario, phase: Phase): Promise<Run> {
  const setup = setUp(scenario);
  const calls: string[][] = [];
  const az: Az = {
    run: (args) => {
      calls.push([...args]);
      return Promise.resolve({ ok: false, reason: 'no az in this test' });
    },
  };
  let stdout = '';
  let stderr = '';
  const io = gitHubIo({
    summaryFile: setup.summaryFile,
    outputFile: setup.outputFile,
    root: setup.repo,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  const code = await runPhase(phase, readInputs(setup.env), { io, az });
  const step = { code, stdout, stderr };
  return finish(setup, phase === 'validate' ? { validate: step } : { deploy: step }, calls);
}

function parseOutputs(file: string): Record<string, string[]> {
  const outputs: Record<string, string[]> = {};
  if (!fs.existsSync(file)) return outputs;
  for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const [key, ...value] = line.split('=');
    (outputs[key] ??= []).push(value.join('='));
  }
  return outputs;
}

/** "ml online-endpoint update" for ["ml", "online-endpoint", "update", "--name", ...]. */
function command(call: string[]): string {
  const end = call.findIndex((arg) => arg.startsWith('-'));
  return call.slice(0, end === -1 ? undefined : end).join(' ');
}

function option(call: string[], name: string): string | undefined {
  const i = call.indexOf(name);
  return i === -1 ? undefined : call[i + 1];
}

function callsOf(r: Run, cmd: string): string[][] {
  return r.calls.filter((call) => command(call) === cmd);
}

/** Calls that change Azure: creates, updates and deletes. */
function changes(r: Run): string[] {
  return r.calls.map(command).filter((c) => /\b(create|update|delete)$/.test(c));
}

function trafficUpdates(r: Run): string[] {
  return callsOf(r, 'ml online-endpoint update').map((call) => option(call, '--traffic') ?? '');
}

function deletedDeployments(r: Run): string[] {
  return callsOf(r, 'ml online-deployment delete').map((call) => option(call, '--name') ?? '');
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** A row of the job summary table, as the reader sees it ('' for "–"). */
function summaryRow(r: Run, label: string): string {
  const row = new RegExp(`^\\| ${label} \\| (.*) \\|$`, 'm').exec(r.summary);
  if (!row) throw new Error(`no "${label}" row in the job summary:\n${r.summary}`);
  const value = row[1].replace(/^<code>(.*)<\/code>$/, '$1');
  return value === '–' ? '' : decodeEntities(value);
}

/** The text of the summary, entities decoded. */
function summaryText(r: Run): string {
  return decodeEntities(r.summary);
}

describe('first rollout of a model', () => {
  test.concurrent(
    'creates the endpoint, then a deployment named after the version with 100 %',
    async () => {
      // canaryPercent is set, but with nothing else serving there is nothing to compare with.
      const r = await run({ request: { MODEL_VERSION: '1' }, target: { canaryPercent: 10 } });

      expect(r.validate?.code).toBe(0);
      expect(r.outputs.proceed).toEqual(['true']);
      expect(r.outputs.started_at?.[0]).toMatch(/^\d+$/);
      expect(r.deploy?.code).toBe(0);
      expect(r.state.endpoints).toEqual({
        [ENDPOINT]: {
          traffic: { 'model-v1': 100 },
          deployments: { 'model-v1': armModel('iris', '1') },
        },
      });
      expect(r.calls.map(command)).toEqual([
        'extension add',
        'ml model show',
        'ml online-endpoint show',
        'ml online-endpoint create',
        'ml online-deployment list',
        'ml online-deployment create',
        'ml online-endpoint invoke',
        'ml online-endpoint update',
      ]);
      expect(r.calls[0]).toEqual([
        'extension',
        'add',
        '--name',
        'ml',
        '--version',
        ML_EXTENSION_VERSION,
        '--upgrade',
        '--yes',
        '--only-show-errors',
      ]);
      const [create] = callsOf(r, 'ml online-deployment create');
      expect(option(create, '--name')).toBe('model-v1');
      expect(option(create, '--file')).toBe('aml/deployment.yml');
      expect(option(create, '--set')).toBe('model=azureml:iris:1');
      expect(option(callsOf(r, 'ml online-endpoint create')[0], '--file')).toBe('aml/endpoint.yml');
      expect(option(callsOf(r, 'ml online-endpoint invoke')[0], '--request-file')).toBe(
        'aml/sample-request.json',
      );
      expect(trafficUpdates(r)).toEqual(['model-v1=100']);
      // Every `az ml` call names the environment's workspace, and asks for errors only.
      for (const call of r.calls.filter((c) => c[0] === 'ml')) {
        expect(option(call, '--resource-group')).toBe(RESOURCE_GROUP);
        expect(option(call, '--workspace-name')).toBe(WORKSPACE);
        expect(call).toContain('--only-show-errors');
      }
      // Each command is shown on stderr before it runs.
      expect(r.deploy?.stderr).toContain(
        `+ az ml online-deployment create --name model-v1 --endpoint-name iris-ep --file aml/deployment.yml --set model=azureml:iris:1 --output none --resource-group ${RESOURCE_GROUP} --workspace-name ${WORKSPACE} --only-show-errors`,
      );
      expect(r.deploy?.stdout).toContain('Smoke test passed. Response: "\\"[0.5, 0.25]\\""');

      expect(summaryRow(r, 'Outcome')).toBe('succeeded');
      expect(summaryRow(r, 'Model')).toBe('iris');
      expect(summaryRow(r, 'Version')).toBe('1');
      expect(summaryRow(r, 'Endpoint')).toBe(ENDPOINT);
      expect(summaryRow(r, 'Deployment')).toBe('model-v1');
      expect(summaryRow(r, 'Traffic before')).toBe('');
      expect(summaryRow(r, 'Traffic after')).toBe('model-v1=100');
      expect(summaryRow(r, 'Deployments after')).toBe('model-v1 (iris:1)');
      expect(summaryRow(r, 'Duration')).toMatch(/^\d+ s$/);
      expect(summaryRow(r, 'Event')).toBe(
        '831e1650-001e-001b-66ab-eeb76e069631 at 2025-06-01T10:00:00.1234567Z',
      );
      expect(summaryText(r)).toContain('Endpoint iris-ep was created from aml/endpoint.yml.');
    },
  );

  test.concurrent('skips the smoke test when the target has no sample request', async () => {
    const r = await deployOnly({
      request: { MODEL_VERSION: '1' },
      // The stack leaves the field out when there is no smoke test.
      target: { smokeTestRequest: undefined },
    });

    expect(r.deploy?.code).toBe(0);
    expect(callsOf(r, 'ml online-endpoint invoke')).toEqual([]);
    expect(r.state.endpoints[ENDPOINT].traffic).toEqual({ 'model-v1': 100 });
    expect(r.deploy?.stdout).toContain('skipping the smoke test');
  });
});

describe('a repeated event (Event Grid delivers at least once)', () => {
  test.concurrent.each([
    ['an ARM-style id', armModel('iris', '1')],
    ['azureml:NAME:VERSION', 'azureml:iris:1'],
  ])(
    'changes nothing when the version already serves 100 %% (model read back as %s)',
    async (_form, model) => {
      const endpoints = {
        [ENDPOINT]: { traffic: { 'model-v1': 100 }, deployments: { 'model-v1': model } },
      };
      const r = await deployOnly({ request: { MODEL_VERSION: '1' }, state: { endpoints } });

      expect(r.deploy?.code).toBe(0);
      expect(changes(r)).toEqual([]);
      expect(r.calls.map(command)).toEqual([
        'extension add',
        'ml model show',
        'ml online-endpoint show',
        'ml online-deployment list',
      ]);
      expect(r.state.endpoints).toEqual(endpoints);
      expect(summaryRow(r, 'Outcome')).toBe('unchanged');
      expect(summaryRow(r, 'Traffic after')).toBe('model-v1=100');
      expect(summaryText(r)).toContain('already serves iris version 1 with 100 % of traffic');
    },
  );
});

describe('an event older than the version that serves (late redelivery)', () => {
  // Event Grid redelivers for up to 24 h: the event of version 3 may arrive after version 5
  // was deployed. model-v3 and model-v4 are kept from earlier rollouts; model-v5 serves.
  const endpoints: AzureState['endpoints'] = {
    [ENDPOINT]: {
      traffic: { 'model-v3': 0, 'model-v4': 0, 'model-v5': 100 },
      deployments: {
        'model-v3': armModel('iris', '3'),
        'model-v4': armModel('iris', '4'),
        'model-v5': armModel('iris', '5'),
      },
    },
  };
  const NEVER_DOWNGRADES =
    'version 3 is older than the serving version 5; a repository_dispatch never downgrades — use workflow_dispatch to roll back';

  test.concurrent(
    'repository_dispatch of an older version is skipped: success, no change, a summary line',
    async () => {
      const r = await deployOnly({
        event: 'repository_dispatch',
        request: { MODEL_VERSION: '3' },
        state: { endpoints },
      });

      expect(r.deploy?.code).toBe(0);
      expect(changes(r)).toEqual([]);
      expect(r.calls.map(command)).toEqual([
        'extension add',
        'ml model show',
        'ml online-endpoint show',
        'ml online-deployment list',
      ]);
      expect(r.state.endpoints).toEqual(endpoints);
      expect(summaryRow(r, 'Outcome')).toBe('skipped');
      expect(summaryRow(r, 'Traffic after')).toBe('model-v3=0 model-v4=0 model-v5=100');
      expect(summaryText(r)).toContain(`Model iris ${NEVER_DOWNGRADES}.`);
      expect(r.deploy?.stdout).toContain(
        `::notice title=AML rollout::Model iris ${NEVER_DOWNGRADES}`,
      );
    },
  );

  test.concurrent(
    'repository_dispatch is skipped when a higher version has any share, not only 100 %',
    async () => {
      // A split left behind (a canary whose rollback could not restore traffic, or a change
      // by hand): version 5 gets 10 %. A stale event must not take it away.
      const split = {
        [ENDPOINT]: {
          traffic: { 'model-v4': 90, 'model-v5': 10 },
          deployments: { 'model-v4': armModel('iris', '4'), 'model-v5': 'azureml:iris:5' },
        },
      };
      const r = await deployOnly({ request: { MODEL_VERSION: '4' }, state: { endpoints: split } });

      expect(r.deploy?.code).toBe(0);
      expect(changes(r)).toEqual([]);
      expect(r.state.endpoints).toEqual(split);
      expect(summaryRow(r, 'Outcome')).toBe('skipped');
      expect(summaryText(r)).toContain(
        'Model iris version 4 is older than the serving version 5; a repository_dispatch never downgrades',
      );
    },
  );

  test.concurrent('the same request by workflow_dispatch rolls back as before', async () => {
    const r = await deployOnly({
      event: 'workflow_dispatch',
      request: { MODEL_VERSION: '3' },
      state: { endpoints },
    });

    expect(r.deploy?.code).toBe(0);
    expect(callsOf(r, 'ml online-deployment create')).toEqual([]);
    expect(trafficUpdates(r)).toEqual(['model-v3=100 model-v4=0 model-v5=0']);
    // model-v5 served before, so it is kept; model-v4 is beyond keepDeployments=1.
    expect(deletedDeployments(r)).toEqual(['model-v4']);
    expect(r.state.endpoints[ENDPOINT].traffic).toEqual({ 'model-v3': 100, 'model-v5': 0 });
    expect(summaryRow(r, 'Outcome')).toBe('succeeded');
    expect(summaryText(r)).not.toContain('never downgrades');
  });

  test.concurrent.each([
    { version: '5', outcome: 'unchanged', traffic: [] },
    {
      version: '6',
      outcome: 'succeeded',
      traffic: ['model-v3=0 model-v4=0 model-v5=0 model-v6=100'],
    },
  ])(
    'repository_dispatch of version $version (not older): outcome $outcome, as before',
    async (c) => {
      const r = await deployOnly({
        event: 'repository_dispatch',
        request: { MODEL_VERSION: c.version },
        state: { endpoints },
      });

      expect(r.deploy?.code).toBe(0);
      expect(summaryRow(r, 'Outcome')).toBe(c.outcome);
      expect(trafficUpdates(r)).toEqual(c.traffic);
      expect(summaryText(r)).not.toContain('never downgrades');
    },
  );
});

describe('a new version (blue/green)', () => {
  test.concurrent('keeps the old deployment and gives the new one 100 %', async () => {
    const r = await run({ state: { endpoints: V1_SERVING } });

    expect(r.validate?.code).toBe(0);
    expect(r.deploy?.code).toBe(0);
    expect(r.state.endpoints[ENDPOINT]).toEqual({
      traffic: { 'model-v1': 0, 'model-v2': 100 },
      deployments: { 'model-v1': armModel('iris', '1'), 'model-v2': armModel('iris', '2') },
    });
    expect(r.calls.map(command).slice(-3)).toEqual([
      'ml online-deployment create',
      'ml online-endpoint invoke',
      'ml online-endpoint update',
    ]);
    expect(trafficUpdates(r)).toEqual(['model-v1=0 model-v2=100']);
    expect(deletedDeployments(r)).toEqual([]);
    expect(option(callsOf(r, 'ml online-endpoint invoke')[0], '--deployment-name')).toBe(
      'model-v2',
    );
    expect(summaryRow(r, 'Traffic before')).toBe('model-v1=100');
    expect(summaryRow(r, 'Traffic after')).toBe('model-v1=0 model-v2=100');
    expect(summaryRow(r, 'Deployments before')).toBe('model-v1 (iris:1)');
    expect(summaryRow(r, 'Deployments after')).toBe('model-v1 (iris:1), model-v2 (iris:2)');
  });

  test.concurrent('shifts the canary share first, then 100 %', async () => {
    const r = await deployOnly({ state: { endpoints: V1_SERVING }, target: { canaryPercent: 20 } });

    expect(r.deploy?.code).toBe(0);
    expect(trafficUpdates(r)).toEqual(['model-v1=80 model-v2=20', 'model-v1=0 model-v2=100']);
    expect(r.state.endpoints[ENDPOINT].traffic).toEqual({ 'model-v1': 0, 'model-v2': 100 });
    expect(summaryRow(r, 'Outcome')).toBe('succeeded');
  });
});

describe('a failed rollout is rolled back', () => {
  test.concurrent.each([
    {
      step: 'deployment create',
      fail: 'ml online-deployment create',
      canaryPercent: 0,
      updates: [],
    },
    { step: 'smoke test', fail: 'ml online-endpoint invoke', canaryPercent: 0, updates: [] },
    {
      step: 'traffic shift',
      fail: 'ml online-endpoint update@1',
      canaryPercent: 0,
      updates: ['model-v1=0 model-v2=100', 'model-v1=100 model-v2=0'],
    },
    {
      step: 'canary traffic shift',
      fail: 'ml online-endpoint update@1',
      canaryPercent: 20,
      updates: ['model-v1=80 model-v2=20', 'model-v1=100 model-v2=0'],
    },
    {
      step: 'traffic shift after the canary',
      fail: 'ml online-endpoint update@2',
      canaryPercent: 20,
      updates: ['model-v1=80 model-v2=20', 'model-v1=0 model-v2=100', 'model-v1=100 model-v2=0'],
    },
  ])('failure at $step: traffic as before, new deployment deleted, job fails', async (c) => {
    const r = await deployOnly({
      state: { endpoints: V1_SERVING },
      target: { canaryPercent: c.canaryPercent },
      fail: c.fail,
    });

    expect(r.deploy?.code).toBe(1);
    // Exactly the state before the run: the new deployment is gone, traffic is as it was.
    expect(r.state.endpoints).toEqual(V1_SERVING);
    expect(trafficUpdates(r)).toEqual(c.updates);
    // The deployment that served was never deleted; the failed one was.
    expect(deletedDeployments(r)).toEqual(['model-v2']);
    expect(summaryRow(r, 'Outcome')).toBe('failed');
    expect(summaryRow(r, 'Traffic before')).toBe('model-v1=100');
    expect(summaryRow(r, 'Traffic after')).toBe('model-v1=100');
    expect(summaryRow(r, 'Deployments after')).toBe('model-v1 (iris:1)');
    expect(summaryText(r)).toContain('Rolled back: the failed deployment model-v2 was deleted.');
    expect(r.deploy?.stdout).toContain('::error title=AML rollout::');
  });

  test.concurrent('a deployment whose create fails on a new endpoint is deleted too', async () => {
    const r = await deployOnly({
      request: { MODEL_VERSION: '1' },
      fail: 'ml online-deployment create',
    });

    expect(r.deploy?.code).toBe(1);
    expect(r.state.endpoints).toEqual({ [ENDPOINT]: { traffic: {}, deployments: {} } });
    expect(trafficUpdates(r)).toEqual([]);
    expect(deletedDeployments(r)).toEqual(['model-v1']);
    expect(summaryText(r)).toContain(
      'Creating deployment model-v1 on endpoint iris-ep from aml/deployment.yml failed.',
    );
  });

  test.concurrent(
    'if restoring traffic fails too, the new deployment is kept and the summary says how to fix it',
    async () => {
      const r = await deployOnly({
        state: { endpoints: V1_SERVING },
        fail: 'ml online-endpoint update@1,ml online-endpoint update@2',
      });

      expect(r.deploy?.code).toBe(1);
      expect(trafficUpdates(r)).toEqual(['model-v1=0 model-v2=100', 'model-v1=100 model-v2=0']);
      // It might still receive traffic, so it is not deleted; nothing else is either.
      expect(deletedDeployments(r)).toEqual([]);
      expect(Object.keys(r.state.endpoints[ENDPOINT].deployments)).toEqual([
        'model-v1',
        'model-v2',
      ]);
      expect(summaryRow(r, 'Outcome')).toBe('failed');
      expect(summaryRow(r, 'Traffic after')).toBe('unknown: restoring it failed');
      expect(summaryRow(r, 'Deployments after')).toBe('model-v1 (iris:1), model-v2');
      expect(summaryText(r)).toContain(
        `ROLLBACK INCOMPLETE: restoring traffic failed. Restore it by hand: az ml online-endpoint update --name iris-ep --traffic "model-v1=100 model-v2=0" --resource-group ${RESOURCE_GROUP} --workspace-name ${WORKSPACE}`,
      );
      expect(r.deploy?.stdout).toContain('::error title=AML rollout::Rollback incomplete');
    },
  );

  test.concurrent(
    'a cancelled run (SIGTERM during the create) rolls back and exits 130',
    async () => {
      const r = await deployOnly({
        state: { endpoints: V1_SERVING },
        cancelAt: 'ml online-deployment create@1',
      });

      expect(r.deploy?.code).toBe(130);
      expect(r.deploy?.stderr).toContain(
        'fake az: holding call ml online-deployment create@1\n' +
          'The run was cancelled (SIGTERM): the az command under way finishes, then the rollout stops and undoes its changes, if any.\n',
      );
      // The call under way finished (the deployment exists, so the rollback deletes it);
      // nothing after it ran but the rollback.
      expect(callsOf(r, 'ml online-deployment create')).toHaveLength(1);
      expect(callsOf(r, 'ml online-endpoint invoke')).toEqual([]);
      expect(trafficUpdates(r)).toEqual([]);
      expect(deletedDeployments(r)).toEqual(['model-v2']);
      expect(r.state.endpoints).toEqual(V1_SERVING);
      expect(summaryRow(r, 'Outcome')).toBe('failed');
      expect(summaryText(r)).toContain('The run was cancelled.');
    },
  );

  test.concurrent(
    'a model version that is not registered fails before anything changes',
    async () => {
      const r = await deployOnly({ state: { models: { iris: ['1'] }, endpoints: V1_SERVING } });

      expect(r.deploy?.code).toBe(1);
      expect(changes(r)).toEqual([]);
      expect(r.state.endpoints).toEqual(V1_SERVING);
      expect(summaryText(r)).toContain(
        'Model iris version 2 could not be read from workspace mlw-demo',
      );
    },
  );
});

describe('az answers the rollout cannot use (in-process, a scripted az)', () => {
  const ENDPOINT_JSON = JSON.stringify({
    name: ENDPOINT,
    traffic: { 'model-v1': 0, 'model-v2': 100 },
  });
  const DEPLOYMENTS_JSON = JSON.stringify([
    { name: 'model-v1', model: 'azureml:iris:1', provisioning_state: 'Succeeded' },
    { name: 'model-v2', model: 'azureml:iris:2', provisioning_state: 'Succeeded' },
  ]);

  /** An az that answers by command ("ml online-endpoint show"): its stdout, or a failure. */
  function scripted(answers: Record<string, string | false>): { az: Az; calls: string[][] } {
    const calls: string[][] = [];
    return {
      calls,
      az: {
        run: (args) => {
          calls.push([...args]);
          const answer = answers[command([...args])] ?? '';
          return Promise.resolve(
            answer === false
              ? { ok: false, reason: 'exit status 1' }
              : { ok: true, stdout: answer },
          );
        },
      },
    };
  }

  async function deployWith(answers: Record<string, string | false>, request: Partial<Request>) {
    const setup = setUp({ request, event: 'workflow_dispatch' });
    const { az, calls } = scripted(answers);
    let stdout = '';
    const io = gitHubIo({
      summaryFile: setup.summaryFile,
      outputFile: setup.outputFile,
      root: setup.repo,
      stdout: (text) => (stdout += text),
      stderr: () => undefined,
    });
    const code = await runPhase('deploy', readInputs(setup.env), { io, az });
    return { ...finish(setup, { deploy: { code, stdout, stderr: '' } }, calls), code };
  }

  test('a deployment list that is not JSON fails the run before any change', async () => {
    const r = await deployWith(
      { 'ml online-endpoint show': ENDPOINT_JSON, 'ml online-deployment list': 'Deprecated!' },
      {},
    );
    expect(r.code).toBe(1);
    expect(changes(r)).toEqual([]);
    expect(summaryText(r)).toContain(
      'The state of endpoint iris-ep could not be read: az printed no valid JSON',
    );
  });

  test('a reused deployment failing its smoke test: nothing was changed, nothing to undo', async () => {
    const r = await deployWith(
      {
        'ml online-endpoint show': ENDPOINT_JSON,
        'ml online-deployment list': DEPLOYMENTS_JSON,
        'ml online-endpoint invoke': false,
      },
      { MODEL_VERSION: '1' },
    );
    expect(r.code).toBe(1);
    expect(changes(r)).toEqual([]);
    expect(summaryText(r)).toContain('Smoke test failed: deployment model-v1 did not answer');
    expect(summaryText(r)).toContain('Nothing had been changed yet: no rollback needed.');
    expect(summaryRow(r, 'Traffic after')).toBe('model-v1=0 model-v2=100');
  });
});

describe('cleanup of earlier deployments', () => {
  // model-v3 serves; model-v1 and model-v2 are kept from earlier rollouts; "blue" runs
  // another model and is not this workflow's to delete.
  const endpoints: AzureState['endpoints'] = {
    [ENDPOINT]: {
      traffic: { 'model-v3': 100, 'model-v2': 0, blue: 0 },
      deployments: {
        blue: 'azureml:legacy-model:7',
        'model-v1': 'azureml:iris:1',
        'model-v2': armModel('iris', '2'),
        'model-v3': armModel('iris', '3'),
      },
    },
  };

  test.concurrent.each([
    { keep: 1, deleted: ['model-v2', 'model-v1'], left: ['blue', 'model-v3', 'model-v4'] },
    { keep: 2, deleted: ['model-v1'], left: ['blue', 'model-v2', 'model-v3', 'model-v4'] },
    { keep: 5, deleted: [], left: ['blue', 'model-v1', 'model-v2', 'model-v3', 'model-v4'] },
  ])('keepDeployments=$keep keeps the previous one and deletes $deleted', async (c) => {
    const r = await deployOnly({
      request: { MODEL_VERSION: '4' },
      target: { keepDeployments: c.keep },
      state: { endpoints },
    });

    expect(r.deploy?.code).toBe(0);
    expect(deletedDeployments(r)).toEqual(c.deleted);
    expect(Object.keys(r.state.endpoints[ENDPOINT].deployments)).toEqual(c.left);
    expect(r.state.endpoints[ENDPOINT].traffic['model-v4']).toBe(100);
    // Deletion comes only after the new deployment serves everything.
    const order = r.calls.map(command);
    if (c.deleted.length > 0) {
      expect(order.indexOf('ml online-deployment delete')).toBeGreaterThan(
        order.lastIndexOf('ml online-endpoint update'),
      );
    }
    expect(summaryRow(r, 'Deployments after')).toBe(
      c.left
        .map((d) => (d === 'blue' ? 'blue (legacy-model:7)' : `${d} (iris:${d.slice(-1)})`))
        .join(', '),
    );
  });

  test.concurrent(
    'the deployment that served before is kept even when a newer one exists',
    async () => {
      // After a rollback, model-v3 serves and model-v5 is kept; now version 6 arrives.
      const state = {
        endpoints: {
          [ENDPOINT]: {
            traffic: { 'model-v3': 100, 'model-v5': 0 },
            deployments: { 'model-v3': armModel('iris', '3'), 'model-v5': armModel('iris', '5') },
          },
        },
      };
      const r = await deployOnly({ request: { MODEL_VERSION: '6' }, state });

      expect(r.deploy?.code).toBe(0);
      expect(deletedDeployments(r)).toEqual(['model-v5']);
      expect(r.state.endpoints[ENDPOINT].traffic).toEqual({ 'model-v3': 0, 'model-v6': 100 });
      expect(summaryRow(r, 'Traffic after')).toBe('model-v3=0 model-v6=100');
    },
  );

  test.concurrent('a failed delete leaves the rollout successful, with a warning', async () => {
    const state = {
      endpoints: {
        [ENDPOINT]: {
          traffic: { 'model-v2': 100, 'model-v1': 0 },
          deployments: { 'model-v1': armModel('iris', '1'), 'model-v2': armModel('iris', '2') },
        },
      },
    };
    const r = await deployOnly({
      request: { MODEL_VERSION: '3' },
      state,
      fail: 'ml online-deployment delete',
    });

    expect(r.deploy?.code).toBe(0);
    expect(r.state.endpoints[ENDPOINT].traffic).toEqual({
      'model-v1': 0,
      'model-v2': 0,
      'model-v3': 100,
    });
    expect(Object.keys(r.state.endpoints[ENDPOINT].deployments)).toEqual([
      'model-v1',
      'model-v2',
      'model-v3',
    ]);
    expect(summaryRow(r, 'Outcome')).toBe('succeeded');
    // What is really there: the deployment that could not be deleted, at 0 %.
    expect(summaryRow(r, 'Traffic after')).toBe('model-v1=0 model-v2=0 model-v3=100');
    expect(summaryRow(r, 'Deployments after')).toBe(
      'model-v2 (iris:2), model-v3 (iris:3), model-v1 (delete failed)',
    );
    expect(summaryText(r)).toContain('Cleanup incomplete: deleting model-v1 failed');
    expect(summaryText(r)).not.toContain('Deleted earlier deployments');
    expect(r.deploy?.stdout).toContain('::warning title=AML rollout::Cleanup incomplete');
  });
});

describe('a redeploy by hand of a version that still has a deployment (rollback to a kept one)', () => {
  // Rolling back is for people: workflow_dispatch. (An event never downgrades: see above.)
  const event = 'workflow_dispatch';
  const endpoints: AzureState['endpoints'] = {
    [ENDPOINT]: {
      traffic: { 'model-v1': 0, 'model-v2': 100 },
      deployments: { 'model-v1': armModel('iris', '1'), 'model-v2': armModel('iris', '2') },
    },
  };

  test.concurrent('reuses the kept deployment: smoke test, then traffic back to it', async () => {
    const r = await deployOnly({ event, request: { MODEL_VERSION: '1' }, state: { endpoints } });

    expect(r.deploy?.code).toBe(0);
    expect(callsOf(r, 'ml online-deployment create')).toEqual([]);
    expect(option(callsOf(r, 'ml online-endpoint invoke')[0], '--deployment-name')).toBe(
      'model-v1',
    );
    expect(trafficUpdates(r)).toEqual(['model-v1=100 model-v2=0']);
    // model-v2 served before, so it is the one kept for rolling forward again.
    expect(deletedDeployments(r)).toEqual([]);
    expect(r.state.endpoints[ENDPOINT]).toEqual({
      traffic: { 'model-v1': 100, 'model-v2': 0 },
      deployments: endpoints[ENDPOINT].deployments,
    });
    expect(summaryRow(r, 'Deployment')).toBe('model-v1');
    expect(summaryText(r)).toContain('Deployment model-v1 already runs iris version 1: reused');
  });

  test.concurrent(
    'a failed rollback restores traffic and deletes nothing (the deployment existed before)',
    async () => {
      const r = await deployOnly({
        event,
        request: { MODEL_VERSION: '1' },
        state: { endpoints },
        fail: 'ml online-endpoint update@1',
      });

      expect(r.deploy?.code).toBe(1);
      expect(trafficUpdates(r)).toEqual(['model-v1=100 model-v2=0', 'model-v1=0 model-v2=100']);
      expect(deletedDeployments(r)).toEqual([]);
      expect(r.state.endpoints).toEqual(endpoints);
      expect(summaryText(r)).toContain(
        'Rolled back: traffic restored to "model-v1=0 model-v2=100".',
      );
    },
  );

  test.concurrent(
    'a kept deployment that never provisioned is not reused: the run fails, naming it',
    async () => {
      const broken = {
        [ENDPOINT]: {
          traffic: { 'model-v2': 100 },
          deployments: { 'model-v1': armModel('iris', '1'), 'model-v2': armModel('iris', '2') },
        },
      };
      const r = await deployOnly({
        event,
        request: { MODEL_VERSION: '1' },
        state: { endpoints: broken },
        failedDeployments: ['model-v1'],
      });

      expect(r.deploy?.code).toBe(1);
      expect(changes(r)).toEqual([]);
      expect(r.state.endpoints).toEqual(broken);
      expect(summaryText(r)).toContain(
        'has a deployment of iris version 1 that did not provision: model-v1 (Failed). Delete it (az ml online-deployment delete --name model-v1 --endpoint-name iris-ep --yes)',
      );
    },
  );

  test.concurrent(
    'a deployment with our name that runs another model fails without changes',
    async () => {
      const taken = {
        [ENDPOINT]: {
          traffic: { 'model-v2': 100 },
          deployments: { 'model-v2': 'azureml:iris-experimental:9' },
        },
      };
      const r = await deployOnly({ state: { endpoints: taken } });

      expect(r.deploy?.code).toBe(1);
      expect(changes(r)).toEqual([]);
      expect(r.state.endpoints).toEqual(taken);
      expect(summaryText(r)).toContain(
        'already has a deployment named model-v2 that runs another model: model-v2 (iris-experimental:9)',
      );
    },
  );
});

describe('a model without a deployment target', () => {
  test.concurrent('is skipped: successful job, a summary line, no Azure call', async () => {
    const r = await inProcess({ request: { MODEL_NAME: 'churn-model' } }, 'validate');

    expect(r.validate?.code).toBe(0);
    expect(r.outputs.proceed).toEqual(['false']);
    expect(r.calls).toEqual([]);
    expect(r.validate?.stdout).toMatch(/^::notice title=AML rollout::No deployment target/m);
    expect(summaryRow(r, 'Outcome')).toBe('skipped');
    expect(summaryRow(r, 'Model')).toBe('churn-model');
    expect(summaryText(r)).toContain(
      'No deployment target for model churn-model in environment staging',
    );
  });
});

describe('bad input is refused before any Azure call, and nothing in it runs', () => {
  // Each value would run `touch <marker>` if anything ever evaluated it as shell.
  const cases: Array<[string, (marker: string) => Partial<Request>, string]> = [
    [
      '$( ) in the model name',
      (m) => ({ MODEL_NAME: `iris$(touch ${m})` }),
      'model_name: "iris$(touch',
    ],
    ['backticks in the model name', (m) => ({ MODEL_NAME: `iris\`touch ${m}\`` }), 'model_name: "'],
    [
      'double quotes in the model name',
      (m) => ({ MODEL_NAME: `iris"; touch ${m}; echo "` }),
      'model_name: "iris\\"; touch',
    ],
    [
      'single quotes in the model name',
      (m) => ({ MODEL_NAME: `iris'; touch ${m}; '` }),
      `model_name: "iris'; touch`,
    ],
    [
      'a newline in the model name',
      (m) => ({ MODEL_NAME: `iris\ntouch ${m}` }),
      'model_name: "iris\\ntouch',
    ],
    [
      'a name starting with "-"',
      () => ({ MODEL_NAME: '-rf' }),
      'model_name: "-rf" is not accepted; expected an Azure ML model name',
    ],
    [
      'a 256-character name',
      () => ({ MODEL_NAME: 'm'.repeat(256) }),
      '(256 characters) is not accepted; expected an Azure ML model name',
    ],
    [
      '$( ) in the version',
      (m) => ({ MODEL_VERSION: `2$(touch ${m})` }),
      'model_version: "2$(touch',
    ],
    [
      'a version with a dot',
      () => ({ MODEL_VERSION: '1.0' }),
      'model_version: "1.0" is not accepted; expected a model version',
    ],
    ['version "latest"', () => ({ MODEL_VERSION: 'latest' }), 'model_version: "latest"'],
    ['version 0', () => ({ MODEL_VERSION: '0' }), 'model_version: "0"'],
    ['a version with a leading zero', () => ({ MODEL_VERSION: '02' }), 'model_version: "02"'],
    ['a negative version', () => ({ MODEL_VERSION: '-1' }), 'model_version: "-1"'],
    ['a missing version', () => ({ MODEL_VERSION: '' }), 'model_version: is missing'],
    [
      'an empty payload',
      () => ({
        MODEL_NAME: '',
        MODEL_VERSION: '',
        DEPLOY_ENVIRONMENT: '',
        EVENT_ID: '',
        EVENT_TIME: '',
        EVENT_WORKSPACE: '',
      }),
      '- model_name: is missing; expected an Azure ML model name: 1-255 letters, digits, "-", "_" or ".", starting with a letter or digit\n- model_version: is missing; expected a model version',
    ],
    [
      'a workflow command smuggled into the environment name',
      () => ({ DEPLOY_ENVIRONMENT: 'staging\n::set-output name=proceed::true' }),
      'environment: "staging\\n::set-output',
    ],
    ['$( ) in the event id', (m) => ({ EVENT_ID: `$(touch ${m})` }), 'event_id: "$(touch'],
    [
      'a non-ISO event time',
      () => ({ EVENT_TIME: 'yesterday' }),
      'event_time: "yesterday" is not accepted; expected an ISO 8601 time',
    ],
    [
      'an event from another workspace',
      () => ({
        EVENT_WORKSPACE:
          '/subscriptions/x/resourceGroups/y/providers/Microsoft.MachineLearningServices/workspaces/mlw-other',
      }),
      'The model was registered in workspace mlw-other, but environment staging deploys to workspace mlw-demo.',
    ],
    [
      'an unknown auth mode',
      () => ({ AZURE_AUTH_MODE: 'password' }),
      'variable AZURE_AUTH_MODE: "password" is not accepted; expected one of "oidc", "client-secret"',
    ],
    [
      // The configuration check's rule: Azure refuses such names. (The bash rollout took them.)
      'a resource group ending in "."',
      () => ({ AML_RESOURCE_GROUP: 'rg-ml.' }),
      'variable AML_RESOURCE_GROUP: "rg-ml." is not accepted; expected a resource group name',
    ],
    [
      'no deployment targets',
      () => ({ AML_DEPLOYMENT_TARGETS: '' }),
      'variable AML_DEPLOYMENT_TARGETS: is empty',
    ],
  ];

  /** What every refused request shows, from either step. */
  function expectRefused(r: Run, step: StepResult | undefined, message: string): void {
    expect(step?.code).toBe(1);
    expect(r.calls).toEqual([]);
    // Input never reaches the log raw, so it cannot start a workflow command of its own.
    expect(step?.stdout).not.toMatch(/^::set-output/m);
    expect(step?.stdout).toMatch(/^::error title=AML rollout::The request was rejected/m);
    expect(summaryRow(r, 'Outcome')).toBe('failed');
    expect(summaryText(r)).toContain('The request was rejected before any Azure call:');
    expect(summaryText(r)).toContain(message);
    // The summary table keeps one line per row whatever the input holds.
    expect(r.summary.split('\n').filter((l) => l.startsWith('| ')).length).toBe(14);
  }

  test.each(cases)('%s', async (_label, makeRequest, message) => {
    const request = makeRequest(path.join(os.tmpdir(), 'rollout-never-created'));
    const validate = await inProcess({ request, state: { endpoints: V1_SERVING } }, 'validate');
    expectRefused(validate, validate.validate, message);
    expect(validate.outputs.proceed).toEqual(['false']);

    // The deploy step checks again on its own: it makes no call either.
    const direct = await inProcess({ request, state: { endpoints: V1_SERVING } }, 'deploy');
    expectRefused(direct, direct.deploy, message);
    expect(direct.outputs.proceed).toBeUndefined();
  });

  test('":" is an entity in the job summary: no emoji, no link', async () => {
    const r = await inProcess(
      { request: { MODEL_NAME: ':+1:', DEPLOY_ENVIRONMENT: 'https://x' } },
      'validate',
    );

    expect(r.validate?.code).toBe(1);
    expect(r.summary).toContain('| Model | <code>&#58;+1&#58;</code> |');
    expect(r.summary).toContain('| Environment | <code>https&#58;//x</code> |');
    expect(r.summary).toContain('- model&#95;name&#58; "&#58;+1&#58;" is not accepted');
    expect(r.summary).not.toMatch(/:\+1:|https:/);
    // As the reader sees it:
    expect(summaryRow(r, 'Model')).toBe(':+1:');
    expect(summaryRow(r, 'Environment')).toBe('https://x');
  });

  test.concurrent('through the bundle too: nothing in the input runs, no Azure call', async () => {
    const marker = path.join(os.tmpdir(), `rollout-pwned-${process.pid}-${Math.random()}`);
    const request = { MODEL_NAME: `iris$(touch ${marker})`, EVENT_ID: `\`touch ${marker}\`` };
    const r = await run({ request, state: { endpoints: V1_SERVING } });
    expectRefused(r, r.validate, 'model_name: "iris$(touch');
    expect(summaryText(r)).toContain('event_id: "`touch');
    expect(r.outputs.proceed).toEqual(['false']);
    expect(r.deploy).toBeUndefined();

    const direct = await deployOnly({ request, state: { endpoints: V1_SERVING } });
    expectRefused(direct, direct.deploy, 'model_name: "iris$(touch');
    expect(fs.existsSync(marker)).toBe(false);
  });

  test.each<[string, TargetFields | string, string]>([
    [
      'targets that are not JSON',
      'not json',
      'Variable AML_DEPLOYMENT_TARGETS cannot be read: is not valid JSON',
    ],
    [
      'targets that are not an object',
      '["iris"]',
      'Variable AML_DEPLOYMENT_TARGETS cannot be read: ["iris"] is not a JSON object',
    ],
    [
      'a canary share over 99',
      { canaryPercent: 150 },
      'iris.canaryPercent: 150 is not accepted; expected a whole number from 0 to 99',
    ],
    [
      'keepDeployments 0',
      { keepDeployments: 0 },
      'iris.keepDeployments: 0 is not accepted; expected a whole number from 1 to 10',
    ],
    [
      // The configuration's limit is 10; the bash rollout took up to 999.
      'keepDeployments 11',
      { keepDeployments: 11 },
      'iris.keepDeployments: 11 is not accepted; expected a whole number from 1 to 10',
    ],
    [
      'a spec outside the repository',
      { deploymentSpec: '../outside.yml' },
      'iris.deploymentSpec: "../outside.yml" is not accepted; expected a relative path in the target repository',
    ],
    [
      'an absolute spec path',
      { endpointSpec: '/etc/passwd' },
      'iris.endpointSpec: "/etc/passwd" is not accepted; expected a relative path',
    ],
    [
      // The configuration refuses spaces (the path is an az argument); the bash rollout took them.
      'a spec path with a space',
      { deploymentSpec: 'aml/my deployment.yml' },
      'iris.deploymentSpec: "aml/my deployment.yml" is not accepted; expected a relative path',
    ],
    [
      'a spec that is not committed',
      { endpointSpec: 'aml/missing.yml' },
      'iris.endpointSpec: "aml/missing.yml" does not exist in the repository',
    ],
    [
      'an invalid endpoint name',
      { endpoint: 'ep; touch x' },
      'iris.endpoint: "ep; touch x" is not accepted; expected an online endpoint name',
    ],
    ['a required field left out', { endpoint: undefined }, 'iris.endpoint: is required'],
  ])('a bad deployment target (%s) fails with no Azure call', async (_label, target, message) => {
    const scenario: Scenario =
      typeof target === 'string' ? { request: { AML_DEPLOYMENT_TARGETS: target } } : { target };
    const r = await inProcess(scenario, 'validate');

    expect(r.validate?.code).toBe(1);
    expect(r.outputs.proceed).toEqual(['false']);
    expect(r.calls).toEqual([]);
    expect(summaryRow(r, 'Outcome')).toBe('failed');
    expect(summaryText(r)).toContain(message);
    const direct = await inProcess(scenario, 'deploy');
    expect(direct.deploy?.code).toBe(1);
    expect(direct.calls).toEqual([]);
  });

  test('every problem of a target is listed at once', async () => {
    const r = await inProcess(
      { target: { canaryPercent: -1, keepDeployments: 11, endpointSpec: 'aml/missing.yml' } },
      'validate',
    );
    expect(summaryText(r)).toContain(
      [
        'The deployment target of model iris is invalid (AML_DEPLOYMENT_TARGETS):',
        '- iris.canaryPercent: -1 is not accepted; expected a whole number from 0 to 99',
        '- iris.keepDeployments: 11 is not accepted; expected a whole number from 1 to 10',
        '- iris.endpointSpec: "aml/missing.yml" does not exist in the repository (commit it, or fix the path in the configuration)',
      ].join('\n'),
    );
  });
});

describe('a target written by a newer pipeline (fields this rollout does not know)', () => {
  // With workflowDelivery "pull-request", AML_DEPLOYMENT_TARGETS changes at deploy and this
  // file only when its pull request is merged: a newer field must not stop every rollout.
  const warning = (fields: string): string =>
    '::warning title=AML rollout::Ignored a field of the deployment target that this workflow does not know (AML_DEPLOYMENT_TARGETS): ' +
    `${fields}. The workflow file .github/workflows/aml-deploy/rollout.js is older than the configuration: it is updated when the environment that commits the workflow deploys, and with workflowDelivery "pull-request" when that pull request is merged.`;
  const annotations = (step: StepResult | undefined): string[] =>
    (step?.stdout ?? '').split('\n').filter((line) => line.startsWith('::'));

  test.concurrent('are ignored with one warning, and the rollout proceeds', async () => {
    const r = await run({
      state: { endpoints: V1_SERVING },
      target: { newField: { any: ['shape'] } } as TargetFields,
    });

    expect(r.validate?.code).toBe(0);
    expect(annotations(r.validate)).toEqual([warning('iris.newField')]);
    expect(r.outputs.proceed).toEqual(['true']);
    // The deploy step checks again and says so in its log, without a second annotation.
    expect(r.deploy?.code).toBe(0);
    expect(annotations(r.deploy)).toEqual([]);
    expect(r.deploy?.stdout).toContain(
      warning('iris.newField').replace('::warning title=AML rollout::', ''),
    );
    expect(r.state.endpoints[ENDPOINT].traffic).toEqual({ 'model-v1': 0, 'model-v2': 100 });
    expect(summaryRow(r, 'Outcome')).toBe('succeeded');
  });

  test('several are named in one warning; a name that is not plain stays one escaped line', async () => {
    const r = await inProcess(
      { target: { zNew: 1, 'odd\nname%::error::x': 2 } as TargetFields },
      'validate',
    );

    expect(r.validate?.code).toBe(0);
    expect(annotations(r.validate)).toEqual([
      '::warning title=AML rollout::Ignored fields of the deployment target that this workflow does not know (AML_DEPLOYMENT_TARGETS): ' +
        'iris.zNew, iris["odd\\nname%25::error::x"]. The workflow file .github/workflows/aml-deploy/rollout.js is older than the configuration: it is updated when the environment that commits the workflow deploys, and with workflowDelivery "pull-request" when that pull request is merged.',
    ]);
    expect(r.outputs.proceed).toEqual(['true']);
  });

  test.each<[string, TargetFields, string]>([
    [
      'a known field with a bad value',
      { canaryPercent: 150, newField: true } as TargetFields,
      'iris.canaryPercent: 150 is not accepted; expected a whole number from 0 to 99',
    ],
    [
      'a required field left out (a misspelling is not taken for it)',
      { endpoint: undefined, newField: 'iris-ep' } as TargetFields,
      'iris.endpoint: is required',
    ],
  ])('%s still fails, with the warning too', async (_label, target, message) => {
    const r = await inProcess({ target }, 'validate');

    expect(r.validate?.code).toBe(1);
    expect(r.calls).toEqual([]);
    expect(r.outputs.proceed).toEqual(['false']);
    expect(annotations(r.validate)).toEqual([
      warning('iris.newField'),
      expect.stringMatching(
        /^::error title=AML rollout::The deployment target of model iris is invalid/,
      ),
    ]);
    expect(summaryRow(r, 'Outcome')).toBe('failed');
    expect(summaryText(r)).toContain(
      `The deployment target of model iris is invalid (AML_DEPLOYMENT_TARGETS):\n- ${message}\n`,
    );
  });
});

describe('a rollout that never started', () => {
  test.concurrent(
    'gets a failed summary from the not-started step, without Azure calls',
    async () => {
      const r = await run({ phase: 'not-started' });

      expect(r.notStarted?.code).toBe(0);
      expect(r.calls).toEqual([]);
      expect(summaryRow(r, 'Outcome')).toBe('failed');
      expect(summaryRow(r, 'Endpoint')).toBe(ENDPOINT);
      expect(summaryText(r)).toContain('The rollout did not start');
    },
  );
});

describe('the command line', () => {
  test.concurrent('an unknown phase prints the usage and exits 2, doing nothing', async () => {
    const r = await run({ args: ['rollback'] });

    expect(r.other?.code).toBe(2);
    expect(r.other?.stderr).toBe('usage: rollout.js validate | deploy | not-started\n');
    expect(r.calls).toEqual([]);
    expect(r.summary).toBe('');
    expect(r.outputs).toEqual({});
  });
});
