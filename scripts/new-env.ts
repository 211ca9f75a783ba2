/**
 * Writes a new environment's configuration, `config/<env>.json`, from flags, after checking
 * it exactly as synth will (lib/config.ts, including the rules between the environments of
 * the folder). It never overwrites a file, so the committed samples stay as they are.
 *
 *   npm run new-env -- dev --subscription <id> --tenant <id> --location japaneast \
 *     --resource-group rg-ml --workspace mlw-ml --repository my-org/ml-models \
 *     --model credit-default --endpoint ep-credit-default --alert-email ml-oncall@example.com
 *
 * AML_DEPLOY_CONFIG_DIR names another folder, as for synth. Everything the flags do not set
 * keeps its default (docs/configuration.md), and can be edited in the file afterwards.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BOOTSTRAP_FILE_NAME, ConfigError, environmentName, loadConfigs } from '../lib/config';
import { closest, show } from '../lib/schema';
import { CONFIG_DIR_VARIABLE, ENVIRONMENTS_VARIABLE, checkConfigDir } from '../lib/selection';
import { UserError } from './user-error';

/** A flag that sets one configuration field; `many`: it may be repeated. */
interface FlagSpec {
  readonly field: string;
  readonly required?: boolean;
  readonly many?: boolean;
}

const FLAGS = {
  subscription: { field: 'azure.subscriptionId', required: true },
  tenant: { field: 'azure.tenantId', required: true },
  location: { field: 'azure.location', required: true },
  'resource-group': { field: 'azure.resourceGroup', required: true },
  workspace: { field: 'azure.workspace', required: true },
  repository: { field: 'github.owner', required: true },
  model: { field: 'targets[0].model', required: true },
  endpoint: { field: 'targets[0].endpoint', required: true },
  'alert-email': { field: 'trigger.alertEmails', required: true, many: true },
  deployer: { field: 'azure.deployers', many: true },
  reviewer: { field: 'github.requiredReviewers.users', many: true },
  'commit-workflow': { field: 'github.commitWorkflow' },
  'system-topic': { field: 'azure.eventGridSystemTopic' },
} as const satisfies Record<string, FlagSpec>;
type Flag = keyof typeof FLAGS;
const FLAG_NAMES = Object.keys(FLAGS) as Flag[];

/** Where the rollout reads the target's files in the target repository (docs/rollout.md). */
const TARGET_FILES = {
  endpointSpec: 'deploy/endpoint.yml',
  deploymentSpec: 'deploy/deployment.yml',
  smokeTestRequest: 'deploy/sample-request.json',
} as const;

export const USAGE = `Usage: npm run new-env -- <env> --subscription <id> --tenant <id> --location <region>
         --resource-group <name> --workspace <name> --repository <owner>/<repo>
         --model <name> --endpoint <name> --alert-email <address>
         [--deployer <object id>]... [--reviewer <GitHub login>]... [--commit-workflow false]
         [--system-topic <name>]   (another environment on the workspace created its topic)
Writes config/<env>.json (${CONFIG_DIR_VARIABLE}/<env>.json when set); never overwrites a file.`;

export interface Options {
  readonly env: string;
  readonly values: Readonly<Partial<Record<Flag, readonly string[]>>>;
}

