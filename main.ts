/**
 * The cdktf app: reads which environments to synthesize, checks their configuration,
 * and instantiates one stack per environment. The only place that reads process.env.
 *
 *   AML_DEPLOY_ENVIRONMENTS=staging,production cdktf deploy
 *
 * selects `config/staging.json` and `config/production.json`; unset, the committed
 * example (`config/example.json`) is synthesized, which needs no credentials. The name
 * `bootstrap` selects the bootstrap stack (`config/bootstrap.json`: state storage and the
 * identities of this repository's workflows).
 * AML_DEPLOY_CONFIG_DIR names another folder of environment files (default `config`).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App } from 'cdktf';
import { BOOTSTRAP_FILE_NAME, ConfigError, loadConfigs } from './lib/config';
import type { EnvironmentConfig } from './lib/config-types';
import { stackName } from './lib/naming';
import { loadCommittedFiles } from './lib/workflow-contract';
import {
  BOOTSTRAP_STACK_NAME,
  parseBootstrapConfig,
  type BootstrapConfig,
} from './lib/bootstrap-config';
import { BootstrapStack } from './stacks/bootstrap-stack';
import { AmlDeployStack } from './stacks/aml-deploy-stack';

// Run from source (main.ts) or compiled (dist/main.js): the project is where workflows/ is.
const projectRoot = existsSync(join(__dirname, 'workflows')) ? __dirname : resolve(__dirname, '..');
// As users write it: messages name files the way they see them in the tree.
const configDir = process.env.AML_DEPLOY_CONFIG_DIR ?? 'config';

/**
 * What AML_DEPLOY_ENVIRONMENTS selects: environment files, and `bootstrap` for the
 * bootstrap stack; any name without a file is a problem.
 */
function selection(): { files: string[]; bootstrap: boolean; problems: string[] } {
  const dir = resolve(projectRoot, configDir);
  if (!existsSync(dir)) {
    const problem = `AML_DEPLOY_CONFIG_DIR: ${JSON.stringify(configDir)} is not a folder; expected a folder of <environment>.json files`;
    return { files: [], bootstrap: false, problems: [problem] };
  }
  const available = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length));
  const names = (process.env.AML_DEPLOY_ENVIRONMENTS ?? 'example').split(',').map((s) => s.trim());
  return {
    files: names
      .filter((n) => n !== BOOTSTRAP_FILE_NAME && available.includes(n))
      .map((n) => `${configDir}/${n}.json`),
    bootstrap: names.includes(BOOTSTRAP_FILE_NAME) && available.includes(BOOTSTRAP_FILE_NAME),
    problems: names
      .filter((n) => !available.includes(n))
      .map(
        (n) =>
          `AML_DEPLOY_ENVIRONMENTS: ${JSON.stringify(n)} has no ${configDir}/${n}.json; expected a comma-separated list of ${available.join(', ')}`,
      ),
  };
}

/** The bootstrap stack's configuration, `config/bootstrap.json`. */
function bootstrapConfig(problems: string[]): BootstrapConfig | undefined {
  const file = `${configDir}/${BOOTSTRAP_FILE_NAME}.json`;
  const r = parseBootstrapConfig(file, readFileSync(resolve(projectRoot, file), 'utf8'));
  if ('problems' in r) problems.push(...r.problems);
  return 'config' in r ? r.config : undefined;
}

function main(): void {
  const selected = selection();
  const problems = [...selected.problems];
  const bootstrap = selected.bootstrap ? bootstrapConfig(problems) : undefined;
  // The bootstrap's environments are loaded too: its identities get rights on each of them.
  const bootstrapFiles = (bootstrap?.environments ?? []).map((n) => `${configDir}/${n}.json`);
  const files = [...new Set([...selected.files, ...bootstrapFiles])];
  let configs: EnvironmentConfig[] = [];
  try {
    configs = loadConfigs(files, (f) => readFileSync(resolve(projectRoot, f), 'utf8'));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
  }
  if (problems.length) throw new ConfigError(problems);

  const app = new App({ stackTraces: false });
  const committedFiles = loadCommittedFiles(projectRoot);
  for (const config of configs.filter((c) => selected.files.includes(c.file))) {
    new AmlDeployStack(app, stackName(config.name), { config, committedFiles });
  }
  if (bootstrap) {
    // Throws a ConfigError when the environments do not fit the bootstrap (tenant, backend).
    new BootstrapStack(app, BOOTSTRAP_STACK_NAME, {
      config: bootstrap,
      environments: configs.filter((c) => bootstrapFiles.includes(c.file)),
    });
  }
  app.synth();
}

try {
  main();
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  // A user's mistake: the problems, no stack trace, nothing written.
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
}
