/**
 * The Logic App (Consumption) workflow that turns an Azure Machine Learning
 * `ModelRegistered` event, delivered by Event Grid to an HTTP request trigger, into a
 * GitHub `repository_dispatch`.
 *
 * A pure function of its props: no Terraform, no I/O. The construct that deploys it maps
 * `definition.triggers.manual` to `azurerm_logic_app_trigger_http_request` (its only
 * input is `schema`) and each top-level `definition.actions[name]` to one
 * `azurerm_logic_app_action_custom` whose `body` is that action's JSON.
 *
 * The flow (every path ends in exactly one Response, because Event Grid reads the HTTP
 * answer of the trigger: 2xx is delivered, anything else is retried, then dead-lettered),
 * all inside the one top-level Scope `Process_delivery` (see {@link ScopeAction}):
 *
 * ```
 * manual (Request, body = JSON array of Event Grid events, no splitOn)
 * Parse_events                       ParseJson: a non-empty array of events, else Failed
 * Is_subscription_validation         If the first event is the validation handshake
 *   then: Respond_to_validation      200 {"validationResponse": data.validationCode}
 *   else: Select_model_registered    Query: the ModelRegistered events, in order
 *         Has_model_registered       If there is at least one
 *           then: Read_GitHub_token  GET {vault}secrets/{name} with the managed identity (secure)
 *                 For_each_model_registered   sequential (repetitions: 1)
 *                   Parse_model_registered    ParseJson: name and version, either casing
 *                   Dispatch_repository_event POST /repos/{owner}/{repo}/dispatches (secure)
 *         Respond_success            200 {"dispatched": n}
 * Respond_failure                    500, runs when Is_subscription_validation failed or was skipped
 * Terminate_run_failed               marks the run Failed (a handled failure would otherwise succeed)
 * ```
 *
 * Sources: Microsoft Learn "Schema reference for trigger and action types",
 * "Handle errors and exceptions in Azure Logic Apps" (retry policies), "Secure access and
 * data in Azure Logic Apps" (secure inputs and outputs), "Azure Machine Learning as an
 * Event Grid source"; GitHub REST "Create a repository dispatch event".
 */
import { githubEnvironment, githubOwner, githubRepository, workspaceName } from './config-fields';
import {
  DISPATCH_EVENT_TYPE,
  PAYLOAD,
  type DispatchPayload,
  type PayloadSource,
} from './dispatch-contract';

// ---------------------------------------------------------------------------------------
// Types of the Workflow Definition Language subset this definition uses
// ---------------------------------------------------------------------------------------

/** A status an action ends with, and that `runAfter` can wait for. */
export type ActionStatus = 'Succeeded' | 'Failed' | 'Skipped' | 'TimedOut';

/** Predecessor action name → the statuses that let this action run. `{}`: first in its scope. */
export type RunAfter = Readonly<Record<string, readonly ActionStatus[]>>;

/** A JSON Schema (draft 4 keywords; Logic Apps validates Parse JSON content with it). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** Hides the action's inputs and outputs from run history. Not inherited: set per action. */
export interface SecureDataConfiguration {
  readonly secureData: { readonly properties: readonly ('inputs' | 'outputs')[] };
}

/** `retryPolicy` of an HTTP action; intervals are ISO 8601 durations. */
export type RetryPolicy =
  | { readonly type: 'none' }
  | { readonly type: 'fixed'; readonly count: number; readonly interval: string }
  | {
      readonly type: 'exponential';
      readonly count: number;
      readonly interval: string;
      readonly minimumInterval?: string;
      readonly maximumInterval?: string;
    };

interface ActionBase {
  readonly runAfter: RunAfter;
}

export interface HttpAction extends ActionBase {
  readonly type: 'Http';
  readonly inputs: {
    readonly method: 'GET' | 'POST';
    readonly uri: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: unknown;
    readonly authentication?: {
      readonly type: 'ManagedServiceIdentity';
      readonly audience: string;
    };
    readonly retryPolicy: RetryPolicy;
  };
  /** How long the action may take, retries included; then it ends TimedOut. */
  readonly limit: { readonly timeout: string };
  readonly runtimeConfiguration?: SecureDataConfiguration;
}

