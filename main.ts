/**
 * The cdktf app: reads which environments to synthesize, checks their configuration,
 * and instantiates one stack per environment. The only place that reads process.env.
 *
 *   AML_DEPLOY_ENVIRONMENTS=staging,production cdktf deploy
 *
 * selects `config/staging.json` and `config/production.json`; unset, the committed
 * example (`config/example.json`) is synthesized, which needs no credentials. The name
 * `bootstrap` selects the bootstrap stack (`config/bootstrap.json`: state storage and the
 * identities of this repository's workflows). AML_DEPLOY_CONFIG_DIR names another folder
 * of environment files (default `config`), relative to the project root or absolute.
 *
 * `--remove-stale` (what `npm run synth` passes) also deletes the synthesized JSON of the
 * stacks of earlier runs that this run did not write (their `.terraform` and state stay).
 *
 * `run` takes the environment and arguments as values, so the tests call it in their own
 * process; the entry at the end hands it process.env.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { App } from 'cdktf';
import {
  BOOTSTRAP_FILE_NAME,
  ConfigError,
  loadConfigs,
  readJson,
  unreadable,
  type EnvironmentConfig,
  type Source,
} from './lib/config';
import { MAX_SOURCE_BYTES } from './lib/json-source';
import { stackName } from './lib/naming';
import { show } from './lib/schema';
import {
  CONFIG_DIR_VARIABLE,
  ENVIRONMENTS_VARIABLE,
  checkConfigDir,
  isOtherJson,
  parseEnvironmentSelection,
  synthReport,
  type PathKind,
} from './lib/selection';
import { COMMITTED_FILES } from './lib/workflow-contract';
import {
  BOOTSTRAP_STACK_NAME,
  bootstrapWarnings,
  checkBootstrapAgainstEnvironments,
  parseBootstrapConfig,
  type BootstrapConfig,
} from './lib/bootstrap-config';
import { BootstrapStack } from './stacks/bootstrap-stack';
import { AmlDeployStack } from './stacks/aml-deploy-stack';

/** Run from source (main.ts) or bundled (dist/.../main.js): the project is where workflows/ is. */
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'workflows')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}
const projectRoot = findProjectRoot(__dirname);
const fromRoot = (path: string) => resolve(projectRoot, path);

/** The files the stack commits to the target repository, with their text from `workflows/`. */
export function loadCommittedFiles(root: string): { path: string; content: string }[] {
  return COMMITTED_FILES.map((f) => ({
    path: f.path,
    content: readFileSync(join(root, f.source), 'utf8'),
  }));
}

/**
 * A file's bytes, by its path as users write it (relative to the project root), read once:
 * at most one byte more than a configuration file may have, so a huge file costs nothing
 * (lib/json-source.ts refuses it, and says why).
 */
function sourceReader(): (file: string) => Source {
  const sources = new Map<string, { source: Source } | { error: unknown }>();
  return (file) => {
    if (!sources.has(file)) {
      try {
        sources.set(file, { source: readBytes(fromRoot(file)) });
      } catch (error) {
        sources.set(file, { error });
      }
    }
    const read = sources.get(file)!;
    if ('error' in read) throw read.error;
    return read.source;
  };
}

function readBytes(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    if (fstatSync(fd).isDirectory()) {
      throw Object.assign(new Error(`${path} is a folder`), { code: 'EISDIR' });
    }
    const buffer = Buffer.allocUnsafe(MAX_SOURCE_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    }
    // A copy of what was read: the 1 MiB buffer is not kept for a file of a few kilobytes.
    return new Uint8Array(buffer.subarray(0, length));
  } finally {
    closeSync(fd);
  }
}

function kindOf(path: string): PathKind {
  try {
    const s = statSync(fromRoot(path), { throwIfNoEntry: false });
    return s === undefined ? 'missing' : s.isDirectory() ? 'folder' : 'file';
  } catch (e) {
    // A link that leads back to itself (ELOOP), a folder we may not enter (EACCES)...
    return { unreadable: unreadable(e) };
  }
}

/** Whether a `.json` file of the folder is JSON of another kind (package.json, tsconfig.json). */
function isOtherJsonFile(file: string, readSource: (file: string) => Source): boolean {
  let source: Source;
  try {
    source = readSource(file);
  } catch {
    return false;
  }
  const r = readJson(file, source);
  return 'json' in r && isOtherJson(r.json);
}

/** The bootstrap stack's configuration, and a problem for each environment it names without a file. */
function bootstrapConfig(
  configDir: string,
  available: readonly string[],
  problems: string[],
  readSource: (file: string) => Source,
): BootstrapConfig | undefined {
  const file = `${configDir}/${BOOTSTRAP_FILE_NAME}.json`;
  let source: Source;
  try {
    source = readSource(file);
  } catch (e) {
    problems.push(`${file}: ${unreadable(e)}`);
    return undefined;
  }
  const r = parseBootstrapConfig(file, source);
  if ('problems' in r) {
    problems.push(...r.problems);
    return undefined;
  }
  r.config.environments.forEach((name, i) => {
    if (available.includes(name) && name !== BOOTSTRAP_FILE_NAME) return;
    problems.push(
      `${file}: environments[${i}]: ${JSON.stringify(name)} has no ${configDir}/${name}.json; expected environments of ${configDir} (${available.filter((a) => a !== BOOTSTRAP_FILE_NAME).join(', ')})`,
    );
  });
  return r.config;
}

/** What cdktf's synth writes into a stack's folder (JSON output, cdktf's Manifest). */
const STACK_FILE = 'cdk.tf.json';

