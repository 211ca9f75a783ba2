/**
 * The end-to-end harness (e2e/), the logic of the end-to-end workflow, offline: a fake GitHub
 * REST API on 127.0.0.1 (support/e2e-fake-github.ts), a fake `az` (support/e2e-fake-az.sh)
 * run by the rollout's own adapter (`execAz` of rollout/az.ts, as the CLI entry runs the real
 * one) and a fake clock, so waiting for a run takes no real time. Whatever a test does, no
 * token is ever printed or written.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { parseEnvironmentConfig } from '../lib/config';
import { resourceNames } from '../lib/naming';
import { deploymentProblem, trafficProblem } from '../e2e/azure';
import { main } from '../e2e/cli';
import { buildConfig } from '../e2e/config';
import { FEATURES, runName, runNames, SMALLEST_SKU } from '../e2e/names';
import { formatDuration } from '../e2e/summary';
import { execAz, ML_EXTENSION_VERSION } from '../rollout/az';
import type { Clock } from '../rollout/context';
import { FakeGitHub, TOKEN } from './support/e2e-fake-github';

const ROOT = resolve(__dirname, '..');
const DISPATCH_TOKEN = 'github_pat_DISPATCH_S3CR3T';
const START = Date.parse('2026-11-30T10:00:00Z');
const SINCE = '2026-11-30T10:00:00.000Z';
/** SINCE less the minute allowed for clock skew. */
const AFTER = '2026-11-30T09:59:00.000Z';
const at = (minutes: number) => new Date(START + minutes * 60_000).toISOString();

const VARIABLES = {
  E2E_AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-0000000000a1',
  E2E_AZURE_TENANT_ID: '00000000-0000-0000-0000-0000000000b2',
  E2E_AZURE_LOCATION: 'japaneast',
  E2E_AZURE_RESOURCE_GROUP: 'rg-aml-e2e',
  E2E_AML_WORKSPACE: 'mlw-aml-e2e',
  E2E_AZURE_DEPLOYER_OBJECT_ID: '00000000-0000-0000-0000-0000000000c3',
  E2E_TARGET_OWNER: 'contoso',
  E2E_TARGET_REPOSITORY: 'aml-e2e-target',
  E2E_ALERT_EMAIL: 'ml-oncall@example.com',
  GITHUB_RUN_ID: '16234567890',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'contoso/aml-deploy-pipeline',
};
const ENDPOINT = 'amle2e-16234567890-1';
const MODEL = 'aml-e2e-iris';
const NAME = 'Deploy aml-e2e-iris version 7 to e2e';

const gh = new FakeGitHub();
let bin: string;
let work: string;

beforeAll(async () => {
  await gh.start();
  bin = mkdtempSync(join(tmpdir(), 'e2e-bin-'));
  copyFileSync(join(__dirname, 'support', 'e2e-fake-az.sh'), join(bin, 'az'));
  chmodSync(join(bin, 'az'), 0o755);
});

afterAll(async () => {
  await gh.stop();
  rmSync(bin, { recursive: true, force: true });
});

beforeEach(() => {
  gh.reset();
  work = mkdtempSync(join(tmpdir(), 'e2e-work-'));
  mkdirSync(join(work, 'az', 'answers'), { recursive: true });
  // execAz runs az with this process's environment: the fake's folder comes with the command.
  writeFileSync(
    join(work, 'az-command'),
    `#!/bin/sh\nFAKE_AZ_DIR='${join(work, 'az')}' exec '${join(bin, 'az')}' "$@"\n`,
    { mode: 0o755 },
  );
});

afterEach(() => rmSync(work, { recursive: true, force: true }));

const file = (name: string) => join(work, name);
const read = (name: string) => (existsSync(file(name)) ? readFileSync(file(name), 'utf8') : '');

function environment(extra: Record<string, string | undefined> = {}) {
  return {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    FAKE_AZ_DIR: file('az'),
    GITHUB_TOKEN: TOKEN,
    GITHUB_API_URL: gh.base,
    GITHUB_OUTPUT: file('outputs.txt'),
    GITHUB_STEP_SUMMARY: file('summary.md'),
    E2E_FACTS_FILE: file('facts.json'),
    // In the job's environment, never in what the script writes or prints.
    E2E_GH_DISPATCH_TOKEN: DISPATCH_TOKEN,
    ...VARIABLES,
    ...extra,
  };
}

/** A clock whose sleeps take no time; `sleeps` lists them. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = START;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

/**
 * Runs main() in-process; checks that no token reached what it printed or wrote. `stderr` is
 * all of it, `errors` leaves out the az commands shown before they run (`+ az ...`).
 */
