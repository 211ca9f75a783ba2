/**
 * The rollout's three phases, as the deploy workflow runs them, each a step of its own:
 *
 * - `validate` checks the request and finds the model's target. It makes no Azure call, so
 *   it runs before anything signs in. It writes `proceed=true|false` and `started_at` as
 *   step outputs; a skipped or rejected request gets its job summary here.
 * - `deploy` checks again (the step must be safe on its own), then rolls out
 *   (rollout/deploy.ts), signing in afresh for every step. It keeps a journal
 *   (rollout/journal.ts) and writes the summary when it ends by itself with success.
 * - `restore` runs after a failed, cancelled or timed-out `deploy` (or one that never
 *   started): it stops what the killed step left running, signs in afresh, undoes what the
 *   journal says against the endpoint's live state (rollout/restore.ts), and writes the
 *   summary.
 *
 * Every phase returns the step's exit status.
 */
import { HANDED_ON, PAYLOAD } from '../lib/dispatch-contract';
import { AzureMl, type Az } from './az';
import type { Rollout } from './azure-state';
import { Context, type Clock } from './context';
import { deploy } from './deploy';
import { ENVIRONMENT_VARIABLES, type Inputs } from './inputs';
import { Journal, type JournalStore } from './journal';
import { deploymentName } from './plan';
import { oneLine, renderSummary, type Io, type Report } from './report';
import {
  checkRequest,
  findTarget,
  ignoredFieldsWarning,
  type Request,
  type Target,
} from './request';
import { restore } from './restore';

export const PHASES = ['validate', 'deploy', 'restore'] as const;

/** validate's step outputs, which the workflow's later steps read. */
export const STEP_OUTPUTS = {
  /** "true" when the rollout step should run. */
  proceed: 'proceed',
  /** Epoch seconds, handed to the later steps as ROLLOUT_STARTED_AT. */
  startedAt: 'started_at',
  /**
   * deploy's, read by the workflow's next promotion job (set only when it should run): the
   * GitHub environment of the next stage; with it, the fields HANDED_ON, by payload key.
   */
  promoteTo: 'promote_to',
} as const;
export type Phase = (typeof PHASES)[number];

export function isPhase(value: string): value is Phase {
  return (PHASES as readonly string[]).includes(value);
}

export interface Dependencies {
  readonly io: Io;
  readonly az: Az;
  readonly clock: Clock;
  /** The journal file of this job. */
  readonly journal: JournalStore;
  /** A fresh GitHub OIDC token for Azure (rollout/session.ts). */
  readonly idToken: () => Promise<string>;
  /** Stops a process group the deploy step left running (its `az` command). */
  readonly killGroup: (group: number) => void;
  /** Aborted when GitHub cancels the run or the step times out. */
  readonly signal?: AbortSignal;
}

/** Runs one phase; returns the exit status. */
export async function runPhase(phase: Phase, inputs: Inputs, deps: Dependencies): Promise<number> {
  const now = Math.floor(deps.clock.now() / 1000);
  const started = /^[0-9]{1,12}$/.test(inputs.startedAt) ? Number(inputs.startedAt) : now;
  const report = newReport(inputs, phase === 'validate' ? now : started);
  const ctx = new Context(deps.io, report, deps.clock, deps.signal);
  if (phase === 'validate') return validate(ctx, inputs);
  if (phase === 'restore') return restore(ctx, inputs, deps, (r) => rollout(ctx, inputs, deps, r));
  const journal = Journal.begin(deps.journal, `${inputs.run.id}.${inputs.run.attempt}`, report);
  let exitCode = 0;
  let request: Request | undefined;
  try {
    const r = rollout(ctx, inputs, deps, journal);
    request = r.request;
    await deploy(r);
  } catch (error) {
    exitCode = ctx.stopFor(error).exitCode;
  }
  journal.save();
  if (exitCode === 0 && request) promote(ctx, request);
  // A failed or cancelled rollout gets its summary from the restore step, which follows.
  if (exitCode === 0) deps.io.appendSummary(renderSummary(report, ctx.nowSeconds()));
  return exitCode;
}

/**
 * Hands the version on to the next stage, when this environment promotes and this run rolled
 * it out. A version that already served here (a repeated event) is not promoted again: the
 * next stage's reviewers are asked once per rollout (a person promotes again by hand).
 */
