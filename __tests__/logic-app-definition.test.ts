/**
 * Behaviour of the Logic App definition: each test runs the definition in the WDL
 * evaluator (`support/wdl.ts`, semantics pinned in `wdl.test.ts`) on an Event Grid
 * delivery, and asserts the exact requests that leave the workflow and the HTTP answer
 * Event Grid gets.
 */
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import type {
  EventGridEvent,
  KnownSystemEventTypes,
  MachineLearningServicesModelRegisteredEventData,
  MachineLearningServicesRunCompletedEventData,
  SubscriptionValidationEventData,
} from '@azure/eventgrid';
import { DISPATCH_EVENT_TYPE, PAYLOAD_KEYS, type DispatchPayload } from '../lib/dispatch-contract';
import { expectedPayload } from './support/payload';
import {
  ACTION_NAMES,
  buildLogicAppDefinition,
  GITHUB_API_VERSION,
  MODEL_REGISTERED_EVENT_TYPE,
  EVENT_GRID_ANSWER_SECONDS,
  SUBSCRIPTION_VALIDATION_EVENT_TYPE,
  TRIGGER_NAME,
  type LogicAppDefinitionProps,
  type WorkflowAction,
} from '../lib/logic-app-definition';
import { runWorkflow, type HttpAnswer, type OutgoingRequest, type RunResult } from './support/wdl';

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

const PROPS: LogicAppDefinitionProps = {
  owner: 'contoso-ml',
  repository: 'model-serving',
  environment: 'staging',
  workspace: 'mlw-contoso-stg',
  keyVaultUri: 'https://kv-contoso-stg.vault.azure.net/',
  tokenSecretName: 'github-dispatch-token',
};
const TOKEN = 'github_pat_11TEST0NLY_n0tARealT0ken0000000000000000000000';
const DISPATCH_URL = 'https://api.github.com/repos/contoso-ml/model-serving/dispatches';
const SECRET_URL =
  'https://kv-contoso-stg.vault.azure.net/secrets/github-dispatch-token?api-version=7.4';

const definition = buildLogicAppDefinition(PROPS);

/** An event as it travels over HTTP: the SDK type, with eventTime as the JSON string it is. */
type WireEvent<T> = Omit<EventGridEvent<T>, 'eventTime'> & {
  readonly eventTime: string;
  readonly metadataVersion?: string;
};

const WORKSPACE_TOPIC =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-contoso-stg';

/**
 * The data of Microsoft's documented sample. `@azure/eventgrid` has no type for it: its
 * `MachineLearningServicesModelRegisteredEventData` is camelCase with a string version.
 */
interface DocumentedModelRegisteredData {
  readonly ModelName: string;
  readonly ModelVersion: number;
  readonly ModelTags: Record<string, string>;
  readonly ModelProperties: Record<string, string>;
}

/**
 * Copied verbatim from Microsoft Learn, "Azure Machine Learning as an Event Grid source",
 * Example events, tab "Event Grid event schema" (event-schema-machine-learning.md).
 */
const DOCUMENTED_SAMPLE: WireEvent<DocumentedModelRegisteredData>[] = [
  {
    topic:
      '/subscriptions/{subscription-id}/resourceGroups/{resource-group-name}/providers/Microsoft.MachineLearningServices/workspaces/{workspace-name}',
    subject: 'models/sklearn_regression_model:20',
    eventType: 'Microsoft.MachineLearningServices.ModelRegistered',
    eventTime: '2017-06-26T18:41:00.9584103Z',
    id: '831e1650-001e-001b-66ab-eeb76e069631',
    data: {
      ModelName: 'sklearn_regression_model',
      ModelVersion: 20,
      ModelTags: {
        area: 'diabetes',
        type: 'regression',
      },
      ModelProperties: {
        type: 'test',
      },
    },
    dataVersion: '',
    metadataVersion: '1',
  },
];

