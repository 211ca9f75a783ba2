/**
 * The steps of an end-to-end run, one function per workflow step (.github/workflows/e2e.yml
 * wires them; e2e/cli.ts reads their arguments). Each loads the configuration write-config
 * wrote, does its one thing, prints what it did, and leaves outputs and facts for later ones.
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { EnvironmentConfig } from '../lib/config';
import { modelVersion } from '../lib/dispatch-contract';
import { stackName } from '../lib/naming';
import type { Az } from '../rollout/az';
import type { Clock } from '../rollout/context';
import { UserError } from '../scripts/user-error';
import { azJson, azReason, checkServing, endpointsToDelete, SandboxMl } from './azure';
import { buildConfig, configFile, loadConfig, runUrl, value, type Env } from './config';
import { readFacts, recordFacts, setOutputs, type RunFact } from './facts';
import {
  commitFiles,
  describeRun,
  gitHub,
  jobSteps,
  type JobStep,
  type WorkflowRun,
} from './github';
import { ENDPOINT_TAG, runName } from './names';
import { renderSummary } from './summary';
import { targetFiles } from './target-files';
import { CLOCK_SKEW_MS, StillRunning, waitForRun } from './wait-run';

export interface Io {
  /** The process environment: variables, the token, the Actions run. */
  readonly env: Env;
  /** The directory relative paths are resolved against. */
  readonly cwd: string;
  /** Our own lines. */
  readonly stdout: (line: string) => void;
  /** Errors, and each az command before it runs. */
  readonly stderr: (line: string) => void;
  readonly az: Az;
  readonly clock: Clock;
  /** Aborted when the step is cancelled: the az command under way stops. */
  readonly signal?: AbortSignal;
}

