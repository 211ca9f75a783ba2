/**
 * Configuration: one JSON file per environment (`config/<env>.json`), checked once at
 * start-up against the schema below, which is also the source of the TypeScript types,
 * `docs/configuration.md` and `config/schema.json`. Every problem in every file is collected
 * and reported together; nothing is synthesized when there is one.
 */
import { basename, extname } from 'node:path';
import { DEFAULT_OIDC_SUBJECT, oidcSubjectForm } from './github-oidc';
import { location, regionWarning } from './azure-regions';
import { deploymentTarget } from './deployment-target';
import { resourceNames, stackName } from './naming';
import {
  AUTH_MODES,
  blobContainer,
  githubEnvironment,
  githubOwner,
  githubUser,
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
import { decodeSource, parseJsonSource } from './json-source';
import {
  chainDocuments,
  promotionConfig,
  promotionProblems,
  type ChainNode,
} from './promotion-chain';
import type { PromotedFromDocument, PromotionDocument } from './promotion';
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

/**
 * A branch name as git takes it (`git check-ref-format --branch`; git's
 * Documentation/git-check-ref-format.txt; checked against git 2.39.5): no control
 * characters, space, "~", "^", ":", "?", "*", "[" or "\"; no "..", "@{" or "//"; no
 * "/"-separated part that starts with "." or ends in ".lock"; not starting or ending with
 * "/", not ending with "."; and, for a branch, not "HEAD" and not starting with "-". So
 * `user@feature` is a branch name. Refined here, each with its own message: "refs/heads/..."
 * (git takes it as a branch named so; it is nearly always the ref written for the branch),
 * "@" (git takes it, but every git command reads "@" as HEAD), and `"`, `#`, `%`, `$`, `{`,
 * `}`, which git takes but which reach the branch lookup's URL path and the plan's
 * conditions unescaped.
 */
export const gitBranch = text(
  // eslint-disable-next-line no-control-regex -- git refuses exactly the bytes 0x00-0x20 and 0x7F
  /^(?!-)(?!HEAD$)(?!\/)(?![\s\S]*\/$)(?![\s\S]*\.$)(?![\s\S]*\.\.)(?![\s\S]*@\{)(?![\s\S]*\/\/)(?!(?:[\s\S]*\/)?\.)(?![\s\S]*\.lock(?:\/|$))[^\x00-\x20\x7F~^:?*[\\]{1,255}$/u,
  'a git branch name such as "main", "release/v2" or "user@feature", as `git check-ref-format --branch` takes it: at most 255 characters, no spaces, control characters, "~", "^", ":", "?", "*", "[" or "\\"; no "..", "@{" or "//"; no part between "/" that starts with "." or ends in ".lock"; not "HEAD"; not starting with "-" or "/", nor ending in "/" or "."',
  {
    refine: [
      {
        pattern: /^(?!refs\/heads\/)/u,
        expected: 'a branch name without "refs/heads/"',
        message: (s) =>
          `a branch name without "refs/heads/" (did you mean ${show(s.slice('refs/heads/'.length))}?)`,
      },
      {
        pattern: /^(?!@$)/u,
        expected: 'a branch name other than "@", which every git command reads as HEAD',
      },
      {
        pattern: /^[^"#%${}]*$/u,
        expected:
          'a branch name without ", #, %, $, { or }: git takes them, but the name reaches a GitHub URL and the plan\'s conditions unescaped',
      },
    ],
  },
);
const githubTeamSlug = text(/^[a-z0-9][a-z0-9-]{0,99}$/u, 'a team slug such as "ml-platform"');

const systemTopicName = text(
  /^[A-Za-z0-9-]{3,128}$/u,
  'an Event Grid system topic name: 3-128 letters, digits or "-"',
);

/**
 * An email address as RFC 5321 takes it for delivery: a dot-atom local part of at most 64
 * characters (letters, digits and !#$%&'*+/=?^_`{|}~-, single dots between them), "@", and a
 * domain of DNS labels; at most 254 characters (a 256-character path less its brackets).
 * Quoted local parts are not accepted. "${{" is refused: GitHub Actions reads it as the
 * start of an expression.
 */
const email = text(
  /^[^\s@]+@[^\s@]+\.[^\s@]+$/u,
  'an email address such as "ml-oncall@example.com"',
  {
    refine: [
      {
        pattern: /^[\s\S]{1,254}$/u,
        expected: 'an email address of at most 254 characters (RFC 5321)',
      },
      {
        pattern: /^[^@]{1,64}@/u,
        expected: 'an email address whose part before "@" has at most 64 characters (RFC 5321)',
      },
      {
        pattern: /^(?![\s\S]*\$\{\{)/u,
        expected: 'an email address without "${{", which GitHub Actions reads as an expression',
      },
      {
        pattern: /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@/u,
        expected:
          'an email address whose part before "@" has only letters, digits, "." and !#$%&\'*+/=?^_`{|}~- (RFC 5321; quoted forms are not accepted)',
      },
      {
        pattern: /^(?!\.)(?![^@]*\.\.)(?![^@]*\.@)/u,
        expected:
          'an email address without consecutive dots, or a dot at either end of the part before "@" (RFC 5321)',
      },
      {
        pattern:
          /@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/u,
        expected:
          'an email address whose domain is a DNS name such as "example.com": labels of 1-63 letters, digits or "-", not starting or ending with "-", the last one starting with a letter',
      },
    ],
  },
);

/** `"$schema"` at the top of a configuration file: the JSON Schema editors check it against. */
export const schemaReference = optional(
  text(/^[^\p{Cc}]{1,2048}$/u, 'a path or URL of a JSON Schema: 1-2048 characters'),
  'The JSON Schema that editors check this file against (`schemas/*.schema.json`); the app ignores it.',
  { defaultText: 'none' },
);

/** `namePrefix` when the file leaves it out. */
const DEFAULT_NAME_PREFIX = 'amldeploy';

/** GitHub takes at most 6 required reviewers, users and teams together. */
const MAX_REVIEWERS = 6;

/**
 * The rules between fields that a JSON Schema can say too, for editors (crossFieldProblems
 * checks them with the messages the app prints; a test runs the refused examples through
 * both): at most 6 users and teams together, written as "k users or more leave room for at
 * most 6 - k teams"; and no review settings without reviewers.
 */
const REVIEWER_RULES_SCHEMA = {
  allOf: [
    ...Array.from({ length: MAX_REVIEWERS }, (_, i) => ({
      if: { required: ['users'], properties: { users: { minItems: i + 1 } } },
      then: { properties: { teams: { maxItems: MAX_REVIEWERS - i - 1 } } },
    })),
    {
      if: { properties: { users: { maxItems: 0 }, teams: { maxItems: 0 } } },
      then: {
        not: { anyOf: [{ required: ['preventSelfReview'] }, { required: ['adminsBypass'] }] },
      },
    },
  ],
};
/** `secretRotationDays` only with `"mode": "client-secret"` (see crossFieldProblems). */
const ROTATION_RULE_SCHEMA = {
  if: { not: { required: ['mode'], properties: { mode: { const: 'client-secret' } } } },
  then: { not: { required: ['secretRotationDays'] } },
};

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
        'Azure region of the resources the stack creates (Key Vault, Logic App, storage); online endpoint names are unique per region, and two environments in one region (or on one workspace) may not both name one. Public Azure only: regions of sovereign clouds and early-access regions are refused, with the reason; a restricted-access region (Microsoft opens it on request) is accepted with a warning.',
      ),
      resourceGroup: required(
        resourceGroup,
        "Existing resource group of the workspace; the stack creates its resources there, and it is the deploy identity's only scope.",
      ),
      workspace: required(workspaceName, 'Existing Azure ML workspace in that resource group.'),
      eventGridSystemTopic: optional(
        systemTopicName,
        "An existing Event Grid system topic of the workspace (only one may exist per workspace); it needs a system-assigned identity. Environments on one workspace share one topic: one environment leaves this field out and creates it (`<namePrefix>-<environment>-aml-events`), every other names that topic here (synth says which); a topic that exists already is named by all of them. Deploy the environment that creates it first (the others read it with a data source at plan time); destroying it removes the others' event subscriptions with it.",
        { defaultText: 'a system topic is created' },
      ),
      deployers: optional(
        principals('deployer'),
        "Object IDs of the principals that run `cdktf deploy` for this environment (in a team: the bootstrap's `apply_principal_object_id`, plus any person who deploys by hand). They own the deploy identity's application and service principal and may write the dispatch token. When set, a plan by any other principal fails with its object ID, unless `TF_VAR_read_only_plan=true` says it only reads. When left out, the first principal that applies is recorded, and a plan by anyone else fails (Entra ID would leave the first without ownership): set this list to let several people deploy.",
        { default: [], defaultText: 'whoever applies first' },
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
        `How the workflow files reach the branch. \`commit\`: committed straight to it (a branch rule that requires pull requests refuses that, unless the GitHub token's owner may bypass the rule: see the README). \`pull-request\`: committed to the branch \`${WORKFLOW_UPDATE_BRANCH}\`, with a pull request to the branch that someone merges; the branch is created from the base branch's head (again after a merge deleted it), and a pull request opens while the base lacks the files as committed. The environment's variables and secrets still change at deploy, before the merge. Switching deletes no file: Terraform forgets the other way's files, which stay where they are; switching to \`commit\` closes the pull request if it is still open.`,
        { default: 'commit' },
      ),
      oidcSubject: optional(
        oidcSubjectForm,
        'Which OIDC subject form the deploy identity trusts: `legacy` (`repo:OWNER/REPO:...`), `immutable` (`repo:OWNER@ID/REPO@ID:...`, repositories created, renamed or transferred since mid-2026, or opted in), or `both`. Every plan asks GitHub which form the tokens of the repository carry: with `both` the identity trusts exactly that form (both only when GitHub does not say); a setting GitHub contradicts, or a custom subject template, fails the plan.',
        { default: DEFAULT_OIDC_SUBJECT },
      ),
      requiredReviewers: optional(
        object(
          {
            users: optional(
              list(githubUser, { max: 6, unique: (u) => u, uniqueName: 'user', ignoreCase: true }),
              'GitHub logins that may approve a deployment (Enterprise Managed Users too, as `handle_shortcode`).',
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
          },
          REVIEWER_RULES_SCHEMA,
        ),
        'Who must approve a deployment to this environment (at most 6 users and teams together). Required reviewers on private repositories need GitHub Enterprise.',
        { default: {}, defaultText: 'no required reviewers' },
      ),
    }),
    'The GitHub side: the repository, branch and environment of the deploy workflow.',
  ),
  auth: optional(
    object(
      {
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
      },
      ROTATION_RULE_SCHEMA,
    ),
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
  promotion: optional(
    promotionConfig,
    "Where a version that passes this environment goes next: a release chain (dev → staging → production). The next environment's job runs in the same workflow run once this one's rollout succeeds, behind its reviewers, and deploys the same model name and version. docs/promotion.md has the one-time setup.",
    { defaultText: 'none: the last (or only) stage' },
  ),
  namePrefix: optional(
    namePrefix,
    'Prefix of the names the stack creates (Key Vault and storage names are short and global).',
    { default: DEFAULT_NAME_PREFIX },
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
  /** Its place in a release chain, as the stack publishes it (lib/promotion.ts). */
  readonly chain: {
    readonly next?: PromotionDocument;
    readonly previous?: PromotedFromDocument;
  };
};
export type AuthMode = EnvironmentConfig['auth']['mode'];

/** The environment name a config file stands for: its base name. */
export function environmentName(file: string): string {
  return basename(file, extname(file));
}

const envName = /^[a-z][a-z0-9-]{0,19}$/u;

/** `config/bootstrap.json` configures the bootstrap stack, not an environment. */
export const BOOTSTRAP_FILE_NAME = 'bootstrap';

/** Every problem found, each rendered `file: path: message`, and the warnings so far. */
export class ConfigError extends Error {
  constructor(
    readonly problems: readonly string[],
    readonly warnings: readonly string[] = [],
  ) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** A file's content: its bytes as read (decoded and checked here), or text. */
export type Source = string | Uint8Array;

/** Reads a file's JSON; a problem names the line and column. */
export function readJson(file: string, source: Source): { json: unknown } | { problems: string[] } {
  const decoded = decodeSource(source);
  const r = 'error' in decoded ? decoded : parseJsonSource(decoded.text);
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
  if (count > MAX_REVIEWERS) {
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
  source: Source,
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
      // Filled by loadConfigs, which reads the other environments of the chain.
      chain: {},
    },
  };
}

/** What a restricted-access region means for this environment's deploy. */
export function environmentWarnings(config: EnvironmentConfig): string[] {
  const warning = regionWarning(config.azure.location);
  return warning ? [`${config.file}: azure.location: ${warning}`] : [];
}

/** What the rules between environments read of a file, taken from its JSON as written. */
interface Sharing {
  readonly file: string;
  /** `owner/repository`, when both are strings. */
  readonly repo?: string;
  readonly environment: string;
  readonly commitWorkflow: boolean;
  /** The workspace, compared without case, and as a person reads it. */
  readonly workspace?: { readonly key: string; readonly name: string };
  /** The system topic the file names, or, without one, the topic its stack creates. */
  readonly topic: { readonly named: string } | { readonly created: string };
  readonly location?: string;
  readonly endpoints: readonly { readonly name: string; readonly index: number }[];
  readonly node: ChainNode;
}

function sharingOf(file: string, json: unknown): Sharing | undefined {
  if (!isPlainObject(json)) return undefined;
  const at = (o: unknown, key: string) => (isPlainObject(o) ? o[key] : undefined);
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const g = at(json, 'github');
  const azure = at(json, 'azure');
  const owner = str(at(g, 'owner'));
  const repository = str(at(g, 'repository'));
  const [subscription, group, workspace] = ['subscriptionId', 'resourceGroup', 'workspace'].map(
    (k) => str(at(azure, k)),
  );
  const named = str(at(azure, 'eventGridSystemTopic'));
  const prefix = str(at(json, 'namePrefix')) ?? DEFAULT_NAME_PREFIX;
  const targets = at(json, 'targets');
  const promotion = at(json, 'promotion');
  const registry = at(promotion, 'registry');
  const key =
    subscription !== undefined && group !== undefined && workspace !== undefined
      ? `${subscription}/${group}/${workspace}`.toLowerCase()
      : undefined;
  const node: ChainNode = {
    file,
    name: environmentName(file),
    environment: str(at(g, 'environment')) ?? environmentName(file),
    repo: owner !== undefined && repository !== undefined ? `${owner}/${repository}` : undefined,
    workspace: key,
    subscription,
    models: (Array.isArray(targets) ? targets : []).flatMap((t) => str(at(t, 'model')) ?? []),
    promotion:
      str(at(promotion, 'to')) === undefined
        ? undefined
        : {
            to: str(at(promotion, 'to')) ?? '',
            registry: isPlainObject(registry)
              ? {
                  name: str(registry.name) ?? '',
                  resourceGroup: str(registry.resourceGroup) ?? '',
                  subscriptionId: str(registry.subscriptionId),
                }
              : undefined,
          },
  };
  return {
    node,
    file,
    repo: owner !== undefined && repository !== undefined ? `${owner}/${repository}` : undefined,
    environment: str(at(g, 'environment')) ?? environmentName(file),
    commitWorkflow: at(g, 'commitWorkflow') !== false,
    workspace:
      subscription !== undefined && group !== undefined && workspace !== undefined
        ? {
            key: `${subscription}/${group}/${workspace}`.toLowerCase(),
            name: `${workspace} (resource group ${group})`,
          }
        : undefined,
    topic:
      named !== undefined
        ? { named }
        : {
            created: resourceNames({
              prefix,
              environment: environmentName(file),
              subscriptionId: '',
              resourceGroup: '',
            }).eventGridSystemTopic,
          },
    location: str(at(azure, 'location')),
    endpoints: (Array.isArray(targets) ? targets : []).flatMap((t, index) => {
      const name = str(at(t, 'endpoint'));
      return name === undefined ? [] : [{ name, index }];
    }),
  };
}

/**
 * The rules between environments, for the selected files against every environment file
 * (`others`: the rest of the folder): no two share a stack name or a GitHub environment, one
 * environment per repository commits the workflow files, environments on one workspace
 * share its one Event Grid system topic, and no two name the same online endpoint in one
 * region. A clash is reported on the selected file, against an earlier selected file or any
 * unselected one: conflicts among unselected files are theirs to report when selected.
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
    const before = all.filter((o) => o !== s && (earlier.includes(o) || !selected.includes(o)));
    const sameRepo = (o: Sharing) =>
      s.repo !== undefined && o.repo?.toLowerCase() === s.repo.toLowerCase();
    // GitHub compares repository and environment names case-insensitively.
    const clash = before.find(
      (o) => sameRepo(o) && o.environment.toLowerCase() === s.environment.toLowerCase(),
    );
    if (clash) {
      problems.push(
        `${s.file}: github.environment: ${JSON.stringify(s.environment)} in ${s.repo} is already used by ${clash.file}; each environment needs its own GitHub environment (its deploy identity trusts only that one; GitHub compares names case-insensitively)`,
      );
    }
    const owner = s.commitWorkflow && before.find((o) => o.commitWorkflow && sameRepo(o));
    if (owner) {
      problems.push(
        `${s.file}: github.commitWorkflow: true is not accepted; ${owner.file} already commits the workflow to ${s.repo}, and one environment must own those files (set "commitWorkflow": false in all but one; the production one keeps workflow changes behind its approval)`,
      );
    }
    problems.push(...topicProblems(s, all, before), ...endpointProblems(s, before));
  }
  // Promotion, on the selected files and on the file that feeds each (what its stack
  // publishes comes from there).
  const nodes = all.map((o) => o.node);
  const checked = new Set<Sharing>();
  for (const s of selected) {
    const feeder = all.find((o) => o.node.promotion?.to === s.node.name);
    for (const o of [s, ...(feeder ? [feeder] : [])]) {
      if (checked.has(o)) continue;
      checked.add(o);
      problems.push(...promotionProblems(o.node, nodes));
    }
  }
  return problems;
}

/**
 * A workspace has one Event Grid system topic (a second create fails), so environments on one
 * workspace share it: one creates it, the others name it in `azure.eventGridSystemTopic`.
 */
function topicProblems(s: Sharing, all: readonly Sharing[], before: readonly Sharing[]): string[] {
  const ws = s.workspace;
  if (!ws) return [];
  const same = (o: Sharing) => o !== s && o.workspace?.key === ws.key;
  const where = `the Event Grid system topic of workspace ${ws.name}, and a workspace has only one`;
  const path = `${s.file}: azure.eventGridSystemTopic`;
  if ('created' in s.topic) {
    // The first environment that creates the topic names it; namers must name that one.
    const creator = before.find((o) => same(o) && 'created' in o.topic);
    if (!creator || !('created' in creator.topic)) return [];
    return [
      `${path}: is required here: ${creator.file} creates ${where}; set "eventGridSystemTopic": ${show(creator.topic.created)} to share it`,
    ];
  }
  const named = s.topic.named;
  // The topic another environment creates, wherever it is in the order: there is no other.
  const creator = all.find((o) => same(o) && 'created' in o.topic);
  if (creator && 'created' in creator.topic) {
    if (creator.topic.created.toLowerCase() === named.toLowerCase()) return [];
    return [
      `${path}: ${show(named)} is not accepted; ${creator.file} creates ${where}; expected ${show(creator.topic.created)}, the topic it creates`,
    ];
  }
  const other = before.find(
    (o) => same(o) && 'named' in o.topic && o.topic.named.toLowerCase() !== named.toLowerCase(),
  );
  if (!other || !('named' in other.topic)) return [];
  return [
    `${path}: ${show(named)} is not accepted; ${other.file} names ${show(other.topic.named)} as ${where}; expected ${show(other.topic.named)}`,
  ];
}

/**
 * Online endpoint names are unique per region (the scoring URL is
 * `https://<name>.<region>.inference.ml.azure.com`): two environments in one region, or on one
 * workspace, cannot both have an endpoint of one name. The endpoint lives in the workspace's
 * region, which the configuration does not name: `azure.location` stands for it.
 */
function endpointProblems(s: Sharing, before: readonly Sharing[]): string[] {
  const problems: string[] = [];
  for (const e of s.endpoints) {
    for (const o of before) {
      const onWorkspace = s.workspace !== undefined && o.workspace?.key === s.workspace.key;
      const inRegion = s.location !== undefined && o.location === s.location;
      if (!onWorkspace && !inRegion) continue;
      const twin = o.endpoints.find((x) => x.name.toLowerCase() === e.name.toLowerCase());
      if (!twin) continue;
      const scope = inRegion ? `region ${s.location}` : `workspace ${s.workspace?.name}`;
      problems.push(
        `${s.file}: targets[${e.index}].endpoint: ${show(e.name)} is already an online endpoint of ${o.file} (targets[${twin.index}]) in ${scope}; endpoint names are unique per region, so each environment needs its own`,
      );
      break;
    }
  }
  return problems;
}

/**
 * Reads and checks every selected environment file, then the rules between them and the
 * other files of the folder (`others`, read only for those rules). Throws one ConfigError
 * with every problem in every file; returns the configurations and what to warn about.
 */
export function loadConfigs(
  files: readonly string[],
  read: (file: string) => Source,
  others: readonly string[] = [],
): { configs: EnvironmentConfig[]; warnings: string[] } {
  const problems: string[] = [];
  const configs: EnvironmentConfig[] = [];
  const sharing = (file: string, source: Source | undefined) => {
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
  const warnings = configs.flatMap(environmentWarnings);
  if (problems.length) throw new ConfigError(problems, warnings);
  const nodes = [...selected, ...rest].map((s) => s.node);
  const withChain = configs.map((c) => {
    const node = nodes.find((n) => n.file === c.file);
    return node ? { ...c, chain: chainDocuments(node, nodes) } : c;
  });
  return { configs: withChain, warnings };
}

/** Why a file cannot be read, as a person reads it: `config/x.json: <this>`. */
export function unreadable(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EISDIR') return 'is a folder, not a file';
  if (code === 'ENOENT') return 'does not exist (or is a broken link)';
  if (code === 'ELOOP') return 'is a symbolic link that leads back to itself (ELOOP)';
  if (code === 'EACCES' || code === 'EPERM') return `cannot be read: permission denied (${code})`;
  return `cannot be read (${code ?? String(e)})`;
}

function readSource(
  file: string,
  read: (file: string) => Source,
  problems: string[],
): Source | undefined {
  try {
    return read(file);
  } catch (e) {
    problems.push(`${file}: ${unreadable(e)}`);
    return undefined;
  }
}
