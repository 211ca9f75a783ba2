/**
 * The end-to-end run against a sandbox (`.github/workflows/e2e.yml`; setup and cost in
 * docs/e2e.md): one subcommand per step, so the workflow only wires them together. Every
 * decision (what the configuration says, which workflow run is ours, whether it passed, what
 * the endpoint serves, what to delete) is made here, and `__tests__/e2e.test.ts` checks it
 * offline against a fake GitHub API and a fake `az`.
 *
 *   node --import tsx scripts/e2e.ts write-config      [--config-dir config]
 *   node --import tsx scripts/e2e.ts commit-assets     [--config-dir config]
 *   node --import tsx scripts/e2e.ts register          --model-dir <folder>
 *   node --import tsx scripts/e2e.ts wait-run          --version <v> --since <time> [--exclude <ids>]
 *                                                      [--label <text>] [--appear-minutes 15]
 *                                                      [--finish-minutes 45] [--poll-seconds 15]
 *   node --import tsx scripts/e2e.ts assert-serving    --version <v> [--label <text>]
 *   node --import tsx scripts/e2e.ts delete-endpoints  [--config-dir config]
 *   node --import tsx scripts/e2e.ts summary           [--job e2e]
 *
 * Besides flags, the entry point hands in the process environment: the sandbox's `E2E_*`
 * variables (write-config), the GitHub token (`GITHUB_TOKEN`: never a flag, never printed),
 * `GITHUB_API_URL` and the Actions run (`GITHUB_RUN_ID`, ...). Step outputs go to
 * `GITHUB_OUTPUT`; what the job summary shows goes to a small JSON file of facts
 * (`E2E_FACTS_FILE`, default `$RUNNER_TEMP/aml-deploy-e2e-facts.json`). `az` is run with
 * `execFile` (never a shell) and its JSON output is parsed.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseEnvironmentConfig, type EnvironmentConfig } from '../lib/config';
import { modelVersion } from '../lib/dispatch-contract';
import { stackName } from '../lib/naming';
import { deploymentName, parseModelRef } from '../rollout/plan';
import { UserError } from './user-error';

// --- Names ---------------------------------------------------------------------------------

/** The environment the run deploys: `config/e2e.json`, stack `aml-deploy-e2e`. */
export const E2E_ENVIRONMENT = 'e2e';
/** The model registered when `E2E_MODEL_NAME` is not set. */
export const DEFAULT_MODEL = 'aml-e2e-iris';
/**
 * The smallest VM size managed online endpoints accept (1 vCPU; "Managed online endpoints SKU
 * list" in the Azure ML docs). Microsoft warns that it can be too small for bigger models; the
 * model here is a logistic regression of a few kilobytes.
 */
export const SMALLEST_SKU = 'Standard_DS1_v2';
/** Tag on every endpoint the run creates: the teardown deletes tagged leftovers of earlier runs. */
export const ENDPOINT_TAG = 'aml-deploy-e2e';
/** Where the run commits what the deploy workflow reads, in the throwaway target repository. */
export const TARGET_FILES = {
  endpointSpec: 'aml-e2e/endpoint.yml',
  deploymentSpec: 'aml-e2e/deployment.yml',
  smokeTestRequest: 'aml-e2e/sample-request.json',
} as const;
/** The model's input columns: the iris measurements, as e2e/make_model.py names them. */
export const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;

/**
 * The deploy workflow's `run-name` for a dispatch (workflows/deploy-model.yml): how its run is
 * found among the target repository's runs.
 */
export function runName(model: string, version: string, environment: string): string {
  return `Deploy ${model} version ${version} to ${environment}`;
}

/**
 * Names that are new on every run and attempt. The name prefix goes into the Key Vault name:
 * a destroyed vault stays soft-deleted for 7 days and keeps its name taken, so the next run
 * must not reuse it. Endpoint names are unique per Azure region, across customers.
 */
export function runNames(runId: string, attempt: string): { namePrefix: string; endpoint: string } {
  // 'e' + at most 8 + 1 characters: namePrefix takes 2-10 lowercase letters and digits.
  const id = Number(runId).toString(36).slice(-8);
  const a = (Number(attempt) % 36).toString(36);
  return { namePrefix: `e${id}${a}`, endpoint: `amle2e-${runId}-${attempt}` };
}

// --- Command line ----------------------------------------------------------------------------