/**
 * Deletes the synthesized JSON of the stacks of earlier runs that this run did not write, so
 * a stale stack cannot be planned or applied by mistake (Terraform refuses a folder without
 * configuration). Everything else there stays: `.terraform` (the backend a state migration
 * starts from, what `terraform output` reads), the lock file, local state and plans.
 */
function removeStale(outdir: string, written: readonly string[]): string[] {
  const stacks = join(outdir, 'stacks');
  if (!existsSync(stacks)) return [];
  return readdirSync(stacks)
    .filter((name) => !written.includes(name) && existsSync(join(stacks, name, STACK_FILE)))
    .map((name) => {
      const dir = join(stacks, name);
      rmSync(join(dir, STACK_FILE));
      // A folder that held nothing else goes too.
      if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
      return `removed stale ${relative(process.cwd(), join(dir, STACK_FILE))} (not selected this run; select it with ${ENVIRONMENTS_VARIABLE} to write it again)`;
    });
}

/** How the app is run: its environment variables, arguments and output. */
export interface RunOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly argv: readonly string[];
  /** Where the stacks go; default: cdktf's (CDKTF_OUTDIR, else cdktf.out). */
  readonly outdir?: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Synthesizes the selected stacks; returns the exit status (1: a configuration problem). */
export function run(options: RunOptions): number {
  try {
    synthesize(options);
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // A user's mistake: the problems (and any warning), no stack trace, nothing written.
    options.stderr([e.message, ...e.warnings.map(warning)].map((l) => `${l}\n`).join(''));
    return 1;
  }
}

function synthesize({ env, argv, outdir: out, stdout }: RunOptions): void {
  const readSource = sourceReader();
  const problems: string[] = [];
  const folder = checkConfigDir(env[CONFIG_DIR_VARIABLE], kindOf, projectRoot);
  if ('problem' in folder) throw new ConfigError([folder.problem]);
  // As users write it: messages name files the way they see them in the tree.
  const configDir = folder.dir;
  const fileOf = (name: string) => `${configDir}/${name}.json`;
  let entries: string[];
  try {
    entries = readdirSync(fromRoot(configDir));
  } catch (e) {
    throw new ConfigError([`${CONFIG_DIR_VARIABLE}: ${show(configDir)} ${unreadable(e)}`]);
  }
  const json = entries
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
  const otherJson = json.filter(
    (n) => n !== BOOTSTRAP_FILE_NAME && isOtherJsonFile(fileOf(n), readSource),
  );
  const available = json.filter((n) => !otherJson.includes(n));
  const selection = parseEnvironmentSelection(
    env[ENVIRONMENTS_VARIABLE],
    available,
    configDir,
    otherJson,
  );
  problems.push(...selection.problems);
  const selected = selection.names.filter((n) => n !== BOOTSTRAP_FILE_NAME).map(fileOf);
  const bootstrap = selection.names.includes(BOOTSTRAP_FILE_NAME)
    ? bootstrapConfig(configDir, available, problems, readSource)
    : undefined;
  // The bootstrap's environments are loaded too: its identities get rights on each of them.
  const bootstrapFiles = (bootstrap?.environments ?? [])
    .filter((n) => available.includes(n))
    .map(fileOf);
  const others = available.filter((n) => n !== BOOTSTRAP_FILE_NAME).map(fileOf);
  let configs: EnvironmentConfig[] = [];
  const warnings = bootstrap ? bootstrapWarnings(bootstrap) : [];
  try {
    const loaded = loadConfigs([...new Set([...selected, ...bootstrapFiles])], readSource, others);
    configs = loaded.configs;
    warnings.push(...loaded.warnings);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
    warnings.push(...e.warnings);
  }
  const bootstrapEnvironments = configs.filter((c) => bootstrapFiles.includes(c.file));
  if (bootstrap)
    problems.push(...checkBootstrapAgainstEnvironments(bootstrap, bootstrapEnvironments));
  if (problems.length) throw new ConfigError(problems, warnings);

  const app = new App({ stackTraces: false, ...(out === undefined ? {} : { outdir: out }) });
  const committedFiles = loadCommittedFiles(projectRoot);
  const written: string[] = [];
  for (const config of configs.filter((c) => selected.includes(c.file))) {
    new AmlDeployStack(app, stackName(config.name), { config, committedFiles });
    written.push(stackName(config.name));
  }
  if (bootstrap) {
    new BootstrapStack(app, BOOTSTRAP_STACK_NAME, {
      config: bootstrap,
      environments: bootstrapEnvironments,
    });
    written.push(BOOTSTRAP_STACK_NAME);
  }
  app.synth();

  const outdir = isAbsolute(app.outdir) ? app.outdir : resolve(app.outdir);
  const lines = synthReport(
    written.map((stack) => ({
      stack,
      path: relative(process.cwd(), join(outdir, 'stacks', stack, 'cdk.tf.json')),
    })),
    // Environments first: the bootstrap is deployed once, rarely what a user is after.
    [...available.filter((n) => n !== BOOTSTRAP_FILE_NAME), BOOTSTRAP_FILE_NAME]
      .filter((n) => available.includes(n) && !selection.names.includes(n))
      .map((environment) => ({ stack: stackName(environment), environment })),
  );
  if (argv.includes('--remove-stale')) lines.push(...removeStale(outdir, written));
  // On stdout: cdktf shows the app's stdout, and its stderr only when the app fails
  // (@cdktf/commons src/util.js, shell()).
  stdout([...warnings.map(warning), ...lines].map((l) => `${l}\n`).join(''));
}

/** A warning as printed: the configuration is accepted, but something may fail later. */
function warning(text: string): string {
  return `warning: ${text}`;
}

if (require.main === module) {
  process.exitCode = run({
    env: process.env,
    argv: process.argv.slice(2),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