export interface ParseJsonAction extends ActionBase {
  readonly type: 'ParseJson';
  readonly inputs: { readonly content: string; readonly schema: JsonSchema };
}

/** "Filter array": the items of `from` for which `where` is true. */
export interface QueryAction extends ActionBase {
  readonly type: 'Query';
  readonly inputs: { readonly from: string; readonly where: string };
}

export interface IfAction extends ActionBase {
  readonly type: 'If';
  /** An expression that evaluates to a boolean. */
  readonly expression: string;
  readonly actions: Readonly<Record<string, WorkflowAction>>;
  readonly else?: { readonly actions: Readonly<Record<string, WorkflowAction>> };
}

export interface ForeachAction extends ActionBase {
  readonly type: 'Foreach';
  readonly foreach: string;
  readonly actions: Readonly<Record<string, WorkflowAction>>;
  readonly runtimeConfiguration: { readonly concurrency: { readonly repetitions: number } };
}

/** The answer to the trigger's caller. Not allowed inside a Foreach or a parallel branch. */
export interface ResponseAction extends ActionBase {
  readonly type: 'Response';
  readonly kind: 'Http';
  readonly inputs: {
    readonly statusCode: number;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: unknown;
  };
}

export interface TerminateAction extends ActionBase {
  readonly type: 'Terminate';
  readonly inputs: {
    readonly runStatus: 'Failed' | 'Cancelled' | 'Succeeded';
    readonly runError?: { readonly code: string; readonly message: string };
  };
}

/**
 * A group of actions that runs as one. The definition has exactly one top-level action, a
 * Scope, so changes to the workflow only ever update that action's body: deleting an
 * `azurerm_logic_app_action_custom` re-sends the workflow without its managed identity
 * (azurerm 4.55 `logic_apps.go`, `resourceLogicAppComponentRemove`), which Azure then drops.
 */
export interface ScopeAction extends ActionBase {
  readonly type: 'Scope';
  readonly actions: Readonly<Record<string, WorkflowAction>>;
}

export type WorkflowAction =
  | ScopeAction
  | HttpAction
  | ParseJsonAction
  | QueryAction
  | IfAction
  | ForeachAction
  | ResponseAction
  | TerminateAction;

/** The HTTP request trigger. Its schema documents the body; Logic Apps does not enforce it. */
export interface RequestTrigger {
  readonly type: 'Request';
  readonly kind: 'Http';
  readonly inputs: { readonly schema: JsonSchema };
}

export interface WorkflowDefinition {
  readonly $schema: string;
  readonly contentVersion: string;
  readonly parameters: Readonly<Record<string, never>>;
  /** One trigger, named {@link TRIGGER_NAME}. */
  readonly triggers: { readonly manual: RequestTrigger };
  readonly actions: Readonly<Record<string, WorkflowAction>>;
  readonly outputs: Readonly<Record<string, never>>;
}

// ---------------------------------------------------------------------------------------
// Names and fixed values
// ---------------------------------------------------------------------------------------

/** The trigger's name (the name the portal gives a request trigger). */
export const TRIGGER_NAME = 'manual';

/** Action names. `processDelivery` is the only top-level action: never rename it. */
export const ACTION_NAMES = {
  processDelivery: 'Process_delivery',
  parseEvents: 'Parse_events',
  isSubscriptionValidation: 'Is_subscription_validation',
  respondToValidation: 'Respond_to_validation',
  selectModelRegistered: 'Select_model_registered',
  hasModelRegistered: 'Has_model_registered',
  readGitHubToken: 'Read_GitHub_token',
  forEachModelRegistered: 'For_each_model_registered',
  parseModelRegistered: 'Parse_model_registered',
  dispatch: 'Dispatch_repository_event',
  respondSuccess: 'Respond_success',
  respondFailure: 'Respond_failure',
  terminateRunFailed: 'Terminate_run_failed',
} as const;

