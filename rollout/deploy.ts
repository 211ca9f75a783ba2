/**
 * The deploy step: prepares (sign-in, extension, model, endpoint), finishes undoing a
 * rollout that an earlier run left half-done, plans (rollout/plan.ts), records the rollout
 * on the endpoint, then runs the plan's steps (rollout/steps.ts). A failure or a kill ends
 * the step as it is: the restore step that follows (rollout/run.ts) undoes what the journal
 * says, against the endpoint's live state.
 */
import { failureReason, ML_EXTENSION_VERSION } from './az';
import { call, freshSignIn, quiet, readEndpoint, waitFor, type Rollout } from './azure-state';
import { decodeRecord, recordTag, ROLLOUT_TAG, type RolloutRecord } from './journal';
import {
  cleanupStep,
  deploymentName,
  planRollout,
  serving,
  trafficText,
  type EndpointState,
  type Plan,
  type Traffic,
} from './plan';
import { carryOut, planRestore, undosOf } from './restore';
import { checkSource } from './source';
import { CREATE_MINUTES, runSteps } from './steps';

export async function deploy(r: Rollout): Promise<void> {
  const { ctx } = r;
  const { state, provisional } = await prepare(r);
  const plan = planRollout(state, {
    model: r.request.modelName,
    version: r.request.modelVersion,
    canaryPercent: r.target.canaryPercent,
    observeMinutes: r.target.observeMinutes,
    keepDeployments: r.target.keepDeployments,
    smokeTest: r.target.smokeTestRequest !== undefined,
    neverDowngrade: r.neverDowngrade,
    provisional,
    shareTo: r.request.promotion?.registry?.name,
  });
  ctx.report.trafficBefore = ctx.report.trafficAfter = trafficText(plan.before.traffic);
  ctx.report.deploymentsBefore = ctx.report.deploymentsAfter = plan.before.deployments.join(', ');
  if (plan.kind === 'unchanged' && plan.cleanup.length > 0) {
    await runSteps(r, [cleanupStep(plan.cleanup)]);
  }
  if (plan.kind !== 'roll-out') return settle(r, plan);
  ctx.report.deployment = plan.deployment;
  if (!plan.create) {
    ctx.report.details.push(
      `Deployment ${plan.deployment} already runs ${r.request.modelName} version ${r.request.modelVersion}: reused, not created again.`,
    );
  }
  const record: RolloutRecord = {
    run: r.request.run,
    state: 'begun',
    target: plan.deployment,
    owned: plan.owned,
    before: serving(plan.before.traffic),
  };
  const canary = plan.steps.find((s) => s.kind === 'traffic' && s.what === 'canary');
  await begin(r, record, canary?.kind === 'traffic' ? canary.traffic : undefined);
  await runSteps(r, plan.steps, record);
  const after = await readEndpoint(r);
  ctx.report.outcome = 'succeeded';
  ctx.report.trafficAfter = after ? trafficText(after.traffic) : '';
  ctx.report.deploymentsAfter = after ? after.deployments.map((d) => d.label).join(', ') : '';
}

/**
 * Signs in, installs the extension, checks the model, creates the endpoint if it is missing,
 * waits for what is under way in Azure, and finishes an unfinished rollout of an earlier run.
 */
async function prepare(
  r: Rollout,
): Promise<{ readonly state: EndpointState; readonly provisional?: string }> {
  const { ctx, target } = r;
  await freshSignIn(r);
  ctx.log(`Installing the Azure CLI ml extension ${ML_EXTENSION_VERSION}.`);
  const extension = await call(r, (ml) => ml.installExtension());
  if (!extension.ok) {
    ctx.fail(
      `Installing the Azure CLI ml extension ${ML_EXTENSION_VERSION} failed: ${failureReason(extension)}`,
    );
  }
  await checkSource(r);
  let state = (await readEndpoint(r)) ?? (await createEndpoint(r));
  if (!quiet(state)) {
    state = await waitFor(r, `operations under way on ${target.endpoint}`, CREATE_MINUTES, quiet);
  }
  return takeOver(r, state);
}

/** Creates the missing endpoint: a step whose undo is to keep it (it serves nothing). */
async function createEndpoint(r: Rollout): Promise<EndpointState> {
  const { ctx, target } = r;
  const entry = r.journal.start('prepare', `create endpoint ${target.endpoint}`, {
    kind: 'none',
    why: 'an endpoint without deployments serves nothing and costs nothing; the next run reuses it',
  });
  ctx.log(`Endpoint ${target.endpoint} does not exist: creating it from ${target.endpointSpec}.`);
  const created = await call(r, (ml) => ml.createEndpoint(target.endpoint, target.endpointSpec));
  r.journal.end(entry, created.ok ? 'done' : 'failed');
  // A create whose command failed may still have made it (read back, as after any change).
  const state = await readEndpoint(r);
  if (!state) {
    return ctx.fail(
      `Creating endpoint ${target.endpoint} from ${target.endpointSpec} failed: ${failureReason(created)}`,
    );
  }
  ctx.report.details.push(`Endpoint ${target.endpoint} was created from ${target.endpointSpec}.`);
  return state;
}

