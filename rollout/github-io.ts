/**
 * The rollout's side effects on a GitHub Actions runner: the step log on stdout and stderr,
 * the job summary and step outputs appended to the files GitHub names ($GITHUB_STEP_SUMMARY,
 * $GITHUB_OUTPUT), the checkout as the current folder, the journal file, the clock, and
 * GitHub's OIDC tokens. Outside Actions (no such files) the summary goes to stderr and
 * outputs nowhere.
 */
import {
  appendFileSync,
  existsSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { resolve } from 'node:path';

import type { Clock } from './context';
import type { JournalFile, JournalStore } from './journal';
import { outputLine, type Io } from './report';
import { ID_TOKEN_AUDIENCE } from './session';

export interface GitHubIoOptions {
  /** $GITHUB_STEP_SUMMARY, when set. */
  readonly summaryFile?: string;
  /** $GITHUB_OUTPUT, when set. */
  readonly outputFile?: string;
  /** The checkout, which spec paths are relative to. */
  readonly root: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export function gitHubIo(options: GitHubIoOptions): Io {
  const { summaryFile, outputFile, root, stdout, stderr } = options;
  return {
    out: (line) => stdout(`${line}\n`),
    err: stderr,
    appendSummary: (markdown) =>
      summaryFile ? appendFileSync(summaryFile, markdown) : stderr(markdown),
    setOutput: (name, value) => {
      if (outputFile) appendFileSync(outputFile, outputLine(name, value));
    },
    // Follows symbolic links, as `az` does when it reads the file.
    isFile: (path) => statSync(resolve(root, path), { throwIfNoEntry: false })?.isFile() ?? false,
  };
}

/** The journal file's name, in the job's temporary folder (the restore step reads it). */
export const JOURNAL_FILE = 'aml-deploy-rollout-journal.json';

/**
 * The journal file in the job's temporary folder. Written to a new file, then renamed over
 * the old one: a step killed while writing leaves the previous journal whole.
 */
export function fileJournal(path: string): JournalStore {
  return {
    read: () => {
      if (!existsSync(path)) return undefined;
      return JSON.parse(readFileSync(path, 'utf8')) as JournalFile;
    },
    write: (journal) => {
      writeFileSync(`${path}.new`, JSON.stringify(journal));
      renameSync(`${path}.new`, path);
    },
  };
}

/** The real clock; a wait ends early when the run is cancelled. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
    }),
};

/**
 * A fresh OIDC token from GitHub, for Azure: what azure/login asks for
 * (`core.getIDToken`), from the URL and bearer token GitHub sets on every step of a job
 * with `id-token: write`. The token is never logged.
 */
export async function gitHubIdToken(
  requestUrl: string | undefined,
  requestToken: string | undefined,
  cancel?: AbortSignal,
  request: typeof fetch = fetch,
): Promise<string> {
  if (!requestUrl || !requestToken) {
    throw new Error('ACTIONS_ID_TOKEN_REQUEST_URL is not set');
  }
  const url = `${requestUrl}&audience=${encodeURIComponent(ID_TOKEN_AUDIENCE)}`;
  const response = await request(url, {
    headers: { Authorization: `Bearer ${requestToken}`, Accept: 'application/json' },
    signal: AbortSignal.any([AbortSignal.timeout(30_000), ...(cancel ? [cancel] : [])]),
  });
  if (!response.ok) throw new Error(`GitHub answered HTTP ${response.status}`);
  const body = (await response.json()) as { value?: unknown };
  if (typeof body.value !== 'string' || body.value === '')
    throw new Error('no token in the answer');
  return body.value;
}