/** The shape real registrations send (and the Azure SDKs describe): camelCase, string version. */
function modelRegistered(
  modelName: string,
  modelVersion: string,
  id = `evt-${modelName}-${modelVersion}`,
): WireEvent<MachineLearningServicesModelRegisteredEventData> {
  return {
    topic: WORKSPACE_TOPIC,
    subject: `models/${modelName}:${modelVersion}`,
    eventType: MODEL_REGISTERED_EVENT_TYPE,
    eventTime: '2025-11-29T10:15:30.1234567Z',
    id,
    data: { modelName, modelVersion, modelTags: {}, modelProperties: {} },
    dataVersion: '2',
    metadataVersion: '1',
  };
}

/** From Microsoft Learn, "Receive events from Azure Event Grid to an HTTP endpoint". */
const VALIDATION_EVENT: WireEvent<SubscriptionValidationEventData> = {
  id: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66',
  topic: WORKSPACE_TOPIC,
  subject: '',
  data: {
    validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6',
    validationUrl:
      'https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/estest/validate?id=512d38b6-c7b8-40c8-89fe-f46f9e9622b6&t=2018-04-26T20:30:54.4538837Z&apiVersion=2018-05-01-preview&token=1A1A1A1A',
  },
  eventType: SUBSCRIPTION_VALIDATION_EVENT_TYPE,
  eventTime: '2018-01-25T22:12:19.4556811Z',
  metadataVersion: '1',
  dataVersion: '1',
};

const RUN_COMPLETED: WireEvent<MachineLearningServicesRunCompletedEventData> = {
  topic: WORKSPACE_TOPIC,
  subject: 'experiments/0fa9dfaa/runs/AutoML_ad912b2d_5',
  eventType: 'Microsoft.MachineLearningServices.RunCompleted',
  eventTime: '2025-11-29T10:00:00Z',
  id: 'evt-run-completed',
  data: {
    experimentId: '0fa9dfaa',
    experimentName: 'automl-local-regression',
    runId: 'AutoML_ad912b2d_5',
    runType: 'automl',
    runTags: {},
    runProperties: {},
  },
  dataVersion: '',
  metadataVersion: '1',
};

// ---------------------------------------------------------------------------------------
// GitHub's request-body schema for repos/create-dispatch-event
// ---------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Only the 13 MB description; the package root would load every GitHub variant. */
const openapi = JSON.parse(
  readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8'),
) as { paths: Record<string, Record<string, { operationId?: string } & Record<string, Json>>> };

function resolveRefs(node: Json, seen: readonly string[] = []): Json {
  if (Array.isArray(node)) return node.map((n) => resolveRefs(n, seen));
  if (node === null || typeof node !== 'object') return node;
  const ref = node.$ref;
  if (typeof ref === 'string') {
    if (seen.includes(ref)) throw new Error(`recursive $ref ${ref}`);
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<Json>(
        (n, part) => (n as Record<string, Json>)[part.replace(/~1/g, '/').replace(/~0/g, '~')],
        openapi as unknown as Json,
      );
    return resolveRefs(target, [...seen, ref]);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveRefs(v, seen)]));
}

const dispatchOperation = Object.entries(openapi.paths).flatMap(([path, methods]) =>
  Object.entries(methods)
    .filter(([, op]) => op.operationId === 'repos/create-dispatch-event')
    .map(([method, op]) => ({ path, method, op })),
)[0];

const requestBodySchema = resolveRefs(
  (dispatchOperation.op.requestBody as { content: { 'application/json': { schema: Json } } })
    .content['application/json'].schema,
);
const validateDispatchBody = new Ajv({ strict: false, allErrors: true }).compile(
  requestBodySchema as object,
);

// ---------------------------------------------------------------------------------------
// Running a delivery
// ---------------------------------------------------------------------------------------

type GitHub = (request: OutgoingRequest) => HttpAnswer;
const noContent: GitHub = () => ({ status: 204 });

function sequence(...answers: HttpAnswer[]): GitHub {
  let k = 0;
  return () => answers[Math.min(k++, answers.length - 1)];
}

