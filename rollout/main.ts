/**
 * Rolls one registered Azure ML model version out to its managed online endpoint.
 *
 * Usage: node rollout.js validate | deploy | restore   (see rollout/run.ts)
 *
 * aml-deploy-pipeline bundles this entry (and what it imports) into workflows/rollout.js and
 * commits it to .github/workflows/aml-deploy/rollout.js in the target repository, where
 * .github/workflows/aml-deploy-model.yml runs it from a checkout of that repository: the spec
 * paths in AML_DEPLOYMENT_TARGETS are relative to the current folder. docs/rollout.md there
 * explains the behaviour.
 *
 * The only file of the rollout that reads process.env: the rest takes its inputs as values
 * (rollout/inputs.ts) and its side effects as interfaces, which the tests replace.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { execAz, killGroup } from './az';
import { fileJournal, gitHubIdToken, gitHubIo, JOURNAL_FILE, realClock } from './github-io';
import { GITHUB_VARIABLES, readInputs } from './inputs';
import { isPhase, PHASES, runPhase } from './run';

async function main(argv: readonly string[]): Promise<number> {
  const phase = argv[0] ?? '';
  if (argv.length !== 1 || !isPhase(phase)) {
    process.stderr.write(`usage: rollout.js ${PHASES.join(' | ')}\n`);
    return 2;
  }
  const env = process.env;
  // GitHub cancels a step (the run was cancelled, or the step timed out) with SIGINT, then
  // SIGTERM 7.5 s later, then kills it: the az command under way is stopped at once, the
  // journal is written, and the restore step takes over with a fresh sign-in.
  const cancel = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (cancel.signal.aborted) return;
      cancel.abort();
      process.stderr.write(
        `The run was cancelled or the step timed out (${signal}): stopping; the restore step undoes what this run changed.\n`,
      );
    });
  }
  return runPhase(phase, readInputs(env), {
    io: gitHubIo({
      summaryFile: env[GITHUB_VARIABLES.stepSummary] || undefined,
      outputFile: env[GITHUB_VARIABLES.output] || undefined,
      root: process.cwd(),
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    }),
    az: execAz((text) => process.stderr.write(text)),
    clock: realClock,
    journal: fileJournal(join(env[GITHUB_VARIABLES.runnerTemp] || tmpdir(), JOURNAL_FILE)),
    idToken: () =>
      gitHubIdToken(
        env[GITHUB_VARIABLES.idTokenUrl],
        env[GITHUB_VARIABLES.idTokenRequestToken],
        cancel.signal,
      ),
    killGroup: (group) => killGroup(group, 'SIGKILL'),
    signal: cancel.signal,
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