export const USAGE = `Usage: node --import tsx scripts/e2e.ts <command> [flags]
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

export type Command = keyof typeof COMMANDS;
type Flags = Partial<Record<string, string>>;

/** Parses `<command> --flag value` and `--flag=value`; a UserError (exit 2) lists every problem. */
export function parseArgs(argv: readonly string[]): { command: Command; flags: Flags } | 'help' {
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

function checkedVersion(raw: string): string {
  const r = modelVersion.check(raw, '--version');
  if ('problems' in r)
    throw new UserError(r.problems.map((p) => `${p.path} ${p.message}`).join('; '), 2);
  return r.value;
}

// --- The configuration -----------------------------------------------------------------------

/** The repository variables (or e2e-sandbox environment variables) write-config reads. */
export const VARIABLES = {
  subscriptionId: 'E2E_AZURE_SUBSCRIPTION_ID',
  tenantId: 'E2E_AZURE_TENANT_ID',
  location: 'E2E_AZURE_LOCATION',
  resourceGroup: 'E2E_AZURE_RESOURCE_GROUP',
  workspace: 'E2E_AML_WORKSPACE',
  deployer: 'E2E_AZURE_DEPLOYER_OBJECT_ID',
  owner: 'E2E_TARGET_OWNER',
  repository: 'E2E_TARGET_REPOSITORY',
  alertEmail: 'E2E_ALERT_EMAIL',
  model: 'E2E_MODEL_NAME',
  stateResourceGroup: 'E2E_STATE_RESOURCE_GROUP',
  stateStorageAccount: 'E2E_STATE_STORAGE_ACCOUNT',
  stateContainer: 'E2E_STATE_CONTAINER',
} as const;

const REQUIRED_VARIABLES = [
  'subscriptionId',
  'tenantId',
  'location',
  'resourceGroup',
  'workspace',
  'deployer',
  'owner',
  'repository',
  'alertEmail',
] as const;
const STATE_VARIABLES = ['stateResourceGroup', 'stateStorageAccount', 'stateContainer'] as const;

/**
 * The secrets the later steps need. write-config is not given their values, only whether they
 * are set (`HAS_<NAME>`: `true` or `false`), so a missing one stops the run before anything
 * is created.
 */
export const SECRETS = ['E2E_GH_PROVIDER_TOKEN', 'E2E_GH_DISPATCH_TOKEN'] as const;

/** Which variable a configuration field came from, for messages. */
const FIELD_SOURCES: Record<string, string> = {
  'azure.subscriptionId': VARIABLES.subscriptionId,
  'azure.tenantId': VARIABLES.tenantId,
  'azure.location': VARIABLES.location,
  'azure.resourceGroup': VARIABLES.resourceGroup,
  'azure.workspace': VARIABLES.workspace,
  'azure.deployers[0]': VARIABLES.deployer,
  'github.owner': VARIABLES.owner,
  'github.repository': VARIABLES.repository,
  'trigger.alertEmails[0]': VARIABLES.alertEmail,
  'targets[0].model': VARIABLES.model,
  'backend.resourceGroup': VARIABLES.stateResourceGroup,
  'backend.storageAccount': VARIABLES.stateStorageAccount,
  'backend.container': VARIABLES.stateContainer,
  namePrefix: 'GITHUB_RUN_ID',
  'targets[0].endpoint': 'GITHUB_RUN_ID',
};

type Env = Readonly<Record<string, string | undefined>>;

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** The Actions run's page, for tags and commit messages ("a local run" outside Actions). */
function runUrl(env: Env): string | undefined {
  const server = value(env, 'GITHUB_SERVER_URL');
  const repo = value(env, 'GITHUB_REPOSITORY');
  const id = value(env, 'GITHUB_RUN_ID');
  return server && repo && id ? `${server}/${repo}/actions/runs/${id}` : undefined;
}

/**
 * The e2e environment's configuration as written to `<dir>/e2e.json`, or every problem: the
 * missing variables at once, then each field `parseEnvironmentConfig` refuses, with the
 * variable it came from.
 */
export function buildConfig(
  env: Env,
  file: string,
): { json: Record<string, unknown>; config: EnvironmentConfig } | { problems: string[] } {
  const missing: string[] = REQUIRED_VARIABLES.filter((k) => !value(env, VARIABLES[k])).map(
    (k) => VARIABLES[k],
  );
  const runId = value(env, 'GITHUB_RUN_ID');
  const attempt = value(env, 'GITHUB_RUN_ATTEMPT') ?? '1';
  if (!runId) missing.push('GITHUB_RUN_ID');
  const problems: string[] = [];
  if (missing.length) {
    problems.push(
      `missing variables: ${missing.join(', ')} (docs/e2e.md lists what each one names)`,
    );
  }
  const secrets = SECRETS.filter((name) => env[`HAS_${name}`] === 'false');
  if (secrets.length) {
    problems.push(`missing secrets: ${secrets.join(', ')} (docs/e2e.md says what each one holds)`);
  }
  const state = STATE_VARIABLES.map((k) => value(env, VARIABLES[k]));
  if (state.some(Boolean) && !state.every(Boolean)) {
    problems.push(
      `${STATE_VARIABLES.map((k) => VARIABLES[k]).join(', ')} name the remote state together: set all three, or none for local state`,
    );
  }
  if (runId && (!/^[1-9][0-9]{0,15}$/.test(runId) || !/^[1-9][0-9]{0,3}$/.test(attempt))) {
    problems.push(
      `GITHUB_RUN_ID ${JSON.stringify(runId)} and GITHUB_RUN_ATTEMPT ${JSON.stringify(attempt)} must be whole numbers`,
    );
  }
  if (problems.length) return { problems };

  const v = (k: keyof typeof VARIABLES) => value(env, VARIABLES[k]) as string;
  const { namePrefix, endpoint } = runNames(runId as string, attempt);
  const url = runUrl(env);
  const json: Record<string, unknown> = {
    azure: {
      subscriptionId: v('subscriptionId'),
      tenantId: v('tenantId'),
      location: v('location'),
      resourceGroup: v('resourceGroup'),
      workspace: v('workspace'),
      // The e2e identity deploys, so it stays owner of the deploy identity it creates.
      deployers: [v('deployer')],
    },
    github: { owner: v('owner'), repository: v('repository') },
    auth: { mode: 'oidc' },
    targets: [
      {
        model: value(env, VARIABLES.model) ?? DEFAULT_MODEL,
        endpoint,
        ...TARGET_FILES,
        canaryPercent: 0,
        keepDeployments: 1,
      },
    ],
    namePrefix,
    tags: { purpose: 'aml-deploy-e2e', ...(url ? { 'github-run': url } : {}) },
    trigger: {
      alertEmails: [v('alertEmail')],
      // The dispatch token comes from a secret, as TF_VAR_github_dispatch_token.
      githubTokenSource: 'variable',
    },
    ...(state.every(Boolean)
      ? {
          backend: {
            resourceGroup: v('stateResourceGroup'),
            storageAccount: v('stateStorageAccount'),
            container: v('stateContainer'),
          },
        }
      : {}),
  };
  const r = parseEnvironmentConfig(file, `${JSON.stringify(json, null, 2)}\n`);
  if ('problems' in r) {
    return {
      problems: r.problems.map((p) => {
        const field = p.startsWith(`${file}: `) ? p.slice(file.length + 2).split(': ')[0] : '';
        const source = FIELD_SOURCES[field];
        return source ? `${p} (from ${source})` : p;
      }),
    };
  }
  return { json, config: r.config };
}

function configFile(flags: Flags, cwd: string): { file: string; path: string } {
  const dir = flags['config-dir'] ?? 'config';
  const file = `${dir.replace(/\/+$/, '')}/${E2E_ENVIRONMENT}.json`;
  return { file, path: isAbsolute(file) ? file : resolve(cwd, file) };
}

/** The configuration write-config wrote, checked again: the one source of names for the later steps. */
export function loadConfig(flags: Flags, cwd: string): EnvironmentConfig {
  const { file, path } = configFile(flags, cwd);
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`${file} cannot be read: run the write-config step first.`);
  }
  const r = parseEnvironmentConfig(file, source);
  if ('problems' in r) throw new UserError(`Invalid configuration:\n  ${r.problems.join('\n  ')}`);
  if (r.config.targets.length !== 1) {
    throw new UserError(`${file} must have exactly one target (the e2e model).`);
  }
  return r.config;
}

// --- What the target repository holds --------------------------------------------------------

/** The endpoint spec, deployment spec and sample request the configuration names. */
export function targetFiles(config: EnvironmentConfig): { path: string; content: string }[] {
  const target = config.targets[0];
  const header = [
    '# Written by the end-to-end run of aml-deploy-pipeline (scripts/e2e.ts there); every run',
    '# rewrites it.',
  ];
  const sample = {
    input_data: {
      columns: [...FEATURES],
      index: [0, 1],
      data: [
        [5.1, 3.5, 1.4, 0.2],
        [6.7, 3.0, 5.2, 2.3],
      ],
    },
  };
  return [
    {
      path: target.endpointSpec,
      content: [
        ...header,
        '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json',
        `name: ${target.endpoint}`,
        'auth_mode: key',
        'tags:',
        `  ${ENDPOINT_TAG}: 'true'`,
        '',
      ].join('\n'),
    },
    {
      path: target.deploymentSpec,
      content: [
        ...header,
        '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json',
        '# An MLflow model: Azure ML generates the scoring script and environment (no-code',
        '# deployment). The rollout replaces the model with the version it deploys.',
        `model: azureml:${target.model}:1`,
        `instance_type: ${SMALLEST_SKU}`,
        'instance_count: 1',
        "# The container installs the model's Python packages when it starts; on one vCPU that",
        '# takes minutes, so the probes wait longer than their defaults (30 failures, 10 s apart).',
        'liveness_probe:',
        '  initial_delay: 30',
        '  failure_threshold: 60',
        'readiness_probe:',
        '  initial_delay: 30',
        '  failure_threshold: 60',
        '',
      ].join('\n'),
    },
    ...(target.smokeTestRequest
      ? [{ path: target.smokeTestRequest, content: `${JSON.stringify(sample, null, 2)}\n` }]
      : []),
  ];
}

// --- GitHub ------------------------------------------------------------------------------------

/** A GitHub answer that is not a success. 5xx, 429 and network failures are transient. */
export class GitHubApiError extends UserError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export interface GitHubAnswer {
  readonly status: number;
  readonly json: unknown;
  readonly next?: string;
}

/** The REST API with a token. The token goes in one header and nowhere else. */
export class GitHubApi {
  private readonly base: URL;
  constructor(
    base: string,
    private readonly token: string,
    private readonly timeoutMs = 30_000,
  ) {
    this.base = new URL(base.endsWith('/') ? base : `${base}/`);
  }

  /** `path` is relative to the API root (`/repos/...`), or a next-page URL the API gave. */
  async request(
    method: 'GET' | 'PUT',
    path: string,
    { body, accept = [] }: { body?: unknown; accept?: readonly number[] } = {},
  ): Promise<GitHubAnswer> {
    const url = /^https?:\/\//.test(path)
      ? new URL(path)
      : new URL(path.replace(/^\//, ''), this.base);
    // A next-page link is followed only on the API's own host: the token goes nowhere else.
    if (url.origin !== this.base.origin) {
      throw new GitHubApiError(
        `GitHub API gave a link to another host (${url.origin}); not followed.`,
        0,
      );
    }
    const shown = `${method} ${url.pathname}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          Accept: 'application/vnd.github+json',
          Authorization: `Bearer ${this.token}`,
          'X-GitHub-Api-Version': '2022-11-28',
          'User-Agent': 'aml-deploy-pipeline-e2e',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      const reason =
        err.name === 'TimeoutError'
          ? `no answer within ${Math.round(this.timeoutMs / 1000)} s`
          : (err.cause?.code ?? err.message);
      throw new GitHubApiError(`GitHub API ${shown}: ${reason}`, 0);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok && !accept.includes(response.status)) {
      const message =
        json &&
        typeof json === 'object' &&
        typeof (json as { message?: unknown }).message === 'string'
          ? ` (${(json as { message: string }).message})`
          : '';
      throw new GitHubApiError(
        `GitHub API ${shown}: HTTP ${response.status}${message}`,
        response.status,
      );
    }
    const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    return { status: response.status, json, ...(next ? { next } : {}) };
  }
}