/**
 * An unfinished rollout recorded on the endpoint (this run's earlier attempt, or a run whose
 * restore never ran or did not finish) is undone first, as its own restore would have done,
 * except that a deployment of this very version is kept and reused: a re-run never creates a
 * second one. The new rollout starts only from an endpoint that serves what someone chose.
 */
async function takeOver(
  r: Rollout,
  state: EndpointState,
): Promise<{ readonly state: EndpointState; readonly provisional?: string }> {
  const { ctx, request, target } = r;
  const tag = state.tags[ROLLOUT_TAG];
  if (tag === undefined) return { state };
  const decoded = decodeRecord(tag);
  if ('error' in decoded) {
    ctx.annotate('warning', `Ignored the journal on ${target.endpoint}: ${decoded.error}.`);
    return { state };
  }
  const earlier = decoded.record;
  if (earlier.state === 'done') return { state };
  const ours = deploymentName(request.modelVersion);
  const reusable = state.deployments.find((d) => d.name === ours && d.state === 'succeeded');
  const keep = earlier.owned && earlier.target === ours && reusable ? ours : undefined;
  const plan = planRestore(earlier, undosOf(earlier), state, keep);
  const who =
    earlier.run.split('.')[0] === request.run.split('.')[0]
      ? 'An earlier attempt of this run'
      : `Run ${earlier.run}`;
  ctx.report.details.push(
    `${who} left a rollout of ${earlier.target} unfinished: ${plan.notes.join(' ')}`,
  );
  const left = await carryOut(r.azure, target.endpoint, earlier, plan, true);
  ctx.checkCancelled();
  const problems = [...left.traffic, ...left.cleanup];
  if (problems.length > 0)
    ctx.fail(`Finishing the unfinished rollout failed: ${problems.join(' ')}`);
  const now = await waitFor(r, `operations under way on ${target.endpoint}`, CREATE_MINUTES, quiet);
  return { state: now, provisional: keep };
}

/** Writes the record on the endpoint (the file first): from here on, the run may change things. */
async function begin(r: Rollout, record: RolloutRecord, canary?: Traffic): Promise<void> {
  // The record grows by the canary's traffic later: it must fit then too.
  const largest = recordTag({ ...record, shifted: canary });
  if ('error' in largest) r.ctx.fail(`Nothing was changed: ${largest.error}.`);
  const tag = recordTag(record);
  if ('error' in tag) r.ctx.fail(`Nothing was changed: ${tag.error}.`);
  r.journal.setRecord(record);
  const entry = r.journal.start('prepare', `record the rollout on ${r.target.endpoint}`, {
    kind: 'none',
    why: 'the record itself: the restore reads it',
  });
  const written = await call(r, (azure) =>
    azure.updateEndpoint(r.target.endpoint, { tags: tag.tags }),
  );
  r.journal.end(entry, written.ok ? 'done' : 'failed');
  if (!written.ok)
    r.ctx.fail(
      `Recording the rollout on endpoint ${r.target.endpoint} failed: ${failureReason(written)}`,
    );
}

/** The plans that change nothing: the run ends here, successful or not. */
function settle(r: Rollout, plan: Exclude<Plan, { kind: 'roll-out' }>): void {
  const { ctx, request, target } = r;
  const { modelName: model, modelVersion: version } = request;
  switch (plan.kind) {
    case 'unchanged':
      ctx.report.outcome = 'unchanged';
      ctx.report.deployment = plan.deployment;
      ctx.report.details.push(
        `Deployment ${plan.deployment} of endpoint ${target.endpoint} already serves ${model} version ${version} with 100 % of traffic; nothing was changed.`,
      );
      return;
    case 'stale':
      // Event Grid redelivers for up to 24 h, so an event for an older version can arrive
      // after a newer version was deployed.
      return ctx.skip(
        `Model ${model} version ${version} is older than the serving version ${plan.servingVersion}; a repository_dispatch never downgrades — use workflow_dispatch to roll back. Nothing was changed: traffic on endpoint ${target.endpoint} stays "${ctx.report.trafficBefore}".`,
      );
    case 'name-taken':
      return ctx.fail(
        `Endpoint ${target.endpoint} already has a deployment named ${plan.deployment} that runs another model: ${plan.label}. Delete it, then run again.`,
      );
    case 'not-provisioned':
      return ctx.fail(
        `Endpoint ${target.endpoint} has a deployment of ${model} version ${version} that did not provision: ${plan.deployment} (${plan.state}). Delete it (az ml online-deployment delete --name ${plan.deployment} --endpoint-name ${target.endpoint} --yes), then run again.`,
      );
  }
}
