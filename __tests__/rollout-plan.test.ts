/**
 * The rollout's planner (rollout/plan.ts) as a table: endpoint state in (what `az ml
 * online-endpoint show` and `online-deployment list` print), plan out. Pure functions, no
 * process: these run in milliseconds. __tests__/rollout.test.ts runs the same decisions end
 * to end through the bundle and a fake `az`.
 */
import {
  parseModelRef,
  planRollout,
  provisioningState,
  readEndpointState,
  trafficText,
  type EndpointState,
  type Plan,
  type PlanRequest,
} from '../rollout/plan';

const ARM =
  'azureml:/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-demo/models';

/** A deployment as `online-deployment list` prints it; the model in the ARM form by default. */
type Listed = [name: string, model: string, state?: string];

function endpoint(traffic: Record<string, unknown>, deployments: Listed[]): EndpointState {
  const read = readEndpointState(
    { name: 'iris-ep', traffic, provisioning_state: 'Succeeded' },
    deployments.map(([name, model, state = 'Succeeded']) => ({
      name,
      model: /^\w[\w.-]*:\w+$/.test(model)
        ? `${ARM}/${model.split(':')[0]}/versions/${model.split(':')[1]}`
        : model,
      provisioning_state: state,
    })),
  );
  if ('error' in read) throw new Error(read.error);
  return read.state;
}

function plan(state: EndpointState, request: Partial<PlanRequest> = {}): Plan {
  return planRollout(state, {
    model: 'iris',
    version: '2',
    canaryPercent: 0,
    observeMinutes: 0,
    keepDeployments: 1,
    smokeTest: false,
    neverDowngrade: true,
    ...request,
  });
}

/** The traffic steps of a plan, as "what: traffic". */
function trafficSteps(p: Plan): string[] {
  return p.kind === 'roll-out'
    ? p.steps.flatMap((s) => (s.kind === 'traffic' ? [`${s.what}: ${trafficText(s.traffic)}`] : []))
    : [];
}

/** The plan with traffic maps as the text `--traffic` takes, for readable expectations. */
function shown(p: Plan): Record<string, unknown> {
  const before = { traffic: trafficText(p.before.traffic), deployments: p.before.deployments };
  if (p.kind !== 'roll-out') return { ...p, before };
  return {
    kind: p.kind,
    deployment: p.deployment,
    create: p.create,
    steps: trafficSteps(p),
    restore: trafficText(p.restore),
    cleanup: p.cleanup,
    after: { traffic: trafficText(p.after.traffic), deployments: p.after.deployments },
  };
}

const V1_SERVES = endpoint({ 'model-v1': 100 }, [['model-v1', 'iris:1']]);

describe('a new deployment', () => {
  test('on a new endpoint: created, 100 % at once, nothing to clean up', () => {
    expect(shown(plan(endpoint({}, []), { version: '1', canaryPercent: 10 }))).toEqual({
      kind: 'roll-out',
      deployment: 'model-v1',
      create: true,
      // Nothing else serves: no canary step.
      steps: ['final: model-v1=100'],
      restore: 'model-v1=0',
      cleanup: [],
      after: { traffic: 'model-v1=100', deployments: ['model-v1 (iris:1)'] },
    });
  });

  test('next to the serving one: blue/green, the old one kept', () => {
    expect(shown(plan(V1_SERVES))).toEqual({
      kind: 'roll-out',
      deployment: 'model-v2',
      create: true,
      steps: ['final: model-v1=0 model-v2=100'],
      restore: 'model-v1=100 model-v2=0',
      cleanup: [],
      after: {
        traffic: 'model-v1=0 model-v2=100',
        deployments: ['model-v1 (iris:1)', 'model-v2 (iris:2)'],
      },
    });
  });
});

