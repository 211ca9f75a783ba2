/**
 * Waiting for the deploy workflow's run of a registered version: until it appears among the
 * target repository's runs, then until it completes. Time comes from a clock (a fake one in
 * the tests), so waiting is tested without real time.
 */
import type { Clock } from '../rollout/context';
import { GitHubApiError, type GitHubClient } from '../scripts/github-client';
import { UserError } from '../scripts/user-error';
import { describeRun, findRuns, readRun, type RunQuery, type WorkflowRun } from './github';

/** The run was found but did not complete in time: the summary still links it. */
export class StillRunning extends UserError {
  constructor(
    message: string,
    readonly run: WorkflowRun,
  ) {
    super(message);
  }
}

interface WaitOptions extends RunQuery {
  readonly appearTimeoutMs: number;
  readonly finishTimeoutMs: number;
  readonly pollMs: number;
}

/**
 * Runs created up to this long before `--since` still count: `--since` is the runner's clock,
 * a run's `created_at` is GitHub's.
 */
export const CLOCK_SKEW_MS = 60_000;

const minutesText = (ms: number) => `${Math.round((ms / 60_000) * 10) / 10} min`;

/**
 * Waits for the run named `o.name` to appear, then for it to complete; returns it completed.
 * Transient GitHub failures (5xx, 429, network) are retried until the deadline; anything else
 * (a bad token, a wrong repository) ends the wait at once.
 */
export async function waitForRun(
  gh: GitHubClient,
  o: WaitOptions,
  clock: Clock,
  log: (line: string) => void,
): Promise<WorkflowRun> {
  const where = `${o.owner}/${o.repository}`;
  const poll = async <T>(what: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await what();
    } catch (e) {
      if (e instanceof GitHubApiError && e.transient) {
        log(`${e.message}; trying again`);
        return undefined;
      }
      throw e;
    }
  };
  const pause = async (deadline: number) =>
    clock.sleep(Math.max(0, Math.min(o.pollMs, deadline - clock.now())));

  log(
    `Waiting up to ${minutesText(o.appearTimeoutMs)} for a repository_dispatch run named ${JSON.stringify(o.name)} in ${where} (created after ${o.createdAfter.toISOString()}).`,
  );
  const appearBy = clock.now() + o.appearTimeoutMs;
  let run: WorkflowRun | undefined;
  for (;;) {
    const runs = await poll(() => findRuns(gh, o));
    if (runs && runs.length > 0) {
      run = runs[0];
      if (runs.length > 1) {
        log(
          `${runs.length} runs have that name (${runs.map((r) => `#${r.run_number}`).join(', ')}): following the oldest; the others are duplicates of the same dispatch.`,
        );
      }
      break;
    }
    if (clock.now() >= appearBy) {
      throw new UserError(
        `No repository_dispatch run named ${JSON.stringify(o.name)} appeared in ${where} within ${minutesText(o.appearTimeoutMs)}. ` +
          'The event did not reach the deploy workflow: check the Logic App run history and the dead-letter container (docs/trigger.md, "When something fails").',
      );
    }
    await pause(appearBy);
  }

  log(`Found ${describeRun(run)}: ${run.status ?? 'unknown status'}.`);
  const finishBy = clock.now() + o.finishTimeoutMs;
  let status = run.status;
  while (run.status !== 'completed') {
    if (clock.now() >= finishBy) {
      throw new StillRunning(
        `${describeRun(run)} ${JSON.stringify(o.name)} is still ${run.status ?? 'in an unknown state'} after ${minutesText(o.finishTimeoutMs)}.`,
        run,
      );
    }
    await pause(finishBy);
    const id: number = run.id;
    const latest: WorkflowRun | undefined = await poll(() => readRun(gh, o, id));
    if (latest) run = latest;
    if (run.status !== status) {
      status = run.status;
      log(
        `${describeRun(run)}: ${status ?? 'unknown status'}${status === 'completed' ? `, ${run.conclusion}` : ''}.`,
      );
    }
  }
  return run;
}