export const MODEL_REGISTERED_EVENT_TYPE = 'Microsoft.MachineLearningServices.ModelRegistered';
export const SUBSCRIPTION_VALIDATION_EVENT_TYPE = 'Microsoft.EventGrid.SubscriptionValidationEvent';

export const GITHUB_API_VERSION = '2022-11-28';
const GITHUB_USER_AGENT = 'aml-deploy-pipeline-logic-app';
const KEY_VAULT_API_VERSION = '7.4';
const KEY_VAULT_AUDIENCE = 'https://vault.azure.net';

/**
 * Event Grid waits 30 s for the trigger's answer, then retries the delivery (and a late
 * answer may have dispatched already: a duplicate). Both HTTP actions are bounded, retries
 * included, so that the run answers inside the window whatever Key Vault and GitHub do: a
 * server that never answers would otherwise hold an attempt for 120 s. The two limits add up
 * to 26 s, which leaves 4 s for the rest of the run and the answer.
 */
export const EVENT_GRID_ANSWER_SECONDS = 30;

/**
 * Key Vault: one retry after 5 s (the Consumption minimum interval) on 408/429/5xx; the
 * action gives up after 8 s in all (the wait and two quick attempts).
 */
const KEY_VAULT_RETRY_POLICY: RetryPolicy = { type: 'fixed', count: 1, interval: 'PT5S' };
const KEY_VAULT_TIMEOUT = 'PT8S';

/**
 * GitHub: two retries on 408/429/5xx with exponential back-off. Logic Apps draws retry n
 * uniformly from [max(2^(n-2)·interval, min), min(2^(n-1)·interval, max)] (retry 1 from
 * [max(0, min), min(interval, max)]): here retry 1 waits 5 s and retry 2 waits 5–10 s, so at
 * most 15 s; the action gives up after 18 s in all. A 4xx other than 408/429 (e.g. 422
 * invalid payload, 401 bad token) is not retried.
 */
const GITHUB_RETRY_POLICY: RetryPolicy = {
  type: 'exponential',
  count: 2,
  interval: 'PT5S',
  minimumInterval: 'PT5S',
  maximumInterval: 'PT10S',
};
const GITHUB_TIMEOUT = 'PT18S';

const SECURE_INPUTS_AND_OUTPUTS: SecureDataConfiguration = {
  secureData: { properties: ['inputs', 'outputs'] },
};

// ---------------------------------------------------------------------------------------
// Schemas for the Parse JSON actions
// ---------------------------------------------------------------------------------------

/**
 * A delivery in the Event Grid schema: a JSON array of events (one unless the subscription
 * batches). A CloudEvents delivery (a single object) or any other body fails it.
 */
const DELIVERY_SCHEMA: JsonSchema = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    required: ['id', 'eventType', 'eventTime', 'data'],
    properties: {
      id: { type: 'string' },
      eventType: { type: 'string' },
      subject: { type: 'string' },
      eventTime: { type: 'string' },
    },
  },
};

const MODEL_NAME_SCHEMA = { type: 'string', minLength: 1 };
/** A number in Microsoft's documented sample (`"ModelVersion": 20`), a string in real events. */
const MODEL_VERSION_SCHEMA = { type: ['string', 'number'], minLength: 1 };

/**
 * One ModelRegistered event. Accepts the documented shape (PascalCase data, numeric
 * version) and the real one (camelCase, string version), and requires a name and a
 * version in one casing, so a delivery without them fails visibly instead of dispatching
 * empty values.
 */
const MODEL_REGISTERED_EVENT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['id', 'eventType', 'eventTime', 'data'],
  properties: {
    id: { type: 'string', minLength: 1 },
    eventType: { type: 'string' },
    subject: { type: 'string' },
    eventTime: { type: 'string', minLength: 1 },
    data: {
      type: 'object',
      anyOf: [
        { required: ['modelName', 'modelVersion'] },
        { required: ['ModelName', 'ModelVersion'] },
      ],
      properties: {
        modelName: MODEL_NAME_SCHEMA,
        modelVersion: MODEL_VERSION_SCHEMA,
        ModelName: MODEL_NAME_SCHEMA,
        ModelVersion: MODEL_VERSION_SCHEMA,
      },
    },
  },
};

