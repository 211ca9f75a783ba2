/**
 * Posts one well-formed `ModelRegistered` delivery to an environment's Logic App trigger,
 * as Event Grid would, and says what happened.
 *
 *   npm run send-test-event -- --env staging --model credit-default --version 3
 *   npm run send-test-event -- --env staging --model m --version 1 --url "$CALLBACK_URL"
 *
 * The callback URL is the stack's sensitive Terraform output (read with `terraform output
 * -raw`) unless `--url` is given. It carries a SAS signature in its query string, which is
 * never printed.
 *
 * A real dispatch follows a 200: the deploy workflow runs for that model version.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type {
  EventGridEvent,
  MachineLearningServicesModelRegisteredEventData,
} from '@azure/eventgrid';
import { modelName } from '../lib/deployment-target';
import { modelVersion } from '../lib/dispatch-contract';
import { MODEL_REGISTERED_EVENT_TYPE as MODEL_REGISTERED } from '../lib/logic-app-definition';
import { OUTPUT_NAMES, stackName } from '../lib/naming';
import { ENVIRONMENTS_VARIABLE } from '../lib/selection';
import { UserError } from './user-error';

/** An Event Grid event as sent over HTTP: `eventTime` is an ISO string, not a Date. */
export type WireEvent<T> = Omit<EventGridEvent<T>, 'eventTime'> & {
  readonly eventTime: string;
  readonly metadataVersion: string;
};

const USAGE =
  'Usage: npm run send-test-event -- --env <env> --model <name> --version <v> [--url <callback-url>]';

export interface Options {
  readonly env: string;
  readonly model: string;
  readonly version: string;
  readonly url?: string;
}

const FLAGS = ['env', 'model', 'version', 'url'] as const;
type Flag = (typeof FLAGS)[number];

/** Parses `--flag value` and `--flag=value`; throws a UserError (exit 2) listing every problem. */
export function parseArgs(argv: readonly string[]): Options | 'help' {
  const values: Partial<Record<Flag, string>> = {};
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    const m = /^--([a-z]+)(?:=(.*))?$/s.exec(arg);
    const flag = m?.[1] as Flag | undefined;
    if (!m || !flag || !FLAGS.includes(flag)) {
      problems.push(`unknown argument ${JSON.stringify(arg)}`);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || (m[2] === undefined && value.startsWith('--'))) {
      problems.push(`--${flag} needs a value`);
      if (value !== undefined) i--;
      continue;
    }
    values[flag] = value;
  }
  const missing = (['env', 'model', 'version'] as const).filter((f) => !values[f]?.trim());
  if (missing.length > 0) problems.push(`missing ${missing.map((f) => `--${f}`).join(', ')}`);
  if (values.env && !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(values.env)) {
    problems.push(
      `--env ${JSON.stringify(values.env)} is not an environment name (letters, digits, '-', '_')`,
    );
  }
  // The deploy workflow refuses anything else; say so before posting, not after a failed run.
  for (const [flag, rule] of [
    ['model', modelName],
    ['version', modelVersion],
  ] as const) {
    const value = values[flag];
    if (value === undefined || !value.trim()) continue;
    const r = rule.check(value, `--${flag}`);
    if ('problems' in r) problems.push(...r.problems.map((p) => `${p.path} ${p.message}`));
  }
  if (problems.length > 0) throw new UserError(`${problems.join('; ')}. ${USAGE}`, 2);
  return {
    env: values.env as string,
    model: values.model as string,
    version: values.version as string,
    ...(values.url !== undefined ? { url: values.url } : {}),
  };
}

/**
 * The delivery: an array with one event in the Event Grid schema, with the data casing
 * real registrations use (camelCase, version a string).
 */
export function buildDelivery(
  model: string,
  version: string,
  { id = randomUUID(), now = new Date() }: { id?: string; now?: Date } = {},
): WireEvent<MachineLearningServicesModelRegisteredEventData>[] {
  return [
    {
      id,
      subject: `models/${model}:${version}`,
      eventType: MODEL_REGISTERED,
      eventTime: now.toISOString(),
      data: { modelName: model, modelVersion: version, modelTags: {}, modelProperties: {} },
      dataVersion: '',
      metadataVersion: '1',
    },
  ];
}

/** The URL without its query string (which holds the SAS signature) or fragment. */
function redact(url: URL): string {
  return `${url.origin}${url.pathname}${url.search ? '?<redacted>' : ''}`;
}