function gitHub(env: Env): GitHubApi {
  const token = value(env, 'GITHUB_TOKEN');
  if (!token) throw new UserError('GITHUB_TOKEN is not set: the step needs a GitHub token.');
  return new GitHubApi(value(env, 'GITHUB_API_URL') ?? 'https://api.github.com', token);
}

const segments = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/** Commits each file that differs to the repository's default branch, through the contents API. */
export async function commitFiles(
  gh: GitHubApi,
  repo: { owner: string; repository: string },
  files: readonly { path: string; content: string }[],
  message: string,
): Promise<{ path: string; action: 'created' | 'updated' | 'unchanged' }[]> {
  const root = `/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.repository)}`;
  const info = (await gh.request('GET', root)).json as { default_branch?: unknown } | undefined;
  const branch = info?.default_branch;
  if (typeof branch !== 'string' || !branch) {
    throw new UserError(`GitHub API GET ${root} gave no default branch.`);
  }
  const done: { path: string; action: 'created' | 'updated' | 'unchanged' }[] = [];
  for (const file of files) {
    const at = `${root}/contents/${segments(file.path)}`;
    const current = await gh.request('GET', `${at}?ref=${encodeURIComponent(branch)}`, {
      accept: [404],
    });
    const existing =
      current.status === 404 ? undefined : (current.json as { sha?: unknown; content?: unknown });
    if (existing && typeof existing.sha !== 'string') {
      throw new UserError(`${file.path} in ${repo.owner}/${repo.repository} is not a file.`);
    }
    if (
      existing &&
      typeof existing.content === 'string' &&
      Buffer.from(existing.content.replace(/\s/g, ''), 'base64').toString('utf8') === file.content
    ) {
      done.push({ path: file.path, action: 'unchanged' });
      continue;
    }
    await gh.request('PUT', at, {
      body: {
        message,
        content: Buffer.from(file.content, 'utf8').toString('base64'),
        branch,
        ...(existing ? { sha: existing.sha } : {}),
      },
    });
    done.push({ path: file.path, action: existing ? 'updated' : 'created' });
  }
  return done;
}

