/**
 * What the rollout reads from its environment, and under which names. The deploy workflow
 * (workflows/deploy-model.yml) sets these with `env:`: event data reaches the rollout only
 * this way, never pasted into a `run:` script. `__tests__/contract.test.ts` checks that the
 * workflow sets exactly these names, each from the payload key or variable it stands for.
 *
 * Only rollout/main.ts hands `process.env` to `readInputs`; everything else takes `Inputs`.
 */
import { payloadFields, type PayloadFieldName, type PayloadValues } from '../lib/dispatch-contract';
import { SECRET_NAMES, VARIABLE_NAMES } from '../lib/workflow-contract';

/** The request: environment variables the job sets from `client_payload` (or the inputs). */
export const REQUEST_VARIABLES = Object.fromEntries(
  payloadFields().map(([name, field]) => [name, field.variable]),
) as { readonly [K in PayloadFieldName]: string };

/** The GitHub environment's variables the rollout reads (the job sets them from `vars.`). */
export const ENVIRONMENT_VARIABLES = {
  authMode: VARIABLE_NAMES.authMode,
  clientId: VARIABLE_NAMES.clientId,
  tenantId: VARIABLE_NAMES.tenantId,
  subscriptionId: VARIABLE_NAMES.subscriptionId,
  resourceGroup: VARIABLE_NAMES.resourceGroup,
  workspace: VARIABLE_NAMES.workspace,
  deploymentTargets: VARIABLE_NAMES.deploymentTargets,
  promotion: VARIABLE_NAMES.promotion,
  promotedFrom: VARIABLE_NAMES.promotedFrom,
} as const;

/**
 * The stage's inputs that are not in the dispatch payload (an event always starts the first
 * stage), each with the variable the stage sets from it: set by the deploy workflow's
 * promotion jobs, or (`promotedFrom` only) by hand with `workflow_dispatch`.
 */
export const PROMOTION_INPUTS = {
  /** The stage that passed the version on (its GitHub environment), for a promotion. */
  promotedFrom: { key: 'promoted_from', variable: 'PROMOTED_FROM' },
  /** "true" when a promotion job of the same workflow run passed the version on. */
  promotedInRun: { key: 'promoted_in_run', variable: 'PROMOTED_IN_RUN' },
} as const;

export const PROMOTED_FROM_VARIABLE = PROMOTION_INPUTS.promotedFrom.variable;
export const PROMOTED_IN_RUN_VARIABLE = PROMOTION_INPUTS.promotedInRun.variable;

/** Set by the workflow on the deploy and restore steps: epoch seconds from validate. */
export const STARTED_AT_VARIABLE = 'ROLLOUT_STARTED_AT';

/**
 * Set by the workflow on the steps that sign in, from the environment secret: the JSON
 * azure/login's `creds` takes. Empty in OIDC mode. Only its `clientSecret` is read.
 */
export const CREDENTIALS_VARIABLE = SECRET_NAMES.azureCredentials;

/** Set by GitHub Actions itself. */
export const GITHUB_VARIABLES = {
  /** `repository_dispatch` (an event from the pipeline) or `workflow_dispatch` (a person). */
  eventName: 'GITHUB_EVENT_NAME',
  output: 'GITHUB_OUTPUT',
  stepSummary: 'GITHUB_STEP_SUMMARY',
  /** The run and its attempt: "Re-run failed jobs" keeps the id and counts the attempt. */
  runId: 'GITHUB_RUN_ID',
  runAttempt: 'GITHUB_RUN_ATTEMPT',
  serverUrl: 'GITHUB_SERVER_URL',
  repository: 'GITHUB_REPOSITORY',
  /** The job's temporary folder, emptied at its start and end: the journal file's home. */
  runnerTemp: 'RUNNER_TEMP',
  /** Set on every step when the job may request an OIDC token (`id-token: write`). */
  idTokenUrl: 'ACTIONS_ID_TOKEN_REQUEST_URL',
  idTokenRequestToken: 'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
} as const;

export type EnvironmentValues = { readonly [K in keyof typeof ENVIRONMENT_VARIABLES]: string };

export interface Inputs {
  /** As received, unchecked; missing variables are "". */
  readonly request: PayloadValues;
  readonly variables: EnvironmentValues;
  /** ROLLOUT_STARTED_AT as received, unchecked. */
  readonly startedAt: string;
  /** PROMOTED_FROM as received, unchecked; "" for a run that is not a promotion. */
  readonly promotedFrom: string;
  /** PROMOTED_IN_RUN is "true": the previous stage ran in this workflow run. */
  readonly promotedInRun: boolean;
  readonly eventName: string;
  /** AZURE_CREDENTIALS as received (a secret: never shown). */
  readonly credentials: string;
  /** The run, as GitHub names it; "" outside Actions. */
  readonly run: {
    readonly id: string;
    readonly attempt: string;
    readonly serverUrl: string;
    readonly repository: string;
  };
}

/** Takes the rollout's inputs from an environment (process.env in main.ts). */
export function readInputs(env: Readonly<Record<string, string | undefined>>): Inputs {
  const pick = <T extends Record<string, string>>(names: T): { [K in keyof T]: string } =>
    Object.fromEntries(Object.entries(names).map(([k, name]) => [k, env[name] ?? ''])) as {
      [K in keyof T]: string;
    };
  return {
    request: pick(REQUEST_VARIABLES),
    variables: pick(ENVIRONMENT_VARIABLES),
    startedAt: env[STARTED_AT_VARIABLE] ?? '',
    promotedFrom: env[PROMOTED_FROM_VARIABLE] ?? '',
    promotedInRun: env[PROMOTED_IN_RUN_VARIABLE] === 'true',
    eventName: env[GITHUB_VARIABLES.eventName] ?? '',
    credentials: env[CREDENTIALS_VARIABLE] ?? '',
    run: {
      id: env[GITHUB_VARIABLES.runId] ?? '',
      attempt: env[GITHUB_VARIABLES.runAttempt] ?? '',
      serverUrl: env[GITHUB_VARIABLES.serverUrl] ?? '',
      repository: env[GITHUB_VARIABLES.repository] ?? '',
    },
  };
}