async function run(
  argv: string[],
  {
    env = {},
    clock = fakeClock(),
    signal,
    azCommand = file('az-command'),
  }: {
    env?: Record<string, string | undefined>;
    clock?: Clock;
    signal?: AbortSignal;
    azCommand?: string;
  } = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  let azStderr = '';
  const code = await main(argv, {
    env: environment(env),
    cwd: work,
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    az: execAz((text) => (azStderr += text), azCommand),
    clock,
    signal,
  });
  const stdout = out.join('\n');
  const stderr = err.join('\n');
  const errors = err.filter((l) => !l.startsWith('+ az ')).join('\n');
  const written = ['outputs.txt', 'facts.json', 'summary.md', 'config/e2e.json'].map(read);
  for (const text of [stdout, stderr, azStderr, ...written]) {
    expect(text).not.toContain('S3CR3T');
  }
  const outputs = Object.fromEntries(
    read('outputs.txt')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { code, stdout, stderr, errors, azStderr, outputs };
}

async function writeConfig(env: Record<string, string | undefined> = {}) {
  const r = await run(['write-config'], { env });
  expect(r.code).toBe(0);
  writeFileSync(file('outputs.txt'), '');
  return r;
}

/** What the fake az answers for one command (see support/e2e-fake-az.sh). */
function answer(key: string, a: { out?: unknown; err?: string; code?: number; sleep?: number }) {
  const base = join(work, 'az', 'answers', key);
  if (a.sleep !== undefined) writeFileSync(`${base}.sleep`, String(a.sleep));
  if (a.out !== undefined) {
    writeFileSync(`${base}.out`, typeof a.out === 'string' ? a.out : JSON.stringify(a.out));
  }
  if (a.err !== undefined) writeFileSync(`${base}.err`, a.err);
  if (a.code !== undefined) writeFileSync(`${base}.code`, String(a.code));
}
const azCalls = () => read('az/calls.log').split('\n').filter(Boolean);
/** What every az ml command ends with: the subscription and workspace, as the rollout names them. */
const SCOPE = `--subscription ${VARIABLES.E2E_AZURE_SUBSCRIPTION_ID} --resource-group rg-aml-e2e --workspace-name mlw-aml-e2e --only-show-errors`;
const JSON_OUT = `--output json ${SCOPE}`;

describe('write-config', () => {
  it('writes the e2e environment from the variables, valid against lib/config.ts', async () => {
    const { stdout, outputs } = await run(['write-config']);

    const source = read('config/e2e.json');
    const prefix = `e${(16234567890).toString(36).slice(-8)}1`;
    expect(JSON.parse(source)).toEqual({
      azure: {
        subscriptionId: VARIABLES.E2E_AZURE_SUBSCRIPTION_ID,
        tenantId: VARIABLES.E2E_AZURE_TENANT_ID,
        location: 'japaneast',
        resourceGroup: 'rg-aml-e2e',
        workspace: 'mlw-aml-e2e',
        deployers: [VARIABLES.E2E_AZURE_DEPLOYER_OBJECT_ID],
      },
      github: { owner: 'contoso', repository: 'aml-e2e-target' },
      auth: { mode: 'oidc' },
      targets: [
        {
          model: MODEL,
          endpoint: ENDPOINT,
          endpointSpec: 'aml-e2e/endpoint.yml',
          deploymentSpec: 'aml-e2e/deployment.yml',
          smokeTestRequest: 'aml-e2e/sample-request.json',
          canaryPercent: 0,
          keepDeployments: 1,
        },
      ],
      namePrefix: prefix,
      tags: {
        purpose: 'aml-deploy-e2e',
        'github-run': 'https://github.com/contoso/aml-deploy-pipeline/actions/runs/16234567890',
      },
      trigger: { alertEmails: ['ml-oncall@example.com'], githubTokenSource: 'variable' },
    });
    const parsed = parseEnvironmentConfig('config/e2e.json', source);
    if ('problems' in parsed) throw new Error(parsed.problems.join('\n'));
    expect(parsed.config).toMatchObject({
      name: 'e2e',
      github: { environment: 'e2e' },
      trigger: { githubTokenSource: 'variable' },
    });
    expect(parsed.config.backend).toBeUndefined();
    expect(stdout).toBe(
      `Wrote config/e2e.json: stack aml-deploy-e2e; workspace mlw-aml-e2e in rg-aml-e2e; target contoso/aml-e2e-target (environment e2e); model ${MODEL} on endpoint ${ENDPOINT}; name prefix ${prefix}; local state.`,
    );
    expect(outputs).toEqual({ model: MODEL, endpoint: ENDPOINT, environment: 'e2e' });
  });

  it('takes the model name and the remote state when they are set', async () => {
    await run(['write-config', '--config-dir', 'out/cfg'], {
      env: {
        E2E_MODEL_NAME: 'tiny-model',
        E2E_STATE_RESOURCE_GROUP: 'rg-tfstate',
        E2E_STATE_STORAGE_ACCOUNT: 'sttfstate01',
        E2E_STATE_CONTAINER: 'tfstate',
      },
    });
    const json = JSON.parse(read('out/cfg/e2e.json'));
    expect(json.targets[0].model).toBe('tiny-model');
    expect(json.backend).toEqual({
      resourceGroup: 'rg-tfstate',
      storageAccount: 'sttfstate01',
      container: 'tfstate',
    });
    expect('config' in buildConfig(environment(), 'x/e2e.json')).toBe(true);
  });

  it.each([
    ['1', '1'],
    ['16234567890', '2'],
    ['16234567890', '35'],
    ['9007199254740991', '999'],
  ])(
    'gives run %s attempt %s names the configuration, Key Vault and storage accept',
    (id, attempt) => {
      const built = buildConfig(
        environment({ GITHUB_RUN_ID: id, GITHUB_RUN_ATTEMPT: attempt }),
        'config/e2e.json',
      );
      if ('problems' in built) throw new Error(built.problems.join('\n'));
      const names = resourceNames({
        prefix: built.config.namePrefix,
        environment: 'e2e',
        subscriptionId: VARIABLES.E2E_AZURE_SUBSCRIPTION_ID,
        resourceGroup: 'rg-aml-e2e',
      });
      expect(names.keyVault).toMatch(/^[a-z][a-z0-9-]{1,22}[a-z0-9]$/);
      expect(names.storageAccount).toMatch(/^[a-z0-9]{3,24}$/);
    },
  );

  it('gives every attempt new names: a destroyed Key Vault keeps its name for 7 days', () => {
    const first = runNames('16234567890', '1');
    const second = runNames('16234567890', '2');
    expect(first.namePrefix).not.toBe(second.namePrefix);
    expect(first.endpoint).not.toBe(second.endpoint);
    expect(runNames('16234567891', '1').namePrefix).not.toBe(first.namePrefix);
  });

  it('lists every missing variable at once and writes nothing', async () => {
    const { code, stderr } = await run(['write-config'], {
      env: { E2E_AZURE_LOCATION: '', E2E_ALERT_EMAIL: undefined, GITHUB_RUN_ID: undefined },
    });
    expect(code).toBe(1);
    expect(stderr).toBe(
      'e2e write-config: The e2e configuration cannot be written:\n' +
        '  missing variables: E2E_AZURE_LOCATION, E2E_ALERT_EMAIL, GITHUB_RUN_ID (docs/e2e.md lists what each one names)',
    );
    expect(existsSync(file('config/e2e.json'))).toBe(false);
  });

  it('stops when a secret the later steps need is not set', async () => {
    const { code, stderr } = await run(['write-config'], {
      env: { HAS_E2E_GH_PROVIDER_TOKEN: 'true', HAS_E2E_GH_DISPATCH_TOKEN: 'false' },
    });
    expect(code).toBe(1);
    expect(stderr).toBe(
      'e2e write-config: The e2e configuration cannot be written:\n' +
        '  missing secrets: E2E_GH_DISPATCH_TOKEN (docs/e2e.md says what each one holds)',
    );
  });

  it("names the variable behind each field the schema refuses, with the schema's message", async () => {
    const { code, stderr } = await run(['write-config'], {
      env: {
        E2E_AZURE_SUBSCRIPTION_ID: 'my-subscription',
        E2E_TARGET_REPOSITORY: 'not a repo',
        E2E_STATE_CONTAINER: 'tfstate',
      },
    });
    expect(code).toBe(1);
    expect(stderr).toBe(
      'e2e write-config: The e2e configuration cannot be written:\n' +
        '  E2E_STATE_RESOURCE_GROUP, E2E_STATE_STORAGE_ACCOUNT, E2E_STATE_CONTAINER name the remote state together: set all three, or none for local state',
    );

    const second = await run(['write-config'], {
      env: { E2E_AZURE_SUBSCRIPTION_ID: 'my-subscription', E2E_TARGET_REPOSITORY: 'not a repo' },
    });
    expect(second.code).toBe(1);
    const lines = second.stderr.split('\n').slice(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^ {2}config\/e2e\.json: azure\.subscriptionId: "my-subscription" is not accepted; expected a GUID .* \(from E2E_AZURE_SUBSCRIPTION_ID\)$/,
    );
    expect(lines[1]).toMatch(
      /^ {2}config\/e2e\.json: github\.repository: "not a repo" is not accepted; .* \(from E2E_TARGET_REPOSITORY\)$/,
    );
    expect(existsSync(file('config/e2e.json'))).toBe(false);
  });

  it('says so when a later step finds no configuration', async () => {
    const { code, stderr } = await run(['assert-serving', '--version', '7']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'e2e assert-serving: config/e2e.json cannot be read: run the write-config step first.',
    );
  });
});

describe('the run it waits for', () => {
  it('has the name the deploy workflow gives its runs (run-name of workflows/deploy-model.yml)', () => {
    const workflow = parse(readFileSync(join(ROOT, 'workflows', 'deploy-model.yml'), 'utf8'));
    const values = [MODEL, '7', 'e2e'];
    const rendered = String(workflow['run-name']).replace(/\$\{\{[^}]*\}\}/g, () =>
      String(values.shift()),
    );
    expect(values).toEqual([]);
    expect(rendered).toBe(runName(MODEL, '7', 'e2e'));
    expect(runName(MODEL, '7', 'e2e')).toBe(NAME);
  });
});