/** The fields of a workflow run this script reads. */
export interface WorkflowRun {
  readonly id: number;
  readonly run_number: number;
  readonly display_title: string;
  readonly event: string;
  readonly status: string | null;
  readonly conclusion: string | null;
  readonly html_url: string;
  readonly created_at: string;
}

function asRun(x: unknown): WorkflowRun | undefined {
  if (!x || typeof x !== 'object') return undefined;
  const r = x as Record<string, unknown>;
  return typeof r.id === 'number' &&
    typeof r.display_title === 'string' &&
    typeof r.event === 'string' &&
    typeof r.created_at === 'string' &&
    typeof r.html_url === 'string'
    ? (r as unknown as WorkflowRun)
    : undefined;
}

/** The run was found but did not complete in time: the summary still links it. */
export class StillRunning extends UserError {
  constructor(
    message: string,
    readonly run: WorkflowRun,
  ) {
    super(message);
  }
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
};

export interface WaitOptions {
  readonly owner: string;
  readonly repository: string;
  /** The run name to find (`runName(...)`). */
  readonly name: string;
  /** Runs created before this are not ours. */
  readonly createdAfter: Date;
  /** Run ids that are not the one waited for (an earlier run with the same name). */
  readonly exclude: ReadonlySet<number>;
  readonly appearTimeoutMs: number;
  readonly finishTimeoutMs: number;
  readonly pollMs: number;
  readonly perPage?: number;
  /** Pages read per poll at most; runs are listed newest first. */
  readonly maxPages?: number;
}

/**
 * Runs created up to this long before `--since` still count: `--since` is the runner's clock,
 * a run's `created_at` is GitHub's.
 */
export const CLOCK_SKEW_MS = 60_000;

const minutesText = (ms: number) => `${Math.round((ms / 60_000) * 10) / 10} min`;

function describeRun(run: WorkflowRun): string {
  return `run #${run.run_number ?? run.id} (${run.html_url})`;
}

/** The repository_dispatch runs named `name`, created after `createdAfter`, oldest first. */
export async function findRuns(gh: GitHubApi, o: WaitOptions): Promise<WorkflowRun[]> {
  const query = new URLSearchParams({
    event: 'repository_dispatch',
    // GitHub's search syntax for times: `THH:MM:SS` and a UTC offset, no fractions of a second.
    created: `>=${o.createdAfter.toISOString().replace(/\.\d{3}Z$/, '+00:00')}`,
    per_page: String(o.perPage ?? 100),
  });
  let path: string | undefined =
    `/repos/${encodeURIComponent(o.owner)}/${encodeURIComponent(o.repository)}/actions/runs?${query}`;
  const found: WorkflowRun[] = [];
  for (let page = 0; path && page < (o.maxPages ?? 10); page++) {
    const answer: GitHubAnswer = await gh.request('GET', path);
    const list = (answer.json as { workflow_runs?: unknown } | undefined)?.workflow_runs;
    const runs = (Array.isArray(list) ? list : []).map(asRun).filter((r) => r !== undefined);
    found.push(
      ...runs.filter(
        (r) =>
          r.display_title === o.name &&
          r.event === 'repository_dispatch' &&
          !o.exclude.has(r.id) &&
          Date.parse(r.created_at) >= o.createdAfter.getTime(),
      ),
    );
    // Newest first: a page that reaches before `createdAfter` is the last one that matters.
    if (runs.some((r) => Date.parse(r.created_at) < o.createdAfter.getTime())) break;
    path = answer.next;
  }
  return found.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
}

