/**
 * A rollout interrupted at every point, in this process (support/rollout-harness.ts): a
 * cancel or a step timeout (the runner signals the step: here a `kill` fault aborts the
 * run during that very `az` call), a failure, a sign-in that expires, a restore step that
 * never runs, and "Re-run failed jobs" after each. The promise under test: production serves
 * the old version or the new one, never a split nobody chose, and no deployment the run
 * created is left behind without serving; a re-run ends where an uninterrupted run ends,
 * without creating a second deployment of the version.
 *
 * The kill points are not hand-picked: the uninterrupted run is recorded first, and every
 * one of its calls becomes a point where the run is cancelled.
 */
import type { Fault } from './support/fake-azure-ml';
import {
  armModel,
  azure,
  command,
  createdDeployments,
  deploymentsOn,
  ENDPOINT,
  endpointsOf,
  job,
  later,
  servingOn,
  summaryRow,
  summaryText,
  WORKSPACE,
  type Endpoints,
  type Job,
  type JobOptions,
} from './support/rollout-harness';

// model-v2 serves; model-v1 is kept from an earlier rollout. Version 3 rolls out with a
// canary observed for 5 minutes; keepDeployments=1 then deletes model-v1.
const BEFORE: Endpoints = {
  [ENDPOINT]: {
    traffic: { 'model-v1': 0, 'model-v2': 100 },
    deployments: { 'model-v1': armModel('iris', '1'), 'model-v2': armModel('iris', '2') },
  },
};
const ROLLOUT: JobOptions = {
  env: { MODEL_VERSION: '3' },
  target: { canaryPercent: 20, observeMinutes: 5 },
};
const OLD = { 'model-v2': 100 };
const NEW = { 'model-v3': 100 };

/** The run's calls, as "command@n" (the n-th call of that command). */
function callPoints(j: Job): string[] {
  const counts: Record<string, number> = {};
  return j.calls.map((call) => {
    const c = command(call);
    counts[c] = (counts[c] ?? 0) + 1;
    return `${c}@${counts[c]}`;
  });
}

function fault(point: string, kind: Fault['kind'], extra: Partial<Fault> = {}): Fault {
  const [cmd, at] = point.split('@');
  return { command: cmd, at: Number(at), kind, ...extra };
}

let uninterrupted: Job;
let end: Endpoints;
beforeAll(async () => {
  uninterrupted = await job({ ...ROLLOUT, azure: azure(BEFORE) });
  expect(uninterrupted.deploy?.code).toBe(0);
  end = endpointsOf(later(uninterrupted.azure));
});

test('the uninterrupted run: what every interrupted one is held to', () => {
  expect(servingOn(uninterrupted.azure)).toEqual(NEW);
  expect(deploymentsOn(uninterrupted.azure)).toEqual(['model-v2', 'model-v3']);
  expect(uninterrupted.journal?.entries.map((e) => `${e.step}:${e.status}`)).toEqual([
    'prepare:done',
    'create:done',
    'smoke-test:done',
    'traffic:done',
    'observe:done',
    'traffic:done',
    'cleanup:done',
  ]);
});

/** The promise after an interrupted job, once Azure has finished what the job started. */
function expectOldOrNew(j: Job): 'old' | 'new' {
  const state = later(j.azure);
  const serving = servingOn(state);
  expect([OLD, NEW]).toContainEqual(serving);
  if (JSON.stringify(serving) === JSON.stringify(NEW)) {
    expect(summaryRow(j, 'Outcome')).toBe('succeeded');
    return 'new';
  }
  // The old version serves; the run's deployment is gone, unless Azure refused to delete it
  // while its create was still under way: then the summary says the next run deletes it.
  if (deploymentsOn(state).includes('model-v3')) {
    expect(summaryText(j)).toContain('The next run of this environment deletes it');
  } else {
    expect(deploymentsOn(state)).toEqual(['model-v1', 'model-v2']);
  }
  return 'old';
}

/** A re-run of the same run (attempt 2) on what the first attempt left: no fault this time. */
async function rerun(first: Job): Promise<Job> {
  const existed = deploymentsOn(first.azure).includes('model-v3');
  const again = await job({
    ...ROLLOUT,
    azure: first.azure,
    env: { MODEL_VERSION: '3', GITHUB_RUN_ATTEMPT: '2' },
  });
  expect(again.deploy?.code).toBe(0);
  expect(endpointsOf(later(again.azure))).toEqual(end);
  // Never a second deployment of the version: one left by the first attempt is reused.
  expect(createdDeployments(again)).toEqual(existed ? [] : ['model-v3']);
  return again;
}

