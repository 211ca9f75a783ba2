/**
 * One run of a phase: its report (what the job summary will show), its clock, and the ways
 * a run ends early. `fail` and `skip` end the run by throwing `Stop`, which rollout/run.ts
 * turns into the exit status and the summary.
 */
import { annotation, oneLine, type Io, type Level, type Report } from './report';

/** Ends a run early; `exitCode` is the step's exit status. */
export class Stop extends Error {
  constructor(readonly exitCode: number) {
    super(`rollout stopped (exit status ${exitCode})`);
  }
}

/** Exit status of a cancelled run, as a shell reports SIGINT. */
export const CANCELLED_EXIT_CODE = 130;

/** Time, as the rollout sees it: the real clock on a runner, a fake one in the tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Waits; ends early (resolves) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export class Context {
  constructor(
    readonly io: Io,
    readonly report: Report,
    readonly clock: Clock,
    /** Set when GitHub cancels the run or the step times out (SIGINT, SIGTERM). */
    readonly signal?: AbortSignal,
  ) {}

  /** A line of our own in the step log. */
  log(line: string): void {
    this.io.out(oneLine(line));
  }

  annotate(level: Level, message: string): void {
    this.io.out(annotation(level, message));
  }

  /** Ends the run as failed: a summary paragraph and an error annotation. */
  fail(message: string, exitCode = 1): never {
    this.report.details.push(message);
    this.report.outcome = 'failed';
    this.annotate('error', message);
    throw new Stop(exitCode);
  }

  /**
   * Ends the run successfully without a rollout: nothing to do for this model here, or an
   * event older than the version that serves. Only before anything changes in Azure.
   */
  skip(message: string): never {
    this.report.details.push(message);
    this.report.outcome = 'skipped';
    this.annotate('notice', message);
    throw new Stop(0);
  }

  get cancelled(): boolean {
    return this.signal?.aborted ?? false;
  }

  /** Ends the run as cancelled if it was: called after every Azure call and wait. */
  checkCancelled(): void {
    if (this.cancelled) {
      this.report.outcome = 'cancelled';
      this.report.details.push('The run was cancelled, or its step timed out.');
      throw new Stop(CANCELLED_EXIT_CODE);
    }
  }

  /** Epoch seconds, for the summary. */
  nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  /**
   * The Stop for anything thrown: a Stop as it is; any other error is a bug or an
   * environment problem, recorded as a failure that points to the step log.
   */
  stopFor(error: unknown): Stop {
    if (error instanceof Stop) return error;
    const message = error instanceof Error ? error.message : String(error);
    this.io.err(error instanceof Error && error.stack ? error.stack : message);
    this.report.outcome = 'failed';
    this.report.details.push(`The rollout stopped unexpectedly (${message}); see the step log.`);
    this.annotate('error', `The rollout stopped unexpectedly: ${message}`);
    return new Stop(1);
  }
}
