/**
 * The steps of a rollout and the interpreter that runs them. Each step signs in afresh, is
 * recorded in the journal before it starts (with what undoes it) and after it ends, and
 * checks its effect in Azure rather than trusting the command's exit status. Undoing is not
 * done here: the restore step (rollout/restore.ts) does it, after a failure as after a kill.
 */
import { failureReason, isNotFound } from './az';
import {
  call,
  deploymentOf,
  freshSignIn,
  keepSignedIn,
  readEndpoint,
  waitFor,
  type Rollout,
} from './azure-state';
import { recordTag, type RolloutRecord } from './journal';
import { inFlight, serving, trafficText, type Step, type StepKind } from './plan';
import { quote } from './report';

/** Tags a created deployment carries: which run made it, of what. */
export const DEPLOYMENT_TAGS = {
  run: 'aml-deploy-run',
  runUrl: 'aml-deploy-run-url',
  model: 'aml-deploy-model',
  /** "workspace <name>" or "registry <name>". */
  source: 'aml-deploy-source',
  /** The stage that passed the version on, for a promotion. */
  promotedFrom: 'aml-deploy-promoted-from',
} as const;

/**
 * Runs the steps in order; the first that fails ends the run (the restore step follows).
 * `record`: the rollout's record on the endpoint, which traffic steps update.
 */
export async function runSteps(
  r: Rollout,
  steps: readonly Step[],
  record?: RolloutRecord,
): Promise<void> {
  for (const step of steps) {
    await freshSignIn(r);
    const entry = r.journal.start(step.kind, describe(step), step.undo);
    try {
      await RUNNERS[step.kind](r, step as never, record);
      r.journal.end(entry, 'done');
    } catch (error) {
      if (r.ctx.cancelled)
        r.ctx.report.details.push(`The deploy step was stopped during: ${entry.label}.`);
      r.journal.end(entry, r.ctx.cancelled ? 'interrupted' : 'failed');
      throw error;
    }
  }
}

/** A step in words, for the log and the journal. */
function describe(step: Step): string {
  switch (step.kind) {
    case 'create':
      return `create deployment ${step.deployment}`;
    case 'smoke-test':
      return `smoke test of ${step.deployment}`;
    case 'traffic':
      return `traffic (${step.what}): ${trafficText(step.traffic)}`;
    case 'observe':
      return `observe the canary for ${step.minutes} min`;
    case 'cleanup':
      return `delete ${step.deployments.join(' ')}`;
    case 'share':
      return `share the version into registry ${step.registry}`;
  }
}

type Runner<K extends StepKind> = (
  r: Rollout,
  step: Extract<Step, { kind: K }>,
  record?: RolloutRecord,
) => Promise<void>;

const RUNNERS: { readonly [K in StepKind]: Runner<K> } = {
  create: createDeployment,
  'smoke-test': (r, step) => smokeTest(r, step.deployment),
  traffic: shiftTraffic,
  observe,
  cleanup,
  share,
};

/** Deployments take minutes to create; this bounds the wait for one. */
export const CREATE_MINUTES = 60;
/** A traffic update; bounds the wait for the endpoint to settle. */
const UPDATE_MINUTES = 15;

async function createDeployment(
  r: Rollout,
  step: Extract<Step, { kind: 'create' }>,
): Promise<void> {
  const { request, target } = r;
  const { source } = request;
  const tags: Record<string, string> = {
    [DEPLOYMENT_TAGS.run]: request.run,
    [DEPLOYMENT_TAGS.model]: `${request.modelName}:${request.modelVersion}`,
    [DEPLOYMENT_TAGS.source]: source.label,
  };
  if (request.runUrl) tags[DEPLOYMENT_TAGS.runUrl] = request.runUrl;
  if (source.promotedFrom) tags[DEPLOYMENT_TAGS.promotedFrom] = source.promotedFrom;
  const model = source.reference;
  const absent = async (): Promise<boolean> => {
    const state = await readEndpoint(r);
    return !state || !deploymentOf(state, step.deployment);
  };
  const created = await call(
    r,
    (azure) =>
      azure.createDeployment(step.deployment, target.endpoint, target.deploymentSpec, model, tags),
    absent,
  );
  // Whatever the command said, Azure decides: the operation goes on when the command ends.
  const state = await waitFor(
    r,
    `deployment ${step.deployment} to provision`,
    CREATE_MINUTES,
    (s) => !inFlight(deploymentOf(s, step.deployment)?.state ?? ''),
  );
  const made = deploymentOf(state, step.deployment);
  const why = created.ok ? '' : ` (${failureReason(created)})`;
  if (!made) {
    r.ctx.fail(
      `Creating deployment ${step.deployment} on endpoint ${target.endpoint} from ${target.deploymentSpec} failed${why}.`,
    );
  }
  if (made.state !== 'succeeded') {
    r.ctx.fail(
      `Deployment ${step.deployment} did not provision: its state is ${made.state || 'unknown'}${why}.`,
    );
  }
  if (!created.ok) r.ctx.log(`az reported a failure${why}, but ${step.deployment} provisioned.`);
}

async function smokeTest(r: Rollout, deployment: string): Promise<void> {
  const file = r.target.smokeTestRequest ?? '';
  const answer = await call(r, (azure) => azure.invoke(r.target.endpoint, deployment, file));
  if (!answer.ok) {
    r.ctx.fail(
      `Smoke test failed: deployment ${deployment} did not answer ${file} (${failureReason(answer)}).`,
    );
  }
  // The response is data: quoted, so it cannot start a workflow command.
  r.ctx.io.out(`Smoke test passed. Response: ${quote(answer.stdout.replace(/\n$/, ''))}`);
}

