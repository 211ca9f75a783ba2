/**
 * Configuration: one JSON file per environment (`config/<env>.json`), checked once at
 * start-up against the schema below. Every problem in every file is collected and
 * reported together; nothing is synthesized when there is one.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { EnvironmentConfig } from './config-types';
import { stackName } from './naming';
import {
  blobContainer,
  githubEnvironment,
  githubOwner,
  githubRepository,
  guid,
  location,
  namePrefix,
  renderProblems,
  resourceGroup,
  storageAccountName,
  tags,
  workspaceName,
} from './config-fields';
import { boolean, integer, list, object, oneOf, optional, text, type Problem } from './schema';

// git check-ref-format, the parts a branch name can get wrong (control characters included).
const gitBranch = text(
  // eslint-disable-next-line no-control-regex
  /^(?!\/|.*(?:\/\/|\.\.|@\{|\/$|\.$|\.lock$|\/\.))[^\s~^:?*[\\\x00-\x1f\x7f]{1,255}$/,
  'a git branch name such as "main" (no spaces, "..", "~", "^", ":", "?", "*", "[", "\\", no leading or trailing "/")',
);
const githubTeamSlug = text(/^[a-z0-9][a-z0-9-]{0,99}$/, 'a team slug such as "ml-platform"');

const systemTopicName = text(
  /^[A-Za-z0-9-]{3,128}$/,
  'an Event Grid system topic name: 3-128 letters, digits or "-"',
);
// Azure ML asset names (models): letters, digits, "-", "_", "." starting with a letter or digit.
const modelName = text(
  /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/,
  'an Azure ML model name: 1-255 letters, digits, "-", "_" or ".", starting with a letter or digit',
);
// Managed online endpoint names are unique per region: 3-32 characters, letters, digits, "-".
const endpointName = text(
  /^[A-Za-z](?:[A-Za-z0-9-]{1,30})[A-Za-z0-9]$/,
  'an online endpoint name: 3-32 letters, digits or "-", starting with a letter and not ending with "-"',
);

/** A path inside the target repository, relative, with no `..`, ending in one of `extensions`. */
function repoPath(extensions: readonly string[]) {
  const ends = extensions.map((e) => `"${e}"`).join(' or ');
  return text(
    /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._\-/]+$/,
    `a relative path in the target repository (letters, digits, ".", "_", "-", "/"; no "..") ending in ${ends}`,
    (s) =>
      extensions.some((e) => s.endsWith(e))
        ? undefined
        : `a path ending in ${ends}, such as "deploy/${basename(s, extname(s)) || 'file'}${extensions[0]}"`,
  );
}

const email = text(
  /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  'an email address such as "ml-oncall@example.com"',
);

const target = object({
  model: modelName,
  endpoint: endpointName,
  endpointSpec: repoPath(['.yml', '.yaml']),
  deploymentSpec: repoPath(['.yml', '.yaml']),
  smokeTestRequest: optional(repoPath(['.json'])),
  canaryPercent: optional(integer(0, 99), 0),
  keepDeployments: optional(integer(1, 10), 1),
});

const backend = object({
  resourceGroup,
  storageAccount: storageAccountName,
  container: blobContainer,
  subscriptionId: optional(guid),
});

const environmentSchema = object({
  azure: object({
    subscriptionId: guid,
    tenantId: guid,
    location,
    resourceGroup,
    workspace: workspaceName,
    eventGridSystemTopic: optional(systemTopicName),
    deployers: optional(
      list(guid, { max: 20, unique: (g) => g.toLowerCase(), uniqueName: 'owner' }),
      [],
    ),
  }),
  github: object({
    owner: githubOwner,
    repository: githubRepository,
    branch: optional(gitBranch, 'main'),
    environment: optional(githubEnvironment),
    commitWorkflow: optional(boolean, true),
    requiredReviewers: optional(
      object({
        users: optional(list(githubOwner, { max: 6 }), []),
        teams: optional(list(githubTeamSlug, { max: 6 }), []),
      }),
      {},
    ),
  }),
  auth: optional(
    object({
      mode: optional(oneOf(['oidc', 'client-secret'] as const), 'oidc'),
      secretRotationDays: optional(integer(1, 365), 90),
    }),
    {},
  ),
  role: optional(
    text(/^\S(?:.{0,510}\S)?$/u, 'an Azure role name such as "Contributor"'),
    'Contributor',
  ),
  // Event Grid's advanced filter takes at most 25 subject prefixes.
  targets: list(target, {
    min: 1,
    max: 25,
    unique: (t) => t.model,
    uniqueName: 'model',
  }),
  namePrefix: optional(namePrefix, 'amldeploy'),
  tags: optional(tags, {}),
  trigger: object({
    // Required: a failure nobody hears of is a lost deployment.
    alertEmails: list(email, { min: 1, max: 20 }),
    keyVaultPurgeProtection: optional(boolean, false),
    // Out of band by default: the token then never passes through Terraform at all.
    githubTokenSource: optional(oneOf(['variable', 'out-of-band'] as const), 'out-of-band'),
    tokenWriters: optional(
      list(guid, { max: 20, unique: (g) => g.toLowerCase(), uniqueName: 'writer' }),
      [],
    ),
  }),
  backend: optional(backend),
});

/** The environment name a config file stands for: its base name. */
export function environmentName(file: string): string {
  return basename(file, extname(file));
}

