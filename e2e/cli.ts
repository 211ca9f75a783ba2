/**
 * The end-to-end run against a sandbox (`.github/workflows/e2e.yml`; setup and cost in
 * docs/e2e.md): one subcommand per workflow step, so the workflow only wires them together.
 * Every decision (what the configuration says, which workflow run is ours, whether it passed,
 * what the endpoint serves, what to delete) is made in e2e/, and `__tests__/e2e.test.ts`
 * checks it offline against a fake GitHub API and a fake `az`.
 *
 *   node --import tsx e2e/cli.ts <command> [flags]      (USAGE below)
 *
 * Besides flags, the entry point hands in the process environment: the sandbox's `E2E_*`
 * variables (write-config), the GitHub token (`GITHUB_TOKEN`: never a flag, never printed),
 * `GITHUB_API_URL` and the Actions run (`GITHUB_RUN_ID`, ...). Step outputs go to
 * `GITHUB_OUTPUT`; what the job summary shows goes to a file of facts (e2e/facts.ts).
 */
import { execAz } from '../rollout/az';
import { CANCELLED_EXIT_CODE } from '../rollout/context';
import { realClock } from '../rollout/github-io';
import { modelVersion } from '../lib/dispatch-contract';
import { UserError } from '../scripts/user-error';
import {
  assertServing,
  commitAssets,
  deleteEndpoints,
  register,
  summary,
  waitRun,
  writeConfig,
  type Io,
  type WaitRunOptions,
} from './steps';

const USAGE = `Usage: node --import tsx e2e/cli.ts <command> [flags]
  write-config      [--config-dir config]   write config/e2e.json from the E2E_* variables
  commit-assets     [--config-dir config]   commit the specs and sample request to the target repository
  register          --model-dir <folder>    register the MLflow model folder as a new version
  wait-run          --version <v> --since <time> [--exclude <ids>] [--label <text>]
                    [--appear-minutes 15] [--finish-minutes 45] [--poll-seconds 15] [--per-page 100]
                                            wait for the deploy workflow's run of that version
  assert-serving    --version <v> [--label <text>]   check that the version serves 100 %
  delete-endpoints  [--config-dir config]   delete this run's endpoint and tagged leftovers
  summary           [--job e2e]             write the job summary: facts and step durations`;

const COMMANDS = {
  'write-config': { flags: ['config-dir'], required: [] },
  'commit-assets': { flags: ['config-dir'], required: [] },
  register: { flags: ['config-dir', 'model-dir'], required: ['model-dir'] },
  'wait-run': {
    flags: [
      'config-dir',
      'version',
      'since',
      'exclude',
      'label',
      'appear-minutes',
      'finish-minutes',
      'poll-seconds',
      'per-page',
    ],
    required: ['version', 'since'],
  },
  'assert-serving': { flags: ['config-dir', 'version', 'label'], required: ['version'] },
  'delete-endpoints': { flags: ['config-dir'], required: [] },
  summary: { flags: ['job'], required: [] },
} as const satisfies Record<string, { flags: readonly string[]; required: readonly string[] }>;

type Command = keyof typeof COMMANDS;
type Flags = Partial<Record<string, string>>;

/** Parses `<command> --flag value` and `--flag=value`; a UserError (exit 2) lists every problem. */
function parseArgs(argv: readonly string[]): { command: Command; flags: Flags } | 'help' {
  if (argv.length === 0) throw new UserError(`missing command. ${USAGE}`, 2);
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const [command, ...rest] = argv;
  if (!Object.hasOwn(COMMANDS, command)) {
    throw new UserError(`unknown command ${JSON.stringify(command)}. ${USAGE}`, 2);
  }
  const spec = COMMANDS[command as Command];
  const allowed: readonly string[] = spec.flags;
  const flags: Flags = {};
  const problems: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(rest[i]);
    if (!m || !allowed.includes(m[1])) {
      problems.push(`unknown argument ${JSON.stringify(rest[i])} for ${command}`);
      continue;
    }
    const value = m[2] ?? rest[i + 1];
    if (value === undefined || (m[2] === undefined && value.startsWith('--'))) {
      problems.push(`--${m[1]} needs a value`);
      continue;
    }
    if (m[2] === undefined) i++;
    flags[m[1]] = value;
  }
  const missing = spec.required.filter((f) => !flags[f]?.trim());
  if (missing.length) problems.push(`missing ${missing.map((f) => `--${f}`).join(', ')}`);
  if (problems.length) throw new UserError(`${problems.join('; ')}. ${USAGE}`, 2);
  return { command: command as Command, flags };
}