function promote(ctx: Context, request: Request): void {
  const next = request.promotion?.to;
  if (next === undefined || ctx.report.outcome !== 'succeeded') return;
  ctx.io.setOutput(STEP_OUTPUTS.promoteTo, next);
  for (const name of HANDED_ON) ctx.io.setOutput(PAYLOAD[name].key, request[name]);
  ctx.report.details.push(
    `Promoted to ${next}: the next job rolls out ${request.modelName} version ${request.modelVersion} there, once its reviewers approve.`,
  );
}

function newReport(inputs: Inputs, startedAt: number): Report {
  return {
    outcome: 'failed',
    request: inputs.request,
    endpoint: '',
    deployment: '',
    source: '',
    promotedFrom: '',
    promotedFromUrl: '',
    trafficBefore: '',
    trafficAfter: '',
    deploymentsBefore: '',
    deploymentsAfter: '',
    details: [],
    startedAt,
  };
}

/** The rollout of a checked request, with the journal `journal`. */
function rollout(ctx: Context, inputs: Inputs, deps: Dependencies, journal: Journal): Rollout {
  const { request, target } = checked(ctx, inputs, 'deploy');
  journal.file.endpoint = target.endpoint;
  journal.save();
  const azure = new AzureMl(
    deps.az,
    request,
    (line) => deps.io.err(`${oneLine(line)}\n`),
    deps.signal,
    (group) => journal.setProcessGroup(group),
  );
  return {
    ctx,
    azure,
    request,
    target,
    journal,
    credentials: { idToken: deps.idToken, credentials: inputs.credentials },
    neverDowngrade: inputs.eventName === 'repository_dispatch',
  };
}

function validate(ctx: Context, inputs: Inputs): number {
  const { io, report } = ctx;
  io.setOutput(STEP_OUTPUTS.startedAt, String(report.startedAt));
  let exitCode = 0;
  try {
    const { request, target } = checked(ctx, inputs, 'validate');
    report.outcome = 'proceeding';
    ctx.log(
      `Request valid: ${request.modelName} version ${request.modelVersion} goes to endpoint ${target.endpoint} as deployment ${report.deployment}.`,
    );
  } catch (error) {
    exitCode = ctx.stopFor(error).exitCode;
  }
  // Written once, here, so that no path leaves it out (the later steps depend on it).
  io.setOutput(STEP_OUTPUTS.proceed, String(report.outcome === 'proceeding'));
  // A request that passed validation gets its summary from a later step.
  if (report.outcome !== 'proceeding') io.appendSummary(renderSummary(report, ctx.nowSeconds()));
  return exitCode;
}

/** The request and its target, or the run ends (failed, or skipped when there is no target). */
function checked(
  ctx: Context,
  inputs: Inputs,
  phase: 'validate' | 'deploy',
): { request: Request; target: Target } {
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
    // One warning per run: validate always runs first; the later steps only log it again.
    const warning = ignoredFieldsWarning(lookup.ignored);
    if (phase === 'validate') ctx.annotate('warning', warning);
    else ctx.log(warning);
  }
  const variable = ENVIRONMENT_VARIABLES.deploymentTargets;
  switch (lookup.kind) {
    case 'unreadable':
      return ctx.fail(`Variable ${variable} cannot be read: ${lookup.reason}`);
    case 'none':
      return ctx.skip(
        `No deployment target for model ${request.modelName} in environment ${request.environment} (${variable} has none): nothing to deploy.`,
      );
    case 'invalid':
      return ctx.fail(
        [
          `The deployment target of model ${request.modelName} is invalid (${variable}):`,
          ...lookup.problems.map((p) => `- ${p}`),
        ].join('\n'),
      );
    case 'found':
      ctx.report.endpoint = lookup.target.endpoint;
      ctx.report.deployment = deploymentName(request.modelVersion);
      ctx.report.source = request.source.label;
      ctx.report.promotedFrom = request.source.promotedFrom ?? '';
      // A promotion job runs in the same workflow run as the stage that passed the version.
      ctx.report.promotedFromUrl = inputs.promotedInRun ? request.runUrl : '';
      return { request, target: lookup.target };
  }
}
