/**
 * Configuration: one JSON file per environment (`config/<env>.json`), checked once at
 * start-up against the schema below, which is also the source of the TypeScript types,
 * `docs/configuration.md` and `config/schema.json`. Every problem in every file is collected
 * and reported together; nothing is synthesized when there is one.
 */
import { basename, extname } from 'node:path';
import { DEFAULT_OIDC_SUBJECT, oidcSubjectForm } from './github-oidc';
import { location } from './azure-regions';
import { deploymentTarget } from './deployment-target';
import { stackName } from './naming';
import {
  AUTH_MODES,
  blobContainer,
  githubEnvironment,
  githubOwner,
  githubRepository,
  guid,
  namePrefix,
  principals,
  renderProblems,
  withoutSchemaReference,
  resourceGroup,
  storageAccountName,
  tags,
  workspaceName,
} from './config-fields';
import { parseJsonSource } from './json-source';
import { SECRET_NAMES, WORKFLOW_UPDATE_BRANCH } from './workflow-contract';
import {
  boolean,
  integer,
  isPlainObject,
  list,
  object,
  oneOf,
  optional,
  required,
  show,
  text,
  type Infer,
  type Problem,
} from './schema';

// A branch name that is also a safe URL path and Terraform literal: letters, digits, ".", "_",
// "-" and "/", under git check-ref-format's rules for those characters.
export const gitBranch = text(
  /^(?!\/|.*(?:\/\/|\.\.|\/$|\.$|\.lock$|\/\.))[A-Za-z0-9._/-]{1,255}$/,
  'a git branch name such as "main" or "release/v2": letters, digits, ".", "_", "-" and "/" (no "..", no leading or trailing "/", not ending in "." or ".lock")',
  {
    extra: (s) =>
      s.startsWith('refs/heads/')
        ? `a branch name without "refs/heads/" (did you mean ${show(s.slice('refs/heads/'.length))}?)`
        : undefined,
  },
);
const githubTeamSlug = text(/^[a-z0-9][a-z0-9-]{0,99}$/, 'a team slug such as "ml-platform"');

const systemTopicName = text(
  /^[A-Za-z0-9-]{3,128}$/,
  'an Event Grid system topic name: 3-128 letters, digits or "-"',
);

const email = text(
  /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  'an email address such as "ml-oncall@example.com"',
);

/** `"$schema"` at the top of a configuration file: the JSON Schema editors check it against. */
export const schemaReference = optional(
  text(/^\S{1,500}$/, 'a path or URL of a JSON Schema'),
  'The JSON Schema that editors check this file against (`schemas/*.schema.json`); the app ignores it.',
  { defaultText: 'none' },
);