describe('a cancel or a step timeout at every call of the run', () => {
  const points = (): string[] => callPoints(uninterrupted).slice(1);

  test('covers every call: sign-ins, reads, each change and each wait', () => {
    expect(points().length).toBeGreaterThan(25);
    expect(points()).toEqual(
      expect.arrayContaining([
        'ml online-deployment create@1',
        'ml online-endpoint update@2',
        'ml online-endpoint update@3',
        'ml online-deployment delete@1',
      ]),
    );
  });

  test('each leaves the old version or the new one serving, and a re-run finishes the job', async () => {
    const outcomes: Record<string, string> = {};
    for (const point of points()) {
      const j = await job({ ...ROLLOUT, azure: azure(BEFORE), faults: [fault(point, 'kill')] });
      expect(j.deploy?.code).toBe(130);
      expect(j.restore?.code).toBe(0);
      outcomes[point] = expectOldOrNew(j);
      await rerun(j);
    }
    // Committed only once the final traffic update was sent: from then on, nothing is undone.
    const committed = Object.keys(outcomes).filter((p) => outcomes[p] === 'new');
    const final = points().indexOf('ml online-endpoint update@3');
    expect(committed).toEqual(points().slice(final));
  });

  test('an update that never reached Azure is told apart from one that did', async () => {
    // The cancel cut the final update off before Azure took it: the canary split is the
    // run's own (its record says so), so the old version serves again.
    const j = await job({
      ...ROLLOUT,
      azure: azure(BEFORE),
      faults: [fault('ml online-endpoint update@3', 'kill', { lost: true })],
    });
    expect(expectOldOrNew(j)).toBe('old');
    expect(summaryText(j)).toContain('Traffic goes back to "model-v2=100".');
    expect(summaryRow(j, 'Outcome')).toBe('cancelled');
    expect(summaryText(j)).toContain(
      'The deploy step was stopped during: traffic (final): model-v1=0 model-v2=0 model-v3=100.',
    );
  });

  test('a traffic update still under way when the restore starts is waited for, then judged', async () => {
    // The canary update lands 90 s after the kill: the restore waits for it, then restores.
    const j = await job({
      ...ROLLOUT,
      azure: azure(BEFORE),
      faults: [fault('ml online-endpoint update@2', 'kill', { laterMs: 90_000 })],
    });
    expect(j.restore?.stdout).toContain('Waiting for operations under way on iris-ep.');
    expect(servingOn(j.azure)).toEqual(OLD);
  });
});

describe('a failure at every change', () => {
  const changing = (): string[] =>
    callPoints(uninterrupted).filter((p) => /^ml .* (create|update|delete|invoke)@/.test(p));

  test('is restored, and a re-run ends as an uninterrupted run', async () => {
    for (const point of changing()) {
      const j = await job({ ...ROLLOUT, azure: azure(BEFORE), faults: [fault(point, 'fail')] });
      if (point === 'ml online-deployment delete@1') {
        // Cleanup: the rollout itself succeeded.
        expect(j.deploy?.code).toBe(0);
        continue;
      }
      expect(j.deploy?.code).toBe(1);
      expect(expectOldOrNew(j)).toBe('old');
      await rerun(j);
    }
  });
});

