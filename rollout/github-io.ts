/**
 * The rollout's `Io` on a GitHub Actions runner: the step log on stdout and stderr, the job
 * summary and step outputs appended to the files GitHub names ($GITHUB_STEP_SUMMARY,
 * $GITHUB_OUTPUT), the checkout as the current folder. Outside Actions (no such files) the
 * summary goes to stderr and outputs nowhere.
 */
import { appendFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

import { outputLine, type Io } from './report';

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
    now: () => Math.floor(Date.now() / 1000),
  };
}
