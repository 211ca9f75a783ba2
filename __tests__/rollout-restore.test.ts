/**
 * The journal's record (rollout/journal.ts) and the restore's decisions (rollout/restore.ts),
 * as tables: pure functions, no process. What they do against a (fake) Azure, interrupted at
 * every call, is in __tests__/rollout-interrupted.test.ts.
 */
import {
  decodeRecord,
  encodeRecord,
  recordTag,
  ROLLOUT_TAG,
  TAG_VALUE_MAX,
  type RolloutRecord,
} from '../rollout/journal';
import { readEndpointState, trafficText, type EndpointState, type Undo } from '../rollout/plan';
import { planRestore, undosOf } from '../rollout/restore';

const RECORD: RolloutRecord = {
  run: '4242.1',
  state: 'begun',
  target: 'model-v3',
  owned: true,
  before: new Map([['model-v2', 100]]),
};

function live(
  traffic: Record<string, number>,
  deployments: Array<[string, string?]>,
): EndpointState {
  const read = readEndpointState(
    { traffic, provisioning_state: 'Succeeded' },
    deployments.map(([name, state = 'Succeeded']) => ({
      name,
      model: `azureml:iris:${name.slice(7)}`,
      provisioning_state: state,
    })),
  );
  if ('error' in read) throw new Error(read.error);
  return read.state;
}

describe('the record on the endpoint', () => {
  test.each<[string, RolloutRecord, string]>([
    ['a rollout that begins', RECORD, 'v1 4242.1 begun model-v3 1 model-v2:100 -'],
    [
      'its canary',
      {
        ...RECORD,
        shifted: new Map([
          ['model-v2', 80],
          ['model-v3', 20],
        ]),
      },
      'v1 4242.1 begun model-v3 1 model-v2:100 model-v2:80,model-v3:20',
    ],
    [
      'a split before, a reused target, done',
      {
        ...RECORD,
        state: 'done',
        owned: false,
        before: new Map([
          ['b', 0],
          ['model-v1', 30],
          ['a-x', 70],
        ]),
      },
      'v1 4242.1 done model-v3 0 a-x:70,model-v1:30 -',
    ],
    [
      'a new endpoint (nothing served)',
      { ...RECORD, before: new Map() },
      'v1 4242.1 begun model-v3 1 - -',
    ],
  ])('%s: %s', (_label, record, text) => {
    expect(encodeRecord(record)).toBe(text);
    const decoded = decodeRecord(text);
    expect('record' in decoded && encodeRecord(decoded.record)).toBe(text);
  });

  test.each([
    ['written by something else', 'hello', 'is not a record this rollout wrote'],
    ['a later format', 'v2 4242.1 begun model-v3 1 - -', 'is not a record this rollout wrote'],
    ['a share over 100', 'v1 1.1 begun model-v3 1 a-b:101 -', 'has a bad share'],
    ['shares that do not add up', 'v1 1.1 begun model-v3 1 a-b:60 -', 'add up to 60, not 100'],
  ])('a tag %s is not read as a record: nothing is restored from it', (_label, text, message) => {
    const decoded = decodeRecord(text);
    expect('error' in decoded && decoded.error).toContain(message);
  });

  test(`one tag holds it, within Azure's ${TAG_VALUE_MAX} characters, or the run changes nothing`, () => {
    expect(recordTag(RECORD)).toEqual({ tags: { [ROLLOUT_TAG]: encodeRecord(RECORD) } });
    const split = new Map(
      Array.from({ length: 20 }, (_, i) => [`deployment-number-${i}`, 5] as const),
    );
    const tag = recordTag({ ...RECORD, before: split });
    expect('error' in tag && tag.error).toMatch(
      /^the endpoint's traffic is split over too many deployments to record it in one tag \(\d+ characters, at most 256\)/,
    );
  });
});

describe('what a restore changes, against the live state', () => {
  const all: Undo[] = undosOf(RECORD);
  const canary = {
    ...RECORD,
    shifted: new Map([
      ['model-v2', 80],
      ['model-v3', 20],
    ]),
  };
  const both: Array<[string, string?]> = [['model-v2'], ['model-v3']];

  test.each<[string, RolloutRecord, EndpointState, Partial<ReturnType<typeof planRestore>>]>([
    [
      'the canary the run set: traffic back, its deployment deleted',
      canary,
      live({ 'model-v2': 80, 'model-v3': 20 }, both),
      { outcome: 'restored', deletes: ['model-v3'] },
    ],
    [
      'traffic never moved: only the deployment goes',
      RECORD,
      live({ 'model-v2': 100 }, both),
      { outcome: 'unchanged', traffic: undefined, deletes: ['model-v3'] },
    ],
    [
      'the new version serves 100 %: the rollout had finished, nothing is undone',
      canary,
      live({ 'model-v2': 0, 'model-v3': 100 }, both),
      { outcome: 'committed', traffic: undefined, deletes: [] },
    ],
    [
      'a split the run never set (someone else): left alone, the serving deployment kept',
      canary,
      live({ 'model-v2': 50, 'model-v3': 50 }, both),
      { outcome: 'foreign', traffic: undefined, deletes: [] },
    ],
    [
      'a deployment that served before is gone: the traffic cannot go back, so it is left',
      canary,
      live({ 'model-v3': 100, 'model-v2': 0 }, [['model-v3']]),
      { outcome: 'committed' },
    ],
    [
      'a deployment being deleted already is not deleted again',
      RECORD,
      live({ 'model-v2': 100 }, [['model-v2'], ['model-v3', 'Deleting']]),
      { outcome: 'unchanged', deletes: [] },
    ],
  ])('%s', (_label, record, state, expected) => {
    expect(planRestore(record, all, state)).toMatchObject(expected);
  });

  test('traffic goes back as a full map: every deployment named, the others at 0', () => {
    const p = planRestore(
      canary,
      all,
      live({ 'model-v2': 80, 'model-v3': 20 }, [...both, ['model-v1']]),
    );
    expect(p.traffic && trafficText(p.traffic)).toBe('model-v1=0 model-v2=100 model-v3=0');
  });

  test('a deployment that existed before the run (reused) is never deleted', () => {
    const reused = { ...canary, owned: false };
    expect(
      planRestore(reused, undosOf(reused), live({ 'model-v2': 80, 'model-v3': 20 }, both)),
    ).toMatchObject({
      deletes: [],
    });
  });

  test('the next run of the same version keeps the deployment it is about to reuse', () => {
    expect(
      planRestore(canary, all, live({ 'model-v2': 80, 'model-v3': 20 }, both), 'model-v3'),
    ).toMatchObject({
      outcome: 'restored',
      deletes: [],
    });
  });

  test('only the undos of the steps that started: no traffic step, no traffic change', () => {
    const created: Undo[] = [{ kind: 'delete-deployment', deployment: 'model-v3' }];
    expect(
      planRestore(canary, created, live({ 'model-v2': 80, 'model-v3': 20 }, both)),
    ).toMatchObject({
      traffic: undefined,
      notes: ['model-v3 was kept: it still receives traffic.'],
    });
  });
});