export const environmentSchema = object({
  $schema: schemaReference,
  azure: required(
    object({
      subscriptionId: required(
        guid,
        'Subscription of the workspace and of everything the stack creates.',
      ),
      tenantId: required(
        guid,
        'Entra ID tenant of the subscription; the deploy identity is created there.',
      ),
      location: required(
        location,
        'Azure region of the resources the stack creates (Key Vault, Logic App, storage).',
      ),
      resourceGroup: required(
        resourceGroup,
        "Existing resource group of the workspace; the stack creates its resources there, and it is the deploy identity's only scope.",
      ),
      workspace: required(workspaceName, 'Existing Azure ML workspace in that resource group.'),
      eventGridSystemTopic: optional(
        systemTopicName,
        'An existing Event Grid system topic of the workspace (only one may exist per workspace); it needs a system-assigned identity.',
        { defaultText: 'a system topic is created' },
      ),
      deployers: optional(
        principals('deployer'),
        "Object IDs of the principals that run `cdktf deploy` for this environment (in a team: the bootstrap's `apply_principal_object_id`, plus any person who deploys by hand). They own the deploy identity's application and service principal and may write the dispatch token. When set, a plan by any other principal fails with its object ID, unless `TF_VAR_read_only_plan=true` says it only reads.",
        { default: [], defaultText: 'whoever runs Terraform' },
      ),
    }),
    'The Azure side: where the workspace is and who deploys.',
  ),
  github: required(
    object({
      owner: required(
        githubOwner,
        'User or organization that owns the repository with the deploy workflow.',
      ),
      repository: required(
        githubRepository,
        'Repository that receives the dispatch and runs the deploy workflow.',
      ),
      branch: optional(
        gitBranch,
        "Branch the workflow files are committed to, and the only branch that may deploy to the environment. `repository_dispatch` runs the default branch's workflow, so set another branch only to stage changes. It must exist: the plan fails otherwise.",
        { defaultText: "the repository's default branch, read from GitHub at plan time" },
      ),
      environment: optional(
        githubEnvironment,
        'GitHub environment the deploy job runs in; its name is part of the OIDC subject the deploy identity trusts. GitHub takes up to 255 characters and compares names case-insensitively, so two environments of a repository may not differ only in case; ":" is refused because the GitHub provider splits its resource IDs on it.',
        { defaultText: "the environment's name (the config file's base name)" },
      ),
      commitWorkflow: optional(
        boolean,
        'Whether this environment commits the workflow files. Environments sharing a repository share its workflow, and exactly one of them owns it (the production one keeps workflow changes behind its approval).',
        { default: true },
      ),
      workflowDelivery: optional(
        oneOf(['commit', 'pull-request']),
        `How the workflow files reach the branch. \`commit\`: committed straight to it (a branch rule that requires pull requests refuses that, unless the GitHub token's owner may bypass the rule: see the README). \`pull-request\`: committed to the branch \`${WORKFLOW_UPDATE_BRANCH}\`, with a pull request to the branch that someone merges; a new one opens whenever the files change. The environment's variables and secrets still change at deploy, before the merge. Switching deletes no file: Terraform forgets the other way's files, which stay where they are; switching to \`commit\` closes the pull request if it is still open.`,
        { default: 'commit' },
      ),
      oidcSubject: optional(
        oidcSubjectForm,
        'Which OIDC subject form the deploy identity trusts: `legacy` (`repo:OWNER/REPO:...`), `immutable` (`repo:OWNER@ID/REPO@ID:...`, repositories created, renamed or transferred since mid-2026, or opted in), or `both`. Narrow it once you know which one your repository uses.',
        { default: DEFAULT_OIDC_SUBJECT },
      ),
      requiredReviewers: optional(
        object({
          users: optional(
            list(githubOwner, { max: 6, unique: (u) => u, uniqueName: 'user', ignoreCase: true }),
            'GitHub logins that may approve a deployment.',
            { default: [] },
          ),
          teams: optional(
            list(githubTeamSlug, { max: 6, unique: (t) => t, uniqueName: 'team' }),
            'Team slugs of the owner organization whose members may approve a deployment. Teams exist only in organizations: for a repository of a personal account the plan stops with a message saying so; name users there.',
            { default: [] },
          ),
          preventSelfReview: optional(
            boolean,
            'Whether the person who started a deployment is kept from approving it.',
            { default: true },
          ),
          adminsBypass: optional(
            boolean,
            'Whether repository administrators may deploy without an approval.',
            { default: false },
          ),
        }),
        'Who must approve a deployment to this environment (at most 6 users and teams together). Required reviewers on private repositories need GitHub Enterprise.',
        { default: {}, defaultText: 'no required reviewers' },
      ),
    }),
    'The GitHub side: the repository, branch and environment of the deploy workflow.',
  ),
  auth: optional(
    object({
      mode: optional(
        oneOf(AUTH_MODES),
        `\`oidc\`: a federated credential, no secret anywhere. \`client-secret\`: an application password stored as the \`${SECRET_NAMES.azureCredentials}\` environment secret.`,
        { default: 'oidc' },
      ),
      secretRotationDays: optional(
        integer(1, 365),
        `\`client-secret\` only: the first deploy after this many days replaces the password; each password stays valid 30 days longer. The new password replaces the \`${SECRET_NAMES.azureCredentials}\` secret delete-first (the GitHub provider cannot update a secret in place, and both have the same name), so a model deploy that signs in during those seconds fails: run it again.`,
        { default: 90 },
      ),
    }),
    'How the deploy workflow signs in to Azure.',
    { default: {} },
  ),
  role: optional(
    text(/^\S(?:.{0,510}\S)?$/u, 'an Azure role name such as "Contributor"'),
    'Role granted to the deploy identity on the resource group (never wider).',
    { default: 'Contributor' },
  ),
  // Event Grid's advanced filter takes at most 25 subject prefixes.
  targets: required(
    list(deploymentTarget, { min: 1, max: 25, unique: (t) => t.model, uniqueName: 'model' }),
    'One entry per model: the endpoint that serves it and how the rollout goes.',
  ),
  namePrefix: optional(
    namePrefix,
    'Prefix of the names the stack creates (Key Vault and storage names are short and global).',
    { default: 'amldeploy' },
  ),
  tags: optional(tags, 'Tags on every Azure resource the stack creates.', { default: {} }),
  trigger: required(
    object({
      // Required: a failure nobody hears of is a lost deployment.
      alertEmails: required(
        list(email, {
          min: 1,
          max: 20,
          unique: (e) => e,
          uniqueName: 'address',
          ignoreCase: true,
        }),
        'Who is mailed about failed Logic App runs and dead-lettered or dropped events.',
      ),
      keyVaultPurgeProtection: optional(
        boolean,
        'Key Vault purge protection: nobody can purge the vault or its secrets for 7 days after a delete. Cannot be turned off again.',
        { default: false },
      ),
      // Out of band by default: the token then never passes through Terraform at all.
      githubTokenSource: optional(
        oneOf(['variable', 'out-of-band']),
        '`out-of-band`: a person sets the dispatch token in Key Vault (it never passes through Terraform). `variable`: it is given to `cdktf deploy` as the sensitive, ephemeral variable `github_dispatch_token`.',
        { default: 'out-of-band' },
      ),
      tokenWriters: optional(
        principals('writer'),
        "Object IDs of people who set the dispatch token by hand; with the deployers, they get `Key Vault Secrets Officer` on the token's vault.",
        { default: [] },
      ),
    }),
    'The trigger: who hears about failures, and where the dispatch token comes from.',
  ),
  backend: optional(
    object({
      resourceGroup: required(resourceGroup, 'Resource group of the state storage account.'),
      storageAccount: required(
        storageAccountName,
        'The state storage account the bootstrap created.',
      ),
      container: required(blobContainer, 'The state container.'),
      subscriptionId: optional(guid, 'Subscription of the state storage account.', {
        defaultText: "the environment's subscription",
      }),
    }),
    "Remote state in Azure Storage (the bootstrap stack's outputs), one blob per stack, Entra ID only. See docs/team-workflow.md.",
    { defaultText: 'local state: `terraform.aml-deploy-<env>.tfstate` in the project folder' },
  ),
});

