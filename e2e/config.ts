/**
 * The run's configuration: `config/e2e.json`, written by write-config from the sandbox's
 * `E2E_*` variables and the Actions run, and read back (checked again) by every later step,
 * so that all of them use the same names.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseEnvironmentConfig, type EnvironmentConfig } from '../lib/config';
import { UserError } from '../scripts/user-error';
import { DEFAULT_MODEL, E2E_ENVIRONMENT, runNames, TARGET_FILES } from './names';

/** The repository variables (or e2e-sandbox environment variables) write-config reads. */
const VARIABLES = {
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
const SECRETS = ['E2E_GH_PROVIDER_TOKEN', 'E2E_GH_DISPATCH_TOKEN'] as const;

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

/** The process environment, as the entry point hands it in. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A variable's value, trimmed; undefined when unset or blank. */
export function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** The Actions run's page, for tags and commit messages ("a local run" outside Actions). */
export function runUrl(env: Env): string | undefined {
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

/** `<dir>/e2e.json` as messages name it, and its path from `cwd`. */
export function configFile(dir: string | undefined, cwd: string): { file: string; path: string } {
  const file = `${(dir ?? 'config').replace(/\/+$/, '')}/${E2E_ENVIRONMENT}.json`;
  return { file, path: isAbsolute(file) ? file : resolve(cwd, file) };
}

/** The configuration write-config wrote, checked again: the one source of names for the later steps. */
export function loadConfig(dir: string | undefined, cwd: string): EnvironmentConfig {
  const { file, path } = configFile(dir, cwd);
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