describe('wait-run', () => {
  const wait = (extra: string[] = [], options: Parameters<typeof run>[1] = {}) =>
    run(['wait-run', '--version', '7', '--since', SINCE, ...extra], options);

  it('finds the run by its name among the other runs, and reports its success', async () => {
    await writeConfig();
    gh.addRun({ id: 101, name: NAME, event: 'workflow_dispatch', createdAt: at(1) });
    gh.addRun({ id: 102, name: 'Deploy aml-e2e-iris version 6 to e2e', createdAt: at(2) });
    gh.addRun({ id: 103, name: NAME, createdAt: '2026-11-30T09:30:00Z', status: 'completed' });
    gh.addRun({
      id: 104,
      name: NAME,
      createdAt: at(3),
      status: 'completed',
      conclusion: 'success',
    });
    gh.addRun({ id: 105, name: 'Deploy aml-e2e-iris version 7 to staging', createdAt: at(4) });

    const { code, stdout, outputs } = await wait();

    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual([
      `Waiting up to 15 min for a repository_dispatch run named "${NAME}" in contoso/aml-e2e-target (created after ${AFTER}).`,
      'Found run #104 (https://github.com/contoso/aml-e2e-target/actions/runs/104): completed.',
      `run #104 (https://github.com/contoso/aml-e2e-target/actions/runs/104) "${NAME}" succeeded.`,
    ]);
    expect(outputs).toEqual({
      run_id: '104',
      run_url: 'https://github.com/contoso/aml-e2e-target/actions/runs/104',
      conclusion: 'success',
    });
    const [listing] = gh.requests;
    expect(listing.method).toBe('GET');
    const url = new URL(listing.url, gh.base);
    expect(url.pathname).toBe('/repos/contoso/aml-e2e-target/actions/runs');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      event: 'repository_dispatch',
      created: '>=2026-11-30T09:59:00+00:00',
      per_page: '100',
    });
    expect(listing.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(read('facts.json')).runs).toEqual([
      {
        label: 'ModelRegistered event',
        id: 104,
        number: 104,
        url: 'https://github.com/contoso/aml-e2e-target/actions/runs/104',
        status: 'completed',
        conclusion: 'success',
      },
    ]);
  });

  it('waits for a run that appears late and is still in progress, until it completes', async () => {
    await writeConfig();
    gh.addRun({
      id: 201,
      name: NAME,
      createdAt: at(2),
      appearsAfter: 2,
      timeline: [
        ['in_progress', null],
        ['in_progress', null],
        ['completed', 'success'],
      ],
    });
    const clock = fakeClock();

    const { code, stdout } = await wait(['--poll-seconds', '20'], { clock });

    expect(code).toBe(0);
    expect(stdout.split('\n').slice(1)).toEqual([
      'Found run #201 (https://github.com/contoso/aml-e2e-target/actions/runs/201): queued.',
      'run #201 (https://github.com/contoso/aml-e2e-target/actions/runs/201): in_progress.',
      'run #201 (https://github.com/contoso/aml-e2e-target/actions/runs/201): completed, success.',
      `run #201 (https://github.com/contoso/aml-e2e-target/actions/runs/201) "${NAME}" succeeded.`,
    ]);
    // Two listings without it, the third finds it; then three reads of the run.
    expect(clock.sleeps).toEqual([20_000, 20_000, 20_000, 20_000, 20_000]);
  });

  it('skips runs it is told to exclude (the earlier run with the same name)', async () => {
    await writeConfig();
    gh.addRun({
      id: 301,
      name: NAME,
      createdAt: at(8),
      status: 'completed',
      conclusion: 'success',
    });
    gh.addRun({
      id: 302,
      name: NAME,
      createdAt: at(9),
      status: 'completed',
      conclusion: 'success',
    });

    const { code, outputs } = await wait([
      '--exclude',
      '301',
      '--label',
      'send-test-event',
      '--since',
      at(8),
    ]);

    expect(code).toBe(0);
    expect(outputs.run_id).toBe('302');
    expect(JSON.parse(read('facts.json')).runs[0].label).toBe('send-test-event');
  });

  it('follows the oldest of several runs with the name (a duplicated event) and says so', async () => {
    await writeConfig();
    gh.addRun({
      id: 402,
      name: NAME,
      createdAt: at(3),
      status: 'completed',
      conclusion: 'success',
    });
    gh.addRun({
      id: 401,
      name: NAME,
      createdAt: at(2),
      status: 'completed',
      conclusion: 'success',
    });

    const { code, stdout, outputs } = await wait();

    expect(code).toBe(0);
    expect(outputs.run_id).toBe('401');
    expect(stdout).toContain(
      '2 runs have that name (#401, #402): following the oldest; the others are duplicates of the same dispatch.',
    );
  });

  it('pages through the runs, newest first, until it finds it', async () => {
    await writeConfig();
    gh.addRun({
      id: 501,
      name: NAME,
      createdAt: at(1),
      status: 'completed',
      conclusion: 'success',
    });
    for (let i = 0; i < 5; i++) {
      gh.addRun({ id: 510 + i, name: `Deploy other version ${i} to e2e`, createdAt: at(2 + i) });
    }

    const { code, outputs } = await wait(['--per-page', '2']);

    expect(code).toBe(0);
    expect(outputs.run_id).toBe('501');
    expect(gh.requests.map((r) => new URL(r.url, gh.base).searchParams.get('page'))).toEqual([
      null,
      '2',
      '3',
    ]);
  });

  it('times out with a clear message when no run appears', async () => {
    await writeConfig();
    gh.addRun({ id: 601, name: 'Deploy aml-e2e-iris version 6 to e2e', createdAt: at(1) });
    const clock = fakeClock();

    const { code, stderr, outputs } = await wait(['--appear-minutes', '1'], { clock });

    expect(code).toBe(1);
    expect(stderr).toBe(
      `e2e wait-run: No repository_dispatch run named "${NAME}" appeared in contoso/aml-e2e-target within 1 min. ` +
        'The event did not reach the deploy workflow: check the Logic App run history and the dead-letter container (docs/trigger.md, "When something fails").',
    );
    // Listings at 0, 15, 30, 45 and 60 s.
    expect(clock.sleeps).toEqual([15_000, 15_000, 15_000, 15_000]);
    expect(gh.requests).toHaveLength(5);
    expect(outputs).toEqual({});
  });

  it('times out with a clear message when the run does not finish', async () => {
    await writeConfig();
    gh.addRun({
      id: 701,
      name: NAME,
      createdAt: at(1),
      status: 'in_progress',
      timeline: Array.from({ length: 20 }, () => ['in_progress', null] as [string, null]),
    });

    const { code, stderr, outputs } = await wait(['--finish-minutes', '2', '--poll-seconds', '30']);

    expect(code).toBe(1);
    expect(stderr).toBe(
      `e2e wait-run: run #701 (https://github.com/contoso/aml-e2e-target/actions/runs/701) "${NAME}" is still in_progress after 2 min.`,
    );
    // The summary still links it.
    expect(outputs).toEqual({
      run_id: '701',
      run_url: 'https://github.com/contoso/aml-e2e-target/actions/runs/701',
      conclusion: '',
    });
    expect(JSON.parse(read('facts.json')).runs[0]).toMatchObject({
      id: 701,
      status: 'in_progress',
      conclusion: null,
    });
  });

  it('fails, naming the run, when its conclusion is not success', async () => {
    await writeConfig();
    gh.addRun({
      id: 801,
      name: NAME,
      createdAt: at(1),
      status: 'in_progress',
      timeline: [['completed', 'failure']],
    });

    const { code, stderr, outputs } = await wait();

    expect(code).toBe(1);
    expect(stderr).toBe(
      `e2e wait-run: run #801 (https://github.com/contoso/aml-e2e-target/actions/runs/801) "${NAME}" ended with conclusion "failure", not "success": read its log and job summary.`,
    );
    expect(outputs.conclusion).toBe('failure');
    expect(JSON.parse(read('facts.json')).runs[0].conclusion).toBe('failure');
  });

  it('keeps polling through transient GitHub errors (5xx, 429)', async () => {
    await writeConfig();
    gh.addRun({
      id: 901,
      name: NAME,
      createdAt: at(1),
      status: 'completed',
      conclusion: 'success',
    });
    gh.failures = [502, 429];

    const { code, stdout } = await wait();

    expect(code).toBe(0);
    expect(stdout).toContain(
      'GitHub API GET /repos/contoso/aml-e2e-target/actions/runs: HTTP 502 (Server Error); trying again',
    );
    expect(stdout).toContain('HTTP 429 (Server Error); trying again');
  });

  it('stops at once on a refused token, without printing it', async () => {
    await writeConfig();
    const { code, stderr } = await wait([], { env: { GITHUB_TOKEN: 'ghp_WRONG_S3CR3T' } });

    expect(code).toBe(1);
    expect(stderr).toBe(
      'e2e wait-run: GitHub API GET /repos/contoso/aml-e2e-target/actions/runs: HTTP 401 (Bad credentials)',
    );
    expect(gh.requests).toHaveLength(1);
  });

  it.each([
    [['--version', '07', '--since', SINCE], '--version "07" is not accepted'],
    [['--version', '7', '--since', 'yesterday'], '--since "yesterday" is not a time'],
    [['--version', '7', '--since', SINCE, '--exclude', '12;rm'], '--exclude "12;rm" is not'],
    [['--version', '7'], 'missing --since'],
  ])('refuses %j with exit 2', async (argv, message) => {
    await writeConfig();
    const { code, stderr } = await run(['wait-run', ...argv]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(gh.requests).toEqual([]);
  });
});

