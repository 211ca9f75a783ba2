/**
 * The deploy step: reads the endpoint, asks the planner (rollout/plan.ts) what to do, and
 * does it with `az`, rolling back on any failure. From the moment the new deployment may
 * exist until it serves 100 %, a failure (or a cancelled run) puts traffic back exactly as
 * it was and deletes the deployment this run created; a deployment that existed before the
 * run is never deleted, nor one that may still receive traffic.
 */
import { ML_EXTENSION_VERSION, parseJson, type AzureMl } from './az';
import type { Context } from './context';
import { planRollout, readEndpointState, trafficText, without, type Traffic } from './plan';
import { quote } from './report';
import type { Request, Target } from './request';

/** What a rollback has to undo. */
interface Undo {
  /** Armed from the moment the new deployment may exist until it serves 100 %. */
  armed: boolean;
  /** The deployment this run created (set before the create call: a failed create can leave one). */
  created: string;
  /** Whether a traffic update was attempted (a failed update may still have applied). */
  trafficTouched: boolean;
  restore: Traffic;
}

export async function deploy(
  ctx: Context,
  ml: AzureMl,
  request: Request,
  target: Target,
  neverDowngrade: boolean,
): Promise<void> {
  const undo: Undo = { armed: false, created: '', trafficTouched: false, restore: new Map() };
  try {
    await rollOut(ctx, ml, request, target, neverDowngrade, undo);
  } catch (error) {
    const stop = ctx.stopFor(error);
    if (undo.armed) await rollBack(ctx, ml, target.endpoint, undo);
    throw stop;
  }
}

async function rollOut(
  ctx: Context,
  ml: AzureMl,
  request: Request,
  target: Target,
  neverDowngrade: boolean,
  undo: Undo,
): Promise<void> {
  const { report } = ctx;
  const { modelName: model, modelVersion: version } = request;
  const { endpoint } = target;
  const call = async <T>(result: Promise<T>): Promise<T> => {
    const value = await result;
    ctx.checkCancelled();
    return value;
  };

  ctx.log(`Installing the Azure CLI ml extension ${ML_EXTENSION_VERSION}.`);
  if (!(await call(ml.installExtension())).ok) {
    ctx.fail(`Installing the Azure CLI ml extension ${ML_EXTENSION_VERSION} failed.`);
  }
  if (!(await call(ml.showModel(model, version))).ok) {
    ctx.fail(
      `Model ${model} version ${version} could not be read from workspace ${request.workspace}: it is not registered there, or the deploy identity cannot read it.`,
    );
  }

  let shown = await call(ml.showEndpoint(endpoint));
  if (!shown.ok) {
    ctx.log(
      `Endpoint ${endpoint} does not exist (the error above is expected): creating it from ${target.endpointSpec}.`,
    );
    shown = await call(ml.createEndpoint(endpoint, target.endpointSpec));
    if (!shown.ok) ctx.fail(`Creating endpoint ${endpoint} from ${target.endpointSpec} failed.`);
    report.details.push(`Endpoint ${endpoint} was created from ${target.endpointSpec}.`);
  }
  const listed = await call(ml.listDeployments(endpoint));
  if (!listed.ok) ctx.fail(`Listing the deployments of endpoint ${endpoint} failed.`);

  const endpointJson = parseJson(shown.stdout);
  const deploymentsJson = parseJson(listed.stdout);
  const read =
    'error' in endpointJson
      ? endpointJson
      : 'error' in deploymentsJson
        ? deploymentsJson
        : readEndpointState(endpointJson.value, deploymentsJson.value);
  if ('error' in read)
    ctx.fail(`The state of endpoint ${endpoint} could not be read: ${read.error}`);

  const plan = planRollout(read.state, {
    model,
    version,
    canaryPercent: target.canaryPercent,
    keepDeployments: target.keepDeployments,
    neverDowngrade,
  });
  report.trafficBefore = report.trafficAfter = trafficText(plan.before.traffic);
  report.deploymentsBefore = report.deploymentsAfter = plan.before.deployments.join(', ');

  if (plan.kind === 'unchanged') {
    report.outcome = 'unchanged';
    report.deployment = plan.deployment;
    report.details.push(
      `Deployment ${plan.deployment} of endpoint ${endpoint} already serves ${model} version ${version} with 100 % of traffic; nothing was changed.`,
    );
    return;
  }
  if (plan.kind === 'stale') {
    // Event Grid redelivers for up to 24 h, so an event for an older version can arrive
    // after a newer version was deployed (and can even displace the newer version's
    // waiting run: GitHub keeps only the last queued run of a concurrency group).
    ctx.skip(
      `Model ${model} version ${version} is older than the serving version ${plan.servingVersion}; a repository_dispatch never downgrades — use workflow_dispatch to roll back. Nothing was changed: traffic on endpoint ${endpoint} stays "${report.trafficBefore}".`,
    );
  }
  if (plan.kind === 'name-taken') {
    ctx.fail(
      `Endpoint ${endpoint} already has a deployment named ${plan.deployment} that runs another model: ${plan.label}. Delete it, then run again.`,
    );
  }
  if (plan.kind === 'not-provisioned') {
    ctx.fail(
      `Endpoint ${endpoint} has a deployment of ${model} version ${version} that did not provision: ${plan.deployment} (${plan.state}). Delete it (az ml online-deployment delete --name ${plan.deployment} --endpoint-name ${endpoint} --yes), then run again.`,
    );
  }

  const deployment = plan.deployment;
  report.deployment = deployment;
  undo.restore = plan.restore;
  undo.armed = true;
  if (!plan.create) {
    // A rollback (or redeploy) to a version that still has a deployment: reuse it as it is,
    // so the known-good deployment comes back, rather than failing on a name that exists.
    report.details.push(
      `Deployment ${deployment} already runs ${model} version ${version}: reused, not created again.`,
    );
    ctx.log(`Reusing deployment ${deployment}, which already runs ${model}:${version}.`);
  } else {
    undo.created = deployment;
    const created = await call(
      ml.createDeployment(deployment, endpoint, target.deploymentSpec, { name: model, version }),
    );
    if (!created.ok) {
      ctx.fail(
        `Creating deployment ${deployment} on endpoint ${endpoint} from ${target.deploymentSpec} failed.`,
      );
    }
  }

  if (target.smokeTestRequest === undefined) {
    ctx.log(`No smoke test request configured for model ${model}: skipping the smoke test.`);
  } else {
    const answer = await call(ml.invoke(endpoint, deployment, target.smokeTestRequest));
    if (!answer.ok) {
      ctx.fail(
        `Smoke test failed: deployment ${deployment} did not answer ${target.smokeTestRequest}.`,
      );
    }
    // The response is data: quoted, so it cannot start a workflow command.
    ctx.io.out(`Smoke test passed. Response: ${quote(answer.stdout.replace(/\n$/, ''))}`);
  }

  if (target.canaryPercent > 0 && !plan.steps.some((s) => s.what === 'canary')) {
    ctx.log(
      `No canary step: nothing else serves traffic on ${endpoint}, or ${deployment} already has ${target.canaryPercent} % or more.`,
    );
  }
  for (const step of plan.steps) {
    const what =
      step.what === 'canary' ? `canary ${target.canaryPercent} %` : `100 % to ${deployment}`;
    const traffic = trafficText(step.traffic);
    undo.trafficTouched = true;
    ctx.log(`Traffic (${what}): ${traffic}`);
    if (!(await call(ml.setTraffic(endpoint, traffic))).ok) {
      ctx.fail(`Shifting traffic (${what}: ${traffic}) on endpoint ${endpoint} failed.`);
    }
  }
  // The deployment serves everything: from here on nothing is rolled back.
  undo.armed = false;

  // Only deployments without traffic are deleted, and only now that the new one serves.
  const deleted: string[] = [];
  const failed: string[] = [];
  for (const name of plan.cleanup) {
    const result = await ml.deleteDeployment(name, endpoint);
    (result.ok ? deleted : failed).push(name);
  }
  report.outcome = 'succeeded';
  report.trafficAfter = trafficText(without(plan.steps[plan.steps.length - 1].traffic, deleted));
  report.deploymentsAfter = [
    ...plan.after.deployments,
    ...failed.map((name) => `${name} (delete failed)`),
  ].join(', ');
  if (deleted.length > 0) {
    report.details.push(
      `Deleted earlier deployments beyond keepDeployments=${target.keepDeployments}: ${deleted.join(' ')}.`,
    );
  }
  if (failed.length > 0) {
    // The rollout itself succeeded; a leftover deployment costs money but serves nothing.
    report.details.push(
      `Cleanup incomplete: deleting ${failed.join(' ')} failed (no traffic goes there); delete by hand or let the next rollout retry.`,
    );
    ctx.annotate(
      'warning',
      `Cleanup incomplete: could not delete ${failed.join(' ')} on ${endpoint}.`,
    );
  }
}