/** Parses `<env>` and `--flag value` / `--flag=value`; a UserError (exit 2) lists every problem. */
function parseArgs(argv: readonly string[]): Options | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const values: Partial<Record<Flag, string[]>> = {};
  const positional: string[] = [];
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([^=]*)(?:=(.*))?$/s.exec(arg);
    if (!m) {
      positional.push(arg);
      continue;
    }
    const flag = m[1] as Flag;
    if (!FLAG_NAMES.includes(flag)) {
      const guess = closest(m[1], FLAG_NAMES);
      problems.push(`unknown flag --${m[1]}${guess ? ` (did you mean --${guess}?)` : ''}`);
      if (m[2] === undefined && argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) i++;
      continue;
    }
    const value = m[2] ?? argv[i + 1];
    if (value === undefined || (m[2] === undefined && value.startsWith('--'))) {
      problems.push(`--${flag} needs a value`);
      values[flag] ??= [];
      continue;
    }
    if (m[2] === undefined) i++;
    const spec: FlagSpec = FLAGS[flag];
    if (values[flag]?.length && !spec.many) problems.push(`--${flag} is given twice; give it once`);
    else (values[flag] ??= []).push(value);
  }
  if (positional.length === 0) problems.push('missing <env>, the new environment name');
  if (positional.length > 1) {
    problems.push(
      `one environment at a time: ${positional.map((p) => show(p)).join(', ')} given; put flags after "--"`,
    );
  }
  const missing = FLAG_NAMES.filter((f) => (FLAGS[f] as FlagSpec).required && !values[f]);
  if (missing.length) problems.push(`missing ${missing.map((f) => `--${f}`).join(', ')}`);
  const commit = values['commit-workflow']?.[0];
  if (commit !== undefined && commit !== 'true' && commit !== 'false') {
    problems.push(`--commit-workflow ${show(commit)} is not accepted; expected true or false`);
  }
  const repository = values.repository?.[0];
  if (repository !== undefined && !repository.includes('/')) {
    problems.push(
      `--repository ${show(repository)} is not accepted; expected <owner>/<repo>, such as "my-org/ml-models"`,
    );
  }
  if (problems.length) throw new UserError(`${problems.join('; ')}.\n${USAGE}`, 2);
  return { env: positional[0], values };
}

/** The file's content, as written: only what the flags set, defaults left to the app. */
function buildConfig(options: Options, schema: string): Record<string, unknown> {
  const one = (f: Flag) => options.values[f]?.[0] as string;
  const many = (f: Flag) => options.values[f] ?? [];
  const repository = one('repository');
  const slash = repository.indexOf('/');
  const commitWorkflow = options.values['commit-workflow']?.[0];
  return {
    $schema: schema,
    azure: {
      subscriptionId: one('subscription'),
      tenantId: one('tenant'),
      location: one('location'),
      resourceGroup: one('resource-group'),
      workspace: one('workspace'),
      ...(options.values['system-topic'] ? { eventGridSystemTopic: one('system-topic') } : {}),
      ...(many('deployer').length ? { deployers: many('deployer') } : {}),
    },
    github: {
      owner: repository.slice(0, slash),
      repository: repository.slice(slash + 1),
      ...(commitWorkflow !== undefined ? { commitWorkflow: commitWorkflow === 'true' } : {}),
      ...(many('reviewer').length ? { requiredReviewers: { users: many('reviewer') } } : {}),
    },
    targets: [{ model: one('model'), endpoint: one('endpoint'), ...TARGET_FILES }],
    trigger: { alertEmails: many('alert-email') },
  };
}

/** The flag a problem's field came from (`config/x.json: azure.tenantId: ...` → `--tenant`). */
function source(problem: string, file: string): string | undefined {
  if (!problem.startsWith(`${file}: `)) return undefined;
  const field = /^([\w$]+(?:\.[\w$]+|\[\d+\])*): /.exec(problem.slice(file.length + 2))?.[1];
  // Problems of the file as a whole are about its name; the GitHub environment is the
  // environment name too (new-env does not set another).
  if (field === undefined || field === 'github.environment') return 'the <env> argument';
  if (field === 'github.repository') return 'flag --repository';
  const flag = FLAG_NAMES.find(
    (f) => field === FLAGS[f].field || field.startsWith(`${FLAGS[f].field}[`),
  );
  return flag && `flag --${flag}`;
}

/**
 * JSON laid out as prettier lays it out (objects open, arrays of values on one line when
 * that line fits `width`), so the written file passes `npm test`'s format check as it is.
 * `used`: the characters before the value on its line; `comma`: whether one follows it.
 */