describe('assert-serving', () => {
  const endpointKey = `ml_online-endpoint_show_${ENDPOINT}`;
  const ARM = `azureml:/subscriptions/${VARIABLES.E2E_AZURE_SUBSCRIPTION_ID}/resourceGroups/rg-aml-e2e/providers/Microsoft.MachineLearningServices/workspaces/mlw-aml-e2e/models/${MODEL}/versions/7`;

  beforeEach(async () => {
    await writeConfig();
    answer(endpointKey, { out: { name: ENDPOINT, traffic: { 'model-v6': 0, 'model-v7': 100 } } });
  });

  it.each([
    ['azureml:NAME:VERSION', `azureml:${MODEL}:7`, 'Succeeded'],
    ['the ARM-style id', ARM, 'Succeeded'],
  ])('accepts the version serving 100 %%, its model given as %s', async (_form, model, state) => {
    answer('ml_online-deployment_show_model-v7', {
      out: { name: 'model-v7', model, provisioning_state: state },
    });

    const { code, stdout } = await run(['assert-serving', '--version', '7']);

    expect(code).toBe(0);
    expect(stdout).toBe(
      `Endpoint ${ENDPOINT} serves ${MODEL} version 7: model-v7 has 100 % of the traffic and runs ${model}.`,
    );
    expect(azCalls()).toEqual([
      `ml online-endpoint show --name ${ENDPOINT} ${JSON_OUT}`,
      `ml online-deployment show --name model-v7 --endpoint-name ${ENDPOINT} ${JSON_OUT}`,
    ]);
    expect(JSON.parse(read('facts.json')).serving).toEqual([
      { label: 'after the ModelRegistered event', ok: true, message: stdout },
    ]);
  });

  it('fails when the version does not have all the traffic, without reading the deployment', async () => {
    answer(endpointKey, { out: { traffic: { 'model-v6': 90, 'model-v7': 10 } } });

    const { code, stderr } = await run(['assert-serving', '--version', '7']);

    expect(code).toBe(1);
    // Each az command is shown before it runs, as the rollout shows its own.
    expect(stderr).toBe(
      [
        `+ az ml online-endpoint show --name ${ENDPOINT} ${JSON_OUT}`,
        `e2e assert-serving: Endpoint ${ENDPOINT} does not give 100 % of its traffic to model-v7 (${MODEL} version 7): its traffic is "model-v6=90 model-v7=10".`,
      ].join('\n'),
    );
    expect(azCalls()).toHaveLength(1);
    expect(JSON.parse(read('facts.json')).serving[0].ok).toBe(false);
  });

  it.each([
    [`azureml:${MODEL}:6`, 'Succeeded', `runs "azureml:${MODEL}:6", not ${MODEL} version 7`],
    [ARM.replace(`/${MODEL}/`, '/other/'), 'Succeeded', `, not ${MODEL} version 7`],
    [`azureml:${MODEL}:7`, 'Failed', 'runs aml-e2e-iris version 7 but is "Failed"'],
  ])('fails when model-v7 runs %s (%s)', async (model, state, message) => {
    answer('ml_online-deployment_show_model-v7', { out: { model, provisioning_state: state } });

    const { code, stderr } = await run(['assert-serving', '--version', '7']);

    expect(code).toBe(1);
    expect(stderr).toContain(`Deployment model-v7 of endpoint ${ENDPOINT}`);
    expect(stderr).toContain(message);
  });

  it("fails with az's reason when the endpoint cannot be read", async () => {
    answer(endpointKey, {
      code: 1,
      err: `ERROR: (ResourceNotFound) Endpoint ${ENDPOINT} not found.\nCode: ResourceNotFound\n`,
    });

    const { code, errors, azStderr } = await run(['assert-serving', '--version', '7']);

    const message = `Endpoint ${ENDPOINT} could not be read: ERROR: (ResourceNotFound) Endpoint ${ENDPOINT} not found.`;
    expect(code).toBe(1);
    expect(errors).toBe(`e2e assert-serving: ${message}`);
    // az's own error output reaches the log as it comes.
    expect(azStderr).toContain(`Endpoint ${ENDPOINT} not found.`);
    expect(JSON.parse(read('facts.json')).serving).toEqual([
      { label: 'after the ModelRegistered event', ok: false, message },
    ]);
  });

  // What is decided from az's output, read as the rollout reads it (rollout/plan.ts).
  const want = { endpoint: ENDPOINT, model: MODEL, version: '7' };

  it.each([
    [{ 'model-v6': 0, 'model-v7': '100' }, undefined],
    [
      { 'model-v6': 90, 'model-v7': '10' },
      `does not give 100 % of its traffic to model-v7 (${MODEL} version 7): its traffic is "model-v6=90 model-v7=10".`,
    ],
    [
      {},
      `does not give 100 % of its traffic to model-v7 (${MODEL} version 7): its traffic is "(none)".`,
    ],
    [{ 'model-v7': 'all' }, 'cannot be read: the traffic share of "model-v7" is "all".'],
  ])('reads the traffic %j as the rollout does', (traffic, problem) => {
    const found = trafficProblem({ name: ENDPOINT, traffic }, want);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toBe(`Endpoint ${ENDPOINT} ${problem}`);
  });

  it.each([
    ['Succeeded', undefined],
    // The ml extension reports the SDK's enum name from 2.45 (Azure/azureml-examples #4123).
    ['DeploymentProvisioningState.SUCCEEDED', undefined],
    [undefined, undefined],
    ['DeploymentProvisioningState.FAILED', 'is "DeploymentProvisioningState.FAILED", not'],
    ['Updating', 'is "Updating", not "Succeeded".'],
  ])('takes the provisioning state %j in either form', (state, problem) => {
    const found = deploymentProblem(
      { model: `azureml:${MODEL}:7`, provisioning_state: state },
      want,
    );
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  it('installs the ml extension version the rollout pins', () => {
    const workflow = readFileSync(join(ROOT, '.github/workflows/e2e.yml'), 'utf8');
    expect(workflow).toContain(`az extension add --name ml --version ${ML_EXTENSION_VERSION} `);
    // And the docs that show the command name the same version.
    for (const doc of ['docs/e2e.md', 'docs/rollout.md']) {
      const versions = [
        ...readFileSync(join(ROOT, doc), 'utf8').matchAll(/--name ml --version (\S+)/g),
      ].map((m) => m[1]);
      expect([doc, versions]).toEqual([doc, [ML_EXTENSION_VERSION]]);
    }
  });
});

describe('register', () => {
  it('registers the folder as an MLflow model and outputs the version Azure gave it', async () => {
    await writeConfig();
    // A folder name a shell would act on: execFile passes it as one argument.
    const dir = file('model $(touch pwned); x');
    mkdirSync(dir);
    writeFileSync(join(dir, 'MLmodel'), 'flavors: {}\n');
    answer(`ml_model_create_${MODEL}`, {
      out: { name: MODEL, version: '7', type: 'mlflow_model' },
    });

    const { code, stdout, outputs } = await run(['register', '--model-dir', dir]);

    expect(code).toBe(0);
    expect(stdout).toBe(`Registered ${MODEL} version 7 in workspace mlw-aml-e2e.`);
    expect(outputs).toEqual({ version: '7', since: SINCE });
    expect(azCalls()).toEqual([
      `ml model create --name ${MODEL} --type mlflow_model --path ${file('model\\ \\$\\(touch\\ pwned\\)\\;\\ x')} ${JSON_OUT}`,
    ]);
    expect(existsSync(file('pwned'))).toBe(false);
  });

  it('refuses a version the deploy workflow would refuse', async () => {
    await writeConfig();
    mkdirSync(file('model'));
    writeFileSync(file('model/MLmodel'), '');
    answer(`ml_model_create_${MODEL}`, { out: { version: '1.0' } });

    const { code, stderr } = await run(['register', '--model-dir', 'model']);

    expect(code).toBe(1);
    expect(stderr).toContain(
      'registered aml-e2e-iris as version "1.0", which the deploy workflow refuses',
    );
  });

  it('says so when the folder is not an MLflow model, or az fails', async () => {
    await writeConfig();
    mkdirSync(file('model'));
    expect((await run(['register', '--model-dir', 'model'])).stderr).toBe(
      'e2e register: model has no MLmodel file: generate the model first (e2e/make_model.py).',
    );
    writeFileSync(file('model/MLmodel'), '');
    answer(`ml_model_create_${MODEL}`, {
      code: 1,
      err: 'ERROR: (AuthorizationFailed) no access\n',
    });
    expect((await run(['register', '--model-dir', 'model'])).errors).toBe(
      'e2e register: az ml model create of aml-e2e-iris failed: ERROR: (AuthorizationFailed) no access',
    );
    const missing = await run(['register', '--model-dir', 'model'], {
      azCommand: file('no-such-az'),
    });
    expect(missing.errors).toBe(
      'e2e register: az ml model create of aml-e2e-iris failed: az is not on PATH: install the Azure CLI',
    );
  });
});

describe('commit-assets', () => {
  const paths = ['aml-e2e/endpoint.yml', 'aml-e2e/deployment.yml', 'aml-e2e/sample-request.json'];

  it('commits the files the configuration names, then leaves unchanged ones alone', async () => {
    await writeConfig();

    const first = await run(['commit-assets']);

    expect(first.code).toBe(0);
    expect(first.stdout.split('\n')).toEqual(
      paths.map((p) => `contoso/aml-e2e-target: ${p} created.`),
    );
    const puts = gh.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => r.url)).toEqual(
      paths.map((p) => `/repos/contoso/aml-e2e-target/contents/${p}`),
    );
    expect(puts[0].body).toMatchObject({
      branch: 'main',
      message:
        'aml-deploy e2e: endpoint spec, deployment spec and sample request (https://github.com/contoso/aml-deploy-pipeline/actions/runs/16234567890)',
    });

    gh.requests = [];
    const second = await run(['commit-assets']);
    expect(second.stdout.split('\n')).toEqual(
      paths.map((p) => `contoso/aml-e2e-target: ${p} unchanged.`),
    );
    expect(gh.requests.filter((r) => r.method === 'PUT')).toEqual([]);

    const sha = gh.files.get(paths[1])?.sha;
    gh.files.set(paths[1], { content: 'instance_type: Standard_DS3_v2\n', sha: 'old' });
    const third = await run(['commit-assets']);
    expect(third.stdout).toContain('aml-e2e/deployment.yml updated.');
    expect(gh.requests.filter((r) => r.method === 'PUT').at(-1)?.body).toMatchObject({
      sha: 'old',
    });
    expect(sha).toBeDefined();
  });

  it('writes a no-code MLflow deployment on the smallest SKU, and a sample request of the model', async () => {
    await writeConfig();
    await run(['commit-assets']);

    const endpoint = parse(gh.files.get(paths[0])?.content ?? '');
    expect(endpoint).toMatchObject({
      name: ENDPOINT,
      auth_mode: 'key',
      tags: { 'aml-deploy-e2e': 'true' },
    });
    const deployment = parse(gh.files.get(paths[1])?.content ?? '');
    expect(deployment).toEqual({
      $schema: 'https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json',
      model: `azureml:${MODEL}:1`,
      instance_type: SMALLEST_SKU,
      instance_count: 1,
      liveness_probe: { initial_delay: 30, failure_threshold: 60 },
      readiness_probe: { initial_delay: 30, failure_threshold: 60 },
    });
    expect(SMALLEST_SKU).toBe('Standard_DS1_v2');
    const request = JSON.parse(gh.files.get(paths[2])?.content ?? '');
    expect(request.input_data.columns).toEqual([...FEATURES]);
    expect(request.input_data.data.every((row: number[]) => row.length === FEATURES.length)).toBe(
      true,
    );
    // The model is trained on the same columns (e2e/make_model.py).
    const python = readFileSync(join(ROOT, 'e2e', 'make_model.py'), 'utf8');
    const columns = /^FEATURES = (\[.*\])$/m.exec(python)?.[1];
    expect(JSON.parse(columns ?? 'null')).toEqual([...FEATURES]);
  });

  it('stops on a GitHub error, naming the call', async () => {
    await writeConfig({ E2E_TARGET_REPOSITORY: 'missing-repo' });
    const { code, stderr } = await run(['commit-assets']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'e2e commit-assets: GitHub API GET /repos/contoso/missing-repo: HTTP 404 (Not Found)',
    );
  });
});