/** Key Vault answers with the token unless told otherwise; GitHub per test. */
function deliver(
  body: unknown,
  { github = noContent, keyVault }: { github?: GitHub; keyVault?: GitHub } = {},
): RunResult {
  return runWorkflow(
    definition,
    { body },
    {
      runId: '08584000000000000000000000000CU07',
      responder: (request) => {
        if (request.uri === SECRET_URL) {
          return keyVault
            ? keyVault(request)
            : {
                status: 200,
                body: { value: TOKEN, id: `${PROPS.keyVaultUri}secrets/x/1`, attributes: {} },
              };
        }
        if (request.uri.startsWith('https://api.github.com/')) return github(request);
        throw new Error(`unexpected request ${request.method} ${request.uri}`);
      },
    },
  );
}

const tokenReads = (run: RunResult) => run.requests.filter((r) => r.uri === SECRET_URL);
const dispatches = (run: RunResult) =>
  run.requests.filter((r) => r.uri.startsWith('https://api.github.com/'));

interface DispatchBody {
  readonly event_type: string;
  readonly client_payload: DispatchPayload;
}

/** Everything a dispatch must be, for `event`, whose model the test names. */
function expectDispatch(
  request: OutgoingRequest,
  event: { readonly id: string; readonly data: object },
  expected: { name: string; version: string },
): void {
  expect(request.method).toBe('POST');
  expect(request.uri).toBe(DISPATCH_URL);
  expect(request.headers).toEqual({
    Accept: 'application/vnd.github+json',
    Authorization: `Bearer ${TOKEN}`,
    'Content-Type': 'application/json',
    'User-Agent': expect.stringMatching(/\S/),
    'X-GitHub-Api-Version': GITHUB_API_VERSION,
  });
  expect(validateDispatchBody(request.body) ? [] : validateDispatchBody.errors).toEqual([]);
  const body = request.body as DispatchBody;
  expect(body.event_type).toBe(DISPATCH_EVENT_TYPE);
  // Every field from where the contract says the Logic App takes it.
  expect(body.client_payload).toStrictEqual(expectedPayload(event, PROPS));
  expect(body.client_payload[PAYLOAD_KEYS.modelName]).toBe(expected.name);
  expect(body.client_payload[PAYLOAD_KEYS.modelVersion]).toBe(expected.version);
  expect(body.client_payload[PAYLOAD_KEYS.eventId]).toBe(event.id);
  expect(body.client_payload[PAYLOAD_KEYS.environment]).toBe(PROPS.environment);
  expect(Object.keys(body.client_payload).length).toBeLessThanOrEqual(10);
  expectTokenOnlyInAuthorization(request);
}

function expectTokenOnlyInAuthorization(request: OutgoingRequest): void {
  const { Authorization, ...otherHeaders } = request.headers;
  expect(Authorization).toBe(`Bearer ${TOKEN}`);
  expect(request.uri).not.toContain(TOKEN);
  expect(JSON.stringify(request.body)).not.toContain(TOKEN);
  expect(JSON.stringify(otherHeaders)).not.toContain(TOKEN);
}

/** Every path ends in exactly one Response, and the token never reaches run history. */
function expectOneAnswerAndCleanHistory(run: RunResult): void {
  const responses = run.history.filter((h) => h.type === 'Response' && h.status === 'Succeeded');
  expect(responses.map((h) => h.name)).toHaveLength(1);
  expect(JSON.stringify(run.history)).not.toContain(TOKEN);
}

function expectVisibleFailure(run: RunResult): void {
  expect(run.status).toBe('Failed');
  expect(run.answer.statusCode).toBe(500);
  expect(run.answer.body).toEqual({
    error: expect.stringContaining('not processed'),
    run: '08584000000000000000000000000CU07',
  });
  expect(run.runError?.code).toBe('DeliveryNotProcessed');
  expectOneAnswerAndCleanHistory(run);
}

// ---------------------------------------------------------------------------------------
// Deliveries
// ---------------------------------------------------------------------------------------