/** An environment file as written, with the defaults the schema fills in. */
export type EnvironmentFile = Infer<typeof environmentSchema>;

/** The validated, defaults-applied configuration of one environment. */
export type EnvironmentConfig = Omit<EnvironmentFile, 'github' | 'backend' | '$schema'> & {
  /** Environment name: the config file's base name (`config/staging.json` → `staging`). */
  readonly name: string;
  /** The file this came from, for messages. */
  readonly file: string;
  readonly github: EnvironmentFile['github'] & { readonly environment: string };
  readonly backend?: Required<NonNullable<EnvironmentFile['backend']>>;
};
export type AuthMode = EnvironmentConfig['auth']['mode'];

/** The environment name a config file stands for: its base name. */
export function environmentName(file: string): string {
  return basename(file, extname(file));
}

const envName = /^[a-z][a-z0-9-]{0,19}$/;

/** `config/bootstrap.json` configures the bootstrap stack, not an environment. */
export const BOOTSTRAP_FILE_NAME = 'bootstrap';

/** Every problem found, each rendered `file: path: message`. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads a file's JSON; a problem names the line and column. */
export function readJson(file: string, source: string): { json: unknown } | { problems: string[] } {
  const r = parseJsonSource(source);
  if ('error' in r) return { problems: renderProblems(file, [{ path: '', message: r.error }]) };
  return { json: r.value };
}