describe('delete-endpoints', () => {
  const listKey = 'ml_online-endpoint_list';

  beforeEach(async () => {
    await writeConfig();
    answer(listKey, {
      out: [
        { name: 'prod-iris', tags: {} },
        { name: 'amle2e-15000000000-1', tags: { 'aml-deploy-e2e': 'true' } },
        { name: ENDPOINT, tags: { 'aml-deploy-e2e': 'true' } },
        { name: 'someone-elses', tags: { 'aml-deploy-e2e': 'false' } },
      ],
    });
  });

  it("deletes this run's endpoint and tagged leftovers of earlier runs, nothing else", async () => {
    answer(`ml_online-endpoint_delete_${ENDPOINT}`, { out: '' });
    answer('ml_online-endpoint_delete_amle2e-15000000000-1', { out: '' });

    const { code, stdout } = await run(['delete-endpoints']);

    expect(code).toBe(0);
    expect(azCalls()).toEqual([
      `ml online-endpoint list ${JSON_OUT}`,
      `ml online-endpoint delete --name ${ENDPOINT} --yes --output none ${SCOPE}`,
      `ml online-endpoint delete --name amle2e-15000000000-1 --yes --output none ${SCOPE}`,
    ]);
    expect(stdout.split('\n')).toEqual([
      `Deleting endpoint ${ENDPOINT}...`,
      'Deleting endpoint amle2e-15000000000-1 (tagged aml-deploy-e2e, left by an earlier run)...',
      `Deleted ${ENDPOINT}, amle2e-15000000000-1.`,
    ]);
  });

  it('goes on after a failed delete, then fails with the command to finish by hand', async () => {
    answer(`ml_online-endpoint_delete_${ENDPOINT}`, { code: 1, err: 'ERROR: (Conflict) busy\n' });
    answer('ml_online-endpoint_delete_amle2e-15000000000-1', { out: '' });

    const { code, stderr } = await run(['delete-endpoints']);

    expect(code).toBe(1);
    expect(stderr).toBe(
      [
        `+ az ml online-endpoint list ${JSON_OUT}`,
        `+ az ml online-endpoint delete --name ${ENDPOINT} --yes --output none ${SCOPE}`,
        `Deleting endpoint ${ENDPOINT} failed: ERROR: (Conflict) busy`,
        `+ az ml online-endpoint delete --name amle2e-15000000000-1 --yes --output none ${SCOPE}`,
        `e2e delete-endpoints: 1 endpoint(s) were not deleted and still bill: ${ENDPOINT}. Delete by hand: az ml online-endpoint delete --name ${ENDPOINT} ${SCOPE.replace(' --only-show-errors', '')} --yes`,
      ].join('\n'),
    );
    expect(JSON.parse(read('facts.json'))).toMatchObject({
      endpointsDeleted: ['amle2e-15000000000-1'],
      endpointsNotDeleted: [ENDPOINT],
    });
  });

  it('when the endpoints cannot be listed, says how to delete its own by hand', async () => {
    answer(listKey, { code: 1, err: 'ERROR: (AuthorizationFailed) no access\n' });

    const { code, errors } = await run(['delete-endpoints']);

    expect(code).toBe(1);
    expect(errors).toBe(
      `e2e delete-endpoints: The endpoints of workspace mlw-aml-e2e could not be listed: ERROR: (AuthorizationFailed) no access. Check for leftovers and delete them by hand: az ml online-endpoint delete --name ${ENDPOINT} ${SCOPE.replace(' --only-show-errors', '')} --yes`,
    );
    expect(azCalls()).toHaveLength(1);
    expect(JSON.parse(read('facts.json')).endpointsNotDeleted).toEqual([ENDPOINT]);
  });

  it('says there is nothing to delete when no endpoint was created', async () => {
    answer(listKey, { out: [{ name: 'prod-iris', tags: {} }] });
    const { code, stdout } = await run(['delete-endpoints']);
    expect(code).toBe(0);
    expect(stdout).toBe(
      `No endpoint to delete in workspace mlw-aml-e2e (${ENDPOINT} was never created).`,
    );
  });
});