describe('a ModelRegistered delivery', () => {
  it("dispatches Microsoft's documented sample (PascalCase, numeric version) with the version as a string", () => {
    const run = deliver(DOCUMENTED_SAMPLE);

    expect(run.status).toBe('Succeeded');
    expect(run.answer).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: { dispatched: 1 },
    });
    expect(tokenReads(run)).toHaveLength(1);
    expect(dispatches(run)).toHaveLength(1);
    expectDispatch(dispatches(run)[0], DOCUMENTED_SAMPLE[0], {
      name: 'sklearn_regression_model',
      version: '20',
    });
    expectOneAnswerAndCleanHistory(run);
  });

  it('dispatches the camelCase shape real registrations send (modelVersion a string)', () => {
    const event = modelRegistered('credit-default', '3', 'evt-1');
    const run = deliver([event]);

    expect(run.answer.statusCode).toBe(200);
    expect(dispatches(run)).toHaveLength(1);
    expectDispatch(dispatches(run)[0], event, { name: 'credit-default', version: '3' });
    expectOneAnswerAndCleanHistory(run);
  });

  it('dispatches every ModelRegistered event of a batch, in order, skipping other types, with one token read', () => {
    const run = deliver([
      modelRegistered('a', '1'),
      RUN_COMPLETED,
      DOCUMENTED_SAMPLE[0],
      modelRegistered('c', '10'),
    ]);

    expect(run.answer).toMatchObject({ statusCode: 200, body: { dispatched: 3 } });
    expect(tokenReads(run)).toHaveLength(1);
    expect(
      dispatches(run).map((r) => {
        const p = (r.body as DispatchBody).client_payload;
        return `${p.model_name}:${p.model_version}`;
      }),
    ).toEqual(['a:1', 'sklearn_regression_model:20', 'c:10']);
    dispatches(run).forEach((r) => expectTokenOnlyInAuthorization(r));
    expectOneAnswerAndCleanHistory(run);
  });

  it.each([
    ['spaces and dots', 'fraud model v2.final', '7'],
    ['unicode', 'モデル-ü-✓', '1'],
    ['quotes and backslashes', `it's a "quoted" \\ name`, '2'],
    ['expression syntax, carried as data', "@{body('Read_GitHub_token')['value']}", '@{4}'],
    ['a non-numeric version', 'llm', '2025-11-29.rc1'],
  ])('carries a model name with %s exactly', (_, name, version) => {
    const event = modelRegistered(name, version, 'evt-x');
    const run = deliver([event]);

    expect(run.answer.statusCode).toBe(200);
    expectDispatch(dispatches(run)[0], event, { name, version });
  });

  it('dispatches a redelivered event again with the same event_id (delivery is at least once)', () => {
    const event = modelRegistered('m', '1', 'same-id');
    const ids = [deliver([event]), deliver([event])].map(
      (run) => (dispatches(run)[0].body as DispatchBody).client_payload.event_id,
    );
    expect(ids).toEqual(['same-id', 'same-id']);
  });
});

describe('other deliveries', () => {
  it('answers the subscription validation handshake with the code, reading no token and dispatching nothing', () => {
    const run = deliver([VALIDATION_EVENT]);

    expect(run.status).toBe('Succeeded');
    expect(run.answer).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: { validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' },
    });
    expect(run.requests).toEqual([]);
    expectOneAnswerAndCleanHistory(run);
  });

  it('fails a validation event without a code visibly', () => {
    const run = deliver([{ ...VALIDATION_EVENT, data: { validationUrl: 'https://x.test/' } }]);
    expectVisibleFailure(run);
    expect(run.statuses(ACTION_NAMES.respondToValidation)).toEqual(['Failed']);
  });

  it('ignores events of other types: 200, no token read, no dispatch, the run succeeds', () => {
    const run = deliver([RUN_COMPLETED]);

    expect(run.status).toBe('Succeeded');
    expect(run.answer).toMatchObject({ statusCode: 200, body: { dispatched: 0 } });
    expect(run.requests).toEqual([]);
    expect(run.statuses(ACTION_NAMES.readGitHubToken)).toEqual(['Skipped']);
    expectOneAnswerAndCleanHistory(run);
  });
});

