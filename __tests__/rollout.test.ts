/**
 * The rollout as the deploy job runs it, in this process: its phases in the workflow's order
 * and conditions (support/rollout-harness.ts), against an in-memory Azure ML
 * (support/fake-azure-ml.ts) with a fake clock, so minutes of Azure pass in milliseconds.
 * Each test asserts on the resulting Azure state and on the calls. GITHUB_EVENT_NAME is
 * repository_dispatch unless a scenario says workflow_dispatch (a rollback by hand).
 *
 * Interrupted runs (a cancel, a step timeout, an expired sign-in, a re-run) are in
 * __tests__/rollout-interrupted.test.ts; the bundle run through the workflow file, in
 * __tests__/rollout-workflow.test.ts.
 */
import * as os from 'node:os';
import * as path from 'node:path';

import { ML_EXTENSION_VERSION } from '../rollout/az';
import { DEPLOYMENT_TAGS } from '../rollout/steps';
import {
  armModel,
  azure,
  callsOf,
  changes,
  CLIENT,
  CLIENT_SECRET,
  command,
  createdDeployments,
  deletedDeployments,
  ENDPOINT,
  endpointsOf,
  ID_TOKEN,
  job,
  later as settleLater,
  option,
  RESOURCE_GROUP,
  SUBSCRIPTION,
  summaryRow,
  summaryText,
  TENANT,
  trafficUpdates,
  V1_SERVING,
  WORKSPACE,
  type Endpoints,
  type Job,
  type JobOptions,
} from './support/rollout-harness';

/** What every job must never show: the credentials. */
function expectNoSecrets(j: Job): void {
  const shown = [j.validate, j.deploy, j.restore].map((s) => `${s?.stdout}${s?.stderr}`).join('');
  for (const secret of [ID_TOKEN, CLIENT_SECRET]) {
    expect(shown).not.toContain(secret);
    expect(j.summary).not.toContain(secret);
    expect(JSON.stringify(j.journal ?? {})).not.toContain(secret);
  }
}

async function deployJob(options: JobOptions): Promise<Job> {
  const j = await job(options);
  expectNoSecrets(j);
  return j;
}