export function writeConfig(configDir: string | undefined, io: Io): void {
  const { file, path } = configFile(configDir, io.cwd);
  const built = buildConfig(io.env, file);
  if ('problems' in built) {
    throw new UserError(
      `The e2e configuration cannot be written:\n  ${built.problems.join('\n  ')}`,
    );
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(built.json, null, 2)}\n`);
  const c = built.config;
  const t = c.targets[0];
  io.stdout(
    `Wrote ${file}: stack ${stackName(c.name)}; workspace ${c.azure.workspace} in ${c.azure.resourceGroup}; ` +
      `target ${c.github.owner}/${c.github.repository} (environment ${c.github.environment}); ` +
      `model ${t.model} on endpoint ${t.endpoint}; name prefix ${c.namePrefix}${c.backend ? '; remote state' : '; local state'}.`,
  );
  setOutputs(io.env, { model: t.model, endpoint: t.endpoint, environment: c.github.environment });
  recordFacts(io.env, () => ({
    environment: c.github.environment,
    target: `${c.github.owner}/${c.github.repository}`,
    model: t.model,
    endpoint: t.endpoint,
    namePrefix: c.namePrefix,
  }));
}

export async function commitAssets(configDir: string | undefined, io: Io): Promise<void> {
  const config = loadConfig(configDir, io.cwd);
  const done = await commitFiles(
    gitHub(io.env),
    config.github,
    targetFiles(config),
    `aml-deploy e2e: endpoint spec, deployment spec and sample request (${runUrl(io.env) ?? 'a local run'})`,
  );
  for (const d of done)
    io.stdout(`${config.github.owner}/${config.github.repository}: ${d.path} ${d.action}.`);
  recordFacts(io.env, (f) => ({ ...f, assets: done }));
}

const sandbox = (config: EnvironmentConfig, io: Io) =>
  new SandboxMl(io.az, config, io.stderr, io.signal);

export async function register(
  o: { readonly configDir?: string; readonly modelDir: string },
  io: Io,
): Promise<void> {
  const config = loadConfig(o.configDir, io.cwd);
  const model = config.targets[0].model;
  const dir = resolve(io.cwd, o.modelDir);
  if (!existsSync(join(dir, 'MLmodel'))) {
    throw new UserError(
      `${o.modelDir} has no MLmodel file: generate the model first (e2e/make_model.py).`,
    );
  }
  // Runs created from here on may be ours (wait-run allows for clock skew).
  const since = new Date(io.clock.now()).toISOString();
  const created = azJson(
    await sandbox(config, io).createModel(model, dir),
    `az ml model create of ${model} failed`,
  ) as { version?: unknown } | null;
  const version = String(created?.version ?? '');
  const check = modelVersion.check(version, 'version');
  if ('problems' in check) {
    throw new UserError(
      `az ml model create registered ${model} as version ${JSON.stringify(version)}, which the deploy workflow refuses: ${check.problems[0].message}.`,
    );
  }
  io.stdout(`Registered ${model} version ${version} in workspace ${config.azure.workspace}.`);
  setOutputs(io.env, { version, since });
  recordFacts(io.env, (f) => ({ ...f, version }));
}

export interface WaitRunOptions {
  readonly configDir?: string;
  readonly version: string;
  /** When the event was sent (epoch ms, the runner's clock). */
  readonly since: number;
  readonly exclude: readonly number[];
  readonly label: string;
  readonly appearTimeoutMs: number;
  readonly finishTimeoutMs: number;
  readonly pollMs: number;
  readonly perPage: number;
}

export async function waitRun(o: WaitRunOptions, io: Io): Promise<void> {
  const config = loadConfig(o.configDir, io.cwd);
  const name = runName(config.targets[0].model, o.version, config.github.environment);
  const report = (run: WorkflowRun) => {
    setOutputs(io.env, {
      run_id: String(run.id),
      run_url: run.html_url,
      conclusion: run.conclusion ?? '',
    });
    const fact: RunFact = {
      label: o.label,
      id: run.id,
      number: run.run_number,
      url: run.html_url,
      status: run.status,
      conclusion: run.conclusion,
    };
    recordFacts(io.env, (f) => ({ ...f, runs: [...(f.runs ?? []), fact] }));
  };
  let run: WorkflowRun;
  try {
    run = await waitForRun(
      gitHub(io.env),
      {
        owner: config.github.owner,
        repository: config.github.repository,
        name,
        createdAfter: new Date(Math.floor((o.since - CLOCK_SKEW_MS) / 1000) * 1000),
        exclude: new Set(o.exclude),
        appearTimeoutMs: o.appearTimeoutMs,
        finishTimeoutMs: o.finishTimeoutMs,
        pollMs: o.pollMs,
        perPage: o.perPage,
      },
      io.clock,
      io.stdout,
    );
  } catch (e) {
    if (e instanceof StillRunning) report(e.run);
    throw e;
  }
  report(run);
  if (run.conclusion !== 'success') {
    throw new UserError(
      `${describeRun(run)} ${JSON.stringify(name)} ended with conclusion ${JSON.stringify(run.conclusion)}, not "success": read its log and job summary.`,
    );
  }
  io.stdout(`${describeRun(run)} ${JSON.stringify(name)} succeeded.`);
}

export async function assertServing(
  o: { readonly configDir?: string; readonly version: string; readonly label: string },
  io: Io,
): Promise<void> {
  const config = loadConfig(o.configDir, io.cwd);
  const want = { ...config.targets[0], version: o.version };
  const outcome = await checkServing(sandbox(config, io), want).catch((e: unknown) => {
    if (e instanceof UserError) return { ok: false, message: e.message };
    throw e;
  });
  recordFacts(io.env, (f) => ({
    ...f,
    serving: [...(f.serving ?? []), { label: o.label, ...outcome }],
  }));
  if (!outcome.ok) throw new UserError(outcome.message);
  io.stdout(outcome.message);
}

export async function deleteEndpoints(configDir: string | undefined, io: Io): Promise<void> {
  const config = loadConfig(configDir, io.cwd);
  const { workspace } = config.azure;
  const own = config.targets[0].endpoint;
  const ml = sandbox(config, io);
  const byHand = (name: string) =>
    `az ml online-endpoint delete --name ${name} ${ml.scopeArgs().join(' ')} --yes`;
  let names: string[];
  try {
    const what = `The endpoints of workspace ${workspace} could not be listed`;
    names = endpointsToDelete(azJson(await ml.listEndpoints(), what), own);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    recordFacts(io.env, (f) => ({ ...f, endpointsNotDeleted: [own] }));
    throw new UserError(
      `${e.message}. Check for leftovers and delete them by hand: ${byHand(own)}`,
    );
  }
  if (names.length === 0) {
    io.stdout(`No endpoint to delete in workspace ${workspace} (${own} was never created).`);
    return;
  }
  const deleted: string[] = [];
  const failed: string[] = [];
  for (const name of names) {
    io.stdout(
      `Deleting endpoint ${name}${name === own ? '' : ` (tagged ${ENDPOINT_TAG}, left by an earlier run)`}...`,
    );
    const r = await ml.deleteEndpoint(name);
    if (r.ok) deleted.push(name);
    else {
      failed.push(name);
      io.stderr(`Deleting endpoint ${name} failed: ${azReason(r)}`);
    }
  }
  recordFacts(io.env, (f) => ({ ...f, endpointsDeleted: deleted, endpointsNotDeleted: failed }));
  if (failed.length) {
    throw new UserError(
      `${failed.length} endpoint(s) were not deleted and still bill: ${failed.join(', ')}. Delete by hand: ${failed.map(byHand).join('; ')}`,
    );
  }
  io.stdout(`Deleted ${deleted.join(', ')}.`);
}

/** Writes the job summary; never fails the job (the steps it reports on already did, or not). */
export async function summary(job: string, io: Io): Promise<void> {
  const repo = value(io.env, 'GITHUB_REPOSITORY');
  const runId = value(io.env, 'GITHUB_RUN_ID');
  const attempt = value(io.env, 'GITHUB_RUN_ATTEMPT') ?? '1';
  let steps: JobStep[] | undefined;
  let problem: string | undefined;
  if (!repo || !runId) {
    problem = 'GITHUB_REPOSITORY and GITHUB_RUN_ID are not set (not in GitHub Actions)';
  } else {
    try {
      const read = await jobSteps(gitHub(io.env), repo, runId, attempt, job);
      if ('steps' in read) steps = read.steps;
      else problem = read.problem;
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      problem = e.message;
    }
  }
  const markdown = renderSummary(readFacts(io.env), steps, problem);
  const file = value(io.env, 'GITHUB_STEP_SUMMARY');
  if (file) appendFileSync(file, markdown);
  else io.stdout(markdown);
  if (problem) {
    io.stderr(`::warning title=e2e summary::Step durations are not available: ${problem}`);
  }
}