describe('summary', () => {
  const steps = [
    ['Set up job', 'success', '10:00:00', '10:00:04'],
    ['cdktf deploy', 'success', '10:00:04', '10:07:09'],
    ['Wait for the deploy run of the ModelRegistered event', 'failure', '10:07:09', '10:38:10'],
    ['Send a test event', 'skipped', '10:38:10', '10:38:10'],
    ['Delete the endpoints', 'success', '10:38:10', '10:41:00'],
  ].map(([name, conclusion, start, end], i) => ({
    name,
    status: 'completed',
    conclusion,
    number: i + 1,
    started_at: `2026-11-30T${start}Z`,
    completed_at: `2026-11-30T${end}Z`,
  }));

  it('lists what was tested and every step with its duration', async () => {
    gh.setJob('e2e', [
      ...steps,
      { name: 'Summary', status: 'in_progress', conclusion: null, number: 6 },
      { name: 'Post Check out', status: 'queued', conclusion: null, number: 7 },
    ]);
    writeFileSync(
      file('facts.json'),
      JSON.stringify({
        environment: 'e2e',
        target: 'contoso/aml-e2e-target',
        model: MODEL,
        endpoint: ENDPOINT,
        version: '7',
        runs: [
          {
            label: 'ModelRegistered event',
            id: 104,
            number: 4,
            url: 'https://x/4',
            status: 'completed',
            conclusion: 'failure',
          },
        ],
        endpointsDeleted: [ENDPOINT],
      }),
    );

    const { code } = await run(['summary']);

    expect(code).toBe(0);
    expect(gh.requests[0].url).toBe(
      '/repos/contoso/aml-deploy-pipeline/actions/runs/16234567890/attempts/1/jobs?per_page=100',
    );
    expect(read('summary.md')).toBe(
      [
        '## ❌ End-to-end run failed at: Wait for the deploy run of the ModelRegistered event',
        '',
        '| Item | Value |',
        '| --- | --- |',
        '| Target repository | contoso/aml-e2e-target (environment e2e) |',
        `| Model | ${MODEL} version 7 |`,
        `| Endpoint | ${ENDPOINT} (Standard_DS1_v2, 1 instance) |`,
        '| Deploy run (ModelRegistered event) | [#4](https://x/4): failure |',
        `| Endpoints deleted | ${ENDPOINT} |`,
        '',
        '### Steps',
        '',
        '| # | Step | Result | Duration |',
        '| ---: | --- | --- | ---: |',
        '| 1 | Set up job | success | 4 s |',
        '| 2 | cdktf deploy | success | 7 min 05 s |',
        '| 3 | Wait for the deploy run of the ModelRegistered event | failure | 31 min 01 s |',
        '| 4 | Send a test event | skipped | — |',
        '| 5 | Delete the endpoints | success | 2 min 50 s |',
        '| 6 | Summary | running (this summary) | — |',
        '| 7 | Post Check out | not run yet | — |',
        '',
        'Completed steps took 41 min 00 s in all.',
        '',
      ].join('\n'),
    );
  });

  it('still writes the facts, with a warning and exit 0, when the steps cannot be read', async () => {
    writeFileSync(file('facts.json'), JSON.stringify({ model: MODEL, version: '7' }));
    const { code, stderr } = await run(['summary', '--job', 'missing']);

    expect(code).toBe(0);
    expect(read('summary.md')).toContain(`| Model | ${MODEL} version 7 |`);
    expect(read('summary.md')).toContain(
      'Step durations are not available: run 16234567890 attempt 1 has no job named "missing".',
    );
    expect(stderr).toBe(
      '::warning title=e2e summary::Step durations are not available: run 16234567890 attempt 1 has no job named "missing"',
    );
  });

  it('formats durations', () => {
    expect([0, 42_400, 185_000, 3_725_000].map(formatDuration)).toEqual([
      '0 s',
      '42 s',
      '3 min 05 s',
      '1 h 02 min',
    ]);
  });
});

