/**
 * The rollout's journal: what a run did, kept where the next reader can find it.
 *
 * - **The record**, on the endpoint (a tag, `ROLLOUT_TAG`): which run is rolling out which
 *   deployment, whether the run owns it, and the traffic before. It is written before the
 *   first change and set to `done` in the same update that gives the new deployment 100 %.
 *   It lives with the resource it describes, so a re-run ("Re-run failed jobs" is a new job
 *   on a new machine) and the next run read it even when no step of this job could. One tag,
 *   at most 256 characters (Azure's limit for a tag value).
 * - **The file**, in the job's temporary folder: every step as it starts and ends, with what
 *   undoes it, the process group of the `az` command under way, and the summary so far. It
 *   is written without an Azure call, before each step starts and after it ends, so the
 *   restore step of the same job knows what was under way when the deploy step was killed,
 *   and writes the summary that step never wrote.
 *
 * Azure stays the source of truth: rollout/restore.ts compares both with the endpoint's
 * live state before it changes anything.
 */
import type { Report } from './report';
import { compare, type Step, type Traffic, type Undo } from './plan';

/** The endpoint tag that holds the record. */
export const ROLLOUT_TAG = 'aml-deploy-rollout';

/** Azure's limit on a tag value. */
export const TAG_VALUE_MAX = 256;

/** A rollout, as the endpoint's tag records it. */
export interface RolloutRecord {
  /** "<run id>.<attempt>": a re-run keeps the run id. */
  readonly run: string;
  /** `begun` until the rollout serves 100 % or was fully undone. */
  readonly state: 'begun' | 'done';
  /** The deployment that gets the traffic. */
  readonly target: string;
  /** Whether undoing the rollout deletes the target (the run created it). */
  readonly owned: boolean;
  /** The shares above 0 before the run. */
  readonly before: Traffic;
  /**
   * The traffic the run set last, before its final 100 % (the canary), written in the same
   * request as that traffic: a restore tells the run's own split from someone else's.
   */
  readonly shifted?: Traffic;
}

const RECORD =
  /^v1 (\d{1,20}\.\d{1,5}) (begun|done) ([A-Za-z][A-Za-z0-9-]{2,31}) ([01]) (-|\S+) (-|\S+)$/;
const SHARE = /^([A-Za-z][A-Za-z0-9-]{2,31}):(\d{1,3})$/;

/** Shares above 0 as "a:90,b:10" ("-" for none). */
function sharesText(traffic: Traffic | undefined): string {
  const shares = [...(traffic ?? [])]
    .filter(([, share]) => share > 0)
    .sort((a, b) => compare(a[0], b[0]))
    .map(([d, share]) => `${d}:${share}`)
    .join(',');
  return shares || '-';
}

function readShares(text: string): Map<string, number> | { readonly error: string } {
  const traffic = new Map<string, number>();
  for (const item of text === '-' ? [] : text.split(',')) {
    const share = SHARE.exec(item);
    if (!share || Number(share[2]) > 100) return { error: `tag ${ROLLOUT_TAG} has a bad share` };
    traffic.set(share[1], Number(share[2]));
  }
  const total = [...traffic.values()].reduce((sum, s) => sum + s, 0);
  if (traffic.size > 0 && total !== 100) {
    return { error: `tag ${ROLLOUT_TAG}: its shares add up to ${total}, not 100` };
  }
  return traffic;
}

/** The tag's value: "v1 <run> <state> <target> <owned> <before> <shifted>", shares "a:90,b:10". */
export function encodeRecord(record: RolloutRecord): string {
  const { run, state, target, owned } = record;
  return `v1 ${run} ${state} ${target} ${owned ? 1 : 0} ${sharesText(record.before)} ${sharesText(record.shifted)}`;
}

/** The record in a tag value, or why it is not one (then nothing is restored from it). */
export function decodeRecord(
  value: string,
): { readonly record: RolloutRecord } | { readonly error: string } {
  const m = RECORD.exec(value);
  if (!m) return { error: `tag ${ROLLOUT_TAG} is not a record this rollout wrote` };
  const before = readShares(m[5]);
  if ('error' in before) return before;
  const shifted = readShares(m[6]);
  if ('error' in shifted) return shifted;
  const record: RolloutRecord = {
    run: m[1],
    state: m[2] as RolloutRecord['state'],
    target: m[3],
    owned: m[4] === '1',
    before,
    ...(m[6] === '-' ? {} : { shifted }),
  };
  return { record };
}

/** The tag that says it, or why a record does not fit in one (the run then changes nothing). */
export function recordTag(
  record: RolloutRecord,
): { readonly tags: Record<string, string> } | { readonly error: string } {
  const value = encodeRecord(record);
  if (value.length > TAG_VALUE_MAX) {
    return {
      error: `the endpoint's traffic is split over too many deployments to record it in one tag (${value.length} characters, at most ${TAG_VALUE_MAX}): set the traffic on fewer deployments, then run again`,
    };
  }
  return { tags: { [ROLLOUT_TAG]: value } };
}

/** One step of the run as the file records it. */
export interface JournalEntry {
  /** A step of the plan, or the preparation before it (endpoint, state, record). */
  readonly step: Step['kind'] | 'prepare';
  readonly label: string;
  status: 'started' | 'done' | 'failed' | 'interrupted';
  readonly undo: Undo;
}

/** The journal file (JSON): everything the restore step of the same job needs. */
export interface JournalFile {
  readonly version: 1;
  /** "<run id>.<attempt>". */
  readonly run: string;
  /** The endpoint, once the target is known. */
  endpoint: string;
  /** The record, as written (or about to be written) to the endpoint; undefined before. */
  record?: { readonly text: string };
  entries: JournalEntry[];
  /** The process group of the `az` command under way. */
  azProcessGroup?: number;
  report: Report;
}

/** Where the file is kept: rollout/github-io.ts on a runner, memory in the tests. */
export interface JournalStore {
  read(): JournalFile | undefined;
  write(journal: JournalFile): void;
}

/** The journal of this run, written through after every change. */
export class Journal {
  constructor(
    private readonly store: JournalStore,
    readonly file: JournalFile,
  ) {}

  static begin(store: JournalStore, run: string, report: Report): Journal {
    const journal = new Journal(store, { version: 1, run, endpoint: '', entries: [], report });
    journal.save();
    return journal;
  }

  /** Records a step before it starts, with what undoes it. */
  start(step: JournalEntry['step'], label: string, undo: Undo): JournalEntry {
    const entry: JournalEntry = { step, label, status: 'started', undo };
    this.file.entries.push(entry);
    this.save();
    return entry;
  }

  end(entry: JournalEntry, status: JournalEntry['status']): void {
    entry.status = status;
    this.save();
  }

  setRecord(record: RolloutRecord): void {
    this.file.record = { text: encodeRecord(record) };
    this.save();
  }

  setProcessGroup(group: number | undefined): void {
    this.file.azProcessGroup = group;
    this.save();
  }

  save(): void {
    this.store.write(this.file);
  }
}