/**
 * The rules between fields of one file. They read the JSON as written, so they run even when
 * other fields are broken: one pass reports everything.
 */
function crossFieldProblems(json: unknown): Problem[] {
  const problems: Problem[] = [];
  if (!isPlainObject(json)) return problems;
  const at = (o: unknown, key: string) => (isPlainObject(o) ? o[key] : undefined);

  const targets = at(json, 'targets');
  const endpoints = new Map<string, number>();
  (Array.isArray(targets) ? targets : []).forEach((t, i) => {
    const endpoint = at(t, 'endpoint');
    if (typeof endpoint !== 'string') return;
    const first = endpoints.get(endpoint.toLowerCase());
    if (first === undefined) endpoints.set(endpoint.toLowerCase(), i);
    else
      problems.push({
        path: `targets[${i}].endpoint`,
        message: `${show(endpoint)} already serves targets[${first}].model; one endpoint serves one model, so rollouts of different models cannot shift each other's traffic`,
      });
  });
  const github = at(json, 'github');
  const reviewers = at(github, 'requiredReviewers');
  const users = at(reviewers, 'users');
  const teams = at(reviewers, 'teams');
  const count =
    (Array.isArray(users) ? users.length : 0) + (Array.isArray(teams) ? teams.length : 0);
  if (count > 6) {
    problems.push({
      path: 'github.requiredReviewers',
      message: `names ${count} reviewers; GitHub accepts at most 6 users and teams together`,
    });
  }
  for (const key of ['preventSelfReview', 'adminsBypass']) {
    if (count === 0 && at(reviewers, key) !== undefined) {
      problems.push({
        path: `github.requiredReviewers.${key}`,
        message: 'has no effect without users or teams; remove it, or name the reviewers',
      });
    }
  }
  const auth = at(json, 'auth');
  if (at(auth, 'secretRotationDays') !== undefined && at(auth, 'mode') !== 'client-secret') {
    problems.push({
      path: 'auth.secretRotationDays',
      message: `applies only to "mode": "client-secret"; with ${show(at(auth, 'mode') ?? 'oidc')} there is no secret to rotate (remove it)`,
    });
  }
  return problems;
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
  const read = readJson(file, source);
  if ('problems' in read)
    return { problems: [...renderProblems(file, problems), ...read.problems] };
  const checked = environmentSchema.check(read.json, '');
  if ('problems' in checked) problems.push(...checked.problems);
  problems.push(...crossFieldProblems(read.json));
  if (problems.length || 'problems' in checked) return { problems: renderProblems(file, problems) };

  const c = withoutSchemaReference(checked.value);
  return {
    config: {
      ...c,
      name,
      file,
      github: { ...c.github, environment: c.github.environment ?? name },
      backend: c.backend && {
        ...c.backend,
        subscriptionId: c.backend.subscriptionId ?? c.azure.subscriptionId,
      },
    },
  };
}

/** What the rules between environments read of a file, taken from its JSON as written. */
interface Sharing {
  readonly file: string;
  readonly repo: string;
  readonly environment: string;
  readonly commitWorkflow: boolean;
}

function sharingOf(file: string, json: unknown): Sharing | undefined {
  if (!isPlainObject(json) || !isPlainObject(json.github)) return undefined;
  const g = json.github;
  if (typeof g.owner !== 'string' || typeof g.repository !== 'string') return undefined;
  return {
    file,
    repo: `${g.owner}/${g.repository}`,
    environment: typeof g.environment === 'string' ? g.environment : environmentName(file),
    commitWorkflow: g.commitWorkflow !== false,
  };
}

