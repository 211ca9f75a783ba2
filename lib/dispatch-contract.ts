/**
 * The contract between the sender of the repository dispatch (the Logic App built in
 * `lib/logic-app-definition.ts`) and its receiver (the deploy workflow in `workflows/`).
 *
 * One entry per `client_payload` field, `PAYLOAD`, and everything else is derived from it:
 * the payload type, the Logic App's request body, the rollout's environment variables and
 * request checks (rollout/inputs.ts, rollout/request.ts), the job summary's rows
 * (rollout/report.ts), the workflows' `inputs:`, `with:`, `outputs:` and `env:` blocks and
 * the table in docs/rollout.md (scripts/workflow-blocks.ts, written by `npm run docs`).
 * Adding a field is an entry here and its words in `PAYLOAD_DOCS`.
 */
import { githubEnvironment, workspaceName } from './config-fields';
import { modelName } from './deployment-target';
import { problem, text, type Rule } from './schema';

/** `event_type` of the repository dispatch; the workflow's `repository_dispatch.types`. */
export const DISPATCH_EVENT_TYPE = 'aml-model-registered';

/**
 * The versions the deploy workflow deploys: the whole numbers Azure ML gives on registration
 * (1, 2, 3, ...), without leading zeros (so "3" and "03" cannot name two deployments) and
 * below 10^9. Custom string versions ("1.0", "latest") are refused: they would not make a
 * valid deployment name, and "latest" is not a version.
 */
export const modelVersion = text(
  /^[1-9][0-9]{0,8}$/,
  'a model version: a whole number from 1 to 999999999 without leading zeros (the versions Azure ML gives on registration)',
);

/** `event_id` values: Event Grid event ids (GUIDs for system topics). */
const eventId = text(
  /^[A-Za-z0-9._:-]{1,128}$/,
  'an Event Grid event id: 1-128 letters, digits, ".", "_", ":" or "-"',
);

/**
 * `event_time` values: the event's ISO 8601 time as Event Grid writes it
 * ("2025-06-01T10:00:00.1234567Z"), or a date.
 */
const eventTime = text(
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/,
  'an ISO 8601 time such as "2025-06-01T10:00:00.1234567Z"',
);

const WORKSPACE_REFERENCE = `${workspaceName.expected}, or the resource id of one (".../workspaces/NAME")`;

/**
 * `workspace` values: the workspace the model was registered in, by name or by resource id
 * (the event's topic); the checked value is the name.
 */
const workspaceReference: Rule<string> = {
  expected: WORKSPACE_REFERENCE,
  json: { type: 'string' },
  check: (value, path) => {
    const raw = typeof value === 'string' ? value : '';
    const name = /\/workspaces\/[^/]+$/i.test(raw) ? raw.slice(raw.lastIndexOf('/') + 1) : raw;
    const checked = workspaceName.check(name, path);
    return 'value' in checked ? checked : problem(path, value, WORKSPACE_REFERENCE);
  },
};

/** Where the Logic App takes a field's value from. */
export type PayloadSource =
  /** The event's data, under either casing: camelCase (real events), then PascalCase (Microsoft's sample). */
  | { readonly data: readonly [camelCase: string, pascalCase: string] }
  /** A property of the Event Grid event itself. */
  | { readonly event: 'id' | 'eventTime' }
  /** A setting of the environment the Logic App serves (LogicAppDefinitionProps). */
  | { readonly setting: 'workspace' | 'environment' };

/**
 * What the next stage of a promotion takes for a field:
 * - `checked`: the value as this stage checked it (a step output of the same name);
 * - `next`: the environment this stage promotes to;
 * - `event`: the value the event (or the person) gave the first stage;
 * - `own`: nothing; the next stage uses its own (the workspace of its environment).
 */
export type PromotedAs = 'checked' | 'next' | 'event' | 'own';

export interface PayloadField {
  /** The `client_payload` key; also the name of the workflows' inputs for it. */
  readonly key: string;
  /** The environment variable the stage sets from it for the rollout. */
  readonly variable: string;
  /** The rule the rollout checks it with. */
  readonly rule: Rule<string>;
  /** Whether a run without it is refused (an optional field may be "" in a manual run). */
  readonly required: boolean;
  readonly source: PayloadSource;
  readonly promotedAs: PromotedAs;
  /** The label of its row in the job summary; none: not shown. */
  readonly summary?: string;
  /** The `workflow_dispatch` input's type: a list of the repository's environments, or text. */
  readonly inputType: 'string' | 'environment';
}