describe('the canary step', () => {
  test.each([
    ['one serving deployment', { 'model-v1': 100 }, 20, 'model-v1=80 model-v2=20'],
    [
      'taken from the biggest shares first',
      { a: 50, b: 30, c: 20 },
      60,
      'a=0 b=20 c=20 model-v2=60',
    ],
    ['equal shares: by name', { b: 50, a: 50 }, 60, 'a=0 b=40 model-v2=60'],
    ['a share of 1 %', { 'model-v1': 100 }, 1, 'model-v1=99 model-v2=1'],
  ])('%s', (_label, traffic, canaryPercent, canary) => {
    const state = endpoint(
      traffic,
      Object.keys(traffic).map((name): Listed => [name, 'azureml:other:1']),
    );
    const p = plan(state, { canaryPercent });
    expect(trafficSteps(p)).toEqual([
      `canary: ${canary}`,
      `final: ${Object.keys(traffic)
        .sort()
        .map((d) => `${d}=0`)
        .join(' ')} model-v2=100`,
    ]);
  });

  test.each([
    ['canaryPercent 0', 0, { 'model-v1': 100 }],
    ['nothing else serves (all 0 %)', 20, { 'model-v1': 0 }],
  ])('none when %s', (_label, canaryPercent, traffic) => {
    const p = plan(endpoint(traffic, [['model-v1', 'iris:1']]), { canaryPercent });
    expect(trafficSteps(p).map((s) => s.split(':')[0])).toEqual(['final']);
  });

  test('a reused deployment that already has the canary share gets none; one below it is topped up', () => {
    const state = (share: number): EndpointState =>
      endpoint({ 'model-v1': 100 - share, 'model-v2': share }, [
        ['model-v1', 'iris:1'],
        ['model-v2', 'iris:2'],
      ]);
    const steps = trafficSteps;
    expect(steps(plan(state(30), { canaryPercent: 20 }))).toEqual([
      'final: model-v1=0 model-v2=100',
    ]);
    expect(steps(plan(state(10), { canaryPercent: 20 }))).toEqual([
      'canary: model-v1=80 model-v2=20',
      'final: model-v1=0 model-v2=100',
    ]);
  });
});

describe('a repeated event', () => {
  test.each([
    ['an ARM-style id', 'iris:1'],
    ['azureml:NAME:VERSION', 'azureml:iris:1'],
  ])('the version serving 100 %% (model as %s) is unchanged', (_form, model) => {
    const p = plan(endpoint({ 'model-v1': 100 }, [['model-v1', model]]), { version: '1' });
    expect(shown(p)).toEqual({
      kind: 'unchanged',
      deployment: 'model-v1',
      cleanup: [],
      before: { traffic: 'model-v1=100', deployments: ['model-v1 (iris:1)'] },
    });
  });

  test('deployments beyond keepDeployments are still cleaned up (a run cut off in its cleanup)', () => {
    const p = plan(
      endpoint({ 'model-v1': 0, 'model-v2': 0, 'model-v3': 100 }, [
        ['model-v1', 'iris:1'],
        ['model-v2', 'iris:2'],
        ['model-v3', 'iris:3'],
      ]),
      { version: '3', keepDeployments: 1 },
    );
    expect(p).toMatchObject({ kind: 'unchanged', cleanup: ['model-v1'] });
  });

  test('a deployment of the version serving 100 % under another name is unchanged too', () => {
    const p = plan(endpoint({ blue: 100 }, [['blue', 'iris:2']]));
    expect(p).toMatchObject({ kind: 'unchanged', deployment: 'blue' });
  });
});

