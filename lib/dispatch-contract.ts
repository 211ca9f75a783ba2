/**
 * The contract between the sender of the repository dispatch (the Logic App built in
 * `lib/logic-app-definition.ts`) and its receiver (the deploy workflow in `workflows/`).
 *
 * These names are defined here once. The workflow YAML cannot import TypeScript, so
 * `__tests__/contract.test.ts` checks that the committed workflow uses exactly them.
 */
import { text } from './schema';

/** `event_type` of the repository dispatch; the workflow's `repository_dispatch.types`. */
export const DISPATCH_EVENT_TYPE = 'aml-model-registered';

/**
 * Top-level keys of `client_payload`. Also the names of the workflow's
 * `workflow_dispatch` inputs, so a manual run takes the same values as a dispatched one.
 */
export const PAYLOAD_KEYS = {
  modelName: 'model_name',
  modelVersion: 'model_version',
  eventId: 'event_id',
  eventTime: 'event_time',
  workspace: 'workspace',
  /**
   * The GitHub environment the deploy job runs in. Several app environments (staging,
   * production) may dispatch to one repository; this says which one a run is for.
   */
  environment: 'environment',
} as const;

/** The `client_payload` the trigger sends. Every value is a string. */
export type DispatchPayload = {
  readonly [K in (typeof PAYLOAD_KEYS)[keyof typeof PAYLOAD_KEYS]]: string;
};

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

/** `model_name` values: Azure ML model names, the rule of the configuration's `targets[].model`. */
export { modelName } from './deployment-target';

/**
 * `event_id` values: Event Grid event ids (GUIDs for system topics). Shown in the deploy
 * workflow's job summary; a manual run may leave it empty.
 */
export const eventId = text(
  /^[A-Za-z0-9._:-]{1,128}$/,
  'an Event Grid event id: 1-128 letters, digits, ".", "_", ":" or "-"',
);

/**
 * `event_time` values: the event's ISO 8601 time as Event Grid writes it
 * ("2025-06-01T10:00:00.1234567Z"), or a date. Shown in the job summary; a manual run may
 * leave it empty.
 */
export const eventTime = text(
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/,
  'an ISO 8601 time such as "2025-06-01T10:00:00.1234567Z"',
);
