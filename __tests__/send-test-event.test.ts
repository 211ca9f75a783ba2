/**
 * `scripts/send-test-event.ts` against a local HTTP server on 127.0.0.1 standing in for
 * the Logic App trigger, and a fake `terraform` on PATH standing in for the stack's output.
 */
import { DISPATCH_EVENT_TYPE } from '../lib/dispatch-contract';
import { expectedPayload } from './support/payload';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  buildLogicAppDefinition,
  MODEL_REGISTERED_EVENT_TYPE as MODEL_REGISTERED,
} from '../lib/logic-app-definition';
import { buildDelivery, main, parseArgs, type Io } from '../scripts/send-test-event';
import { runWorkflow } from './support/wdl';

const SIGNATURE = 'sig=S3CR3T-SAS-SIGNATURE';
const TRIGGER_PATH = '/workflows/0123abcd/triggers/manual/paths/invoke';
const QUERY = `?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&${SIGNATURE}`;

interface Received {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let server: Server;
let base: string;
let received: Received[] = [];
let reply: { status: number; body: string } = { status: 200, body: '{"dispatched":1}' };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(reply.status, { 'Content-Type': 'application/json' }).end(reply.body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

beforeEach(() => {
  received = [];
  reply = { status: 200, body: '{"dispatched":1}' };
});

const callbackUrl = () => `${base}${TRIGGER_PATH}${QUERY}`;

/** Runs main() in-process and captures what it prints. */
async function run(argv: string[], io: Partial<Io> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    cwd: process.cwd(),
    env: process.env,
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    ...io,
  });
  const stdout = out.join('\n');
  const stderr = err.join('\n');
  // Whatever happened, the SAS signature is never printed.
  expect(`${stdout}\n${stderr}`).not.toContain('S3CR3T');
  return { code, stdout, stderr };
}

describe('the delivery it posts', () => {
  it('is an array of one ModelRegistered event in the Event Grid schema, with camelCase data', async () => {
    const before = Date.now();
    const { code } = await run([
      '--env',
      'staging',
      '--model',
      'credit-default',
      '--version',
      '3',
      '--url',
      callbackUrl(),
    ]);

    expect(code).toBe(0);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request.method).toBe('POST');
    expect(request.url).toBe(`${TRIGGER_PATH}${QUERY}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['aeg-event-type']).toBe('Notification');

    const delivery = JSON.parse(request.body);
    expect(delivery).toEqual([
      {
        id: expect.stringMatching(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        ),
        subject: 'models/credit-default:3',
        eventType: 'Microsoft.MachineLearningServices.ModelRegistered',
        eventTime: expect.any(String),
        data: {
          modelName: 'credit-default',
          modelVersion: '3',
          modelTags: {},
          modelProperties: {},
        },
        dataVersion: '',
        metadataVersion: '1',
      },
    ]);
    const eventTime = Date.parse(delivery[0].eventTime);
    expect(eventTime).toBeGreaterThanOrEqual(before - 1000);
    expect(eventTime).toBeLessThanOrEqual(Date.now());
  });

  it('gets a fresh id on every call', () => {
    expect(buildDelivery('m', '1')[0].id).not.toBe(buildDelivery('m', '1')[0].id);
  });

  it('is what the Logic App definition dispatches', () => {
    const delivery = buildDelivery('credit-default', '3', {
      id: 'e-1',
      now: new Date('2025-01-02T03:04:05Z'),
    });
    const definition = buildLogicAppDefinition({
      owner: 'o',
      repository: 'r',
      environment: 'staging',
      workspace: 'mlw-x',
      keyVaultUri: 'https://kv.vault.azure.net/',
      tokenSecretName: 't',
    });
    const result = runWorkflow(
      definition,
      { body: delivery },
      {
        responder: (r) =>
          r.method === 'GET' ? { status: 200, body: { value: 'tok' } } : { status: 204 },
      },
    );
    expect(result.answer.statusCode).toBe(200);
    expect(result.requests.filter((r) => r.method === 'POST').map((r) => r.body)).toEqual([
      {
        event_type: DISPATCH_EVENT_TYPE,
        client_payload: expectedPayload(delivery[0], {
          workspace: 'mlw-x',
          environment: 'staging',
        }),
      },
    ]);
    // The values the script was asked for, as the payload carries them.
    expect(delivery[0]).toMatchObject({ id: 'e-1', eventTime: '2025-01-02T03:04:05.000Z' });
    expect(delivery[0].data).toMatchObject({ modelName: 'credit-default', modelVersion: '3' });
  });
});

describe('what it reports', () => {
  it('a 200 as accepted, with the URL but not its query string', async () => {
    const { code, stdout, stderr } = await run([
      '--env',
      'staging',
      '--model',
      'm',
      '--version',
      '1',
      '--url',
      callbackUrl(),
    ]);

    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain(
      `Posting ${MODEL_REGISTERED} for models/m:1 to ${base}${TRIGGER_PATH}?<redacted>`,
    );
    expect(stdout).toMatch(
      /HTTP 200: accepted, a run started \(model "m" version "1", event id [0-9a-f-]{36}\)\. Answer: \{"dispatched":1\}$/,
    );
  });

  it('a 202 as accepted', async () => {
    reply = { status: 202, body: '' };
    const { code, stdout } = await run([
      '--env=staging',
      '--model=m',
      '--version=1',
      `--url=${callbackUrl()}`,
    ]);

    expect(code).toBe(0);
    expect(stdout).toContain('HTTP 202: accepted, a run started');
  });

  it('an error status with its body, exiting 1', async () => {
    reply = {
      status: 500,
      body: '{\n  "error": "The delivery was not processed",\n  "run": "0858"\n}',
    };
    const { code, stdout, stderr } = await run([
      '--env',
      'staging',
      '--model',
      'm',
      '--version',
      '1',
      '--url',
      callbackUrl(),
    ]);

    expect(code).toBe(1);
    expect(stdout).not.toContain('accepted');
    expect(stderr).toBe(
      'HTTP 500: the trigger did not accept the delivery (model "m" version "1", event id ' +
        `${JSON.parse(received[0].body)[0].id}). Answer: { "error": "The delivery was not processed", "run": "0858" }`,
    );
  });

  it('an unreachable trigger in one line, exiting 1', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));

    const { code, stderr } = await run([
      '--env',
      'staging',
      '--model',
      'm',
      '--version',
      '1',
      '--url',
      `http://127.0.0.1:${port}/x?${SIGNATURE}`,
    ]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `send-test-event: Could not reach http://127.0.0.1:${port}/x?<redacted>: ECONNREFUSED.`,
    );
  });
});

