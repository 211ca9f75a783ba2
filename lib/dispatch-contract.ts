/**
 * The contract between the sender of the repository dispatch (the Logic App built in
 * `lib/logic-app-definition.ts`) and its receiver (the deploy workflow in `workflows/`).
 *
 * These names are defined here once. The workflow YAML cannot import TypeScript, so
 * `__tests__/contract.test.ts` checks that the committed workflow uses exactly them.
 */

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