/**
 * A traffic update. The final one marks the record `done` in the same request: from the
 * moment the new deployment serves 100 %, there is nothing left to undo.
 */
async function shiftTraffic(
  r: Rollout,
  step: Extract<Step, { kind: 'traffic' }>,
  record?: RolloutRecord,
): Promise<void> {
  if (!record) throw new Error('a traffic step needs the rollout record');
  const traffic = trafficText(step.traffic);
  // The record goes with the traffic, in the same request: what the run set (the canary), or
  // that it is done (100 %).
  const next: RolloutRecord =
    step.what === 'final' ? { ...record, state: 'done' } : { ...record, shifted: step.traffic };
  const tag = recordTag(next);
  const tags = 'tags' in tag ? tag.tags : undefined;
  r.ctx.log(`Traffic (${step.what}): ${traffic}`);
  const result = await call(r, (azure) =>
    azure.updateEndpoint(r.target.endpoint, { traffic, tags }),
  );
  const state = await waitFor(
    r,
    `the traffic update of ${r.target.endpoint}`,
    UPDATE_MINUTES,
    (s) => !inFlight(s.state),
  );
  if (trafficText(serving(state.traffic)) !== trafficText(serving(step.traffic))) {
    const why = result.ok ? 'Azure reports other traffic' : failureReason(result);
    r.ctx.fail(
      `Shifting traffic (${step.what}: ${traffic}) on endpoint ${r.target.endpoint} failed: ${why}.`,
    );
  }
}

/**
 * The canary serves for a while; then it must still be provisioned and have its share (no
 * one changed the traffic meanwhile), and answer the smoke test again.
 */
async function observe(r: Rollout, step: Extract<Step, { kind: 'observe' }>): Promise<void> {
  r.ctx.log(`Observing the canary for ${step.minutes} min.`);
  await r.ctx.clock.sleep(step.minutes * 60_000, r.ctx.signal);
  r.ctx.checkCancelled();
  await keepSignedIn(r);
  const state = await readEndpoint(r);
  const deployment = r.ctx.report.deployment;
  const now = state ? trafficText(serving(state.traffic)) : 'no endpoint';
  if (now !== trafficText(serving(step.traffic))) {
    r.ctx.fail(`The traffic changed while the canary was observed: now "${now}".`);
  }
  const d = state && deploymentOf(state, deployment);
  if (d?.state !== 'succeeded') {
    r.ctx.fail(`Deployment ${deployment} is ${d?.state || 'gone'} after the observation.`);
  }
  if (r.target.smokeTestRequest !== undefined) await smokeTest(r, deployment);
}

/** Only deployments without traffic, once the new one serves; a failure is only a warning. */
async function cleanup(r: Rollout, step: Extract<Step, { kind: 'cleanup' }>): Promise<void> {
  const { report } = r.ctx;
  const deleted: string[] = [];
  const failed: string[] = [];
  for (const name of step.deployments) {
    const present = async (): Promise<boolean> => {
      const state = await readEndpoint(r);
      return state !== undefined && deploymentOf(state, name) !== undefined;
    };
    const result = await call(
      r,
      (azure) => azure.deleteDeployment(name, r.target.endpoint),
      present,
    );
    (result.ok ? deleted : failed).push(name);
  }
  if (deleted.length > 0) {
    report.details.push(
      `Deleted earlier deployments beyond keepDeployments=${r.target.keepDeployments}: ${deleted.join(' ')}.`,
    );
  }
  if (failed.length > 0) {
    // The rollout itself succeeded; a leftover deployment costs money but serves nothing.
    report.details.push(
      `Cleanup incomplete: deleting ${failed.join(' ')} failed (no traffic goes there); the next rollout tries again.`,
    );
    r.ctx.annotate(
      'warning',
      `Cleanup incomplete: could not delete ${failed.join(' ')} on ${r.target.endpoint}.`,
    );
  }
}

/**
 * Shares the version that now serves here into the registry the next stage deploys from.
 * Sharing is not idempotent (an existing version fails it), so Azure is asked first and
 * again after a failure: a re-run, or a concurrent run, may have shared it already.
 */
async function share(r: Rollout, step: Extract<Step, { kind: 'share' }>): Promise<void> {
  const { modelName: name, modelVersion: version } = r.request;
  const inRegistry = async (): Promise<boolean> => {
    const shown = await call(r, (azure) => azure.showModel(name, version, step.registry));
    if (!shown.ok && !isNotFound(shown)) {
      r.ctx.fail(`Reading registry ${step.registry} failed: ${failureReason(shown)}`);
    }
    return shown.ok;
  };
  if (await inRegistry()) {
    r.ctx.log(`${name} version ${version} is in registry ${step.registry} already.`);
    return;
  }
  const shared = await call(r, (azure) => azure.shareModel(name, version, step.registry));
  if (!shared.ok && !(await inRegistry())) {
    r.ctx.fail(
      `Sharing ${name} version ${version} into registry ${step.registry} failed: ${failureReason(shared)}. It serves here; the next stage was not started.`,
    );
  }
  r.ctx.report.details.push(`Shared ${name} version ${version} into registry ${step.registry}.`);
}