describe('first rollout of a model', () => {
  test('creates the endpoint, then a deployment named after the version with 100 %', async () => {
    // canaryPercent is set, but with nothing else serving there is nothing to compare with.
    const j = await deployJob({ env: { MODEL_VERSION: '1' }, target: { canaryPercent: 10 } });

    expect(j.validate.code).toBe(0);
    expect(j.outputs.proceed).toEqual(['true']);
    expect(j.outputs.started_at?.[0]).toMatch(/^\d+$/);
    expect(j.deploy?.code).toBe(0);
    expect(j.restore).toBeUndefined();
    expect(endpointsOf(j.azure)).toEqual({
      [ENDPOINT]: {
        traffic: { 'model-v1': 100 },
        deployments: { 'model-v1': armModel('iris', '1') },
      },
    });
    // Every step signs in afresh first: preparation, create, smoke test, traffic; and the
    // wait after the ten-minute create signs in again before it reads (a GitHub OIDC
    // sign-in lives five minutes).
    expect(j.calls.map(command).filter((c) => !/ (show|list)$/.test(c))).toEqual([
      'login',
      'extension add',
      'ml online-endpoint create',
      'ml online-endpoint update',
      'login',
      'ml online-deployment create',
      'login',
      'login',
      'ml online-endpoint invoke',
      'login',
      'ml online-endpoint update',
    ]);
    expect(j.calls[1]).toEqual([
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
    const [create] = callsOf(j, 'ml online-deployment create');
    expect(option(create, '--name')).toBe('model-v1');
    expect(option(create, '--file')).toBe('aml/deployment.yml');
    // The model, then the tags that say which run made it (set once, at creation).
    expect(create.slice(create.indexOf('--set') + 1, create.indexOf('--output'))).toEqual([
      'model=azureml:iris:1',
      `tags.${DEPLOYMENT_TAGS.run}=4242.1`,
      `tags.${DEPLOYMENT_TAGS.model}=iris:1`,
      `tags.${DEPLOYMENT_TAGS.source}=workspace mlw-demo`,
      `tags.${DEPLOYMENT_TAGS.runUrl}=https://github.com/contoso/models/actions/runs/4242`,
    ]);
    expect(option(callsOf(j, 'ml online-endpoint create')[0], '--file')).toBe('aml/endpoint.yml');
    expect(option(callsOf(j, 'ml online-endpoint invoke')[0], '--request-file')).toBe(
      'aml/sample-request.json',
    );
    expect(trafficUpdates(j)).toEqual(['model-v1=100']);
    // Every `az ml` call names the subscription and the workspace, and asks for errors only.
    for (const call of j.calls.filter((c) => c[0] === 'ml')) {
      expect(option(call, '--subscription')).toBe(SUBSCRIPTION);
      expect(option(call, '--resource-group')).toBe(RESOURCE_GROUP);
      expect(option(call, '--workspace-name')).toBe(WORKSPACE);
      expect(call).toContain('--only-show-errors');
    }
    // Each command is shown on stderr before it runs, the OIDC token masked.
    expect(j.deploy?.stderr).toContain(
      `+ az login --service-principal --username ${CLIENT} --tenant ${TENANT} --federated-token *** --output none --only-show-errors\n`,
    );
    expect(j.deploy?.stderr).toContain(
      `+ az ml online-deployment create --name model-v1 --endpoint-name iris-ep --file aml/deployment.yml --set model=azureml:iris:1 tags.aml-deploy-run=4242.1`,
    );
    expect(j.deploy?.stdout).toContain('Smoke test passed. Response: "\\"[0.5, 0.25]\\""');

    expect(summaryRow(j, 'Outcome')).toBe('succeeded');
    expect(summaryRow(j, 'Model')).toBe('iris');
    expect(summaryRow(j, 'Version')).toBe('1');
    expect(summaryRow(j, 'Endpoint')).toBe(ENDPOINT);
    expect(summaryRow(j, 'Deployment')).toBe('model-v1');
    expect(summaryRow(j, 'Traffic before')).toBe('');
    expect(summaryRow(j, 'Traffic after')).toBe('model-v1=100');
    expect(summaryRow(j, 'Deployments after')).toBe('model-v1 (iris:1)');
    expect(summaryRow(j, 'Duration')).toMatch(/^\d+ min \d+ s$/);
    expect(summaryRow(j, 'Event')).toBe('831e1650-001e-001b-66ab-eeb76e069631');
    expect(summaryRow(j, 'Event time')).toBe('2025-06-01T10:00:00.1234567Z');
    expect(summaryText(j)).toContain('Endpoint iris-ep was created from aml/endpoint.yml.');
  });

  test('records the rollout on the endpoint before the first change, done with the last', async () => {
    const j = await deployJob({ azure: azure(V1_SERVING) });

    const updates = callsOf(j, 'ml online-endpoint update');
    expect(updates.map((u) => [option(u, '--traffic'), option(u, '--set')])).toEqual([
      [undefined, 'tags.aml-deploy-rollout=v1 4242.1 begun model-v2 1 model-v1:100 -'],
      [
        'model-v1=0 model-v2=100',
        'tags.aml-deploy-rollout=v1 4242.1 done model-v2 1 model-v1:100 -',
      ],
    ]);
    const order = j.calls.map(command);
    expect(order.indexOf('ml online-endpoint update')).toBeLessThan(
      order.indexOf('ml online-deployment create'),
    );
    expect(j.journal?.entries.map((e) => [e.step, e.status, e.undo.kind])).toEqual([
      ['prepare', 'done', 'none'],
      ['create', 'done', 'delete-deployment'],
      ['smoke-test', 'done', 'none'],
      ['traffic', 'done', 'restore-traffic'],
    ]);
  });

  test('signs in with the client secret in client-secret mode, masked', async () => {
    const j = await deployJob({
      env: { AZURE_AUTH_MODE: 'client-secret' },
      azure: azure(V1_SERVING),
    });

    expect(j.deploy?.code).toBe(0);
    const [login] = callsOf(j, 'login');
    expect(option(login, '--password')).toBe(CLIENT_SECRET);
    expect(login).not.toContain('--federated-token');
    expect(j.deploy?.stderr).toContain('--password *** --output none');
  });

  test('skips the smoke test when the target has no sample request', async () => {
    const j = await deployJob({
      env: { MODEL_VERSION: '1' },
      // The stack leaves the field out when there is no smoke test.
      target: { smokeTestRequest: undefined },
    });

    expect(j.deploy?.code).toBe(0);
    expect(callsOf(j, 'ml online-endpoint invoke')).toEqual([]);
    expect(endpointsOf(j.azure)[ENDPOINT].traffic).toEqual({ 'model-v1': 100 });
    expect(j.journal?.entries.map((e) => e.step)).toEqual([
      'prepare',
      'prepare',
      'create',
      'traffic',
    ]);
  });
});

describe('a repeated event (Event Grid delivers at least once)', () => {
  test.each([
    ['an ARM-style id', armModel('iris', '1')],
    ['azureml:NAME:VERSION', 'azureml:iris:1'],
  ])(
    'changes nothing when the version already serves 100 %% (model read back as %s)',
    async (_form, model) => {
      const endpoints = {
        [ENDPOINT]: { traffic: { 'model-v1': 100 }, deployments: { 'model-v1': model } },
      };
      const j = await deployJob({ env: { MODEL_VERSION: '1' }, azure: azure(endpoints) });

      expect(j.deploy?.code).toBe(0);
      expect(changes(j)).toEqual([]);
      expect(endpointsOf(j.azure)).toEqual(endpoints);
      expect(summaryRow(j, 'Outcome')).toBe('unchanged');
      expect(summaryRow(j, 'Traffic after')).toBe('model-v1=100');
      expect(summaryText(j)).toContain('already serves iris version 1 with 100 % of traffic');
    },
  );
});

describe('an event older than the version that serves (late redelivery)', () => {
  // Event Grid redelivers for up to 24 h: the event of version 3 may arrive after version 5
  // was deployed. model-v3 and model-v4 are kept from earlier rollouts; model-v5 serves.
  const endpoints: Endpoints = {
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

  test('repository_dispatch of an older version is skipped: success, no change, a summary line', async () => {
    const j = await deployJob({ env: { MODEL_VERSION: '3' }, azure: azure(endpoints) });

    expect(j.deploy?.code).toBe(0);
    expect(changes(j)).toEqual([]);
    expect(endpointsOf(j.azure)).toEqual(endpoints);
    expect(summaryRow(j, 'Outcome')).toBe('skipped');
    expect(summaryRow(j, 'Traffic after')).toBe('model-v3=0 model-v4=0 model-v5=100');
    expect(summaryText(j)).toContain(`Model iris ${NEVER_DOWNGRADES}.`);
    expect(j.deploy?.stdout).toContain(
      `::notice title=AML rollout::Model iris ${NEVER_DOWNGRADES}`,
    );
  });

  test('repository_dispatch is skipped when a higher version has any share, not only 100 %', async () => {
    const split = {
      [ENDPOINT]: {
        traffic: { 'model-v4': 90, 'model-v5': 10 },
        deployments: { 'model-v4': armModel('iris', '4'), 'model-v5': 'azureml:iris:5' },
      },
    };
    const j = await deployJob({ env: { MODEL_VERSION: '4' }, azure: azure(split) });

    expect(j.deploy?.code).toBe(0);
    expect(changes(j)).toEqual([]);
    expect(summaryRow(j, 'Outcome')).toBe('skipped');
  });

  test('the same request by workflow_dispatch rolls back as before', async () => {
    const j = await deployJob({
      env: { MODEL_VERSION: '3', GITHUB_EVENT_NAME: 'workflow_dispatch' },
      azure: azure(endpoints),
    });

    expect(j.deploy?.code).toBe(0);
    expect(createdDeployments(j)).toEqual([]);
    expect(trafficUpdates(j)).toEqual(['model-v3=100 model-v4=0 model-v5=0']);
    // model-v5 served before, so it is kept; model-v4 is beyond keepDeployments=1.
    expect(deletedDeployments(j)).toEqual(['model-v4']);
    expect(endpointsOf(j.azure)[ENDPOINT].traffic).toEqual({ 'model-v3': 100, 'model-v5': 0 });
    expect(summaryRow(j, 'Outcome')).toBe('succeeded');
    // A reused deployment existed before the run: undoing the run would keep it.
    expect(j.journal?.entries.find((e) => e.step === 'traffic')?.undo).toEqual({
      kind: 'restore-traffic',
    });
    expect(j.azure.endpoints[WORKSPACE][ENDPOINT].tags['aml-deploy-rollout']).toBe(
      'v1 4242.1 done model-v3 0 model-v5:100 -',
    );
  });

  test.each([
    { version: '5', outcome: 'unchanged', traffic: [] },
    {
      version: '6',
      outcome: 'succeeded',
      traffic: ['model-v3=0 model-v4=0 model-v5=0 model-v6=100'],
    },
  ])('repository_dispatch of version $version (not older): outcome $outcome', async (c) => {
    const j = await deployJob({ env: { MODEL_VERSION: c.version }, azure: azure(endpoints) });

    expect(j.deploy?.code).toBe(0);
    expect(summaryRow(j, 'Outcome')).toBe(c.outcome);
    expect(trafficUpdates(j)).toEqual(c.traffic);
  });
});

describe('a new version (blue/green)', () => {
  test('keeps the old deployment and gives the new one 100 %', async () => {
    const j = await deployJob({ azure: azure(V1_SERVING) });

    expect(j.deploy?.code).toBe(0);
    expect(endpointsOf(j.azure)[ENDPOINT]).toEqual({
      traffic: { 'model-v1': 0, 'model-v2': 100 },
      deployments: { 'model-v1': armModel('iris', '1'), 'model-v2': armModel('iris', '2') },
    });
    expect(trafficUpdates(j)).toEqual(['model-v1=0 model-v2=100']);
    expect(deletedDeployments(j)).toEqual([]);
    expect(option(callsOf(j, 'ml online-endpoint invoke')[0], '--deployment-name')).toBe(
      'model-v2',
    );
    expect(summaryRow(j, 'Traffic before')).toBe('model-v1=100');
    expect(summaryRow(j, 'Traffic after')).toBe('model-v1=0 model-v2=100');
    expect(summaryRow(j, 'Deployments before')).toBe('model-v1 (iris:1)');
    expect(summaryRow(j, 'Deployments after')).toBe('model-v1 (iris:1), model-v2 (iris:2)');
  });

  test('shifts the canary share first, then 100 %', async () => {
    const j = await deployJob({ azure: azure(V1_SERVING), target: { canaryPercent: 20 } });

    expect(j.deploy?.code).toBe(0);
    expect(trafficUpdates(j)).toEqual(['model-v1=80 model-v2=20', 'model-v1=0 model-v2=100']);
    expect(summaryRow(j, 'Outcome')).toBe('succeeded');
  });

  test('observes the canary for observeMinutes, then smoke-tests it again', async () => {
    const j = await deployJob({
      azure: azure(V1_SERVING),
      target: { canaryPercent: 20, observeMinutes: 10 },
    });

    expect(j.deploy?.code).toBe(0);
    expect(j.deploy?.stdout).toContain('Observing the canary for 10 min.');
    expect(callsOf(j, 'ml online-endpoint invoke')).toHaveLength(2);
    // Ten minutes outlive a GitHub OIDC token: the check after them signs in again.
    const order = j.calls.map(command);
    const canary = order.indexOf(
      'ml online-endpoint update',
      order.indexOf('ml online-deployment create'),
    );
    expect(order.slice(canary + 1).filter((c) => c === 'login').length).toBeGreaterThanOrEqual(2);
    expect(j.journal?.entries.map((e) => e.step)).toEqual([
      'prepare',
      'create',
      'smoke-test',
      'traffic',
      'observe',
      'traffic',
    ]);
  });

  test('the canary fails, and is undone, when someone changes the traffic while it is observed', async () => {
    const j = await deployJob({
      azure: azure(V1_SERVING),
      target: { canaryPercent: 20, observeMinutes: 5 },
      // A person moves the traffic while the canary is observed.
      onSleep: (state) => {
        state.endpoints[WORKSPACE][ENDPOINT].traffic = { 'model-v1': 50, 'model-v2': 50 };
      },
    });

    expect(j.deploy?.code).toBe(1);
    expect(summaryText(j)).toContain(
      'The traffic changed while the canary was observed: now "model-v1=50 model-v2=50".',
    );
    // Not the split the run set (its record says 80/20): someone's choice, left as it is,
    // and the deployment that serves half of it is kept.
    expect(summaryText(j)).toContain(
      'Traffic "model-v1=50 model-v2=50" was left as it is: someone else changed it after the run.',
    );
    expect(deletedDeployments(j)).toEqual([]);
  });
});

describe('a failed rollout is restored by the restore step', () => {
  test.each([
    {
      step: 'deployment create',
      fault: 'ml online-deployment create',
      canaryPercent: 0,
      updates: [] as string[],
    },
    { step: 'smoke test', fault: 'ml online-endpoint invoke', canaryPercent: 0, updates: [] },
    {
      step: 'traffic shift',
      fault: 'ml online-endpoint update',
      at: 2,
      canaryPercent: 0,
      updates: ['model-v1=0 model-v2=100'],
    },
    {
      step: 'canary traffic shift',
      fault: 'ml online-endpoint update',
      at: 2,
      canaryPercent: 20,
      updates: ['model-v1=80 model-v2=20'],
    },
    {
      step: 'traffic shift after the canary',
      fault: 'ml online-endpoint update',
      at: 3,
      canaryPercent: 20,
      updates: ['model-v1=80 model-v2=20', 'model-v1=0 model-v2=100', 'model-v1=100 model-v2=0'],
    },
  ])('failure at $step: traffic as before, new deployment deleted, job fails', async (c) => {
    const j = await deployJob({
      azure: azure(V1_SERVING),
      target: { canaryPercent: c.canaryPercent },
      faults: [{ command: c.fault, at: c.at, kind: 'fail' }],
    });

    expect(j.deploy?.code).toBe(1);
    expect(j.restore?.code).toBe(0);
    expect(trafficUpdates(j)).toEqual(c.updates);
    // The deployment that served was never deleted; the failed one was.
    expect(deletedDeployments(j)).toEqual(['model-v2']);
    // The restore only starts the delete (it has minutes after a cancel); Azure finishes it.
    expect(later(j).traffic).toEqual(V1_SERVING[ENDPOINT].traffic);
    expect(endpointsOf(j.azure)).toEqual(V1_SERVING);
    expect(summaryRow(j, 'Outcome')).toBe('failed');
    expect(summaryRow(j, 'Traffic before')).toBe('model-v1=100');
    expect(summaryRow(j, 'Traffic after')).toMatch(/^model-v1=100( model-v2=0)?$/);
    expect(summaryText(j)).toContain('Deleting model-v2 was started (it serves nothing)');
    expect(j.deploy?.stdout).toContain('::error title=AML rollout::');
    // The summary is written once, by the restore step.
    expect(j.summary.match(/## Azure ML rollout/g)).toHaveLength(1);
  });

  test('a deployment whose create fails on a new endpoint is deleted too', async () => {
    const j = await deployJob({
      env: { MODEL_VERSION: '1' },
      faults: [{ command: 'ml online-deployment create', kind: 'fail' }],
    });

    expect(j.deploy?.code).toBe(1);
    expect(trafficUpdates(j)).toEqual([]);
    expect(deletedDeployments(j)).toEqual(['model-v1']);
    later(j);
    expect(endpointsOf(j.azure)).toEqual({ [ENDPOINT]: { traffic: {}, deployments: {} } });
    expect(summaryText(j)).toContain('Deployment model-v1 did not provision: its state is failed');
  });

  test('if restoring traffic fails too, the new deployment is kept and the summary says how to fix it', async () => {
    // The canary took 20 %, the full shift failed, and so does the restore's update.
    const j = await deployJob({
      azure: azure(V1_SERVING),
      target: { canaryPercent: 20 },
      faults: [
        { command: 'ml online-endpoint update', at: 3, kind: 'fail' },
        { command: 'ml online-endpoint update', at: 4, kind: 'fail' },
      ],
    });

    expect(j.deploy?.code).toBe(1);
    expect(j.restore?.code).toBe(1);
    // It might still receive traffic, so it is not deleted; nothing else is either.
    expect(deletedDeployments(j)).toEqual([]);
    expect(Object.keys(endpointsOf(j.azure)[ENDPOINT].deployments)).toEqual([
      'model-v1',
      'model-v2',
    ]);
    expect(summaryRow(j, 'Outcome')).toBe('failed');
    expect(summaryRow(j, 'Traffic after')).toBe('model-v1=80 model-v2=20');
    expect(summaryText(j)).toContain(
      `RESTORE INCOMPLETE: Restoring traffic failed (ERROR: (fake az) injected failure). Restore it by hand: az ml online-endpoint update --name iris-ep --traffic "model-v1=100 model-v2=0" --subscription ${SUBSCRIPTION} --resource-group ${RESOURCE_GROUP} --workspace-name ${WORKSPACE}`,
    );
    expect(j.restore?.stdout).toContain('::error title=AML rollout::Restore incomplete');
  });

  test('a model version that is not registered fails before anything changes', async () => {
    const j = await deployJob({ azure: azure(V1_SERVING, { models: ['1'] }) });

    expect(j.deploy?.code).toBe(1);
    expect(changes(j)).toEqual([]);
    expect(endpointsOf(j.azure)).toEqual(V1_SERVING);
    expect(summaryText(j)).toContain(
      'Model iris version 2 is not registered in workspace mlw-demo.',
    );
    expect(summaryText(j)).toContain('Nothing had been changed in Azure ML: nothing to restore.');
    // Nothing to restore: the restore step does not even sign in.
    expect(j.calls.filter((c) => c[0] === 'login')).toHaveLength(1);
  });
});

describe('az answers the rollout must not misread (ml extension source)', () => {
  test.each(['forbidden', 'throttled'] as const)(
    'an endpoint `show` that fails %s stops the run with the reason; it is not taken for "missing"',
    async (kind) => {
      const j = await deployJob({
        azure: azure(V1_SERVING),
        faults: [{ command: 'ml online-endpoint show', at: 1, kind }],
      });

      expect(j.deploy?.code).toBe(1);
      expect(changes(j)).toEqual([]);
      expect(summaryText(j)).toContain(
        kind === 'forbidden'
          ? 'Reading endpoint iris-ep failed: ERROR: (AuthorizationFailed) The client does not have authorization'
          : 'Reading endpoint iris-ep failed: ERROR: (TooManyRequests) Too many requests.',
      );
    },
  );

  test.each(['2.44', '2.45'] as const)(
    'ml %s: a kept deployment reads as provisioned and is reused for a rollback',
    async (shape) => {
      // From ml 2.45 `online-deployment list` prints "DeploymentProvisioningState.SUCCEEDED"
      // (Azure/azureml-examples PR #4123): compared on its last segment, it is "Succeeded".
      const endpoints = {
        [ENDPOINT]: {
          traffic: { 'model-v1': 0, 'model-v2': 100 },
          deployments: { 'model-v1': armModel('iris', '1'), 'model-v2': armModel('iris', '2') },
        },
      };
      const j = await deployJob({
        shape,
        env: { MODEL_VERSION: '1', GITHUB_EVENT_NAME: 'workflow_dispatch' },
        azure: azure(endpoints),
      });

      expect(j.deploy?.code).toBe(0);
      expect(createdDeployments(j)).toEqual([]);
      expect(endpointsOf(j.azure)[ENDPOINT].traffic).toEqual({ 'model-v1': 100, 'model-v2': 0 });
    },
  );
});

describe('cleanup of earlier deployments', () => {
  // model-v3 serves; model-v1 and model-v2 are kept from earlier rollouts; "blue" runs
  // another model and is not this workflow's to delete.
  const endpoints: Endpoints = {
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

  test.each([
    { keep: 1, deleted: ['model-v2', 'model-v1'], left: ['blue', 'model-v3', 'model-v4'] },
    { keep: 2, deleted: ['model-v1'], left: ['blue', 'model-v2', 'model-v3', 'model-v4'] },
    { keep: 5, deleted: [], left: ['blue', 'model-v1', 'model-v2', 'model-v3', 'model-v4'] },
  ])('keepDeployments=$keep keeps the previous one and deletes $deleted', async (c) => {
    const j = await deployJob({
      env: { MODEL_VERSION: '4' },
      target: { keepDeployments: c.keep },
      azure: azure(endpoints),
    });

    expect(j.deploy?.code).toBe(0);
    expect(deletedDeployments(j)).toEqual(c.deleted);
    expect(Object.keys(endpointsOf(j.azure)[ENDPOINT].deployments).sort()).toEqual(c.left);
    expect(endpointsOf(j.azure)[ENDPOINT].traffic['model-v4']).toBe(100);
    // Deletion comes only after the new deployment serves everything.
    const order = j.calls.map(command);
    if (c.deleted.length > 0) {
      expect(order.indexOf('ml online-deployment delete')).toBeGreaterThan(
        order.lastIndexOf('ml online-endpoint update'),
      );
    }
  });

  test('a failed delete leaves the rollout successful, with a warning and the real state', async () => {
    const state = {
      [ENDPOINT]: {
        traffic: { 'model-v2': 100, 'model-v1': 0 },
        deployments: { 'model-v1': armModel('iris', '1'), 'model-v2': armModel('iris', '2') },
      },
    };
    const j = await deployJob({
      env: { MODEL_VERSION: '3' },
      azure: azure(state),
      faults: [{ command: 'ml online-deployment delete', kind: 'fail' }],
    });

    expect(j.deploy?.code).toBe(0);
    expect(j.restore).toBeUndefined();
    expect(summaryRow(j, 'Outcome')).toBe('succeeded');
    // What is really there: the deployment that could not be deleted, at 0 %.
    expect(summaryRow(j, 'Traffic after')).toBe('model-v1=0 model-v2=0 model-v3=100');
    expect(summaryRow(j, 'Deployments after')).toBe(
      'model-v1 (iris:1), model-v2 (iris:2), model-v3 (iris:3)',
    );
    expect(summaryText(j)).toContain('Cleanup incomplete: deleting model-v1 failed');
    expect(j.deploy?.stdout).toContain('::warning title=AML rollout::Cleanup incomplete');
  });
});

describe('a redeploy by hand of a version that still has a deployment (rollback to a kept one)', () => {
  const env = { MODEL_VERSION: '1', GITHUB_EVENT_NAME: 'workflow_dispatch' };
  const endpoints: Endpoints = {
    [ENDPOINT]: {
      traffic: { 'model-v1': 0, 'model-v2': 100 },
      deployments: { 'model-v1': armModel('iris', '1'), 'model-v2': armModel('iris', '2') },
    },
  };

  test('reuses the kept deployment: smoke test, then traffic back to it', async () => {
    const j = await deployJob({ env, azure: azure(endpoints) });

    expect(j.deploy?.code).toBe(0);
    expect(createdDeployments(j)).toEqual([]);
    expect(option(callsOf(j, 'ml online-endpoint invoke')[0], '--deployment-name')).toBe(
      'model-v1',
    );
    expect(trafficUpdates(j)).toEqual(['model-v1=100 model-v2=0']);
    expect(deletedDeployments(j)).toEqual([]);
    expect(summaryText(j)).toContain('Deployment model-v1 already runs iris version 1: reused');
  });

  test('a failed rollback restores traffic and deletes nothing (the deployment existed before)', async () => {
    const j = await deployJob({
      env,
      azure: azure(endpoints),
      faults: [{ command: 'ml online-endpoint update', at: 2, kind: 'fail' }],
    });

    expect(j.deploy?.code).toBe(1);
    expect(deletedDeployments(j)).toEqual([]);
    later(j);
    expect(endpointsOf(j.azure)).toEqual(endpoints);
    expect(summaryText(j)).toContain('Traffic is as before the run ("model-v1=0 model-v2=100").');
  });

  test('a kept deployment that never provisioned is not reused: the run fails, naming it', async () => {
    const broken = {
      [ENDPOINT]: {
        traffic: { 'model-v2': 100 },
        deployments: { 'model-v1': armModel('iris', '1'), 'model-v2': armModel('iris', '2') },
      },
    };
    const j = await deployJob({ env, azure: azure(broken, { failed: ['model-v1'] }) });

    expect(j.deploy?.code).toBe(1);
    expect(changes(j)).toEqual([]);
    expect(summaryText(j)).toContain(
      'has a deployment of iris version 1 that did not provision: model-v1 (failed). Delete it (az ml online-deployment delete --name model-v1 --endpoint-name iris-ep --yes)',
    );
  });

  test('a deployment with our name that runs another model fails without changes', async () => {
    const taken = {
      [ENDPOINT]: {
        traffic: { 'model-v2': 100 },
        deployments: { 'model-v2': 'azureml:iris-experimental:9' },
      },
    };
    const j = await deployJob({ azure: azure(taken) });

    expect(j.deploy?.code).toBe(1);
    expect(changes(j)).toEqual([]);
    expect(summaryText(j)).toContain(
      'already has a deployment named model-v2 that runs another model: model-v2 (iris-experimental:9)',
    );
  });
});

describe('a model without a deployment target', () => {
  test('is skipped: successful job, a summary line, no Azure call', async () => {
    const j = await deployJob({ env: { MODEL_NAME: 'churn-model' } });

    expect(j.validate.code).toBe(0);
    expect(j.outputs.proceed).toEqual(['false']);
    expect(j.calls).toEqual([]);
    expect(j.validate.stdout).toMatch(/^::notice title=AML rollout::No deployment target/m);
    expect(summaryRow(j, 'Outcome')).toBe('skipped');
    expect(summaryText(j)).toContain(
      'No deployment target for model churn-model in environment staging',
    );
  });
});

describe('bad input is refused before any Azure call, and nothing in it runs', () => {
  const marker = path.join(os.tmpdir(), 'rollout-never-created');
  const cases: Array<[string, Record<string, string>, string]> = [
    [
      '$( ) in the model name',
      { MODEL_NAME: `iris$(touch ${marker})` },
      'model_name: "iris$(touch',
    ],
    ['backticks in the model name', { MODEL_NAME: `iris\`touch ${marker}\`` }, 'model_name: "'],
    [
      'double quotes in the model name',
      { MODEL_NAME: `iris"; touch ${marker}; echo "` },
      'model_name: "iris\\"; touch',
    ],
    [
      'single quotes in the model name',
      { MODEL_NAME: `iris'; touch ${marker}; '` },
      `model_name: "iris'; touch`,
    ],
    [
      'a newline in the model name',
      { MODEL_NAME: `iris\ntouch ${marker}` },
      'model_name: "iris\\ntouch',
    ],
    [
      'a name starting with "-"',
      { MODEL_NAME: '-rf' },
      'model_name: "-rf" is not accepted; expected an Azure ML model name',
    ],
    [
      'a 256-character name',
      { MODEL_NAME: 'm'.repeat(256) },
      '(256 characters) is not accepted; expected an Azure ML model name',
    ],
    ['$( ) in the version', { MODEL_VERSION: `2$(touch ${marker})` }, 'model_version: "2$(touch'],
    [
      'a version with a dot',
      { MODEL_VERSION: '1.0' },
      'model_version: "1.0" is not accepted; expected a model version',
    ],
    ['version "latest"', { MODEL_VERSION: 'latest' }, 'model_version: "latest"'],
    ['version 0', { MODEL_VERSION: '0' }, 'model_version: "0"'],
    ['a version with a leading zero', { MODEL_VERSION: '02' }, 'model_version: "02"'],
    ['a negative version', { MODEL_VERSION: '-1' }, 'model_version: "-1"'],
    ['a missing version', { MODEL_VERSION: '' }, 'model_version: is missing'],
    [
      'an empty payload',
      {
        MODEL_NAME: '',
        MODEL_VERSION: '',
        DEPLOY_ENVIRONMENT: '',
        EVENT_ID: '',
        EVENT_TIME: '',
        EVENT_WORKSPACE: '',
      },
      '- model_name: is missing; expected an Azure ML model name: 1-255 letters, digits, "-", "_" or ".", starting with a letter or digit\n- model_version: is missing; expected a model version',
    ],
    [
      'a workflow command smuggled into the environment name',
      { DEPLOY_ENVIRONMENT: 'staging\n::set-output name=proceed::true' },
      'environment: "staging\\n::set-output',
    ],
    ['$( ) in the event id', { EVENT_ID: `$(touch ${marker})` }, 'event_id: "$(touch'],
    [
      'a non-ISO event time',
      { EVENT_TIME: 'yesterday' },
      'event_time: "yesterday" is not accepted; expected an ISO 8601 time',
    ],
    [
      'an event from another workspace',
      {
        EVENT_WORKSPACE:
          '/subscriptions/x/resourceGroups/y/providers/Microsoft.MachineLearningServices/workspaces/mlw-other',
      },
      'The model was registered in workspace mlw-other, but environment staging deploys to workspace mlw-demo.',
    ],
    [
      'an unknown auth mode',
      { AZURE_AUTH_MODE: 'password' },
      'variable AZURE_AUTH_MODE: "password" is not accepted; expected one of "oidc", "client-secret"',
    ],
    [
      'a client id that is no GUID',
      { AZURE_CLIENT_ID: 'app' },
      'variable AZURE_CLIENT_ID: "app" is not accepted; expected a GUID',
    ],
    [
      'a missing subscription',
      { AZURE_SUBSCRIPTION_ID: '' },
      'variable AZURE_SUBSCRIPTION_ID: is missing; expected a GUID',
    ],
    [
      'a resource group ending in "."',
      { AML_RESOURCE_GROUP: 'rg-ml.' },
      'variable AML_RESOURCE_GROUP: "rg-ml." is not accepted; expected a resource group name',
    ],
    [
      'no deployment targets',
      { AML_DEPLOYMENT_TARGETS: '' },
      'variable AML_DEPLOYMENT_TARGETS: is empty',
    ],
    [
      'a run id that is not one',
      { GITHUB_RUN_ID: '12; rm' },
      'GITHUB_RUN_ID: "12; rm" is not accepted; expected a GitHub run id',
    ],
  ];

  /** What every refused request shows, from either step. */
  function expectRefused(j: Job, step: Job['validate'] | undefined, message: string): void {
    expect(step?.code).toBe(1);
    expect(j.calls).toEqual([]);
    // Input never reaches the log raw, so it cannot start a workflow command of its own.
    expect(step?.stdout).not.toMatch(/^::set-output/m);
    expect(step?.stdout).toMatch(/^::error title=AML rollout::The request was rejected/m);
    expect(summaryRow(j, 'Outcome')).toBe('failed');
    expect(summaryText(j)).toContain('The request was rejected before any Azure call:');
    expect(summaryText(j)).toContain(message);
    // The summary table keeps one line per row whatever the input holds.
    const rows = (text: string): number =>
      text.split('\n').filter((l) => l.startsWith('| ')).length;
    expect(rows(j.summary)).toBe(rows(plainSummary));
  }

  let plainSummary = '';
  beforeAll(async () => {
    plainSummary = (await job({ env: { MODEL_NAME: 'churn-model' } })).summary;
  });

  test.each(cases)('%s', async (_label, env, message) => {
    const validate = await job({ env, azure: azure(V1_SERVING) });
    expectRefused(validate, validate.validate, message);
    expect(validate.outputs.proceed).toEqual(['false']);

    // The deploy step checks again on its own: it makes no call either, and the restore
    // step after it writes the summary.
    const direct = await job({ env, azure: azure(V1_SERVING), only: 'deploy' });
    expect(direct.deploy?.code).toBe(1);
    expect(direct.calls).toEqual([]);
    const restored = await job({ env, azure: azure(V1_SERVING), only: 'restore' });
    expect(restored.restore?.code).toBe(0);
    expect(restored.calls).toEqual([]);
  });

  test('":" is an entity in the job summary: no emoji, no link', async () => {
    const j = await job({ env: { MODEL_NAME: ':+1:', DEPLOY_ENVIRONMENT: 'https://x' } });

    expect(j.validate.code).toBe(1);
    expect(j.summary).toContain('| Model | <code>&#58;+1&#58;</code> |');
    expect(j.summary).toContain('| Environment | <code>https&#58;//x</code> |');
    expect(j.summary).not.toMatch(/:\+1:|https:/);
    expect(summaryRow(j, 'Model')).toBe(':+1:');
  });

  test.each<[string, Record<string, unknown> | string, string]>([
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
      'observeMinutes over 30',
      { observeMinutes: 31 },
      'iris.observeMinutes: 31 is not accepted; expected a whole number from 0 to 30',
    ],
    [
      'keepDeployments 0',
      { keepDeployments: 0 },
      'iris.keepDeployments: 0 is not accepted; expected a whole number from 1 to 10',
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
    const options: JobOptions =
      typeof target === 'string' ? { env: { AML_DEPLOYMENT_TARGETS: target } } : { target };
    const j = await job(options);

    expect(j.validate.code).toBe(1);
    expect(j.outputs.proceed).toEqual(['false']);
    expect(j.calls).toEqual([]);
    expect(summaryText(j)).toContain(message);
  });

  test('every problem of a target is listed at once', async () => {
    const j = await job({
      target: { canaryPercent: -1, keepDeployments: 11, endpointSpec: 'aml/missing.yml' },
    });
    expect(summaryText(j)).toContain(
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
  const warning = (fields: string): string =>
    '::warning title=AML rollout::Ignored a field of the deployment target that this workflow does not know (AML_DEPLOYMENT_TARGETS): ' +
    `${fields}. The workflow file .github/workflows/aml-deploy/rollout.js is older than the configuration: it is updated when the environment that commits the workflow deploys, and with workflowDelivery "pull-request" when that pull request is merged.`;
  const annotations = (step: Job['validate'] | undefined): string[] =>
    (step?.stdout ?? '').split('\n').filter((line) => line.startsWith('::'));

  test('are ignored with one warning, and the rollout proceeds', async () => {
    const j = await deployJob({
      azure: azure(V1_SERVING),
      target: { newField: { any: ['shape'] } } as never,
    });

    expect(annotations(j.validate)).toEqual([warning('iris.newField')]);
    expect(j.deploy?.code).toBe(0);
    expect(annotations(j.deploy)).toEqual([]);
    expect(j.deploy?.stdout).toContain(
      warning('iris.newField').replace('::warning title=AML rollout::', ''),
    );
    expect(endpointsOf(j.azure)[ENDPOINT].traffic).toEqual({ 'model-v1': 0, 'model-v2': 100 });
  });

  test('a known field with a bad value still fails, with the warning too', async () => {
    const j = await job({ target: { canaryPercent: 150, newField: true } as never });

    expect(j.validate.code).toBe(1);
    expect(annotations(j.validate)).toEqual([
      warning('iris.newField'),
      expect.stringMatching(
        /^::error title=AML rollout::The deployment target of model iris is invalid/,
      ),
    ]);
  });
});

describe('a rollout that never started', () => {
  test('gets a summary from the restore step, without Azure calls', async () => {
    const j = await job({ only: 'restore' });

    expect(j.restore?.code).toBe(0);
    expect(j.calls).toEqual([]);
    expect(summaryRow(j, 'Outcome')).toBe('failed');
    expect(summaryRow(j, 'Endpoint')).toBe(ENDPOINT);
    expect(summaryText(j)).toContain('The rollout did not start');
  });
});

/** Lets Azure finish what the job started; returns the endpoint. */
function later(j: Job): { traffic: Record<string, number> } {
  settleLater(j.azure);
  return endpointsOf(j.azure)[ENDPOINT];
}