/**
 * Puts traffic back exactly as it was and deletes the deployment this run created. Never
 * deletes a deployment that existed before the run, and never one that might still receive
 * traffic (when restoring the traffic failed).
 */
async function rollBack(ctx: Context, ml: AzureMl, endpoint: string, undo: Undo): Promise<void> {
  const { report } = ctx;
  const restore = trafficText(undo.restore);
  undo.armed = false;
  ctx.log('Rolling back.');
  let restored = true;
  if (undo.trafficTouched) {
    if ((await ml.setTraffic(endpoint, restore)).ok) {
      report.details.push(`Rolled back: traffic restored to "${restore}".`);
    } else {
      restored = false;
      report.trafficAfter = 'unknown: restoring it failed';
      report.details.push(
        `ROLLBACK INCOMPLETE: restoring traffic failed. Restore it by hand: az ml online-endpoint update --name ${endpoint} --traffic "${restore}" ${ml.scopeArgs().join(' ')}`,
      );
      ctx.annotate(
        'error',
        `Rollback incomplete: traffic on ${endpoint} could not be restored to "${restore}".`,
      );
    }
  } else if (undo.created === '') {
    report.details.push('Nothing had been changed yet: no rollback needed.');
  }
  if (restored) report.trafficAfter = report.trafficBefore;
  const before = report.deploymentsBefore;
  report.deploymentsAfter = before;
  if (undo.created === '') return;
  const kept = (): string => (before ? `${before}, ${undo.created}` : undo.created);
  if (!restored) {
    report.deploymentsAfter = kept();
    report.details.push(
      `Deployment ${undo.created} was kept because it may still receive traffic; delete it once traffic is restored.`,
    );
  } else if ((await ml.deleteDeployment(undo.created, endpoint)).ok) {
    report.details.push(`Rolled back: the failed deployment ${undo.created} was deleted.`);
  } else {
    report.deploymentsAfter = kept();
    report.details.push(
      `The failed deployment ${undo.created} could not be deleted (it receives no traffic); delete it by hand.`,
    );
    ctx.annotate('warning', `The failed deployment ${undo.created} could not be deleted.`);
  }
}