/**
 * The rules between environments, for the selected files against every environment file
 * (`others`: the rest of the folder): no two share a stack name or a GitHub environment,
 * and one environment per repository commits the workflow files.
 */
function betweenEnvironments(selected: readonly Sharing[], others: readonly Sharing[]): string[] {
  const problems: string[] = [];
  const all = [...selected, ...others.filter((o) => !selected.some((s) => s.file === o.file))];
  const stacks = new Map<string, string>();
  for (const s of selected) {
    const stack = stackName(environmentName(s.file));
    const other = stacks.get(stack);
    if (other) {
      problems.push(
        `${s.file}: gives the stack name ${JSON.stringify(stack)}, which ${other} already gives; environment names (file base names) must differ`,
      );
    }
    stacks.set(stack, s.file);
  }
  for (const s of selected) {
    const earlier = all.slice(0, all.indexOf(s));
    // GitHub compares repository and environment names case-insensitively.
    const clash = all.find(
      (o) =>
        o !== s &&
        (earlier.includes(o) || !selected.includes(o)) &&
        o.repo.toLowerCase() === s.repo.toLowerCase() &&
        o.environment.toLowerCase() === s.environment.toLowerCase(),
    );
    if (clash) {
      problems.push(
        `${s.file}: github.environment: ${JSON.stringify(s.environment)} in ${s.repo} is already used by ${clash.file}; each environment needs its own GitHub environment (its deploy identity trusts only that one; GitHub compares names case-insensitively)`,
      );
    }
    if (!s.commitWorkflow) continue;
    const owner = all.find(
      (o) =>
        o !== s &&
        o.commitWorkflow &&
        (earlier.includes(o) || !selected.includes(o)) &&
        o.repo.toLowerCase() === s.repo.toLowerCase(),
    );
    if (owner) {
      problems.push(
        `${s.file}: github.commitWorkflow: true is not accepted; ${owner.file} already commits the workflow to ${s.repo}, and one environment must own those files (set "commitWorkflow": false in all but one; the production one keeps workflow changes behind its approval)`,
      );
    }
  }
  return problems;
}

/**
 * Reads and checks every selected environment file, then the rules between them and the
 * other files of the folder (`others`, read only for those rules). Throws one ConfigError
 * with every problem in every file.
 */
export function loadConfigs(
  files: readonly string[],
  read: (file: string) => string,
  others: readonly string[] = [],
): EnvironmentConfig[] {
  const problems: string[] = [];
  const configs: EnvironmentConfig[] = [];
  const sharing = (file: string, source: string | undefined) => {
    if (source === undefined) return undefined;
    const r = readJson(file, source);
    return 'json' in r ? sharingOf(file, r.json) : undefined;
  };
  const selected: Sharing[] = [];
  for (const file of files) {
    const source = readSource(file, read, problems);
    if (source === undefined) continue;
    const r = parseEnvironmentConfig(file, source);
    if ('problems' in r) problems.push(...r.problems);
    else configs.push(r.config);
    const s = sharing(file, source);
    if (s) selected.push(s);
  }
  const rest = others
    .filter((f) => !files.includes(f))
    .map((f) => sharing(f, readSource(f, read, [])))
    .filter((s): s is Sharing => s !== undefined);
  problems.push(...betweenEnvironments(selected, rest));
  if (problems.length) throw new ConfigError(problems);
  return configs;
}

/** Why a file cannot be read, as a person reads it: `config/x.json: <this>`. */
export function unreadable(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EISDIR') return 'is a folder, not a file';
  if (code === 'ENOENT') return 'does not exist (or is a broken link)';
  return `cannot be read (${code ?? String(e)})`;
}

function readSource(
  file: string,
  read: (file: string) => string,
  problems: string[],
): string | undefined {
  try {
    return read(file);
  } catch (e) {
    problems.push(`${file}: ${unreadable(e)}`);
    return undefined;
  }
}