describe('arguments', () => {
  it.each([
    [[], 'missing --env, --model, --version'],
    [['--env', 'staging', '--model', 'm'], 'missing --version'],
    [
      ['--env', 'staging', '--model', 'm', '--version'],
      '--version needs a value; missing --version',
    ],
    [['--env', 'staging', '--model', '--version', '1'], '--model needs a value; missing --model'],
    [
      ['--env', '../x', '--model', 'm', '--version', '1'],
      `--env "../x" is not an environment name (letters, digits, '-', '_')`,
    ],
    [
      ['--env', 'staging', '--model', 'm', '--version', '1', '--force'],
      'unknown argument "--force"',
    ],
    [
      ['--env', 'staging', '--model', 'credit default', '--version', 'latest'],
      '--model "credit default" is not accepted; expected an Azure ML model name: 1-255 letters, digits, "-", "_" or ".", starting with a letter or digit; --version "latest" is not accepted; expected a model version: a whole number from 1 to 999999999 without leading zeros (the versions Azure ML gives on registration)',
    ],
    [
      ['--env', 'staging', '--model', 'm', '--version', '03'],
      '--version "03" is not accepted; expected a model version: a whole number from 1 to 999999999 without leading zeros (the versions Azure ML gives on registration)',
    ],
  ])('%j is refused with a usage line, exit 2, and nothing is sent', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `send-test-event: ${message}. Usage: npm run send-test-event -- --env <env> --model <name> --version <v> [--url <callback-url>]`,
    );
    expect(received).toEqual([]);
  });

  it.each([
    ['not-a-url', 'send-test-event: --url is not a valid URL.'],
    [
      `http://logic.example.com/x?${SIGNATURE}`,
      'send-test-event: --url must be an https URL (got http://logic.example.com).',
    ],
  ])('refuses --url %s without echoing it', async (url, message) => {
    const { code, stderr } = await run([
      '--env',
      'staging',
      '--model',
      'm',
      '--version',
      '1',
      '--url',
      url,
    ]);

    expect(code).toBe(1);
    expect(stderr).toBe(message);
  });

  it('prints the usage for --help', () => {
    expect(parseArgs(['--help'])).toBe('help');
  });
});

