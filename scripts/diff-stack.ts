/**
 * The plan of one environment stack for a pull request, as the read-only `plan` identity can
 * make it: what `.github/workflows/diff.yml` runs before it posts the comment.
 *
 *   node --import tsx scripts/diff-stack.ts --env staging --out plan.txt
 *
 * An environment that has been deployed has its state blob in the backend, and the plan is
 * `cdktf diff` as usual. One that has never been deployed has none, and `cdktf diff` cannot
 * plan it as this identity: Terraform's azurerm backend, finding no blob, takes a lease and
 * writes an empty state before it plans, before any `-lock=false` is read (terraform v1.11.4
 * `internal/backend/remote-state/azure/backend_state.go:101-145`, called from
 * `internal/backend/local/backend_local.go:47-53`), and `Storage Blob Data Reader` may do
 * neither. So the blob is looked up first with a read-only call (`az storage blob exists`),
 * and when it is missing the stack is synthesized and planned with a local, empty state (a
 * `*_override.tf.json` backend, which replaces the configured one), writing nothing anywhere.
 *
 * The output goes to `--out` and to standard output. With GITHUB_OUTPUT set, the step output
 * `state` says which case it was: `present`, `missing` (never deployed) or `local` (no
 * `backend` in the configuration). The exit status is the plan's.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseEnvironmentConfig, unreadable } from '../lib/config';
import { stackName, stateKey } from '../lib/naming';
import { CONFIG_DIR_VARIABLE, DEFAULT_CONFIG_DIR } from '../lib/selection';
import { UserError } from './user-error';

const USAGE = 'Usage: node --import tsx scripts/diff-stack.ts --env <environment> --out <file>';

/** The file written into the stack's folder for a never-deployed environment. */
export const EMPTY_STATE_OVERRIDE = 'aml_deploy_empty_state_override.tf.json';

export type StateCase = 'present' | 'missing' | 'local';

export interface Options {
  readonly env: string;
  readonly out: string;
}

/** Parses the arguments; throws a UserError (exit 2) naming every problem. */
export function parseArgs(argv: readonly string[]): Options {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(env|out)(?:=(.*))?$/.exec(argv[i]);
    if (!m) {
      problems.push(`${JSON.stringify(argv[i])} is not an option`);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === '') problems.push(`--${m[1]} needs a value`);
    else values[m[1]] = value;
  }
  for (const name of ['env', 'out']) {
    if (!values[name] && !problems.some((p) => p.startsWith(`--${name}`))) {
      problems.push(`--${name} is required`);
    }
  }
  if (values.env && !/^[A-Za-z0-9_-]{1,100}$/.test(values.env)) {
    problems.push(`--env ${JSON.stringify(values.env)} is not an environment name`);
  }
  if (problems.length) throw new UserError(`${problems.join('; ')}\n${USAGE}`, 2);
  return { env: values.env, out: values.out };
}

interface Ran {
  readonly status: number;
  readonly output: string;
}