export function formatJson(
  value: unknown,
  width = 100,
  indent = '',
  used = 0,
  comma = false,
): string {
  const inner = `${indent}  `;
  const children = <T>(items: T[], render: (item: T, comma: boolean) => string) =>
    items.map((item, i) => render(item, i < items.length - 1)).join(',\n');
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) {
      const flat = `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
      if (used + flat.length + (comma ? 1 : 0) <= width) return flat;
    }
    const items = children(
      value,
      (v, c) => `${inner}${formatJson(v, width, inner, inner.length, c)}`,
    );
    return `[\n${items}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const lines = children(entries, ([k, v], c) => {
      const head = `${inner}${JSON.stringify(k)}: `;
      return `${head}${formatJson(v, width, inner, head.length, c)}`;
    });
    return `{\n${lines}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** A word a POSIX shell reads back as it is. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function exists(file: string): UserError {
  return new UserError(
    `${file} exists; new-env never overwrites a file. Choose another environment name, edit ${file} itself, or keep your environments in a folder of your own (${CONFIG_DIR_VARIABLE}=<folder> npm run new-env -- ...).`,
  );
}

export interface Io {
  /** The project root: where package.json and schemas/ are, and config/ by default. */
  readonly root: string;
  /** The process environment (only AML_DEPLOY_CONFIG_DIR is read). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

/** Returns the exit code: 0 written, 1 refused (invalid or the file exists), 2 usage. */
export function main(argv: readonly string[], io: Io): number {
  try {
    const options = parseArgs(argv);
    if (options === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    const at = (path: string) => resolve(io.root, path);
    const folder = checkConfigDir(
      io.env[CONFIG_DIR_VARIABLE],
      (dir) => {
        const s = statSync(at(dir), { throwIfNoEntry: false });
        return s === undefined ? 'missing' : s.isDirectory() ? 'folder' : 'file';
      },
      io.root,
    );
    if ('problem' in folder) throw new UserError(folder.problem);
    const dir = folder.dir;
    const file = `${dir}/${options.env}.json`;
    // The name becomes a path: "../x" would write outside the folder.
    if (environmentName(file) !== options.env) {
      throw new UserError(
        `<env> ${show(options.env)} is not accepted; expected an environment name such as "dev", not a path (the file is ${dir}/<env>.json)`,
        2,
      );
    }
    const schemaFile = resolve(io.root, 'schemas', 'environment.schema.json');
    const schemaPath = relative(dirname(at(file)), schemaFile);
    // "$schema" is one token: a path with a space becomes a file URL.
    const schema = /\s/.test(schemaPath) ? pathToFileURL(schemaFile).href : schemaPath;
    const text = `${formatJson(buildConfig(options, schema))}\n`;
    if (existsSync(at(file))) throw exists(file);

    const others = readdirSync(at(dir))
      .filter((f) => f.endsWith('.json') && f !== `${BOOTSTRAP_FILE_NAME}.json`)
      .map((f) => `${dir}/${f}`)
      .filter((f) => f !== file);
    try {
      loadConfigs([file], (f) => (f === file ? text : readFileSync(at(f), 'utf8')), others);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const lines = e.problems.map((p) => {
        const from = source(p, file);
        return `  ${p}${from ? ` (${from})` : ''}`;
      });
      throw new UserError(`${file} was not written:\n${lines.join('\n')}`);
    }
    try {
      // "wx": fails if the file exists, even one created since the check above.
      writeFileSync(at(file), text, { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      throw exists(file);
    }
    io.stdout(`Wrote ${file}.`);
    io.stdout(
      `Next: put ${Object.values(TARGET_FILES).join(', ')} into ${options.values.repository?.[0]} (docs/rollout.md), and check the stack: ${dir === 'config' ? '' : `${CONFIG_DIR_VARIABLE}=${shellWord(dir)} `}${ENVIRONMENTS_VARIABLE}=${options.env} npm run synth`,
    );
    return 0;
  } catch (e) {
    if (e instanceof UserError) {
      io.stderr(`new-env: ${e.message}`);
      return e.exitCode;
    }
    throw e;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), {
    root: resolve(__dirname, '..'),
    env: process.env,
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
  });
}