/**
 * Waits for the run named `o.name` to appear, then for it to complete; returns it completed.
 * Transient GitHub failures (5xx, 429, network) are retried until the deadline; anything else
 * (a bad token, a wrong repository) ends the wait at once.
 */
export async function waitForRun(
  gh: GitHubApi,
  o: WaitOptions,
  clock: Clock,
  log: (line: string) => void,
): Promise<WorkflowRun> {
  const where = `${o.owner}/${o.repository}`;
  const poll = async <T>(what: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await what();
    } catch (e) {
      if (e instanceof GitHubApiError && e.transient) {
        log(`${e.message}; trying again`);
        return undefined;
      }
      throw e;
    }
  };
  const pause = async (deadline: number) =>
    clock.sleep(Math.max(0, Math.min(o.pollMs, deadline - clock.now())));

  log(
    `Waiting up to ${minutesText(o.appearTimeoutMs)} for a repository_dispatch run named ${JSON.stringify(o.name)} in ${where} (created after ${o.createdAfter.toISOString()}).`,
  );
  const appearBy = clock.now() + o.appearTimeoutMs;
  let run: WorkflowRun | undefined;
  for (;;) {
    const runs = await poll(() => findRuns(gh, o));
    if (runs && runs.length > 0) {
      run = runs[0];
      if (runs.length > 1) {
        log(
          `${runs.length} runs have that name (${runs.map((r) => `#${r.run_number}`).join(', ')}): following the oldest; the others are duplicates of the same dispatch.`,
        );
      }
      break;
    }
    if (clock.now() >= appearBy) {
      throw new UserError(
        `No repository_dispatch run named ${JSON.stringify(o.name)} appeared in ${where} within ${minutesText(o.appearTimeoutMs)}. ` +
          'The event did not reach the deploy workflow: check the Logic App run history and the dead-letter container (docs/trigger.md, "When something fails").',
      );
    }
    await pause(appearBy);
  }

  log(`Found ${describeRun(run)}: ${run.status ?? 'unknown status'}.`);
  const runPath = `/repos/${encodeURIComponent(o.owner)}/${encodeURIComponent(o.repository)}/actions/runs/${run.id}`;
  const finishBy = clock.now() + o.finishTimeoutMs;
  let status = run.status;
  while (run.status !== 'completed') {
    if (clock.now() >= finishBy) {
      throw new StillRunning(
        `${describeRun(run)} ${JSON.stringify(o.name)} is still ${run.status ?? 'in an unknown state'} after ${minutesText(o.finishTimeoutMs)}.`,
        run,
      );
    }
    await pause(finishBy);
    const answer = await poll(() => gh.request('GET', runPath));
    const latest = answer && asRun(answer.json);
    if (latest) run = latest;
    if (run.status !== status) {
      status = run.status;
      log(
        `${describeRun(run)}: ${status ?? 'unknown status'}${status === 'completed' ? `, ${run.conclusion}` : ''}.`,
      );
    }
  }
  return run;
}

// --- Azure ML ---------------------------------------------------------------------------------

export interface AzResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}
/** Runs `az` with these arguments (never through a shell). */
export type Az = (args: readonly string[]) => Promise<AzResult>;

export function execAz(env: NodeJS.ProcessEnv): Az {
  return (args) =>
    new Promise((done, fail) => {
      execFile(
        'az',
        args,
        { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 45 * 60_000 },
        (error, stdout, stderr) => {
          const err = error as (NodeJS.ErrnoException & { code?: string | number }) | null;
          if (err?.code === 'ENOENT') {
            fail(new UserError('az is not on PATH: install the Azure CLI.'));
            return;
          }
          done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
        },
      );
    });
}

/** The last line of az's error output: its reason, without the help text around it. */
function azReason(r: AzResult): string {
  const lines = r.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /^ERROR:/.test(l)) ?? lines.at(-1) ?? `exit status ${r.code}`;
}

function workspaceArgs(config: EnvironmentConfig): string[] {
  return [
    '--resource-group',
    config.azure.resourceGroup,
    '--workspace-name',
    config.azure.workspace,
    '--only-show-errors',
  ];
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError(`${what} did not print JSON.`);
  }
}

