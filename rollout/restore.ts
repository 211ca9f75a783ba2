/**
 * Undoing a rollout, against Azure's state rather than blindly: `planRestore` (pure) compares
 * what the journal says the run did with the endpoint as it is now, and decides what to
 * change; `carryOut` does it. The restore step of the same job (after a failure, a cancel or
 * a timeout) and the next run of the environment (for a rollout whose restore never ran or
 * did not finish) both use them.
 */
import { failureReason, type AzureMl } from './az';
import { freshSignIn, readEndpoint, waitFor, type Rollout } from './azure-state';
import { Stop, type Context } from './context';
import type { Inputs } from './inputs';
import {
  decodeRecord,
  Journal,
  recordTag,
  ROLLOUT_TAG,
  type JournalFile,
  type RolloutRecord,
} from './journal';
import {
  inFlight,
  serving,
  trafficText,
  type EndpointState,
  type Traffic,
  type Undo,
} from './plan';
import { renderSummary } from './report';
import { endpointOf } from './request';
import type { Dependencies } from './run';

export interface RestorePlan {
  /** The traffic to set (every deployment named), when it must go back. */
  readonly traffic?: Traffic;
  /** Deployments the run owned that serve nothing once the traffic is back. */
  readonly deletes: readonly string[];
  /**
   * `committed`: the new deployment serves 100 %, the rollout is over; `restored`: the
   * traffic goes back; `unchanged`: it never moved; `foreign`: it is neither what the run
   * left nor what it found, so someone else changed it and it is left alone.
   */
  readonly outcome: 'committed' | 'restored' | 'unchanged' | 'foreign';
  /** One sentence per decision, for the summary. */
  readonly notes: readonly string[];
}

/** The undos a record implies, when no file says which steps started (another job). */
export function undosOf(record: RolloutRecord): Undo[] {
  const undos: Undo[] = [{ kind: 'restore-traffic' }];
  if (record.owned) undos.push({ kind: 'delete-deployment', deployment: record.target });
  return undos;
}

function sameServing(a: Traffic, b: Traffic): boolean {
  const x = serving(a);
  const y = serving(b);
  return x.size === y.size && [...x].every(([d, share]) => y.get(d) === share);
}

/** The traffic to set back, or why it cannot be. */
function trafficBack(
  record: RolloutRecord,
  live: EndpointState,
):
  | { readonly traffic: Traffic }
  | { readonly note: string; readonly outcome: RestorePlan['outcome'] } {
  const target = record.target;
  const now = trafficText(live.traffic) || 'none';
  if ((live.traffic.get(target) ?? 0) === 100) {
    return {
      note: `${target} serves 100 %: the rollout had finished; nothing is undone.`,
      outcome: 'committed',
    };
  }
  if (sameServing(live.traffic, record.before)) {
    return { note: `Traffic is as before the run ("${now}").`, outcome: 'unchanged' };
  }
  const names = new Set(live.deployments.map((d) => d.name));
  const missing = [...record.before.keys()].filter((d) => !names.has(d));
  // The record names the split the run set, in the same request that set it: any other
  // traffic is someone else's choice.
  const ours = record.shifted !== undefined && sameServing(live.traffic, record.shifted);
  if (!ours || missing.length > 0) {
    const why =
      missing.length > 0
        ? `deployment ${missing.join(', ')}, which served before the run, no longer exists`
        : 'someone else changed it after the run';
    return { note: `Traffic "${now}" was left as it is: ${why}.`, outcome: 'foreign' };
  }
  return {
    traffic: new Map(live.deployments.map((d) => [d.name, record.before.get(d.name) ?? 0])),
  };
}

/**
 * What to change so that the endpoint serves what it served before the run, given the
 * undos of the steps that started (in the order they started) and the live state. `keep`:
 * a deployment the caller reuses (the next run of the same version), never deleted here.
 */