describe('arguments', () => {
  it.each([
    [[], 'e2e: missing command.'],
    [['deploy'], 'e2e: unknown command "deploy".'],
    [['register'], 'e2e: missing --model-dir.'],
    [
      ['summary', '--jobs', 'x'],
      'e2e: unknown argument "--jobs" for summary; unknown argument "x" for summary.',
    ],
    [['assert-serving', '--version'], 'e2e: --version needs a value; missing --version.'],
  ])('refuses %j with the usage, exit 2', async (argv, message) => {
    const { code, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stderr.startsWith(message)).toBe(true);
    expect(stderr).toContain('Usage: node --import tsx e2e/cli.ts <command> [flags]');
  });

  it('writes an error annotation in GitHub Actions, escaping line breaks', async () => {
    const { stderr } = await run(['write-config'], {
      env: { GITHUB_ACTIONS: 'true', E2E_AZURE_LOCATION: '' },
    });
    expect(stderr.split('\n').at(-1)).toBe(
      '::error title=e2e write-config::The e2e configuration cannot be written:%0A  missing variables: E2E_AZURE_LOCATION (docs/e2e.md lists what each one names)',
    );
  });

  it('prints the usage for --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('wait-run');
  });
});

/** Polls `ready` every 10 ms, for at most 5 s. */
async function until<T>(ready: () => T | undefined): Promise<T> {
  for (let waited = 0; waited < 5000; waited += 10) {
    const value = ready();
    if (value !== undefined) return value;
    await new Promise((done) => setTimeout(done, 10));
  }
  throw new Error('gave up waiting');
}