describe('a sign-in that expires', () => {
  const azureCalls = (): string[] => callPoints(uninterrupted).filter((p) => p.startsWith('ml '));

  test('at any call: the call is made again on a fresh sign-in, and the run completes', async () => {
    for (const point of azureCalls()) {
      const j = await job({ ...ROLLOUT, azure: azure(BEFORE), faults: [fault(point, 'expired')] });
      expect(j.deploy?.code).toBe(0);
      expect(j.deploy?.stdout).toContain('The sign-in expired: signing in again.');
      expect(endpointsOf(later(j.azure))).toEqual(end);
    }
  });

  test('within the create (five-minute GitHub tokens): the wait signs in again and goes on', async () => {
    const j = await job({ ...ROLLOUT, azure: azure(BEFORE), sessionMs: 5 * 60_000 });

    expect(j.deploy?.code).toBe(0);
    expect(endpointsOf(later(j.azure))).toEqual(end);
    // The ten-minute create outlived its sign-in; Azure carried it out all the same.
    expect(createdDeployments(j)).toEqual(['model-v3']);
  });

  test('a sign-in refused at the start of a step fails it; the restore signs in afresh', async () => {
    const logins = callPoints(uninterrupted)
      .filter((p) => p.startsWith('login@'))
      .slice(1);
    for (const point of logins) {
      const j = await job({ ...ROLLOUT, azure: azure(BEFORE), faults: [fault(point, 'fail')] });
      expect(j.deploy?.code).toBe(1);
      expect(summaryText(j)).toContain('Signing in to Azure as');
      expect(j.restore?.code).toBe(0);
      expectOldOrNew(j);
    }
  });

  test('when the restore cannot sign in either, the summary says what to run; the next run restores', async () => {
    // The canary serves 20 %, the final update fails, and the restore's sign-in is refused.
    const logins = callPoints(uninterrupted).filter((p) => p.startsWith('login@')).length;
    const j = await job({
      ...ROLLOUT,
      azure: azure(BEFORE),
      faults: [fault('ml online-endpoint update@3', 'fail'), fault(`login@${logins}`, 'fail')],
    });
    expect(j.restore?.code).toBe(1);
    expect(servingOn(j.azure)).toEqual({ 'model-v2': 80, 'model-v3': 20 });
    expect(summaryText(j)).toContain(
      'RESTORE NOT DONE. The next run of this environment finishes it from the journal on the endpoint (tag aml-deploy-rollout). To restore now: az ml online-endpoint update --name iris-ep --traffic "model-v2=100 model-v3=0"',
    );
    await rerun(j);
  });
});

describe('a restore step that never ran (the runner was lost, or killed it)', () => {
  test('the next run of another version first puts back what served, then rolls out', async () => {
    const first = await job({
      ...ROLLOUT,
      azure: azure(BEFORE),
      noRestore: true,
      faults: [fault('ml online-endpoint update@3', 'kill', { lost: true })],
    });
    expect(servingOn(first.azure)).toEqual({ 'model-v2': 80, 'model-v3': 20 });

    // Version 4 arrives: another run, on a new machine.
    const next = await job({
      ...ROLLOUT,
      azure: later(first.azure),
      env: { MODEL_VERSION: '4', GITHUB_RUN_ID: '5000' },
    });
    expect(next.deploy?.code).toBe(0);
    expect(summaryText(next)).toContain(
      'Run 4242.1 left a rollout of model-v3 unfinished: Traffic goes back to "model-v2=100".',
    );
    // model-v3 never served: it is deleted, not kept as a rollback target.
    later(next.azure);
    expect(servingOn(next.azure)).toEqual({ 'model-v4': 100 });
    expect(deploymentsOn(next.azure)).toEqual(['model-v2', 'model-v4']);
  });

  test('a re-run of the same run reuses the deployment and finishes', async () => {
    const first = await job({
      ...ROLLOUT,
      azure: azure(BEFORE),
      noRestore: true,
      faults: [fault('ml online-endpoint invoke@2', 'kill')],
    });
    const again = await rerun(first);
    expect(summaryText(again)).toContain(
      'An earlier attempt of this run left a rollout of model-v3 unfinished',
    );
    expect(summaryText(again)).toContain('Deployment model-v3 already runs iris version 3: reused');
  });

  test('someone else changed the traffic meanwhile: it is left alone, and the run goes on from it', async () => {
    const first = await job({
      ...ROLLOUT,
      azure: azure(BEFORE),
      noRestore: true,
      faults: [fault('ml online-endpoint update@3', 'kill', { lost: true })],
    });
    // A person sets 50/50 by hand before the next run.
    first.azure.endpoints[WORKSPACE][ENDPOINT].traffic = {
      'model-v1': 0,
      'model-v2': 50,
      'model-v3': 50,
    };
    const next = await job({
      ...ROLLOUT,
      azure: first.azure,
      env: { MODEL_VERSION: '3', GITHUB_RUN_ID: '5000' },
    });
    expect(summaryText(next)).toContain(
      'Traffic "model-v1=0 model-v2=50 model-v3=50" was left as it is: someone else changed it after the run.',
    );
    expect(next.deploy?.code).toBe(0);
    expect(servingOn(later(next.azure))).toEqual(NEW);
  });
});
