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
 */
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { App } from 'cdktf';
import {
  BOOTSTRAP_FILE_NAME,
  ConfigError,
  loadConfigs,
  unreadable,
  type EnvironmentConfig,
} from './lib/config';
import { stackName } from './lib/naming';
import {
  CONFIG_DIR_VARIABLE,
  ENVIRONMENTS_VARIABLE,
  checkConfigDir,
  parseEnvironmentSelection,
  synthReport,
} from './lib/selection';
import { loadCommittedFiles } from './lib/workflow-contract';
import {
  BOOTSTRAP_STACK_NAME,
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

/** A file's text, by its path as users write it (relative to the project root). */
function readSource(file: string): string {
  return readFileSync(fromRoot(file), 'utf8');
}

function kindOf(path: string): 'folder' | 'file' | 'missing' {
  const s = statSync(fromRoot(path), { throwIfNoEntry: false });
  return s === undefined ? 'missing' : s.isDirectory() ? 'folder' : 'file';
}

/** The bootstrap stack's configuration, and a problem for each environment it names without a file. */
function bootstrapConfig(
  configDir: string,
  available: readonly string[],
  problems: string[],
): BootstrapConfig | undefined {
  const file = `${configDir}/${BOOTSTRAP_FILE_NAME}.json`;
  let source: string;
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

function main(): void {
  const problems: string[] = [];
  const folder = checkConfigDir(process.env[CONFIG_DIR_VARIABLE], kindOf, projectRoot);
  if ('problem' in folder) throw new ConfigError([folder.problem]);
  // As users write it: messages name files the way they see them in the tree.
  const configDir = folder.dir;
  const available = readdirSync(fromRoot(configDir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
  const selection = parseEnvironmentSelection(
    process.env[ENVIRONMENTS_VARIABLE],
    available,
    configDir,
  );
  problems.push(...selection.problems);
  const fileOf = (name: string) => `${configDir}/${name}.json`;
  const selected = selection.names.filter((n) => n !== BOOTSTRAP_FILE_NAME).map(fileOf);
  const bootstrap = selection.names.includes(BOOTSTRAP_FILE_NAME)
    ? bootstrapConfig(configDir, available, problems)
    : undefined;
  // The bootstrap's environments are loaded too: its identities get rights on each of them.
  const bootstrapFiles = (bootstrap?.environments ?? [])
    .filter((n) => available.includes(n))
    .map(fileOf);
  const others = available.filter((n) => n !== BOOTSTRAP_FILE_NAME).map(fileOf);
  let configs: EnvironmentConfig[] = [];
  try {
    configs = loadConfigs([...new Set([...selected, ...bootstrapFiles])], readSource, others);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
  }
  const bootstrapEnvironments = configs.filter((c) => bootstrapFiles.includes(c.file));
  if (bootstrap)
    problems.push(...checkBootstrapAgainstEnvironments(bootstrap, bootstrapEnvironments));
  if (problems.length) throw new ConfigError(problems);

  const app = new App({ stackTraces: false });
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
  if (process.argv.includes('--remove-stale')) lines.push(...removeStale(outdir, written));
  process.stdout.write(lines.map((l) => `${l}\n`).join(''));
}

try {
  main();
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  // A user's mistake: the problems, no stack trace, nothing written.
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
}