/** The fake az's process id, once it is waiting (its answer has a `sleep`). */
const sleepingAz = (key: string) =>
  until(() => /^(\d+)\n$/.exec(read(`az/answers/${key}.pid`))?.[1]).then(Number);

/**
 * Whether a process group has ended: no process of the group is left but zombies (killed
 * processes that the machine's init has not reaped yet count as ended).
 */
function groupEnded(group: number): true | undefined {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // "<pid> (<command>) <state> <ppid> <pgrp> ...": the command may hold spaces.
    const m = /\) (\S) \d+ (\d+) /.exec(stat);
    if (m && Number(m[2]) === group && m[1] !== 'Z') return undefined;
  }
  return true;
}

describe('cancellation', () => {
  const showKey = `ml_online-endpoint_show_${ENDPOINT}`;

  it('stops the az command under way when the step is cancelled', async () => {
    await writeConfig();
    answer(showKey, { out: {}, sleep: 30 });
    const cancel = new AbortController();

    const pending = run(['assert-serving', '--version', '7'], { signal: cancel.signal });
    const group = await sleepingAz(showKey);
    expect(groupEnded(group)).toBeUndefined();
    cancel.abort();
    const { code, errors } = await pending;

    expect(code).toBe(1);
    expect(errors).toBe(
      `e2e assert-serving: Endpoint ${ENDPOINT} could not be read: stopped: the run was cancelled`,
    );
    // Every process of the group ends (the signal is sent; ending takes a moment).
    expect(await until(() => groupEnded(group))).toBe(true);
  });
});

describe('as a process', () => {
  it('runs with node --import tsx as the workflow does; SIGINT stops az too, exit 130', async () => {
    await writeConfig();
    const listKey = 'ml_online-endpoint_list';
    answer(listKey, { out: [], sleep: 30 });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'e2e/cli.ts', 'delete-endpoints', '--config-dir', file('config')],
      { cwd: ROOT, env: environment(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const closed = new Promise<number | null>((done) => child.on('close', done));

    // az, found on PATH, runs in a process group of its own, which GitHub's SIGINT to the
    // step's process does not reach.
    const group = await sleepingAz(listKey);
    child.kill('SIGINT');
    const code = await closed;

    expect({ code, stdout, stderr }).toEqual({
      code: 130,
      stdout: '',
      stderr: [
        `+ az ml online-endpoint list ${JSON_OUT}`,
        'e2e: stopped (SIGINT): the step was cancelled or timed out.',
        '',
      ].join('\n'),
    });
    expect(await until(() => groupEnded(group))).toBe(true);
  });
});