/** A traffic map as the rollout writes it: `model-v2=0 model-v3=100`, sorted. */
export function trafficText(traffic: unknown): string {
  if (!traffic || typeof traffic !== 'object') return '(none)';
  const entries = Object.entries(traffic as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return entries.length ? entries.map(([k, v]) => `${k}=${String(v)}`).join(' ') : '(none)';
}

/** What the endpoint should serve. */
export interface Serving {
  readonly endpoint: string;
  readonly model: string;
  readonly version: string;
}

/**
 * Why the endpoint does not give all its traffic to `model-v<version>`, or undefined when it
 * does (`az ml online-endpoint show` output).
 */
export function trafficProblem(endpoint: unknown, want: Serving): string | undefined {
  const name = deploymentName(want.version);
  const traffic = (endpoint as { traffic?: unknown } | undefined)?.traffic;
  const share = Number((traffic as Record<string, unknown> | undefined)?.[name] ?? 0);
  if (share === 100) return undefined;
  return `Endpoint ${want.endpoint} does not give 100 % of its traffic to ${name} (${want.model} version ${want.version}): its traffic is ${JSON.stringify(trafficText(traffic))}.`;
}

/**
 * Why the deployment `model-v<version>` does not run that model version, or undefined when it
 * does (`az ml online-deployment show` output; either form of the model id).
 */
export function deploymentProblem(deployment: unknown, want: Serving): string | undefined {
  const name = deploymentName(want.version);
  const d = (deployment ?? {}) as { model?: unknown; provisioning_state?: unknown };
  const ref = parseModelRef(d.model);
  if (!ref || ref.name !== want.model || ref.version !== want.version) {
    return `Deployment ${name} of endpoint ${want.endpoint} has 100 % of the traffic but runs ${JSON.stringify(d.model ?? 'no model')}, not ${want.model} version ${want.version}.`;
  }
  if (d.provisioning_state !== undefined && d.provisioning_state !== 'Succeeded') {
    return `Deployment ${name} of endpoint ${want.endpoint} runs ${want.model} version ${want.version} but is ${JSON.stringify(d.provisioning_state)}, not "Succeeded".`;
  }
  return undefined;
}

// --- Facts for the job summary -----------------------------------------------------------------

export interface RunFact {
  readonly label: string;
  readonly id: number;
  readonly number: number;
  readonly url: string;
  readonly status: string | null;
  readonly conclusion: string | null;
}

export interface Facts {
  environment?: string;
  target?: string;
  model?: string;
  endpoint?: string;
  namePrefix?: string;
  version?: string;
  assets?: { path: string; action: string }[];
  runs?: RunFact[];
  serving?: { label: string; ok: boolean; message: string }[];
  endpointsDeleted?: string[];
  endpointsNotDeleted?: string[];
}

function factsFile(env: Env): string | undefined {
  const explicit = value(env, 'E2E_FACTS_FILE');
  if (explicit) return explicit;
  const temp = value(env, 'RUNNER_TEMP');
  return temp ? join(temp, 'aml-deploy-e2e-facts.json') : undefined;
}

export function readFacts(env: Env): Facts {
  const file = factsFile(env);
  if (!file || !existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Facts;
  } catch {
    return {};
  }
}

function recordFacts(env: Env, update: (facts: Facts) => Facts): void {
  const file = factsFile(env);
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(update(readFacts(env)), null, 2)}\n`);
}

function setOutputs(env: Env, outputs: Record<string, string>): void {
  const file = value(env, 'GITHUB_OUTPUT');
  if (!file) return;
  for (const [k, v] of Object.entries(outputs)) {
    if (/[\r\n]/.test(v)) throw new Error(`output ${k} has a line break`);
    appendFileSync(file, `${k}=${v}\n`);
  }
}

// --- The job summary ---------------------------------------------------------------------------

export interface JobStep {
  readonly name: string;
  readonly number: number;
  readonly status: string;
  readonly conclusion: string | null;
  readonly started_at?: string | null;
  readonly completed_at?: string | null;
}

/** `42 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The job summary: what was tested and how it went, then every step with its duration. */
export function renderSummary(
  facts: Facts,
  steps: readonly JobStep[] | undefined,
  stepsProblem: string | undefined,
): string {
  const failed = (steps ?? []).filter((s) => s.conclusion === 'failure');
  const runsOk = (facts.runs ?? []).every((r) => r.conclusion === 'success');
  const servingOk = (facts.serving ?? []).every((s) => s.ok);
  const ok = failed.length === 0 && runsOk && servingOk && !stepsProblem;
  const headline = failed.length
    ? `❌ End-to-end run failed at: ${failed.map((s) => s.name).join(', ')}`
    : ok
      ? '✅ End-to-end run passed'
      : '⚠️ End-to-end run: see below';
  const rows: [string, string][] = [];
  if (facts.target)
    rows.push(['Target repository', `${facts.target} (environment ${facts.environment ?? '?'})`]);
  if (facts.model)
    rows.push(['Model', facts.version ? `${facts.model} version ${facts.version}` : facts.model]);
  if (facts.endpoint) rows.push(['Endpoint', `${facts.endpoint} (${SMALLEST_SKU}, 1 instance)`]);
  if (facts.namePrefix) rows.push(['Name prefix of the stack', facts.namePrefix]);
  for (const a of facts.assets ?? []) rows.push([`Target file ${a.path}`, a.action]);
  for (const r of facts.runs ?? []) {
    rows.push([
      `Deploy run (${r.label})`,
      `[#${r.number}](${r.url}): ${r.conclusion ?? r.status ?? 'unknown'}`,
    ]);
  }
  for (const s of facts.serving ?? [])
    rows.push([`Serving (${s.label})`, `${s.ok ? '✅' : '❌'} ${s.message}`]);
  if (facts.endpointsDeleted?.length)
    rows.push(['Endpoints deleted', facts.endpointsDeleted.join(', ')]);
  if (facts.endpointsNotDeleted?.length) {
    rows.push(['Endpoints NOT deleted (still billing)', facts.endpointsNotDeleted.join(', ')]);
  }
  const lines = [`## ${headline}`, ''];
  if (rows.length) {
    lines.push(
      '| Item | Value |',
      '| --- | --- |',
      ...rows.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`),
      '',
    );
  }
  lines.push('### Steps', '');
  if (!steps) {
    lines.push(`Step durations are not available: ${stepsProblem ?? 'no job found'}.`, '');
    return `${lines.join('\n')}\n`;
  }
  lines.push('| # | Step | Result | Duration |', '| ---: | --- | --- | ---: |');
  let first: number | undefined;
  let last: number | undefined;
  for (const s of [...steps].sort((a, b) => a.number - b.number)) {
    const start = s.started_at ? Date.parse(s.started_at) : NaN;
    const end = s.completed_at ? Date.parse(s.completed_at) : NaN;
    const done = s.status === 'completed' && Number.isFinite(start) && Number.isFinite(end);
    if (done) {
      first = Math.min(first ?? start, start);
      last = Math.max(last ?? end, end);
    }
    const result =
      s.status === 'completed'
        ? (s.conclusion ?? 'completed')
        : s.status === 'in_progress'
          ? 'running (this summary)'
          : 'not run yet';
    const duration = done && s.conclusion !== 'skipped' ? formatDuration(end - start) : '—';
    lines.push(`| ${s.number} | ${cell(s.name)} | ${cell(result)} | ${duration} |`);
  }
  if (first !== undefined && last !== undefined) {
    lines.push('', `Completed steps took ${formatDuration(last - first)} in all.`);
  }
  return `${lines.join('\n')}\n`;
}

// --- The commands ------------------------------------------------------------------------------

export interface Io {
  /** The process environment: variables, the token, the Actions run. */
  readonly env: Env;
  /** The directory relative paths are resolved against. */
  readonly cwd: string;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  /** Runs `az`; default: `execFile('az', ...)` with `env`. */
  readonly az?: Az;
  readonly clock?: Clock;
}

function writeConfig(flags: Flags, io: Io): void {
  const { file, path } = configFile(flags, io.cwd);
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

async function commitAssets(flags: Flags, io: Io): Promise<void> {
  const config = loadConfig(flags, io.cwd);
  const files = targetFiles(config);
  const done = await commitFiles(
    gitHub(io.env),
    config.github,
    files,
    `aml-deploy e2e: endpoint spec, deployment spec and sample request (${runUrl(io.env) ?? 'a local run'})`,
  );
  for (const d of done)
    io.stdout(`${config.github.owner}/${config.github.repository}: ${d.path} ${d.action}.`);
  recordFacts(io.env, (f) => ({ ...f, assets: done }));
}

async function register(flags: Flags, io: Io, az: Az, clock: Clock): Promise<void> {
  const config = loadConfig(flags, io.cwd);
  const model = config.targets[0].model;
  const dir = resolve(io.cwd, flags['model-dir'] as string);
  if (!existsSync(join(dir, 'MLmodel'))) {
    throw new UserError(
      `${flags['model-dir']} has no MLmodel file: generate the model first (e2e/make_model.py).`,
    );
  }
  // Runs created from here on may be ours (wait-run allows for clock skew).
  const since = new Date(clock.now()).toISOString();
  const r = await az([
    'ml',
    'model',
    'create',
    '--name',
    model,
    '--type',
    'mlflow_model',
    '--path',
    dir,
    ...workspaceArgs(config),
    '--output',
    'json',
  ]);
  if (r.code !== 0) {
    throw new UserError(`az ml model create of ${model} failed: ${azReason(r)}`);
  }
  const created = parseJson(r.stdout, 'az ml model create') as {
    version?: unknown;
    name?: unknown;
  };
  const version = String(created.version ?? '');
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

async function waitRun(flags: Flags, io: Io, clock: Clock): Promise<void> {
  const config = loadConfig(flags, io.cwd);
  const version = checkedVersion(flags.version as string);
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
  const label = flags.label ?? 'ModelRegistered event';
  const name = runName(config.targets[0].model, version, config.github.environment);
  const report = (run: WorkflowRun) => {
    setOutputs(io.env, {
      run_id: String(run.id),
      run_url: run.html_url,
      conclusion: run.conclusion ?? '',
    });
    const fact: RunFact = {
      label,
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
        createdAfter: new Date(Math.floor((since - CLOCK_SKEW_MS) / 1000) * 1000),
        exclude: new Set(exclude.map(Number)),
        appearTimeoutMs: minutes(flags, 'appear-minutes', 15, 360) * 60_000,
        finishTimeoutMs: minutes(flags, 'finish-minutes', 45, 360) * 60_000,
        pollMs: minutes(flags, 'poll-seconds', 15, 3600) * 1000,
        perPage,
      },
      clock,
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

async function assertServing(flags: Flags, io: Io, az: Az): Promise<void> {
  const config = loadConfig(flags, io.cwd);
  const version = checkedVersion(flags.version as string);
  const want: Serving = { ...config.targets[0], version };
  const label = flags.label ?? 'after the ModelRegistered event';
  const record = (ok: boolean, message: string) =>
    recordFacts(io.env, (f) => ({ ...f, serving: [...(f.serving ?? []), { label, ok, message }] }));
  const fail = (message: string) => {
    record(false, message);
    return new UserError(message);
  };
  const show = async (args: readonly string[], what: string): Promise<unknown> => {
    const r = await az([...args, ...workspaceArgs(config), '--output', 'json']);
    if (r.code !== 0) throw fail(`${what} could not be read: ${azReason(r)}`);
    return parseJson(r.stdout, `az ${args.slice(0, 3).join(' ')}`);
  };

  const name = deploymentName(version);
  const endpoint = await show(
    ['ml', 'online-endpoint', 'show', '--name', want.endpoint],
    `Endpoint ${want.endpoint}`,
  );
  const traffic = trafficProblem(endpoint, want);
  if (traffic) throw fail(traffic);
  const deployment = await show(
    ['ml', 'online-deployment', 'show', '--name', name, '--endpoint-name', want.endpoint],
    `Deployment ${name} of endpoint ${want.endpoint}`,
  );
  const problem = deploymentProblem(deployment, want);
  if (problem) throw fail(problem);
  const ref = (deployment as { model?: unknown }).model;
  const message = `Endpoint ${want.endpoint} serves ${want.model} version ${version}: ${name} has 100 % of the traffic and runs ${String(ref)}.`;
  record(true, message);
  io.stdout(message);
}

async function deleteEndpoints(flags: Flags, io: Io, az: Az): Promise<void> {
  const config = loadConfig(flags, io.cwd);
  const own = config.targets[0].endpoint;
  const listed = await az([
    'ml',
    'online-endpoint',
    'list',
    ...workspaceArgs(config),
    '--output',
    'json',
  ]);
  const byHand = (name: string) =>
    `az ml online-endpoint delete --name ${name} --resource-group ${config.azure.resourceGroup} --workspace-name ${config.azure.workspace} --yes`;
  if (listed.code !== 0) {
    recordFacts(io.env, (f) => ({ ...f, endpointsNotDeleted: [own] }));
    throw new UserError(
      `The endpoints of workspace ${config.azure.workspace} could not be listed: ${azReason(listed)}. Check for leftovers and delete them by hand: ${byHand(own)}`,
    );
  }
  const endpoints = parseJson(listed.stdout, 'az ml online-endpoint list');
  const names = (Array.isArray(endpoints) ? endpoints : [])
    .filter(
      (e): e is { name: string; tags?: Record<string, unknown> } => typeof e?.name === 'string',
    )
    .filter((e) => e.name === own || e.tags?.[ENDPOINT_TAG] === 'true')
    .map((e) => e.name)
    .sort((a, b) => (a === own ? -1 : b === own ? 1 : a < b ? -1 : 1));
  if (names.length === 0) {
    io.stdout(
      `No endpoint to delete in workspace ${config.azure.workspace} (${own} was never created).`,
    );
    return;
  }
  const deleted: string[] = [];
  const failed: string[] = [];
  for (const name of names) {
    io.stdout(
      `Deleting endpoint ${name}${name === own ? '' : ` (tagged ${ENDPOINT_TAG}, left by an earlier run)`}...`,
    );
    const r = await az([
      'ml',
      'online-endpoint',
      'delete',
      '--name',
      name,
      ...workspaceArgs(config),
      '--yes',
    ]);
    if (r.code === 0) deleted.push(name);
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

async function summary(flags: Flags, io: Io): Promise<void> {
  const facts = readFacts(io.env);
  const job = flags.job ?? 'e2e';
  let steps: JobStep[] | undefined;
  let problem: string | undefined;
  const repo = value(io.env, 'GITHUB_REPOSITORY');
  const runId = value(io.env, 'GITHUB_RUN_ID');
  const attempt = value(io.env, 'GITHUB_RUN_ATTEMPT') ?? '1';
  if (!repo || !runId)
    problem = 'GITHUB_REPOSITORY and GITHUB_RUN_ID are not set (not in GitHub Actions)';
  else {
    try {
      const answer = await gitHub(io.env).request(
        'GET',
        `/repos/${repo.split('/').map(encodeURIComponent).join('/')}/actions/runs/${encodeURIComponent(runId)}/attempts/${encodeURIComponent(attempt)}/jobs?per_page=100`,
      );
      const jobs = (answer.json as { jobs?: unknown } | undefined)?.jobs;
      const found = (Array.isArray(jobs) ? jobs : []).find(
        (j: { name?: unknown }) => j?.name === job,
      ) as { steps?: JobStep[] } | undefined;
      if (found && Array.isArray(found.steps)) steps = found.steps;
      else problem = `run ${runId} attempt ${attempt} has no job named ${JSON.stringify(job)}`;
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      problem = e.message;
    }
  }
  const markdown = renderSummary(facts, steps, problem);
  const file = value(io.env, 'GITHUB_STEP_SUMMARY');
  if (file) appendFileSync(file, markdown);
  else io.stdout(markdown);
  // The summary never fails the job: the steps it reports on already did, or did not.
  if (problem)
    io.stderr(`::warning title=e2e summary::Step durations are not available: ${problem}`);
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
    const { flags } = parsed;
    const az = io.az ?? execAz({ ...io.env } as NodeJS.ProcessEnv);
    const clock = io.clock ?? realClock;
    switch (parsed.command) {
      case 'write-config':
        writeConfig(flags, io);
        break;
      case 'commit-assets':
        await commitAssets(flags, io);
        break;
      case 'register':
        await register(flags, io, az, clock);
        break;
      case 'wait-run':
        await waitRun(flags, io, clock);
        break;
      case 'assert-serving':
        await assertServing(flags, io, az);
        break;
      case 'delete-endpoints':
        await deleteEndpoints(flags, io, az);
        break;
      case 'summary':
        await summary(flags, io);
        break;
    }
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
  main(process.argv.slice(2), {
    env: process.env,
    cwd: process.cwd(),
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
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