/** Runs a command without a shell; its standard output and error, interleaved as they come. */
function runCommand(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Ran & { readonly stdout: string; readonly stderr: string } {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new UserError(`${command} could not run: ${r.error.message}`);
  return {
    status: r.status ?? 1,
    stdout: r.stdout,
    stderr: r.stderr,
    output: `${r.stdout}${r.stderr}`,
  };
}

/** Whether the stack's state blob exists, asked with a read-only call as the signed-in identity. */
function stateExists(
  backend: { readonly storageAccount: string; readonly container: string },
  key: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): boolean {
  const args = [
    'storage',
    'blob',
    'exists',
    '--auth-mode',
    'login',
    '--account-name',
    backend.storageAccount,
    '--container-name',
    backend.container,
    '--name',
    key,
    '--output',
    'json',
  ];
  const r = runCommand('az', args, cwd, env);
  const where = `${backend.storageAccount}/${backend.container}/${key}`;
  if (r.status !== 0) {
    throw new UserError(
      `az could not tell whether the state blob ${where} exists (exit ${r.status}): ${r.stderr.trim()}`,
    );
  }
  let answer: unknown;
  try {
    answer = JSON.parse(r.stdout);
  } catch {
    answer = undefined;
  }
  const exists = (answer as { exists?: unknown } | undefined)?.exists;
  if (typeof exists !== 'boolean') {
    throw new UserError(
      `az answered ${JSON.stringify(r.stdout.trim())} for ${where}, not {"exists": …}`,
    );
  }
  return exists;
}

/** Plans the stack, writing the output to `opts.out`; returns the case and the plan's exit status. */
export function diffStack(
  opts: Options,
  env: NodeJS.ProcessEnv,
  root: string,
  print: (text: string) => void = () => {},
): { state: StateCase; status: number } {
  const configDir = env[CONFIG_DIR_VARIABLE] || DEFAULT_CONFIG_DIR;
  const file = `${configDir}/${opts.env}.json`;
  let source: string;
  try {
    source = readFileSync(resolve(root, file), 'utf8');
  } catch (e) {
    throw new UserError(`${file}: ${unreadable(e)}`);
  }
  const parsed = parseEnvironmentConfig(file, source);
  if ('problems' in parsed) throw new UserError(parsed.problems.join('\n'));
  const { backend } = parsed.config;
  const stack = stackName(opts.env);

  const state: StateCase = !backend
    ? 'local'
    : stateExists(backend, stateKey(opts.env), root, env)
      ? 'present'
      : 'missing';
  // Said before the plan runs, so the comment can say it even when the plan fails.
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `state=${state}\n`);

  const ran =
    state === 'missing'
      ? planWithEmptyState(stack, root, env, print)
      : runCommand('npx', ['cdktf', 'diff', stack, '--no-color'], root, env);
  if (state !== 'missing') print(ran.output);
  writeFileSync(opts.out, ran.output);
  return { state, status: ran.status };
}

/**
 * Synthesizes the stack, then runs Terraform in its folder with a local backend over an empty
 * state in a temporary folder (and its working data there too, `TF_DATA_DIR`): nothing is
 * written to the state storage or left in the stack's folder, and the plan shows what the
 * first deploy would create. Returns the plan, or the output of the step that failed.
 */
function planWithEmptyState(
  stack: string,
  root: string,
  env: NodeJS.ProcessEnv,
  print: (text: string) => void,
): Ran {
  const synth = runCommand('npx', ['cdktf', 'synth'], root, env);
  print(synth.output);
  if (synth.status !== 0) return synth;
  const dir = join(root, 'cdktf.out', 'stacks', stack);
  const scratch = mkdtempSync(join(tmpdir(), 'empty-state-'));
  const override = join(dir, EMPTY_STATE_OVERRIDE);
  const backend = { local: { path: join(scratch, 'terraform.tfstate') } };
  writeFileSync(override, `${JSON.stringify({ terraform: { backend } }, null, 2)}\n`);
  const tfEnv = { ...env, TF_DATA_DIR: join(scratch, '.terraform') };
  const terraform = (...args: string[]) => {
    const r = runCommand(
      'terraform',
      [`-chdir=${dir}`, ...args, '-input=false', '-no-color'],
      root,
      tfEnv,
    );
    print(r.output);
    return r;
  };
  try {
    const init = terraform('init');
    return init.status === 0 ? terraform('plan') : init;
  } finally {
    rmSync(override, { force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Runs the command; returns the exit status. */
export function run(argv: readonly string[], env: NodeJS.ProcessEnv, root: string): number {
  const opts = parseArgs(argv);
  try {
    return diffStack(opts, env, root, (text) => process.stdout.write(text)).status;
  } catch (e) {
    // The comment shows the plan file: it says why there is no plan.
    if (e instanceof UserError) writeFileSync(opts.out, `diff-stack: ${e.message}\n`);
    throw e;
  }
}

if (require.main === module) {
  try {
    process.exitCode = run(process.argv.slice(2), process.env, resolve(__dirname, '..'));
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    process.stderr.write(`diff-stack: ${e.message}\n`);
    process.exitCode = e.exitCode;
  }
}