function minutes(flags: Flags, name: string, fallback: number, max: number): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || n <= 0 || n > max) {
    throw new UserError(`--${name} ${JSON.stringify(raw)} is not a number from 0 to ${max}`, 2);
  }
  return n;
}

function version(raw: string): string {
  const r = modelVersion.check(raw, '--version');
  if ('problems' in r)
    throw new UserError(r.problems.map((p) => `${p.path} ${p.message}`).join('; '), 2);
  return r.value;
}

function waitRunOptions(flags: Flags): WaitRunOptions {
  const checked = version(flags.version as string);
  const since = Date.parse(flags.since as string);
  if (!Number.isFinite(since)) {
    throw new UserError(
      `--since ${JSON.stringify(flags.since)} is not a time such as 2026-01-02T03:04:05Z`,
      2,
    );
  }
  const exclude = (flags.exclude ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (exclude.some((id) => !/^\d+$/.test(id))) {
    throw new UserError(
      `--exclude ${JSON.stringify(flags.exclude)} is not a comma-separated list of run ids`,
      2,
    );
  }
  const perPage = flags['per-page'] === undefined ? 100 : Number(flags['per-page']);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
    throw new UserError(
      `--per-page ${JSON.stringify(flags['per-page'])} is not a whole number from 1 to 100`,
      2,
    );
  }
  return {
    configDir: flags['config-dir'],
    version: checked,
    since,
    exclude: exclude.map(Number),
    label: flags.label ?? 'ModelRegistered event',
    appearTimeoutMs: minutes(flags, 'appear-minutes', 15, 360) * 60_000,
    finishTimeoutMs: minutes(flags, 'finish-minutes', 45, 360) * 60_000,
    pollMs: minutes(flags, 'poll-seconds', 15, 3600) * 1000,
    perPage,
  };
}

async function run(command: Command, flags: Flags, io: Io): Promise<void> {
  const configDir = flags['config-dir'];
  switch (command) {
    case 'write-config':
      return writeConfig(configDir, io);
    case 'commit-assets':
      return commitAssets(configDir, io);
    case 'register':
      return register({ configDir, modelDir: flags['model-dir'] as string }, io);
    case 'wait-run':
      return waitRun(waitRunOptions(flags), io);
    case 'assert-serving':
      return assertServing(
        {
          configDir,
          version: version(flags.version as string),
          label: flags.label ?? 'after the ModelRegistered event',
        },
        io,
      );
    case 'delete-endpoints':
      return deleteEndpoints(configDir, io);
    case 'summary':
      return summary(flags.job ?? 'e2e', io);
  }
}

/** Returns the exit code: 0 done, 1 failed, 2 usage. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let command = 'e2e';
  try {
    const parsed = parseArgs(argv);
    if (parsed === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    command = `e2e ${parsed.command}`;
    await run(parsed.command, parsed.flags, io);
    return 0;
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    io.stderr(`${command}: ${e.message}`);
    if (io.env.GITHUB_ACTIONS === 'true') {
      // An annotation on the run's page; %, CR and LF are escaped as the runner requires.
      const escaped = e.message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
      io.stderr(`::error title=${command}::${escaped}`);
    }
    return e.exitCode;
  }
}

if (require.main === module) {
  // GitHub cancels a step (the run was cancelled, or the step timed out) with SIGINT, then
  // SIGTERM. az runs in a process group of its own (rollout/az.ts), which a signal to this
  // process does not reach: abort stops it (synchronously), then the step ends as a shell's
  // would on SIGINT.
  const cancel = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cancel.abort();
      process.stderr.write(`e2e: stopped (${signal}): the step was cancelled or timed out.\n`);
      process.exit(CANCELLED_EXIT_CODE);
    });
  }
  main(process.argv.slice(2), {
    env: process.env,
    cwd: process.cwd(),
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    az: execAz((text) => process.stderr.write(text)),
    clock: realClock,
    signal: cancel.signal,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`e2e: unexpected error: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
