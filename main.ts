/**
 * The cdktf app: reads which environments to synthesize, checks their configuration,
 * and instantiates one stack per environment. The only place that reads process.env.
 *
 *   AML_DEPLOY_ENVIRONMENTS=staging,production cdktf deploy
 *
 * selects `config/staging.json` and `config/production.json`; unset, the committed
 * example (`config/example.json`) is synthesized, which needs no credentials.
 * AML_DEPLOY_CONFIG_DIR names another folder of environment files (default `config`).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App } from 'cdktf';
import { BOOTSTRAP_FILE_NAME, ConfigError, loadConfigs } from './lib/config';
import type { EnvironmentConfig } from './lib/config-types';
import { stackName } from './lib/naming';
import { loadCommittedFiles } from './lib/workflow-contract';
import { AmlDeployStack } from './stacks/aml-deploy-stack';

// Run from source (main.ts) or compiled (dist/main.js): the project is where workflows/ is.
const projectRoot = existsSync(join(__dirname, 'workflows')) ? __dirname : resolve(__dirname, '..');
// As users write it: messages name files the way they see them in the tree.
const configDir = process.env.AML_DEPLOY_CONFIG_DIR ?? 'config';

/** The environment files AML_DEPLOY_ENVIRONMENTS selects, and any names it has no file for. */
function selectedEnvironments(): { files: string[]; problems: string[] } {
  const dir = resolve(projectRoot, configDir);
  if (!existsSync(dir)) {
    const problem = `AML_DEPLOY_CONFIG_DIR: ${JSON.stringify(configDir)} is not a folder; expected a folder of <environment>.json files`;
    return { files: [], problems: [problem] };
  }
  const available = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .filter((n) => n !== BOOTSTRAP_FILE_NAME);
  const names = (process.env.AML_DEPLOY_ENVIRONMENTS ?? 'example').split(',').map((s) => s.trim());
  return {
    files: names.filter((n) => available.includes(n)).map((n) => `${configDir}/${n}.json`),
    problems: names
      .filter((n) => !available.includes(n))
      .map(
        (n) =>
          `AML_DEPLOY_ENVIRONMENTS: ${JSON.stringify(n)} has no ${configDir}/${n}.json; expected a comma-separated list of ${available.join(', ')}`,
      ),
  };
}

function main(): void {
  const selected = selectedEnvironments();
  let configs: EnvironmentConfig[] = [];
  const problems = [...selected.problems];
  try {
    configs = loadConfigs(selected.files, (f) => readFileSync(resolve(projectRoot, f), 'utf8'));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
  }
  if (problems.length) throw new ConfigError(problems);

  const committedFiles = loadCommittedFiles(projectRoot);
  const app = new App({ stackTraces: false });
  for (const config of configs) {
    new AmlDeployStack(app, stackName(config.name), { config, committedFiles });
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