// ---------------------------------------------------------------------------------------
// Props
// ---------------------------------------------------------------------------------------

export interface LogicAppDefinitionProps {
  /** GitHub user or organization that owns the repository with the deploy workflow. */
  readonly owner: string;
  /** Repository (without owner) that receives the `repository_dispatch`. */
  readonly repository: string;
  /** GitHub environment the deploy job runs in; sent as `client_payload.environment`. */
  readonly environment: string;
  /** Azure ML workspace name; sent as `client_payload.workspace`. */
  readonly workspace: string;
  /**
   * Key Vault URI with its trailing slash, e.g. `https://kv-x.vault.azure.net/`. Usually a
   * Terraform token at synth time: it is only concatenated, never parsed.
   */
  readonly keyVaultUri: string;
  /** Name of the Key Vault secret that holds the GitHub token. */
  readonly tokenSecretName: string;
}

// ---------------------------------------------------------------------------------------
// The definition
// ---------------------------------------------------------------------------------------

/**
 * Builds the workflow definition. Throws one error listing every invalid prop.
 *
 * The GitHub token is not in the result: the workflow reads it at run time from Key Vault
 * with its managed identity, and both actions that carry it hide their inputs and outputs
 * from run history.
 */
export function buildLogicAppDefinition(props: LogicAppDefinitionProps): WorkflowDefinition {
  validateProps(props);
  return {
    $schema:
      'https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#',
    contentVersion: '1.0.0.0',
    parameters: {},
    triggers: { [TRIGGER_NAME]: requestTrigger() },
    actions: {
      [ACTION_NAMES.processDelivery]: {
        type: 'Scope',
        actions: {
          [ACTION_NAMES.parseEvents]: parseEvents(),
          [ACTION_NAMES.isSubscriptionValidation]: isSubscriptionValidation(props),
          [ACTION_NAMES.respondFailure]: respondFailure(),
          [ACTION_NAMES.terminateRunFailed]: terminateRunFailed(),
        },
        runAfter: {},
      },
    },
    outputs: {},
  };
}

function requestTrigger(): RequestTrigger {
  return { type: 'Request', kind: 'Http', inputs: { schema: DELIVERY_SCHEMA } };
}

/** The trigger does not enforce its schema, so the body is checked here. */
function parseEvents(): ParseJsonAction {
  return {
    type: 'ParseJson',
    inputs: { content: '@triggerBody()', schema: DELIVERY_SCHEMA },
    runAfter: {},
  };
}

const EVENTS = `body('${ACTION_NAMES.parseEvents}')`;

/** Event Grid sends the validation event alone, as the first delivery to a new endpoint. */
function isSubscriptionValidation(props: LogicAppDefinitionProps): IfAction {
  return {
    type: 'If',
    expression: `@equals(first(${EVENTS})['eventType'], '${SUBSCRIPTION_VALIDATION_EVENT_TYPE}')`,
    actions: { [ACTION_NAMES.respondToValidation]: respondToValidation() },
    else: {
      actions: {
        [ACTION_NAMES.selectModelRegistered]: selectModelRegistered(),
        [ACTION_NAMES.hasModelRegistered]: hasModelRegistered(props),
        [ACTION_NAMES.respondSuccess]: respondSuccess(),
      },
    },
    runAfter: { [ACTION_NAMES.parseEvents]: ['Succeeded'] },
  };
}

/** No `?`: a validation event without a code fails the action (and the delivery) visibly. */
function respondToValidation(): ResponseAction {
  return {
    type: 'Response',
    kind: 'Http',
    inputs: {
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: { validationResponse: `@first(${EVENTS})['data']['validationCode']` },
    },
    runAfter: {},
  };
}

