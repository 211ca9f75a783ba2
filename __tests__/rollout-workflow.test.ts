/**
 * The committed files as a target repository runs them: workflows/deploy-model.yml, run by
 * a model of the GitHub runner (support/workflow-runner.ts), runs the committed bundle
 * workflows/rollout.js with `node`, which calls a fake `az` executable (support/fake-az-server.ts:
 * the in-memory Azure ML of the in-process tests, behind a small bash script). A handful of scenarios:
 * what only processes show (signals reach node, the workflow's `if:` run the restore after a
 * cancel and after a step timeout, the OIDC token comes from the runner's endpoint); the
 * rollout's decisions are tested in this process (rollout.test.ts, rollout-interrupted.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { COMMITTED_FILES } from '../lib/workflow-contract';
import { startFakeAz, type FakeAzServer } from './support/fake-az-server';
import type { Fault, FakeState } from './support/fake-azure-ml';
import {
  azure,
  CLIENT,
  environment,
  REPOSITORY_FILES,
  type TargetFields,
  servingOn,
  summaryRow,
  summaryText,
  V1_SERVING,
  deploymentsOn,
  later,
} from './support/rollout-harness';
import {
  checkout as checkoutOf,
  ID_TOKEN,
  runWorkflow,
  type JobResult,
} from './support/workflow-runner';

const ROOT = resolve(__dirname, '..');
let az: FakeAzServer;
beforeAll(async () => {
  az = await startFakeAz();
});
afterAll(() => az.close());

interface Scenario {
  readonly state: FakeState;
  readonly faults?: readonly Fault[];
  readonly payload?: Record<string, string>;
  readonly target?: TargetFields;
  readonly interrupt?: (step: string, stderr: string) => 'cancel' | 'timeout' | undefined;
}

/** The deploy job of the committed workflow, in a checkout that holds the committed files. */
async function deployJob(s: Scenario): Promise<{ job: JobResult; state: FakeState }> {
  const { dir, checkout } = checkoutOf('rollout-workflow-', REPOSITORY_FILES);
  az.state = s.state;
  az.options = { faults: s.faults ?? [] };
  const env = environment({}, s.target);
  const vars = Object.fromEntries(Object.entries(env).filter(([k]) => /^(AZURE|AML)_/.test(k)));
  try {
    const jobs = await runWorkflow({
      workflow: join(checkout, COMMITTED_FILES[0].path),
      event: {
        name: 'repository_dispatch',
        action: 'aml-model-registered',
        clientPayload: {
          model_name: env.MODEL_NAME,
          model_version: env.MODEL_VERSION,
          environment: env.DEPLOY_ENVIRONMENT,
          event_id: env.EVENT_ID,
          event_time: env.EVENT_TIME,
          workspace: env.EVENT_WORKSPACE,
          ...s.payload,
        },
      },
      vars: { [env.DEPLOY_ENVIRONMENT]: vars },
      checkout,
      env: { PATH: [az.bin, '/usr/bin', '/bin'].join(':'), HOME: dir },
      interrupt: s.interrupt && ((_job, step, stderr) => s.interrupt?.(step, stderr)),
      signalDelaysMs: [2000, 500],
    });
    return { job: jobs.deploy, state: az.state };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const steps = (job: JobResult): Record<string, string> =>
  Object.fromEntries(Object.entries(job.steps).map(([k, v]) => [k, v.outcome]));

const RESTORE = 'Restore after a failure, a cancel or a timeout';

test("a new version: validate, roll out, no restore; signed in with the runner's OIDC token", async () => {
  const { job, state } = await deployJob({ state: azure(V1_SERVING) });

  expect(steps(job)).toMatchObject({
    validate: 'success',
    deploy: 'success',
    [RESTORE]: 'skipped',
  });
  expect(servingOn(state)).toEqual({ 'model-v2': 100 });
  const [login] = state.calls.filter((c) => c[0] === 'login');
  expect(login).toEqual(
    expect.arrayContaining(['--username', CLIENT, '--federated-token', ID_TOKEN]),
  );
  // The token is never in the log, nor in the summary.
  expect(job.steps.deploy.stderr).toContain('--federated-token *** ');
  expect(JSON.stringify(job)).not.toContain(ID_TOKEN);
  expect(summaryRow(job, 'Outcome')).toBe('succeeded');
});

test('a cancel while the final traffic update runs: node stops its az, the restore step judges what landed', async () => {
  const { job, state } = await deployJob({
    state: azure(V1_SERVING),
    target: { canaryPercent: 20 },
    // The canary lands; the full shift is cut off before Azure took it.
    faults: [{ command: 'ml online-endpoint update', at: 3, kind: 'kill', lost: true }],
    interrupt: (step, stderr) =>
      step === 'deploy' && stderr.includes('fake az: holding') ? 'cancel' : undefined,
  });

  expect(steps(job)).toMatchObject({ deploy: 'cancelled', [RESTORE]: 'success' });
  expect(job.steps.deploy.exitCode).toBe(130);
  expect(job.steps.deploy.stderr).toContain(
    'The run was cancelled or the step timed out (SIGINT): stopping; the restore step undoes what this run changed.',
  );
  later(state);
  expect(servingOn(state)).toEqual({ 'model-v1': 100 });
  expect(deploymentsOn(state)).toEqual(['model-v1']);
  expect(summaryRow(job, 'Outcome')).toBe('cancelled');
  expect(summaryText(job)).toContain('Traffic goes back to "model-v1=100".');
  expect(job.summary.match(/## Azure ML rollout/g)).toHaveLength(1);
});

test('a step timeout during the create: the step fails, the restore step runs all the same', async () => {
  const { job, state } = await deployJob({
    state: azure(V1_SERVING),
    faults: [{ command: 'ml online-deployment create', at: 1, kind: 'kill', laterMs: 0 }],
    interrupt: (step, stderr) =>
      step === 'deploy' && stderr.includes('fake az: holding') ? 'timeout' : undefined,
  });

  expect(steps(job)).toMatchObject({ deploy: 'failure', [RESTORE]: 'success' });
  later(state);
  expect(servingOn(state)).toEqual({ 'model-v1': 100 });
  expect(deploymentsOn(state)).toEqual(['model-v1']);
});

test('a refused request: no Azure call, the later steps skipped', async () => {
  const { job, state } = await deployJob({
    state: azure(V1_SERVING),
    payload: { model_version: '1.0' },
  });

  expect(steps(job)).toMatchObject({
    validate: 'failure',
    deploy: 'skipped',
    [RESTORE]: 'skipped',
  });
  expect(state.calls).toEqual([]);
});

test('an unknown phase prints the usage and exits 2', () => {
  let result: { status: number | null; stderr: string };
  try {
    execFileSync(process.execPath, [join(ROOT, COMMITTED_FILES[2].source), 'rollback'], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    result = { status: 0, stderr: '' };
  } catch (e) {
    const error = e as { status: number; stderr: string };
    result = { status: error.status, stderr: error.stderr };
  }
  expect(result).toEqual({ status: 2, stderr: 'usage: rollout.js validate | deploy | restore\n' });
});