describe('events never downgrade', () => {
  const kept = endpoint({ 'model-v3': 0, 'model-v4': 0, 'model-v5': 100 }, [
    ['model-v3', 'iris:3'],
    ['model-v4', 'iris:4'],
    ['model-v5', 'iris:5'],
  ]);

  test.each([
    ['an older version (event)', kept, '3', true, { kind: 'stale', servingVersion: 5 }],
    [
      'an older version by hand: reused, a rollback',
      kept,
      '3',
      false,
      { kind: 'roll-out', deployment: 'model-v3', create: false },
    ],
    ['the same version', kept, '5', true, { kind: 'unchanged' }],
    ['a newer version', kept, '6', true, { kind: 'roll-out', deployment: 'model-v6' }],
    [
      'a higher version with any share, not only 100 %',
      endpoint({ 'model-v4': 90, 'model-v5': 10 }, [
        ['model-v4', 'iris:4'],
        ['model-v5', 'azureml:iris:5'],
      ]),
      '4',
      true,
      { kind: 'stale', servingVersion: 5 },
    ],
    [
      'versions compared as numbers (10 > 9)',
      endpoint({ 'model-v10': 100 }, [['model-v10', 'iris:10']]),
      '9',
      true,
      { kind: 'stale', servingVersion: 10 },
    ],
    [
      'a higher version without traffic does not count',
      kept,
      '4',
      true,
      { kind: 'stale', servingVersion: 5 },
    ],
    [
      'a serving version that is not a whole number (made by hand) does not count',
      endpoint({ custom: 100 }, [['custom', 'azureml:iris:7.1']]),
      '2',
      true,
      { kind: 'roll-out', deployment: 'model-v2' },
    ],
    [
      'another model serving a higher version does not count',
      endpoint({ blue: 100 }, [['blue', 'legacy:9']]),
      '2',
      true,
      { kind: 'roll-out', deployment: 'model-v2' },
    ],
  ])('%s', (_label, state, version, neverDowngrade, expected) => {
    expect(plan(state, { version, neverDowngrade })).toMatchObject(expected);
  });
});

describe('a deployment of this version that exists', () => {
  test('is reused as it is: the one with most traffic, then our own name', () => {
    const state = (traffic: Record<string, number>): EndpointState =>
      endpoint(traffic, [
        ['blue', 'iris:2'],
        ['model-v1', 'iris:1'],
        ['model-v2', 'iris:2'],
      ]);
    expect(plan(state({ 'model-v1': 100 }))).toMatchObject({
      kind: 'roll-out',
      deployment: 'model-v2',
      create: false,
    });
    expect(plan(state({ 'model-v1': 90, blue: 10 }))).toMatchObject({ deployment: 'blue' });
  });

  test('one that did not provision is refused, naming it', () => {
    const state = endpoint({ 'model-v1': 100 }, [
      ['model-v1', 'iris:1'],
      ['model-v2', 'iris:2', 'Failed'],
    ]);
    expect(plan(state)).toMatchObject({
      kind: 'not-provisioned',
      deployment: 'model-v2',
      state: 'failed',
    });
  });

  test('a Failed one is passed over when another of the version provisioned', () => {
    const state = endpoint({ 'model-v1': 100 }, [
      ['green', 'iris:2'],
      ['model-v1', 'iris:1'],
      ['model-v2', 'iris:2', 'Failed'],
    ]);
    expect(plan(state)).toMatchObject({ kind: 'roll-out', deployment: 'green', create: false });
  });

  test('our name running another model is refused, naming what it runs', () => {
    const state = endpoint({ 'model-v2': 100 }, [['model-v2', 'azureml:iris-experimental:9']]);
    expect(plan(state)).toMatchObject({
      kind: 'name-taken',
      deployment: 'model-v2',
      label: 'model-v2 (iris-experimental:9)',
    });
  });
});