export function planRestore(
  record: RolloutRecord,
  undos: readonly Undo[],
  live: EndpointState,
  keep?: string,
): RestorePlan {
  const notes: string[] = [];
  let traffic: Traffic | undefined;
  let outcome: RestorePlan['outcome'] = 'unchanged';
  if (undos.some((u) => u.kind === 'restore-traffic')) {
    const back = trafficBack(record, live);
    if ('traffic' in back) {
      traffic = back.traffic;
      outcome = 'restored';
      notes.push(`Traffic goes back to "${trafficText(serving(traffic))}".`);
    } else {
      outcome = back.outcome;
      notes.push(back.note);
    }
  }
  const after = traffic ?? live.traffic;
  const deletes: string[] = [];
  for (const undo of [...undos].reverse()) {
    if (undo.kind !== 'delete-deployment' || outcome === 'committed') continue;
    const d = live.deployments.find((x) => x.name === undo.deployment);
    if (!d || d.state === 'deleting' || undo.deployment === keep) continue;
    if ((after.get(d.name) ?? 0) > 0) {
      notes.push(`${d.name} was kept: it still receives traffic.`);
    } else deletes.push(d.name);
  }
  return { traffic, deletes, outcome, notes };
}

/**
 * Carries a restore plan out. The traffic goes back in one update, with the record in the
 * same request; the record becomes `done` once nothing is left, else it stays `begun`, so
 * that the next run finishes the rest (a delete that was only started, or failed). Deletes
 * wait only when `waitForDeletes` (the next run has time; the restore step after a cancel
 * has minutes, and only starts them). Returns what is left undone, in sentences: the
 * traffic (production may serve a split nobody chose) and the cleanup (it serves nothing).
 */
export async function carryOut(
  azure: AzureMl,
  endpoint: string,
  record: RolloutRecord,
  plan: RestorePlan,
  waitForDeletes: boolean,
): Promise<{ readonly traffic: string[]; readonly cleanup: string[] }> {
  const tags = (state: RolloutRecord['state']): Record<string, string> | undefined => {
    const tag = recordTag({ ...record, state });
    return 'tags' in tag ? tag.tags : undefined;
  };
  const settled = plan.deletes.length === 0;
  if (plan.traffic) {
    const traffic = trafficText(plan.traffic);
    const result = await azure.updateEndpoint(endpoint, {
      traffic,
      tags: tags(settled ? 'done' : 'begun'),
    });
    if (!result.ok) {
      const why = `Restoring traffic failed (${failureReason(result)}). Restore it by hand: az ml online-endpoint update --name ${endpoint} --traffic "${traffic}" ${azure.scopeArgs().join(' ')}`;
      return { traffic: [why], cleanup: [] };
    }
  }
  const cleanup: string[] = [];
  for (const name of plan.deletes) {
    const result = await azure.deleteDeployment(name, endpoint, waitForDeletes);
    if (!result.ok) {
      cleanup.push(`Deleting ${name} failed (${failureReason(result)}); it serves nothing.`);
    }
  }
  const needsDone = plan.traffic ? !settled : record.state === 'begun';
  if (needsDone && cleanup.length === 0 && (settled || waitForDeletes)) {
    // Best effort: a record left `begun` only makes the next run look again.
    await azure.updateEndpoint(endpoint, { tags: tags('done') });
  }
  return { traffic: [], cleanup };
}

/**
 * The restore step waits this long for an operation under way on the endpoint (a traffic
 * update the killed step started) before it reads the traffic: GitHub stops whatever still
 * runs about 4 min 45 s after a cancel, and the restore itself needs a minute.
 */
const RESTORE_WAIT_MINUTES = 2;

/**
 * The restore step: after a failed, cancelled or timed-out deploy step (or one that never
 * started). Writes the summary on every path; the exit status says whether anything is left
 * undone.
 */
export async function restore(
  ctx: Context,
  inputs: Inputs,
  deps: Dependencies,
  rolloutWith: (journal: Journal) => Rollout,
): Promise<number> {
  const file = deps.journal.read();
  if (!file) {
    ctx.report.endpoint = endpointOf(inputs.request.modelName, inputs.variables.deploymentTargets);
    ctx.report.details.push(
      'The rollout did not start: the run was cancelled before the rollout step, or that step could not start. Nothing was changed in Azure ML.',
    );
    deps.io.appendSummary(renderSummary(ctx.report, ctx.nowSeconds()));
    return 0;
  }
  Object.assign(ctx.report, file.report, { details: [...file.report.details] });
  const outcome = ctx.report.outcome === 'proceeding' ? 'failed' : ctx.report.outcome;
  const journal = new Journal(deps.journal, { ...file, report: ctx.report });
  let exitCode: number;
  try {
    exitCode = await undo(ctx, deps, journal, rolloutWith);
  } catch (error) {
    const stop = error instanceof Stop ? error : ctx.stopFor(error);
    exitCode = stop.exitCode === 0 ? 0 : 1;
    ctx.report.details.push(byHand(file));
  }
  // The outcome is the rollout's; a restore only changes it when the rollout had finished.
  if (ctx.report.outcome !== 'succeeded') ctx.report.outcome = outcome;
  journal.save();
  deps.io.appendSummary(renderSummary(ctx.report, ctx.nowSeconds()));
  return exitCode;
}