describe('malformed deliveries fail visibly (HTTP 500, run Failed) and dispatch nothing', () => {
  const valid = modelRegistered('m', '1');

  it.each([
    ['no data fields', { ...valid, data: {} }],
    ['a name but no version', { ...valid, data: { modelName: 'm' } }],
    ['a version but no name', { ...valid, data: { ModelVersion: 3 } }],
    ['an empty name', { ...valid, data: { modelName: '', modelVersion: '1' } }],
    ['a null version', { ...valid, data: { modelName: 'm', modelVersion: null } }],
    [
      'lower-case keys from neither shape',
      { ...valid, data: { modelname: 'm', modelversion: '1' } },
    ],
  ])('a ModelRegistered event with %s', (_, event) => {
    const run = deliver([event]);

    expectVisibleFailure(run);
    expect(dispatches(run)).toEqual([]);
    expect(run.statuses(ACTION_NAMES.parseModelRegistered)).toEqual(['Failed']);
    expect(run.statuses(ACTION_NAMES.dispatch)).toEqual(['Skipped']);
  });

  it.each([
    ['a single event object (CloudEvents style)', modelRegistered('m', '1')],
    ['text that is not JSON', 'model m version 1'],
    ['an array of strings', ['models/m:1']],
    ['an empty array', []],
    [
      'an event without data',
      [{ id: 'x', eventType: MODEL_REGISTERED_EVENT_TYPE, subject: 's', eventTime: 't' }],
    ],
    ['no body', null],
  ])('a body that is %s', (_, body) => {
    const run = deliver(body);

    expectVisibleFailure(run);
    expect(run.requests).toEqual([]);
    expect(run.statuses(ACTION_NAMES.parseEvents)).toEqual(['Failed']);
  });

  it('still dispatches the valid events of a batch, then fails so Event Grid redelivers', () => {
    const run = deliver([
      modelRegistered('a', '1'),
      { ...valid, data: {} },
      modelRegistered('c', '3'),
    ]);

    expectVisibleFailure(run);
    expect(dispatches(run).map((r) => (r.body as DispatchBody).client_payload.model_name)).toEqual([
      'a',
      'c',
    ]);
  });
});

