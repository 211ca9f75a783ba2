/**
 * The rollout's three phases, as the deploy workflow runs them:
 *
 * - `validate` checks the request and finds the model's target. It makes no Azure call, so
 *   it runs before the sign-in step. It writes `proceed=true|false` and `started_at` as step
 *   outputs; a skipped or rejected request gets its job summary here.
 * - `deploy` checks again (the step must be safe on its own), then rolls out
 *   (rollout/deploy.ts). Needs a signed-in az CLI.
 * - `not-started` writes the job summary of a run whose rollout never started (sign-in
 *   failed, or the run was cancelled in between). Makes no Azure call.
 *
 * Every phase returns the step's exit status and writes its summary on every path.
 */
import { AzureMl, type Az } from './az';
import { Context } from './context';
import { deploy } from './deploy';
import { ENVIRONMENT_VARIABLES, type Inputs } from './inputs';
import { deploymentName } from './plan';
import { oneLine, renderSummary, type Io, type Report } from './report';
import {
  checkRequest,
  endpointOf,
  findTarget,
  ignoredFieldsWarning,
  type Request,
  type Target,
} from './request';

export const PHASES = ['validate', 'deploy', 'not-started'] as const;

/** validate's step outputs, which the workflow's later steps read. */
export const STEP_OUTPUTS = {
  /** "true" when the rollout step should run. */
  proceed: 'proceed',
  /** Epoch seconds, handed to the later steps as ROLLOUT_STARTED_AT. */
  startedAt: 'started_at',
} as const;
export type Phase = (typeof PHASES)[number];

export function isPhase(value: string): value is Phase {
  return (PHASES as readonly string[]).includes(value);
}

export interface Dependencies {
  readonly io: Io;
  readonly az: Az;
  /** Aborted when GitHub cancels the run. */
  readonly signal?: AbortSignal;
}

/** Runs one phase; returns the exit status. */
export async function runPhase(phase: Phase, inputs: Inputs, deps: Dependencies): Promise<number> {
  const { io } = deps;
  const now = io.now();
  const report: Report = {
    outcome: 'failed',
    modelName: inputs.request.modelName,
    modelVersion: inputs.request.modelVersion,
    environment: inputs.request.environment,
    eventId: inputs.request.eventId,
    eventTime: inputs.request.eventTime,
    endpoint: '',
    deployment: '',
    trafficBefore: '',
    trafficAfter: '',
    deploymentsBefore: '',
    deploymentsAfter: '',
    details: [],
    // deploy and not-started: the start time from validate, so the duration covers sign-in.
    startedAt:
      phase !== 'validate' && /^[0-9]{1,12}$/.test(inputs.startedAt)
        ? Number(inputs.startedAt)
        : now,
  };
  const ctx = new Context(io, report, deps.signal);

  if (phase === 'not-started') {
    // Best effort, for the summary only: the endpoint the rollout would have used.
    report.endpoint = endpointOf(inputs.request.modelName, inputs.variables.deploymentTargets);
    report.details.push(
      'The rollout did not start: signing in to Azure failed, or the run was cancelled before the rollout step. Nothing was changed in Azure ML.',
    );
    io.appendSummary(renderSummary(report, io.now()));
    return 0;
  }

  if (phase === 'validate') io.setOutput(STEP_OUTPUTS.startedAt, String(report.startedAt));
  let exitCode = 0;
  try {
    const { request, target } = checked(ctx, inputs, phase);
    if (phase === 'validate') {
      report.outcome = 'proceeding';
      ctx.log(
        `Request valid: ${request.modelName} version ${request.modelVersion} goes to endpoint ${target.endpoint} as deployment ${report.deployment}.`,
      );
    } else {
      const ml = new AzureMl(deps.az, request, (line) => io.err(`${oneLine(line)}\n`));
      await deploy(ctx, ml, request, target, inputs.eventName === 'repository_dispatch');
    }
  } catch (error) {
    exitCode = ctx.stopFor(error).exitCode;
  }
  if (phase === 'validate') {
    // Written once, here, so that no path leaves it out (the later steps depend on it).
    io.setOutput(STEP_OUTPUTS.proceed, String(report.outcome === 'proceeding'));
  }
  // A request that passed validation gets its summary from the deploy step.
  if (report.outcome !== 'proceeding') io.appendSummary(renderSummary(report, io.now()));
  return exitCode;
}

/** The request and its target, or the run ends (failed, or skipped when there is no target). */
function checked(
  ctx: Context,
  inputs: Inputs,
  phase: 'validate' | 'deploy',
): { request: Request; target: Target } {
  const { report } = ctx;
  const result = checkRequest(inputs);
  if ('problems' in result) {
    ctx.fail(
      [
        'The request was rejected before any Azure call:',
        ...result.problems.map((p) => `- ${p}`),
      ].join('\n'),
    );
  }
  const { request } = result;
  const lookup = findTarget(request.modelName, request.deploymentTargets, (path) =>
    ctx.io.isFile(path),
  );
  if ((lookup.kind === 'found' || lookup.kind === 'invalid') && lookup.ignored.length > 0) {
    // One warning per run: validate always runs first; the deploy step only logs it again.
    const warning = ignoredFieldsWarning(lookup.ignored);
    if (phase === 'validate') ctx.annotate('warning', warning);
    else ctx.log(warning);
  }
  switch (lookup.kind) {
    case 'unreadable':
      return ctx.fail(
        `Variable ${ENVIRONMENT_VARIABLES.deploymentTargets} cannot be read: ${lookup.reason}`,
      );
    case 'none':
      return ctx.skip(
        `No deployment target for model ${request.modelName} in environment ${request.environment} (${ENVIRONMENT_VARIABLES.deploymentTargets} has none): nothing to deploy.`,
      );
    case 'invalid':
      return ctx.fail(
        [
          `The deployment target of model ${request.modelName} is invalid (${ENVIRONMENT_VARIABLES.deploymentTargets}):`,
          ...lookup.problems.map((p) => `- ${p}`),
        ].join('\n'),
      );
    case 'found':
      report.endpoint = lookup.target.endpoint;
      report.deployment = deploymentName(request.modelVersion);
      return { request, target: lookup.target };
  }
}