/** Events of other types (another subscription filter, a test event) are ignored. */
function selectModelRegistered(): QueryAction {
  return {
    type: 'Query',
    inputs: {
      from: `@${EVENTS}`,
      where: `@equals(item()['eventType'], '${MODEL_REGISTERED_EVENT_TYPE}')`,
    },
    runAfter: {},
  };
}

const MODEL_REGISTERED_EVENTS = `body('${ACTION_NAMES.selectModelRegistered}')`;

/** Reads the token once per run, and only when there is something to dispatch. */
function hasModelRegistered(props: LogicAppDefinitionProps): IfAction {
  return {
    type: 'If',
    expression: `@greater(length(${MODEL_REGISTERED_EVENTS}), 0)`,
    actions: {
      [ACTION_NAMES.readGitHubToken]: readGitHubToken(props),
      [ACTION_NAMES.forEachModelRegistered]: forEachModelRegistered(props),
    },
    runAfter: { [ACTION_NAMES.selectModelRegistered]: ['Succeeded'] },
  };
}

function readGitHubToken(props: LogicAppDefinitionProps): HttpAction {
  return {
    type: 'Http',
    inputs: {
      method: 'GET',
      uri: `${props.keyVaultUri}secrets/${props.tokenSecretName}?api-version=${KEY_VAULT_API_VERSION}`,
      authentication: { type: 'ManagedServiceIdentity', audience: KEY_VAULT_AUDIENCE },
      retryPolicy: KEY_VAULT_RETRY_POLICY,
    },
    limit: { timeout: KEY_VAULT_TIMEOUT },
    runAfter: {},
    runtimeConfiguration: SECURE_INPUTS_AND_OUTPUTS,
  };
}

/** One at a time, so a batch dispatches in the order Event Grid delivered it. */
function forEachModelRegistered(props: LogicAppDefinitionProps): ForeachAction {
  return {
    type: 'Foreach',
    foreach: `@${MODEL_REGISTERED_EVENTS}`,
    actions: {
      [ACTION_NAMES.parseModelRegistered]: parseModelRegistered(),
      [ACTION_NAMES.dispatch]: dispatch(props),
    },
    runAfter: { [ACTION_NAMES.readGitHubToken]: ['Succeeded'] },
    runtimeConfiguration: { concurrency: { repetitions: 1 } },
  };
}

function parseModelRegistered(): ParseJsonAction {
  return {
    type: 'ParseJson',
    inputs: {
      content: `@items('${ACTION_NAMES.forEachModelRegistered}')`,
      schema: MODEL_REGISTERED_EVENT_SCHEMA,
    },
    runAfter: {},
  };
}

const EVENT = `body('${ACTION_NAMES.parseModelRegistered}')`;

/** camelCase (real events) wins over PascalCase (the documented sample); the schema guarantees one. */
function eitherCasing(camelCase: string, pascalCase: string): string {
  return `@string(coalesce(${EVENT}['data']?['${camelCase}'], ${EVENT}['data']?['${pascalCase}']))`;
}

/** The expression (or literal text) the Logic App sends for a payload field. */
function payloadValue(source: PayloadSource, props: LogicAppDefinitionProps): string {
  if ('data' in source) return eitherCasing(...source.data);
  if ('event' in source) return `@${EVENT}['${source.event}']`;
  return literal(props[source.setting]);
}

function dispatch(props: LogicAppDefinitionProps): HttpAction {
  const clientPayload = Object.fromEntries(
    Object.values(PAYLOAD).map((field) => [field.key, payloadValue(field.source, props)]),
  ) as DispatchPayload;
  return {
    type: 'Http',
    inputs: {
      method: 'POST',
      uri: `https://api.github.com/repos/${props.owner}/${props.repository}/dispatches`,
      headers: {
        Accept: 'application/vnd.github+json',
        Authorization: `Bearer @{body('${ACTION_NAMES.readGitHubToken}')['value']}`,
        'Content-Type': 'application/json',
        'User-Agent': GITHUB_USER_AGENT,
        'X-GitHub-Api-Version': GITHUB_API_VERSION,
      },
      body: { event_type: DISPATCH_EVENT_TYPE, client_payload: clientPayload },
      retryPolicy: GITHUB_RETRY_POLICY,
    },
    limit: { timeout: GITHUB_TIMEOUT },
    runAfter: { [ACTION_NAMES.parseModelRegistered]: ['Succeeded'] },
    runtimeConfiguration: SECURE_INPUTS_AND_OUTPUTS,
  };
}