describe('GitHub and Key Vault failures', () => {
  it('retries 429 and 502 with exponential back-off and succeeds on the third attempt', () => {
    const event = modelRegistered('m', '1');
    const run = deliver([event], {
      github: sequence({ status: 429 }, { status: 502 }, { status: 204 }),
    });

    expect(run.status).toBe('Succeeded');
    expect(run.answer.statusCode).toBe(200);
    expect(dispatches(run).map((r) => [r.attempt, r.waitSeconds])).toEqual([
      [1, [0, 0]],
      [2, [5, 5]],
      [3, [5, 10]],
    ]);
    dispatches(run).forEach((r) => expectDispatch(r, event, { name: 'm', version: '1' }));
    expectOneAnswerAndCleanHistory(run);
  });

  it('does not retry 422 (invalid payload): the run fails and Event Grid gets a 500', () => {
    const event = modelRegistered('m', '1');
    const run = deliver([event], {
      github: () => ({ status: 422, body: { message: 'Invalid request.' } }),
    });

    expect(dispatches(run)).toHaveLength(1);
    expect(run.statuses(ACTION_NAMES.dispatch)).toEqual(['Failed']);
    expectVisibleFailure(run);
  });

  it('gives up after two retries of a 500: the run fails and Event Grid gets a 500', () => {
    const event = modelRegistered('m', '1');
    const run = deliver([event], { github: () => ({ status: 500 }) });

    expect(dispatches(run)).toHaveLength(3);
    expectVisibleFailure(run);
  });

  it('dispatches nothing when the token cannot be read, and fails visibly', () => {
    const event = modelRegistered('m', '1');
    const run = deliver([event], {
      keyVault: () => ({ status: 403, body: { error: { code: 'Forbidden' } } }),
    });

    expect(tokenReads(run)).toHaveLength(1);
    expect(dispatches(run)).toEqual([]);
    expectVisibleFailure(run);
  });

  it('never sends an empty bearer token when the secret has no value', () => {
    const event = modelRegistered('m', '1');
    const run = deliver([event], {
      keyVault: () => ({ status: 200, body: { id: `${PROPS.keyVaultUri}secrets/x/1` } }),
    });

    expect(dispatches(run)).toEqual([]);
    expect(run.statuses(ACTION_NAMES.dispatch)).toEqual(['Failed']);
    expectVisibleFailure(run);
  });

  it('reads the token with the managed identity for the Key Vault audience, retrying once', () => {
    const event = modelRegistered('m', '1');
    const run = deliver([event], {
      keyVault: sequence({ status: 503 }, { status: 200, body: { value: TOKEN } }),
    });

    expect(tokenReads(run).map((r) => [r.method, r.attempt, r.waitSeconds])).toEqual([
      ['GET', 1, [0, 0]],
      ['GET', 2, [5, 5]],
    ]);
    expect(tokenReads(run)[0].authentication).toEqual({
      type: 'ManagedServiceIdentity',
      audience: 'https://vault.azure.net',
    });
    expect(run.answer.statusCode).toBe(200);
  });

  describe('answers Event Grid within its 30 s whatever Key Vault and GitHub do', () => {
    // Each server: answers at once, answers slowly, fails (retried), or never answers.
    type Behaviour = (request: OutgoingRequest) => HttpAnswer;
    const behaviours: Record<string, (ok: HttpAnswer) => Behaviour> = {
      'answers at once': (ok) => () => ok,
      'takes 6 s per attempt': (ok) => () => ({ ...ok, seconds: 6 }),
      'fails with 503, then answers after 4 s': (ok) =>
        sequence({ status: 503, seconds: 4 }, { ...ok, seconds: 4 }),
      'always 429': () => () => ({ status: 429, seconds: 1 }),
      'never answers': () => () => ({ timedOut: true }),
    };
    const vaultOk: HttpAnswer = { status: 200, body: { value: TOKEN } };
    const githubOk: HttpAnswer = { status: 204 };
    const cases = Object.keys(behaviours).flatMap((kv) =>
      Object.keys(behaviours).map((gh) => [kv, gh] as const),
    );

    it.each(cases)('Key Vault %s, GitHub %s', (kv, gh) => {
      const event = modelRegistered('m', '1');
      const run = deliver([event], {
        keyVault: behaviours[kv](vaultOk),
        github: behaviours[gh](githubOk),
      });

      expect(run.answerSeconds).toBeDefined();
      expect(run.answerSeconds).toBeLessThan(EVENT_GRID_ANSWER_SECONDS);
      // An action that ran out of time fails the delivery visibly (HTTP 500: Event Grid
      // retries, then dead-letters), never silently.
      if (run.statuses(ACTION_NAMES.readGitHubToken).includes('TimedOut')) {
        expect(run.answer.statusCode).toBe(500);
      }
    });

    it('without the limits, a GitHub that never answers would keep the run past the window', () => {
      const unbounded = JSON.parse(
        JSON.stringify(definition).replace(/,"limit":\{"timeout":"PT\d+S"\}/g, ''),
      ) as typeof definition;
      expect(JSON.stringify(unbounded)).not.toContain('"limit"');
      const run = runWorkflow(
        unbounded,
        { body: [modelRegistered('m', '1')] },
        {
          responder: (request) =>
            request.uri === SECRET_URL
              ? { status: 200, body: { value: TOKEN } }
              : { timedOut: true },
        },
      );
      expect(run.answerSeconds).toBeGreaterThan(EVENT_GRID_ANSWER_SECONDS);
    });
  });
});

// ---------------------------------------------------------------------------------------
// The definition itself
// ---------------------------------------------------------------------------------------