describe('the callback URL from terraform output', () => {
  let project: string;
  let bin: string;
  const argsFile = () => join(project, 'terraform-args.txt');

  /** A `terraform` that records its arguments and prints FAKE_TF_URL, or fails. */
  function fakeTerraform(script: string) {
    writeFileSync(
      join(bin, 'terraform'),
      `#!/bin/sh\nprintf '%s\\n' "$@" > "$FAKE_TF_ARGS"\n${script}\n`,
    );
    chmodSync(join(bin, 'terraform'), 0o755);
  }

  const env = () => ({
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    FAKE_TF_ARGS: argsFile(),
    FAKE_TF_URL: callbackUrl(),
  });

  beforeEach(() => {
    project = mkdtempSync(join(tmpdir(), 'send-test-event-'));
    bin = join(project, 'bin');
    mkdirSync(bin);
    const stack = join(project, 'cdktf.out', 'stacks', 'aml-deploy-staging');
    mkdirSync(stack, { recursive: true });
    writeFileSync(join(stack, 'cdk.tf.json'), '{}');
  });

  afterEach(() => rmSync(project, { recursive: true, force: true }));

  it('reads the sensitive output of the environment stack and posts to it', async () => {
    fakeTerraform(`printf '%s' "$FAKE_TF_URL"`);
    const { code, stdout } = await run(['--env', 'staging', '--model', 'm', '--version', '1'], {
      cwd: project,
      env: env(),
    });

    expect(code).toBe(0);
    expect(readFileSync(argsFile(), 'utf8').split('\n')).toEqual([
      '-chdir=cdktf.out/stacks/aml-deploy-staging',
      'output',
      '-no-color',
      '-raw',
      'trigger_callback_url',
      '',
    ]);
    expect(received.map((r) => r.url)).toEqual([`${TRIGGER_PATH}${QUERY}`]);
    expect(stdout).toContain('HTTP 200: accepted');
  });

  it('prefers --url over terraform', async () => {
    fakeTerraform('exit 3');
    const { code } = await run(
      ['--env', 'staging', '--model', 'm', '--version', '1', '--url', callbackUrl()],
      {
        cwd: project,
        env: env(),
      },
    );

    expect(code).toBe(0);
    expect(() => readFileSync(argsFile())).toThrow();
  });

  it("reports terraform's whole reason, summary and detail, as one line", async () => {
    fakeTerraform(
      `printf '╷\\n│ Error: Backend initialization required, please run "terraform init"\\n│\\n│ Reason: Initial configuration of the requested backend "azurerm"\\n╵\\n' >&2\nexit 1`,
    );
    const { code, stderr } = await run(['--env', 'staging', '--model', 'm', '--version', '1'], {
      cwd: project,
      env: env(),
    });
    expect(code).toBe(1);
    expect(stderr).toBe(
      'send-test-event: terraform output trigger_callback_url failed in cdktf.out/stacks/aml-deploy-staging: Error: Backend initialization required, please run "terraform init" Reason: Initial configuration of the requested backend "azurerm"',
    );
  });

  it("reports terraform's error line when the output cannot be read", async () => {
    fakeTerraform(
      `printf '╷\\n│ Error: Output "trigger_callback_url" not found\\n│\\n╵\\n' >&2\nexit 1`,
    );
    const { code, stderr } = await run(['--env', 'staging', '--model', 'm', '--version', '1'], {
      cwd: project,
      env: env(),
    });

    expect(code).toBe(1);
    expect(stderr).toBe(
      'send-test-event: terraform output trigger_callback_url failed in cdktf.out/stacks/aml-deploy-staging: Error: Output "trigger_callback_url" not found',
    );
    expect(received).toEqual([]);
  });

  it('says so when terraform is not on PATH', async () => {
    const { code, stderr } = await run(['--env', 'staging', '--model', 'm', '--version', '1'], {
      cwd: project,
      env: { PATH: bin },
    });

    expect(code).toBe(1);
    expect(stderr).toBe(
      'send-test-event: terraform is not on PATH: install Terraform, or pass --url.',
    );
  });

  // A synth of other environments leaves the folder with only what Terraform keeps (main.ts
  // removeStale); `terraform output` would then fail on the backend, so say how to write it.
  it.each([
    ['never synthesized', () => {}],
    [
      'synthesized, then left out of a later synth',
      () =>
        mkdirSync(join(project, 'cdktf.out/stacks/aml-deploy-production/.terraform'), {
          recursive: true,
        }),
    ],
  ])('says how to synthesize the stack when it is %s', async (_name, arrange) => {
    arrange();
    fakeTerraform(`printf '%s' "$FAKE_TF_URL"`);
    const { code, stderr } = await run(['--env', 'production', '--model', 'm', '--version', '1'], {
      cwd: project,
      env: env(),
    });

    expect(code).toBe(1);
    expect(stderr).toBe(
      'send-test-event: No synthesized stack at cdktf.out/stacks/aml-deploy-production: run `AML_DEPLOY_ENVIRONMENTS=production npm run synth` (after deploying the stack), or pass --url.',
    );
    expect(() => readFileSync(argsFile())).toThrow();
  });
});

describe('as a process', () => {
  it('runs with node --import tsx, as npm run send-test-event does', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/send-test-event.ts',
        '--env',
        'staging',
        '--model',
        'm',
        '--version',
        '7',
        '--url',
        callbackUrl(),
      ],
      { cwd: resolve(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', done));

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('HTTP 200: accepted, a run started (model "m" version "7"');
    expect(stdout).not.toContain('S3CR3T');
    expect(JSON.parse(received[0].body)[0].subject).toBe('models/m:7');
  });
});
