/**
 * Rolls one registered Azure ML model version out to its managed online endpoint.
 *
 * Usage: node rollout.js validate | deploy | not-started   (see rollout/run.ts)
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
import { execAz } from './az';
import { gitHubIo } from './github-io';
import { GITHUB_VARIABLES, readInputs } from './inputs';
import { isPhase, PHASES, runPhase } from './run';

async function main(argv: readonly string[]): Promise<number> {
  const phase = argv[0] ?? '';
  if (argv.length !== 1 || !isPhase(phase)) {
    process.stderr.write(`usage: rollout.js ${PHASES.join(' | ')}\n`);
    return 2;
  }
  // GitHub cancels a run with SIGINT, then SIGTERM: finish the az call under way, roll back.
  // The first signal is logged, after the abort: the log says when the cancel was seen.
  const cancel = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (cancel.signal.aborted) return;
      cancel.abort();
      process.stderr.write(
        `The run was cancelled (${signal}): the az command under way finishes, then the rollout stops and undoes its changes, if any.\n`,
      );
    });
  }
  return runPhase(phase, readInputs(process.env), {
    io: gitHubIo({
      summaryFile: process.env[GITHUB_VARIABLES.stepSummary] || undefined,
      outputFile: process.env[GITHUB_VARIABLES.output] || undefined,
      root: process.cwd(),
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    }),
    az: execAz((text) => process.stderr.write(text)),
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