describe('cleanup after success', () => {
  // model-v3 serves; model-v1 and model-v2 are kept; blue runs another model.
  const state = endpoint({ 'model-v3': 100, 'model-v2': 0, blue: 0 }, [
    ['blue', 'azureml:legacy-model:7'],
    ['model-v1', 'azureml:iris:1'],
    ['model-v2', 'iris:2'],
    ['model-v3', 'iris:3'],
  ]);

  test.each([
    // Deleted deployments drop out of the traffic map; model-v1 had no entry in it.
    [1, ['model-v2', 'model-v1'], 'blue=0 model-v3=0 model-v4=100'],
    [2, ['model-v1'], 'blue=0 model-v2=0 model-v3=0 model-v4=100'],
    [10, [], 'blue=0 model-v2=0 model-v3=0 model-v4=100'],
  ])(
    'keepDeployments=%s: the one that served is kept, then the newest; deletes %j',
    (keep, cleanup, traffic) => {
      const p = plan(state, { version: '4', keepDeployments: keep });
      expect(p.kind === 'roll-out' && p.cleanup).toEqual(cleanup);
      expect(p.kind === 'roll-out' && trafficText(p.after.traffic)).toBe(traffic);
    },
  );

  test('the deployment that served is kept even when a newer one exists', () => {
    const p = plan(
      endpoint({ 'model-v3': 100, 'model-v5': 0 }, [
        ['model-v3', 'iris:3'],
        ['model-v5', 'iris:5'],
      ]),
      { version: '6' },
    );
    expect(p).toMatchObject({ kind: 'roll-out', cleanup: ['model-v5'] });
  });

  test('newest by version number (10 before 9), then by name', () => {
    const p = plan(
      endpoint({ 'model-v11': 100 }, [
        ['model-v11', 'iris:11'],
        ['model-v9', 'iris:9'],
        ['model-v10', 'iris:10'],
        ['hand-made', 'azureml:iris:beta'],
      ]),
      { version: '12', keepDeployments: 2 },
    );
    expect(p).toMatchObject({ cleanup: ['model-v9', 'hand-made'] });
  });

  test('deployments of other models and those with traffic are never deleted', () => {
    const p = plan(
      endpoint({ a: 50, b: 50 }, [
        ['a', 'iris:1'],
        ['b', 'other:1'],
        ['c', 'other:2'],
        ['d', 'azureml:/not/a/model/reference'],
      ]),
      { version: '2', keepDeployments: 1 },
    );
    expect(p).toMatchObject({ cleanup: [] });
  });
});

describe('reading the endpoint', () => {
  test.each([
    ['azureml:iris:3', { name: 'iris', version: '3' }],
    [`${ARM}/iris/versions/3`, { name: 'iris', version: '3' }],
    ['azureml://registries/mlr-contoso/models/iris/versions/3', { name: 'iris', version: '3' }],
    ['azureml:iris', undefined],
    ['iris:3', undefined],
    [42, undefined],
  ])('model %j reads as %j', (model, ref) => {
    expect(parseModelRef(model)).toEqual(ref);
  });

  test('labels show the model, or what Azure said when it is in neither form', () => {
    const read = readEndpointState({ traffic: null }, [
      { name: 'a', model: 'azureml:iris:3' },
      { name: 'b', model: 'something else' },
      { name: 'c' },
    ]);
    expect('state' in read && read.state.deployments.map((d) => d.label)).toEqual([
      'a (iris:3)',
      'b (something else)',
      'c (unknown model)',
    ]);
    expect('state' in read && read.state.traffic.size).toBe(0);
  });

  test('shares given as numeric strings are read as numbers', () => {
    const read = readEndpointState({ traffic: { a: '100' } }, []);
    expect('state' in read && trafficText(read.state.traffic)).toBe('a=100');
  });

  test.each([
    ['an endpoint that is not an object', [], [], 'the endpoint is not a JSON object'],
    ['traffic that is not an object', { traffic: [] }, [], 'is not a JSON object'],
    ['a share over 100', { traffic: { a: 150 } }, [], 'the traffic share of "a" is 150'],
    ['a share that is no number', { traffic: { a: 'x' } }, [], 'the traffic share of "a" is "x"'],
    ['a list that is not a list', { traffic: {} }, {}, 'the deployment list is not a JSON array'],
    ['a deployment without a name', { traffic: {} }, [{ model: 'x' }], 'has no name'],
  ])('%s is an error, not a guess', (_label, endpointJson, deployments, message) => {
    const read = readEndpointState(endpointJson, deployments);
    expect('error' in read && read.error).toContain(message);
  });

  test('traffic is written in the one form --traffic takes, sorted by name', () => {
    expect(
      trafficText(
        new Map([
          ['b', 10],
          ['a', 90],
        ]),
      ),
    ).toBe('a=90 b=10');
    expect(trafficText(new Map())).toBe('');
  });
});