function walk(
  actions: Readonly<Record<string, WorkflowAction>>,
  visit: (name: string, action: WorkflowAction, inLoop: boolean) => void,
  inLoop = false,
): void {
  for (const [name, action] of Object.entries(actions)) {
    visit(name, action, inLoop);
    if (action.type === 'If') {
      walk(action.actions, visit, inLoop);
      walk(action.else?.actions ?? {}, visit, inLoop);
    }
    if (action.type === 'Scope') walk(action.actions, visit, inLoop);
    if (action.type === 'Foreach') walk(action.actions, visit, true);
  }
}

describe('the definition', () => {
  it('has one Request trigger whose only input is the schema of an event array, without splitOn', () => {
    expect(Object.keys(definition.triggers)).toEqual([TRIGGER_NAME]);
    const trigger = definition.triggers.manual;
    expect(trigger).toEqual({
      type: 'Request',
      kind: 'Http',
      inputs: { schema: expect.any(Object) },
    });
    expect(trigger.inputs.schema).toMatchObject({ type: 'array' });
    expect(trigger).not.toHaveProperty('splitOn');
  });

  it('has one top-level action, a Scope, whatever the props: a change never deletes an action resource', () => {
    const variants = [
      definition,
      buildLogicAppDefinition({ ...PROPS, environment: 'other', workspace: 'mlw-other' }),
    ];
    for (const d of variants) {
      expect(Object.keys(d.actions)).toEqual([ACTION_NAMES.processDelivery]);
      expect(d.actions[ACTION_NAMES.processDelivery]).toMatchObject({
        type: 'Scope',
        runAfter: {},
      });
    }
  });

  it('runs its steps in one chain inside the scope, each self-contained JSON', () => {
    const scope = definition.actions[ACTION_NAMES.processDelivery];
    if (scope.type !== 'Scope') throw new Error('expected a Scope');
    const names = Object.keys(scope.actions);
    expect(names).toEqual([
      ACTION_NAMES.parseEvents,
      ACTION_NAMES.isSubscriptionValidation,
      ACTION_NAMES.respondFailure,
      ACTION_NAMES.terminateRunFailed,
    ]);
    names.forEach((name, k) => {
      const runAfter = scope.actions[name].runAfter;
      expect(Object.keys(runAfter)).toEqual(k === 0 ? [] : [names[k - 1]]);
    });
    expect(JSON.parse(JSON.stringify(scope))).toEqual(scope);
  });

  it('marks exactly the two actions that carry the token as secure inputs and outputs', () => {
    const carriers: string[] = [];
    walk(definition.actions, (name, action) => {
      const json = JSON.stringify(action.type === 'Http' ? action.inputs : {});
      if (
        json.includes(PROPS.keyVaultUri) ||
        json.includes(`body('${ACTION_NAMES.readGitHubToken}')`)
      ) {
        carriers.push(name);
        expect(action).toHaveProperty('runtimeConfiguration.secureData.properties', [
          'inputs',
          'outputs',
        ]);
      }
    });
    expect(carriers).toEqual([ACTION_NAMES.readGitHubToken, ACTION_NAMES.dispatch]);
  });

  it('contains no token and no parameters that could hold one', () => {
    const json = JSON.stringify(definition);
    expect(json).not.toContain(TOKEN);
    expect(json).not.toMatch(/ghp_|github_pat_|securestring/i);
    expect(definition.parameters).toEqual({});
  });

  it('dispatches one event at a time, with exponential retries, and answers outside any loop', () => {
    walk(definition.actions, (name, action, inLoop) => {
      if (action.type === 'Foreach') {
        expect(action.runtimeConfiguration).toEqual({ concurrency: { repetitions: 1 } });
        expect(action).not.toHaveProperty('operationOptions');
      }
      if (name === ACTION_NAMES.dispatch && action.type === 'Http') {
        expect(action.inputs.retryPolicy.type).toBe('exponential');
      }
      if (action.type === 'Response' || action.type === 'Terminate') expect(inLoop).toBe(false);
    });
  });

  it('posts to the URL of repos/create-dispatch-event in GitHub’s OpenAPI description', () => {
    expect(dispatchOperation).toMatchObject({
      path: '/repos/{owner}/{repo}/dispatches',
      method: 'post',
    });
    const run = deliver([modelRegistered('m', '1')]);
    expect(dispatches(run)[0].uri).toBe(
      `https://api.github.com${dispatchOperation.path.replace('{owner}', PROPS.owner).replace('{repo}', PROPS.repository)}`,
    );
  });

  it('uses the SDK’s names for the event types', () => {
    const known: KnownSystemEventTypes[] = [
      MODEL_REGISTERED_EVENT_TYPE,
      SUBSCRIPTION_VALIDATION_EVENT_TYPE,
    ];
    expect(known).toEqual([
      'Microsoft.MachineLearningServices.ModelRegistered',
      'Microsoft.EventGrid.SubscriptionValidationEvent',
    ]);
  });

  it('needs the PascalCase schema branch: the documented sample is not the SDK’s shape', () => {
    // @ts-expect-error The documented data is PascalCase with a numeric version.
    const asSdk: MachineLearningServicesModelRegisteredEventData = DOCUMENTED_SAMPLE[0].data;
    expect(Object.keys(asSdk)).toEqual([
      'ModelName',
      'ModelVersion',
      'ModelTags',
      'ModelProperties',
    ]);
  });
});