const envName = /^[a-z][a-z0-9-]{0,19}$/;

/** `config/bootstrap.json` configures the bootstrap stack, not an environment. */
export const BOOTSTRAP_FILE_NAME = 'bootstrap';

/** Problems of one file, each rendered `file: path: message`. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Checks one environment's configuration. Pure: `file` is only used to name the
 * environment and in messages. Returns the config with defaults applied, or every
 * problem found.
 */
export function parseEnvironmentConfig(
  file: string,
  source: string,
): { config: EnvironmentConfig } | { problems: string[] } {
  const name = environmentName(file);
  const problems: Problem[] = [];
  if (name === BOOTSTRAP_FILE_NAME) {
    problems.push({
      path: '',
      message: `"${BOOTSTRAP_FILE_NAME}" is the bootstrap stack's configuration, not an environment; name environments otherwise (e.g. config/staging.json)`,
    });
  } else if (!envName.test(name)) {
    problems.push({
      path: '',
      message: `the file name gives the environment name ${JSON.stringify(name)}; expected 1-20 lowercase letters, digits or "-", starting with a letter (e.g. config/staging.json)`,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (e) {
    return {
      problems: renderProblems(file, [
        { path: '', message: `is not valid JSON: ${(e as Error).message}` },
      ]),
    };
  }
  const checked = environmentSchema(json, '');
  if ('problems' in checked) problems.push(...checked.problems);
  if (problems.length || 'problems' in checked) return { problems: renderProblems(file, problems) };

  const c = checked.value;
  const endpoints = new Map<string, number>();
  c.targets.forEach((t, i) => {
    const key = t.endpoint.toLowerCase();
    const first = endpoints.get(key);
    if (first === undefined) endpoints.set(key, i);
    else
      problems.push({
        path: `targets[${i}].endpoint`,
        message: `${JSON.stringify(t.endpoint)} already serves targets[${first}].model; one endpoint serves one model, so rollouts of different models cannot shift each other's traffic`,
      });
  });
  const reviewers = c.github.requiredReviewers;
  if (reviewers.users.length + reviewers.teams.length > 6) {
    problems.push({
      path: 'github.requiredReviewers',
      message: `names ${reviewers.users.length + reviewers.teams.length} reviewers; GitHub accepts at most 6 users and teams together`,
    });
  }
  if (problems.length) return { problems: renderProblems(file, problems) };

  return {
    config: {
      name,
      file,
      azure: c.azure,
      github: {
        owner: c.github.owner,
        repository: c.github.repository,
        branch: c.github.branch,
        environment: c.github.environment ?? name,
        reviewerUsers: reviewers.users,
        reviewerTeams: reviewers.teams,
        commitWorkflow: c.github.commitWorkflow,
      },
      auth: c.auth,
      role: c.role,
      targets: c.targets,
      namePrefix: c.namePrefix,
      tags: c.tags,
      trigger: c.trigger,
      backend: c.backend && {
        ...c.backend,
        subscriptionId: c.backend.subscriptionId ?? c.azure.subscriptionId,
      },
    },
  };
}

/**
 * Reads and checks every environment file, then the rules between them: no two
 * environments share a stack name or a GitHub environment. Throws one ConfigError
 * with every problem in every file.
 */
export function loadConfigs(
  files: readonly string[],
  read: (file: string) => string = (f) => readFileSync(f, 'utf8'),
): EnvironmentConfig[] {
  const problems: string[] = [];
  const configs: EnvironmentConfig[] = [];
  for (const file of files) {
    let source: string;
    try {
      source = read(file);
    } catch (e) {
      problems.push(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`);
      continue;
    }
    const r = parseEnvironmentConfig(file, source);
    if ('problems' in r) problems.push(...r.problems);
    else configs.push(r.config);
  }
  const stacks = new Map<string, string>();
  const githubEnvironments = new Map<string, string>();
  const workflowOwners = new Map<string, string>();
  for (const c of configs) {
    const stack = stackName(c.name);
    const other = stacks.get(stack);
    if (other) {
      problems.push(
        `${c.file}: gives the stack name ${JSON.stringify(stack)}, which ${other} already gives; environment names (file base names) must differ`,
      );
    }
    stacks.set(stack, c.file);
    const g = c.github;
    // GitHub compares repository and environment names case-insensitively.
    const key = `${g.owner}/${g.repository}:${g.environment}`.toLowerCase();
    const clash = githubEnvironments.get(key);
    if (clash) {
      problems.push(
        `${c.file}: github.environment: ${JSON.stringify(g.environment)} in ${g.owner}/${g.repository} is already used by ${clash}; each environment needs its own GitHub environment (its deploy identity trusts only that one)`,
      );
    }
    githubEnvironments.set(key, c.file);
    if (!g.commitWorkflow) continue;
    const repo = `${g.owner}/${g.repository}`.toLowerCase();
    const owner = workflowOwners.get(repo);
    if (owner) {
      problems.push(
        `${c.file}: github.commitWorkflow: true is not accepted; ${owner} already commits the workflow to ${g.owner}/${g.repository}, and one environment must own those files (set "commitWorkflow": false in all but one; the production one keeps workflow changes behind its approval)`,
      );
    }
    workflowOwners.set(repo, c.file);
  }
  if (problems.length) throw new ConfigError(problems);
  return configs;
}