describe('the steps and what undoes each', () => {
  const steps = (p: Plan): string[] =>
    p.kind === 'roll-out' ? p.steps.map((s) => `${s.kind} / ${s.undo.kind}`) : [];

  test('a created deployment: every step, in order; the create and the traffic are undone', () => {
    const p = plan(V1_SERVES, { canaryPercent: 20, observeMinutes: 5, smokeTest: true });
    expect(steps(p)).toEqual([
      'create / delete-deployment',
      'smoke-test / none',
      'traffic / restore-traffic',
      'observe / none',
      'traffic / restore-traffic',
    ]);
    expect(p).toMatchObject({ owned: true });
    const observe = p.kind === 'roll-out' ? p.steps.find((s) => s.kind === 'observe') : undefined;
    expect(observe).toMatchObject({ minutes: 5 });
    expect(observe?.kind === 'observe' && trafficText(observe.traffic)).toBe(
      'model-v1=80 model-v2=20',
    );
  });

  test('a reused deployment existed before the run: nothing deletes it', () => {
    const p = plan(
      endpoint({ 'model-v1': 100 }, [
        ['model-v1', 'iris:1'],
        ['model-v2', 'iris:2'],
      ]),
      { smokeTest: true },
    );
    expect(steps(p)).toEqual(['smoke-test / none', 'traffic / restore-traffic']);
    expect(p).toMatchObject({ create: false, owned: false });
  });

  test('a provisional deployment (left by an interrupted run of this version) is reused and owned', () => {
    const state = endpoint({ 'model-v1': 100 }, [
      ['model-v1', 'iris:1'],
      ['model-v2', 'iris:2'],
    ]);
    const p = plan(state, { provisional: 'model-v2' });
    expect(p).toMatchObject({ create: false, owned: true, deployment: 'model-v2' });
  });

  test('cleanup comes last, after the full shift', () => {
    const p = plan(
      endpoint({ 'model-v1': 0, 'model-v3': 100 }, [
        ['model-v1', 'iris:1'],
        ['model-v2', 'iris:2'],
        ['model-v3', 'iris:3'],
      ]),
      { version: '4' },
    );
    expect(steps(p)).toEqual([
      'create / delete-deployment',
      'traffic / restore-traffic',
      'cleanup / none',
    ]);
  });
});

describe('provisioning states (ml 2.44 and 2.45)', () => {
  // ml 2.44 prints the service's value; from 2.45 `online-deployment list/show` print the
  // SDK's enum as Python 3.11+ names it (Azure/azureml-examples PR #4123; the extension's
  // azext_mlv2/manual/custom/online_deployment.py dumps the entity without normalising it).
  test.each([
    ['Succeeded', 'succeeded'],
    ['DeploymentProvisioningState.SUCCEEDED', 'succeeded'],
    ['EndpointProvisioningState.SUCCEEDED', 'succeeded'],
    ['DeploymentProvisioningState.CREATING', 'creating'],
    ['Failed', 'failed'],
    [undefined, ''],
  ])('%j reads as %j', (raw, state) => {
    expect(provisioningState(raw)).toBe(state);
  });

  test('a kept deployment reported in the 2.45 form is reused for a rollback', () => {
    const state = endpoint({ 'model-v2': 100 }, [
      ['model-v1', 'iris:1', 'DeploymentProvisioningState.SUCCEEDED'],
      ['model-v2', 'iris:2', 'DeploymentProvisioningState.SUCCEEDED'],
    ]);
    expect(plan(state, { version: '1', neverDowngrade: false })).toMatchObject({
      kind: 'roll-out',
      deployment: 'model-v1',
      create: false,
    });
  });
});