describe('props', () => {
  it('concatenates a Terraform token for the vault URI without parsing it', () => {
    const tokenized = buildLogicAppDefinition({
      ...PROPS,
      keyVaultUri: '${azurerm_key_vault.kv.vault_uri}',
    });
    const json = JSON.stringify(tokenized);
    expect(json).toContain(
      '"uri":"${azurerm_key_vault.kv.vault_uri}secrets/github-dispatch-token?api-version=7.4"',
    );
  });

  it('carries an environment name that starts with @ literally', () => {
    const run = runWorkflow(
      buildLogicAppDefinition({ ...PROPS, environment: '@prod' }),
      { body: [modelRegistered('m', '1')] },
      {
        responder: (r) =>
          r.uri === SECRET_URL ? { status: 200, body: { value: TOKEN } } : { status: 204 },
      },
    );
    expect((dispatches(run)[0].body as DispatchBody).client_payload.environment).toBe('@prod');
  });

  it('lists every invalid prop in one error', () => {
    expect(() =>
      buildLogicAppDefinition({
        owner: 'contoso ml',
        repository: 'contoso-ml/model-serving',
        environment: 'prod${x}',
        workspace: 'x',
        keyVaultUri: 'https://kv-contoso-stg.vault.azure.net',
        tokenSecretName: 'github_token',
      }),
    ).toThrow(
      [
        'Invalid Logic App definition props:',
        '- owner: "contoso ml" is not accepted; expected a GitHub user or organization name: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen',
        '- repository: "contoso-ml/model-serving" is not accepted; expected a GitHub repository name: 1-100 letters, digits, ".", "-" or "_" (not "." or "..")',
        '- environment: "prod${x}" is not accepted; expected a GitHub environment name: 1-255 characters, no spaces at either end, without ":", quotes, "`", commas, semicolons, "\\", "/", control characters, "${", "%{" or "@{"',
        '- workspace: "x" is not accepted; expected an Azure ML workspace name: 3-33 letters, digits, "-" or "_", starting with a letter or digit',
        `- tokenSecretName "github_token" is not a Key Vault secret name (1-127 letters, digits, '-').`,
        `- keyVaultUri "https://kv-contoso-stg.vault.azure.net" must be the vault URI with its trailing slash, e.g. 'https://kv-x.vault.azure.net/' (or the key vault's vault_uri token).`,
      ].join('\n'),
    );
  });

  it('accepts the fixture props', () => {
    expect(() => buildLogicAppDefinition(PROPS)).not.toThrow();
  });
});