function respondSuccess(): ResponseAction {
  return {
    type: 'Response',
    kind: 'Http',
    inputs: {
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: { dispatched: `@length(${MODEL_REGISTERED_EVENTS})` },
    },
    runAfter: { [ACTION_NAMES.hasModelRegistered]: ['Succeeded'] },
  };
}

/**
 * Runs when the delivery could not be parsed (`Is_subscription_validation` is then
 * Skipped) or anything inside the branches failed. Non-2xx: Event Grid retries, then
 * dead-letters. The run id helps find the failed action in run history.
 */
function respondFailure(): ResponseAction {
  return {
    type: 'Response',
    kind: 'Http',
    inputs: {
      statusCode: 500,
      headers: { 'Content-Type': 'application/json' },
      body: {
        error: 'The delivery was not processed; see the failed action in this run.',
        run: `@workflow()['run']['name']`,
      },
    },
    runAfter: { [ACTION_NAMES.isSubscriptionValidation]: ['Failed', 'Skipped', 'TimedOut'] },
  };
}

/** Without it the run would show Succeeded: its failure was handled by Respond_failure. */
function terminateRunFailed(): TerminateAction {
  return {
    type: 'Terminate',
    inputs: {
      runStatus: 'Failed',
      runError: {
        code: 'DeliveryNotProcessed',
        message: 'The Event Grid delivery was answered with HTTP 500; see the failed action.',
      },
    },
    runAfter: { [ACTION_NAMES.respondFailure]: ['Succeeded', 'Failed'] },
  };
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/**
 * A literal string in a definition. A string that starts with `@` is an expression unless
 * it starts with `@@` (which stands for one `@`), and `@{` inside a string starts an
 * interpolation unless written `@@{`. Throws for a string that needs both escapes, whose
 * reading the documentation leaves open.
 */
function literal(value: string): string {
  if (value.startsWith('@')) {
    if (value.includes('@{')) {
      throw new Error(`${JSON.stringify(value)} cannot be written as a literal unambiguously.`);
    }
    return `@${value}`;
  }
  return value.replace(/@\{/g, '@@{');
}

const KEY_VAULT_SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;

/** The configuration's own rules (lib/config-fields.ts), so both say the same. */
function validateProps(props: LogicAppDefinitionProps): void {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  const rules = [
    ['owner', githubOwner],
    ['repository', githubRepository],
    ['environment', githubEnvironment],
    ['workspace', workspaceName],
  ] as const;
  for (const [name, rule] of rules) {
    const r = rule.check(props[name], name);
    if ('problems' in r) problems.push(...r.problems.map((p) => `${p.path}: ${p.message}`));
  }
  check(
    KEY_VAULT_SECRET_NAME.test(props.tokenSecretName),
    `tokenSecretName ${JSON.stringify(props.tokenSecretName)} is not a Key Vault secret name (1-127 letters, digits, '-').`,
  );
  const uri = props.keyVaultUri;
  const looksLiteral = /^[a-z][a-z0-9+.-]*:\/\//i.test(uri);
  check(
    uri !== '' && (!looksLiteral || /^https:\/\/[^/?#]+\/$/.test(uri)),
    `keyVaultUri ${JSON.stringify(uri)} must be the vault URI with its trailing slash, e.g. 'https://kv-x.vault.azure.net/' (or the key vault's vault_uri token).`,
  );
  if (problems.length > 0) {
    throw new Error(`Invalid Logic App definition props:\n- ${problems.join('\n- ')}`);
  }
}