async function undo(
  ctx: Context,
  deps: Dependencies,
  journal: Journal,
  rolloutWith: (journal: Journal) => Rollout,
): Promise<number> {
  const { file } = journal;
  if (file.azProcessGroup !== undefined) {
    // A command the killed step left running must not change the endpoint after the restore.
    deps.killGroup(file.azProcessGroup);
    journal.setProcessGroup(undefined);
  }
  for (const entry of file.entries.filter((e) => e.status === 'started')) {
    ctx.report.details.push(`The deploy step was stopped during: ${entry.label}.`);
    journal.end(entry, 'interrupted');
  }
  const own = file.record && decodeRecord(file.record.text);
  if (!own || 'error' in own) {
    ctx.report.details.push('Nothing had been changed in Azure ML: nothing to restore.');
    return 0;
  }
  const r = rolloutWith(journal);
  await freshSignIn(r);
  const what = `operations under way on ${r.target.endpoint}`;
  const live = await waitFor(r, what, RESTORE_WAIT_MINUTES, (s) => !inFlight(s.state));
  const tag = decodeRecord(live.tags[ROLLOUT_TAG] ?? '');
  if ('error' in tag || tag.record.run !== own.record.run) {
    ctx.report.details.push(
      'The rollout record never reached the endpoint: nothing had been changed.',
    );
    return 0;
  }
  const plan = planRestore(
    tag.record,
    file.entries.map((e) => e.undo),
    live,
  );
  ctx.report.details.push(...plan.notes);
  const left = await carryOut(r.azure, r.target.endpoint, tag.record, plan, false);
  if (plan.outcome === 'committed') ctx.report.outcome = 'succeeded';
  await reportAfter(r, plan, left.cleanup);
  if (left.traffic.length > 0) {
    ctx.report.details.push(`RESTORE INCOMPLETE: ${left.traffic.join(' ')}`);
    ctx.annotate('error', `Restore incomplete on ${r.target.endpoint}: ${left.traffic.join(' ')}`);
    return 1;
  }
  if (left.cleanup.length > 0) {
    // Production serves what it served before; what is left serves nothing.
    const text = `${left.cleanup.join(' ')} The next run of this environment deletes it (the journal on the endpoint says it is this run's).`;
    ctx.report.details.push(text);
    ctx.annotate('warning', text);
  }
  return 0;
}

async function reportAfter(
  r: Rollout,
  plan: RestorePlan,
  failed: readonly string[],
): Promise<void> {
  const after = await readEndpoint(r);
  r.ctx.report.trafficAfter = after ? trafficText(after.traffic) : '';
  r.ctx.report.deploymentsAfter = after
    ? after.deployments
        .map((d) => (d.state === 'deleting' ? `${d.label} (deleting)` : d.label))
        .join(', ')
    : '';
  const started = plan.deletes.filter((d) => !failed.some((f) => f.includes(` ${d} `)));
  if (started.length > 0) {
    r.ctx.report.details.push(
      `Deleting ${started.join(' ')} was started (it serves nothing); the next run of this environment makes sure it is gone.`,
    );
  }
}

/** What a person can run when the restore could not: the traffic before the run. */
function byHand(file: JournalFile): string {
  const own = file.record && decodeRecord(file.record.text);
  if (!own || 'error' in own) return 'Nothing had been changed in Azure ML.';
  const traffic = new Map(own.record.before);
  traffic.set(own.record.target, 0);
  return `RESTORE NOT DONE. The next run of this environment finishes it from the journal on the endpoint (tag ${ROLLOUT_TAG}). To restore now: az ml online-endpoint update --name ${file.endpoint} --traffic "${trafficText(traffic)}" (then delete ${own.record.target} if this run created it).`;
}