/** The fields of `client_payload`, in the order the workflows list them. */
export const PAYLOAD = {
  modelName: {
    key: 'model_name',
    variable: 'MODEL_NAME',
    rule: modelName,
    required: true,
    source: { data: ['modelName', 'ModelName'] },
    promotedAs: 'checked',
    summary: 'Model',
    inputType: 'string',
  },
  modelVersion: {
    key: 'model_version',
    variable: 'MODEL_VERSION',
    rule: modelVersion,
    required: true,
    source: { data: ['modelVersion', 'ModelVersion'] },
    promotedAs: 'checked',
    summary: 'Version',
    inputType: 'string',
  },
  environment: {
    key: 'environment',
    variable: 'DEPLOY_ENVIRONMENT',
    rule: githubEnvironment,
    required: true,
    source: { setting: 'environment' },
    promotedAs: 'next',
    summary: 'Environment',
    inputType: 'environment',
  },
  eventId: {
    key: 'event_id',
    variable: 'EVENT_ID',
    rule: eventId,
    required: false,
    source: { event: 'id' },
    promotedAs: 'event',
    summary: 'Event',
    inputType: 'string',
  },
  eventTime: {
    key: 'event_time',
    variable: 'EVENT_TIME',
    rule: eventTime,
    required: false,
    source: { event: 'eventTime' },
    promotedAs: 'event',
    summary: 'Event time',
    inputType: 'string',
  },
  eventWorkspace: {
    key: 'workspace',
    variable: 'EVENT_WORKSPACE',
    rule: workspaceReference,
    required: false,
    source: { setting: 'workspace' },
    promotedAs: 'own',
    inputType: 'string',
  },
} as const satisfies Record<string, PayloadField>;

export type PayloadFieldName = keyof typeof PAYLOAD;

/**
 * What each field means: `meaning` for the table in docs/rollout.md, `input` for the
 * workflows' input descriptions. Read by the generator only (scripts/workflow-blocks.ts),
 * so the rollout's bundle carries none of it.
 */
export const PAYLOAD_DOCS: {
  readonly [K in PayloadFieldName]: { readonly meaning: string; readonly input: string };
} = {
  modelName: {
    meaning: "the registered model's name",
    input: 'Registered model name (as in Azure ML)',
  },
  modelVersion: {
    meaning: 'its version, as a string (`"3"`)',
    input: 'Model version to deploy (a whole number, e.g. 3); an older one rolls back',
  },
  environment: {
    meaning: 'the GitHub environment to deploy in (`staging`, `production`, ...)',
    input: 'GitHub environment to deploy in (its variables name the workspace)',
  },
  eventId: {
    meaning: 'the Event Grid event id (shown in the job summary)',
    input: 'Optional; shown in the job summary',
  },
  eventTime: {
    meaning: "the Event Grid event's time (shown in the job summary)",
    input: 'Optional; shown in the job summary',
  },
  eventWorkspace: {
    meaning:
      "the workspace the model was registered in; the run refuses an event of another workspace than its environment's",
    input: "Optional; if set, must be the environment's workspace",
  },
};

/** The `client_payload` keys, by field. */
export const PAYLOAD_KEYS = Object.fromEntries(
  Object.entries(PAYLOAD).map(([name, field]) => [name, field.key]),
) as { readonly [K in PayloadFieldName]: (typeof PAYLOAD)[K]['key'] };

/** The `client_payload` the trigger sends. Every value is a string. */
export type DispatchPayload = {
  readonly [K in (typeof PAYLOAD)[PayloadFieldName]['key']]: string;
};

/** One value per field, by field name (the rollout's view of a request). */
export type PayloadValues = { readonly [K in PayloadFieldName]: string };

/**
 * What a stage hands the next one, as step outputs of the same names as the payload keys
 * (besides `promote_to`): its own environment (the next stage's `promoted_from`) and every
 * field promoted as checked.
 */
export const HANDED_ON: readonly PayloadFieldName[] = (
  Object.keys(PAYLOAD) as PayloadFieldName[]
).filter((name) => name === 'environment' || PAYLOAD[name].promotedAs === 'checked');

/** `[name, field]` of every field, in order, typed. */
export function payloadFields(): [PayloadFieldName, PayloadField][] {
  return Object.entries(PAYLOAD) as [PayloadFieldName, PayloadField][];
}
