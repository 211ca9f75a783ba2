/**
 * What a run tells people: the job summary (Markdown with HTML, which GitHub renders),
 * annotations (workflow commands such as `::error::`), step outputs, log lines. Input may be
 * anywhere in them, so each form escapes what would let input shape it: a value cannot end
 * a table cell or start a workflow command of its own. Pure functions, except `Io`, which
 * rollout/main.ts implements with the files GitHub Actions names.
 */
import { payloadFields, type PayloadValues } from '../lib/dispatch-contract';

/** How a run ended; `proceeding` is validate's "the rollout step follows". */
export type Outcome = 'succeeded' | 'unchanged' | 'skipped' | 'failed' | 'cancelled' | 'proceeding';

/** Everything the job summary shows. "" means not known (shown as "–"). */
export interface Report {
  outcome: Outcome;
  /** The request as received: a row for each field the dispatch contract labels. */
  request: PayloadValues;
  endpoint: string;
  deployment: string;
  /** Where the version came from: "workspace mlw-demo", "registry mlr-contoso". */
  source: string;
  /** The stage that passed the version on, for a promotion: "staging". */
  promotedFrom: string;
  /** The page of the run in which it passed: a GitHub Actions run URL, or "" (by hand). */
  promotedFromUrl: string;
  trafficBefore: string;
  trafficAfter: string;
  deploymentsBefore: string;
  deploymentsAfter: string;
  /** Paragraphs under the table: why a run failed or was skipped, what a rollback did. */
  details: string[];
  /** Epoch seconds; the duration runs from here. */
  startedAt: number;
}

/** The rollout's side effects other than Azure: the log, the job summary, step outputs. */
export interface Io {
  /** A line of the step log (stdout), where workflow commands are read. */
  out(line: string): void;
  /** A line of diagnostics (stderr): commands as they run, az's own messages. */
  err(text: string): void;
  /** Appends to the job summary ($GITHUB_STEP_SUMMARY; stderr outside Actions). */
  appendSummary(markdown: string): void;
  /** Sets a step output ($GITHUB_OUTPUT; nothing outside Actions). */
  setOutput(name: string, value: string): void;
  /** Whether a path relative to the checkout is a file. */
  isFile(path: string): boolean;
}

export type Level = 'error' | 'warning' | 'notice';

/**
 * A workflow command, read up to the end of its line: escaping "%", CR and LF keeps a
 * message from ending early or starting a command of its own.
 */
export function annotation(level: Level, message: string): string {
  const data = message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  return `::${level} title=AML rollout::${data}`;
}

/** `name=value` for $GITHUB_OUTPUT; values are ours and one line. */
export function outputLine(name: string, value: string): string {
  if (/[\r\n]/.test(name + value)) throw new Error(`step output ${name} must be one line`);
  return `${name}=${value}\n`;
}

const QUOTE_LIMIT = 300;

/**
 * `value` as a JSON string literal, cut after 300 characters: quotes, newlines and control
 * characters become visible escapes. For data that is not ours (an az response) in the log.
 */
export function quote(value: string): string {
  const escaped = JSON.stringify(value)
    .slice(1, -1)
    .replace(/\u007f/g, '\\u007f');
  return `"${escaped.length > QUOTE_LIMIT ? `${escaped.slice(0, QUOTE_LIMIT)}...` : escaped}"`;
}

/** A log line of our own that may hold names read from Azure: control characters become "?". */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, '?');
}

/**
 * HTML and Markdown punctuation as entities, so text cannot shape the page: ":" too, so
 * that neither `:smile:` becomes an emoji nor `https://...` a link.
 */
export function markdownText(text: string): string {
  return text.replace(/[&<>`|$[\]*_\\:]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

const TITLES: Record<Outcome, string> = {
  succeeded: '✅ deployed',
  unchanged: '✅ already serving, nothing changed',
  skipped: '⏭️ skipped',
  failed: '❌ failed',
  cancelled: '⏹️ cancelled',
  proceeding: '❌ failed',
};

/** A run URL the summary may link to: GitHub's own form, nothing that could shape the page. */
const RUN_URL = /^https:\/\/[A-Za-z0-9.-]+\/[A-Za-z0-9-]+\/[A-Za-z0-9._-]+\/actions\/runs\/[0-9]+$/;

/** "Promoted from": the stage, and a link to the run in which it passed the version. */
function promotedRow(report: Report): string {
  if (report.promotedFrom === '') return '| Promoted from | – |';
  const stage = `<code>${markdownText(quote(report.promotedFrom).slice(1, -1))}</code>`;
  const link = RUN_URL.test(report.promotedFromUrl)
    ? ` in <a href="${report.promotedFromUrl}">run ${report.promotedFromUrl.split('/').at(-1)}</a>`
    : ' (by hand)';
  return `| Promoted from | ${stage}${link} |`;
}

/** The job summary: a table of the run, then one paragraph per detail. */
export function renderSummary(report: Report, now: number): string {
  const row = (label: string, value: string): string =>
    value === ''
      ? `| ${label} | – |`
      : // A value stays on one line of its cell: control characters as JSON escapes.
        `| ${label} | <code>${markdownText(quote(value).slice(1, -1))}</code> |`;
  const lines = [
    `## Azure ML rollout: ${TITLES[report.outcome]}`,
    '',
    '| Item | Value |',
    '| --- | --- |',
    ...payloadFields().flatMap(([name, field]) =>
      field.summary === undefined ? [] : [row(field.summary, report.request[name])],
    ),
    row('Endpoint', report.endpoint),
    row('Deployment', report.deployment),
    row('Source', report.source),
    promotedRow(report),
    row('Traffic before', report.trafficBefore),
    row('Traffic after', report.trafficAfter),
    row('Deployments before', report.deploymentsBefore),
    row('Deployments after', report.deploymentsAfter),
    `| Outcome | ${report.outcome === 'proceeding' ? 'failed' : report.outcome} |`,
    `| Duration | ${duration(now - report.startedAt)} |`,
    '',
    // Each detail is a paragraph; its lines (a problem list) stay lines.
    ...report.details.flatMap((detail) => [
      ...detail.split('\n').map((line) => markdownText(oneLine(line))),
      '',
    ]),
  ];
  return `${lines.join('\n')}\n`;
}