/** Checks a callback URL; https only, except http on loopback (local tests). */
function parseCallbackUrl(raw: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UserError(`${source} is not a valid URL.`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new UserError(`${source} must be an https URL (got ${url.protocol}//${url.host}).`);
  }
  return url;
}

export interface Environment {
  /** Directory the relative `cdktf.out` path is resolved against. */
  readonly cwd: string;
  /** Environment of the `terraform` process (its PATH finds the executable). */
  readonly env: NodeJS.ProcessEnv;
}

/** Reads the callback URL with `terraform -chdir=cdktf.out/stacks/<stack> output -raw <name>`. */
function readCallbackUrl(envName: string, { cwd, env }: Environment): string {
  const stackDir = join('cdktf.out', 'stacks', stackName(envName));
  // Terraform reads the backend from the stack's JSON: without it, `output` fails with
  // "Backend initialization required" even where `.terraform` and the state are intact.
  if (!existsSync(join(cwd, stackDir, 'cdk.tf.json'))) {
    throw new UserError(
      `No synthesized stack at ${stackDir}: run \`${ENVIRONMENTS_VARIABLE}=${envName} npm run synth\` (after deploying the stack), or pass --url.`,
    );
  }
  try {
    return execFileSync(
      'terraform',
      [`-chdir=${stackDir}`, 'output', '-no-color', '-raw', OUTPUT_NAMES.triggerCallbackUrl],
      { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
    );
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') {
      throw new UserError('terraform is not on PATH: install Terraform, or pass --url.');
    }
    // Terraform's reason: the error's summary and detail, as one line.
    const lines = (err.stderr ?? '')
      .split('\n')
      .map((line) => line.replace(/^[\s│╷╵]+/, '').trim());
    const start = lines.findIndex((line) => line.startsWith('Error:'));
    const reason = start < 0 ? '' : lines.slice(start).filter(Boolean).join(' ');
    throw new UserError(
      `terraform output ${OUTPUT_NAMES.triggerCallbackUrl} failed in ${stackDir}${reason ? `: ${reason}` : ''}`,
    );
  }
}

export interface Delivered {
  readonly status: number;
  readonly body: string;
}

/** POSTs the delivery; network failures become UserErrors that name only the redacted URL. */
async function post(url: URL, delivery: unknown, timeoutMs: number): Promise<Delivered> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'aeg-event-type': 'Notification' },
      body: JSON.stringify(delivery),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    // Causes name the host and port at most, never the query string.
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const reason =
      err.name === 'TimeoutError'
        ? `no answer within ${Math.round(timeoutMs / 1000)} s`
        : (err.cause?.code ?? err.cause?.message ?? err.message);
    throw new UserError(`Could not reach ${redact(url)}: ${reason}.`);
  }
  return { status: response.status, body: await response.text() };
}

/** One line on what the answer means, for a person. */
function explain(
  result: Delivered,
  event: { model: string; version: string; id: string },
): {
  ok: boolean;
  message: string;
} {
  const what = `model ${JSON.stringify(event.model)} version ${JSON.stringify(event.version)}, event id ${event.id}`;
  if (result.status === 200 || result.status === 202) {
    return {
      ok: true,
      message: `HTTP ${result.status}: accepted, a run started (${what}).${result.body ? ` Answer: ${oneLine(result.body)}` : ''}`,
    };
  }
  return {
    ok: false,
    message: `HTTP ${result.status}: the trigger did not accept the delivery (${what}). Answer: ${oneLine(result.body) || '(empty)'}`,
  };
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 500 ? `${flat.slice(0, 500)}…` : flat;
}

export interface Io extends Environment {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  readonly timeoutMs?: number;
}

/** Returns the exit code: 0 accepted, 1 failed, 2 usage. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const options = parseArgs(argv);
    if (options === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    const url = options.url
      ? parseCallbackUrl(options.url, '--url')
      : parseCallbackUrl(
          readCallbackUrl(options.env, io),
          `terraform output ${OUTPUT_NAMES.triggerCallbackUrl}`,
        );
    const delivery = buildDelivery(options.model, options.version);
    io.stdout(`Posting ${MODEL_REGISTERED} for ${delivery[0].subject} to ${redact(url)}`);
    const result = await post(url, delivery, io.timeoutMs ?? 90_000);
    const { ok, message } = explain(result, { ...options, id: delivery[0].id });
    (ok ? io.stdout : io.stderr)(message);
    return ok ? 0 : 1;
  } catch (e) {
    if (e instanceof UserError) {
      io.stderr(`send-test-event: ${e.message}`);
      return e.exitCode;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), {
    cwd: process.cwd(),
    env: process.env,
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`send-test-event: unexpected error: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
