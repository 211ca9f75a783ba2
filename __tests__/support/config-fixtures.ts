/**
 * The configurations the app refuses, each with the exact problems a user reads: one list,
 * read by the tests of the rules (config.test.ts, bootstrap-config.test.ts) and by the test
 * that runs every one of them through the generated JSON Schemas (json-schema.test.ts).
 * `schemaCannot` names the entry of SCHEMA_LIMITS (lib/schema-docs.ts) that says why the
 * schema accepts a file the app refuses; without it, the schema must refuse the file too.
 *
 * Loads no cdktf: reading these costs nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deploymentTarget } from '../../lib/deployment-target';
import type { Rule, Shape } from '../../lib/schema';
import type { SchemaLimit } from '../../lib/schema-docs';

export const projectRoot = join(__dirname, '..', '..');
const committed = (name: string) =>
  JSON.parse(readFileSync(join(projectRoot, 'config', `${name}.json`), 'utf8'));
export const EXAMPLE = committed('example');
export const BOOTSTRAP = committed('bootstrap');

/** A deep copy of `json` with `edit` applied. */
export function variant(json: any, edit: (c: any) => void): any {
  const c = structuredClone(json);
  edit(c);
  return c;
}

export interface Refusal {
  readonly name: string;
  readonly file: string;
  /** Which kind of file it is meant to be, whatever its name. */
  readonly kind: 'environment' | 'bootstrap';
  /** The file as read: JSON text or bytes. */
  readonly source: string | Uint8Array;
  readonly problems: readonly string[];
  readonly schemaCannot?: SchemaLimit;
}

/** A file the app accepts, which the schema must accept too. */
export interface Acceptance {
  readonly name: string;
  readonly file: string;
  readonly kind: 'environment' | 'bootstrap';
  readonly json: unknown;
}

const ENV_FILE = 'config/staging.json';
export const BOOTSTRAP_FILE = 'config/bootstrap.json';

/** What the GitHub environment rule accepts, as every message about it says. */
const ENVIRONMENT_RULE =
  'a GitHub environment name: 1-255 characters, no spaces at either end, without ":", quotes, "`", commas, semicolons, "\\", "/", control characters, "${", "%{" or "@{"';
const BRANCH_RULE =
  'a git branch name such as "main", "release/v2" or "user@feature", as `git check-ref-format --branch` takes it: at most 255 characters, no spaces, control characters, "~", "^", ":", "?", "*", "[" or "\\"; no "..", "@{" or "//"; no part between "/" that starts with "." or ends in ".lock"; not "HEAD"; not starting with "-" or "/", nor ending in "/" or "."';
const PATH_RULE = (ends: string) =>
  `a relative path in the target repository (letters, digits, ".", "_", "-", "/"; no "." or ".." folder; at most 255) ending in ${ends}`;
const REGION_RULE =
  'an Azure region name such as "japaneast" (`az account list-locations --query "[].name"`)';
const PUBLIC_ONLY =
  'this app deploys to public Azure only: its azurerm and azuread providers use the public cloud (constructs/azure-defaults.ts), the deploy identity trusts GitHub tokens for the public audience api://AzureADTokenExchange, and the Logic App reads Key Vault at vault.azure.net';
const GUID_RULE = 'a GUID such as "00000000-0000-0000-0000-000000000000"';
const TAG_NAME_RULE = 'a tag name: 1-128 characters without < > % & \\ ? /, other than __proto__';

type Edit = (c: any) => void;

/** An environment file: the example with `edit` applied (or text/bytes as written). */
function env(
  name: string,
  edit: Edit | string | Uint8Array,
  problems: string | readonly string[],
  schemaCannot?: SchemaLimit,
  file = ENV_FILE,
): Refusal {
  const source = typeof edit === 'function' ? JSON.stringify(variant(EXAMPLE, edit)) : edit;
  const list = typeof problems === 'string' ? [`${file}: ${problems}`] : problems;
  return { name, file, kind: 'environment', source, problems: list, schemaCannot };
}

const utf8 = (s: string) => new TextEncoder().encode(s);
/** The line of the example, as `JSON.stringify(EXAMPLE, null, 2)` writes it, that holds `text`. */
const lineOf = (text: string) =>
  JSON.stringify(EXAMPLE, null, 2)
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;

/** The fields of a target, in the order the message lists them (the rule's). */
const TARGET_FIELD_NAMES = Object.keys(deploymentTarget.fields ?? {}).join(', ');

export const ENVIRONMENT_REFUSALS: readonly Refusal[] = [
  env(
    'unknown key, with a suggestion',
    (c) => (c.github.repo = 'x'),
    'github.repo: is not a known field; expected one of owner, repository, branch, environment, commitWorkflow, workflowDelivery, oidcSubject, requiredReviewers (did you mean "repository"?)',
  ),
  env(
    'a misspelt key that extends a known one',
    (c) => {
      c.targets[0].canaryPercentage = 10;
      delete c.targets[0].canaryPercent;
    },
    `targets[0].canaryPercentage: is not a known field; expected one of ${TARGET_FIELD_NAMES} (did you mean "canaryPercent"?)`,
  ),
  env(
    'a key written with another separator',
    (c) => {
      c.targets[0].keep_deployments = 1;
      delete c.targets[0].keepDeployments;
    },
    `targets[0].keep_deployments: is not a known field; expected one of ${TARGET_FIELD_NAMES} (did you mean "keepDeployments"?)`,
  ),
  env('missing required field', (c) => delete c.azure.workspace, 'azure.workspace: is required'),
  env(
    'wrong type',
    (c) => (c.targets[0].canaryPercent = '10'),
    'targets[0].canaryPercent: "10" is not accepted; expected a whole number from 0 to 99',
  ),
  env(
    'invalid GitHub owner',
    (c) => (c.github.owner = '-contoso'),
    'github.owner: "-contoso" is not accepted; expected a GitHub user or organization name: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen',
  ),
  env(
    'invalid GitHub repository',
    (c) => (c.github.repository = 'my repo'),
    'github.repository: "my repo" is not accepted; expected a GitHub repository name: 1-100 letters, digits, ".", "-" or "_" (not "." or "..")',
  ),
  env(
    'a repository written as its clone URL ends',
    (c) => (c.github.repository = 'mlops-models.git'),
    'github.repository: "mlops-models.git" is not accepted; expected a repository name without the ".git" of its clone URL (did you mean "mlops-models"?)',
  ),
  env(
    'GitHub environment with a template sequence',
    (c) => (c.github.environment = 'prod@{x}'),
    `github.environment: "prod@{x}" is not accepted; expected ${ENVIRONMENT_RULE}`,
  ),
  env(
    'GitHub environment "." (a segment of the API URLs)',
    (c) => (c.github.environment = '.'),
    `github.environment: "." is not accepted; expected a GitHub environment name other than "." or "..": the name is a segment of the API's URLs`,
  ),
  env(
    'GitHub environment ".."',
    (c) => (c.github.environment = '..'),
    `github.environment: ".." is not accepted; expected a GitHub environment name other than "." or "..": the name is a segment of the API's URLs`,
  ),
  env(
    'unknown auth mode',
    (c) => (c.auth.mode = 'password'),
    'auth.mode: "password" is not accepted; expected one of "oidc", "client-secret"',
  ),
  env('empty target list', (c) => (c.targets = []), 'targets: has 0 entries; expected 1 to 25'),
  env(
    'duplicated target model',
    (c) => c.targets.push({ ...c.targets[0], endpoint: 'ep-other' }),
    'targets[1]: model "sklearn-regression" is already used by targets[0]; each entry needs its own',
    'unique-by-field-or-case',
  ),
  env(
    'one endpoint for two models',
    (c) => c.targets.push({ ...c.targets[0], model: 'other' }),
    'targets[1].endpoint: "ep-sklearn-regression" already serves targets[0].model; one endpoint serves one model, so rollouts of different models cannot shift each other\'s traffic',
    'unique-by-field-or-case',
  ),
  env(
    'location that is a display name',
    (c) => (c.azure.location = 'Japan East'),
    `azure.location: "Japan East" is not accepted; expected ${REGION_RULE} (did you mean "japaneast"?)`,
  ),
  env(
    'location that is not a region',
    (c) => (c.azure.location = 'mars'),
    `azure.location: "mars" is not accepted; expected ${REGION_RULE}`,
  ),
  env(
    'a region of Azure Government: public Azure only, and why',
    (c) => (c.azure.location = 'usgovvirginia'),
    `azure.location: "usgovvirginia" is not accepted; expected ${REGION_RULE}: "usgovvirginia" is a region of Azure Government, a cloud of its own; ${PUBLIC_ONLY}`,
  ),
  env(
    'a region of Azure in China, written as displayed',
    (c) => (c.azure.location = 'China East 2'),
    `azure.location: "China East 2" is not accepted; expected ${REGION_RULE}: "chinaeast2" is a region of Azure operated by 21Vianet (China), a cloud of its own; ${PUBLIC_ONLY}`,
  ),
  env(
    'an early-access region',
    (c) => (c.azure.location = 'eastus2euap'),
    `azure.location: "eastus2euap" is not accepted; expected ${REGION_RULE}: "eastus2euap" is an early-access region, where Microsoft deploys updates before the other regions, open only to enrolled subscriptions; which services and availability zones it has is not published, so this app does not deploy there`,
  ),
  env(
    'endpoint name Azure rejects',
    (c) => (c.targets[0].endpoint = '1-endpoint'),
    'targets[0].endpoint: "1-endpoint" is not accepted; expected an online endpoint name: 3-32 letters, digits or "-", starting with a letter and not ending with "-"',
  ),
  env(
    'endpoint name too long',
    (c) => (c.targets[0].endpoint = 'e'.repeat(33)),
    `targets[0].endpoint: "${'e'.repeat(33)}" is not accepted; expected an online endpoint name: 3-32 letters, digits or "-", starting with a letter and not ending with "-"`,
  ),
  env(
    'spec path outside the repository',
    (c) => (c.targets[0].endpointSpec = '../endpoint.yml'),
    `targets[0].endpointSpec: "../endpoint.yml" is not accepted; expected ${PATH_RULE('".yml" or ".yaml"')}`,
  ),
  env(
    'a spec path starting with "./": the path meant',
    (c) => (c.targets[0].endpointSpec = './deploy/endpoint.yml'),
    `targets[0].endpointSpec: "./deploy/endpoint.yml" is not accepted; expected ${PATH_RULE('".yml" or ".yaml"')} (did you mean "deploy/endpoint.yml"?)`,
  ),
  env(
    'spec path with the wrong extension',
    (c) => (c.targets[0].deploymentSpec = 'deploy/deployment.json'),
    'targets[0].deploymentSpec: "deploy/deployment.json" is not accepted; expected a path ending in ".yml" or ".yaml", such as "deploy/deployment.yml"',
  ),
  env(
    'a spec path with a space (the rollout passes it to az)',
    (c) => (c.targets[0].deploymentSpec = 'deploy/my deployment.yml'),
    `targets[0].deploymentSpec: "deploy/my deployment.yml" is not accepted; expected ${PATH_RULE('".yml" or ".yaml"')}`,
  ),
  env(
    'subscription that is not a GUID',
    (c) => (c.azure.subscriptionId = 'my-subscription'),
    `azure.subscriptionId: "my-subscription" is not accepted; expected ${GUID_RULE}`,
  ),
  env(
    'workspace name Azure rejects',
    (c) => (c.azure.workspace = 'ml'),
    'azure.workspace: "ml" is not accepted; expected an Azure ML workspace name: 3-33 letters, digits, "-" or "_", starting with a letter or digit',
  ),
  env(
    'a resource group ending in "."',
    (c) => (c.azure.resourceGroup = 'rg-ml.'),
    'azure.resourceGroup: "rg-ml." is not accepted; expected a resource group name: 1-90 letters, digits, "_", "-", ".", "(" or ")", not ending in "."',
  ),
  env(
    'a resource group with a symbol Azure refuses',
    (c) => (c.azure.resourceGroup = 'rg#ml'),
    'azure.resourceGroup: "rg#ml" is not accepted; expected a resource group name: 1-90 letters, digits, "_", "-", ".", "(" or ")", not ending in "."',
  ),
  env(
    'model name Azure ML rejects',
    (c) => (c.targets[0].model = 'my model'),
    'targets[0].model: "my model" is not accepted; expected an Azure ML model name: 1-255 letters, digits, "-", "_" or ".", starting with a letter or digit',
  ),
  ...(
    [
      ['"..", which git refuses', 'feature..x'],
      ['"HEAD"', 'HEAD'],
      ['"@{"', 'fix@{1}'],
      ['a leading "-"', '-fix'],
      ['a part starting with "."', 'feature/.hidden'],
      ['a part ending in ".lock"', 'feature.lock/x'],
      ['a trailing "."', 'release.'],
      ['"//"', 'feature//x'],
      ['a trailing "/"', 'feature/'],
      ['a space', 'my feature'],
      ['"~"', 'fix~1'],
      ['a control character', 'fix\u007f'],
    ] as const
  ).map(([what, branch]) =>
    env(
      `a branch name with ${what}`,
      (c) => (c.github.branch = branch),
      `github.branch: ${JSON.stringify(branch)} is not accepted; expected ${BRANCH_RULE}`,
    ),
  ),
  env(
    'a branch name git takes, with a character that reaches a URL unescaped',
    (c) => (c.github.branch = 'fix#12'),
    'github.branch: "fix#12" is not accepted; expected a branch name without ", #, %, $, { or }: git takes them, but the name reaches a GitHub URL and the plan\'s conditions unescaped',
  ),
  env(
    'a branch named "@", which git takes but reads as HEAD',
    (c) => (c.github.branch = '@'),
    'github.branch: "@" is not accepted; expected a branch name other than "@", which every git command reads as HEAD',
  ),
  env(
    'a branch written as a ref',
    (c) => (c.github.branch = 'refs/heads/main'),
    'github.branch: "refs/heads/main" is not accepted; expected a branch name without "refs/heads/" (did you mean "main"?)',
  ),
  env(
    'too many reviewers',
    (c) =>
      (c.github.requiredReviewers = { users: ['a', 'b', 'c', 'd'], teams: ['t1', 't2', 't3'] }),
    'github.requiredReviewers: names 7 reviewers; GitHub accepts at most 6 users and teams together',
  ),
  env(
    "a reviewer login with an underscore that is not a managed user's shortcode",
    (c) => (c.github.requiredReviewers = { users: ['mona_x'] }),
    'github.requiredReviewers.users[0]: "mona_x" is not accepted; expected a GitHub login: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen; for a managed user, followed by "_" and the enterprise shortcode (e.g. "mona-cat_octo")',
  ),
  env(
    'naming prefix too long for global names',
    (c) => (c.namePrefix = 'averylongprefix'),
    'namePrefix: "averylongprefix" is not accepted; expected a naming prefix: 2-10 lowercase letters or digits, starting with a letter',
  ),
  env(
    'rotation out of range',
    (c) => (c.auth = { mode: 'client-secret', secretRotationDays: 0 }),
    'auth.secretRotationDays: 0 is not accepted; expected a whole number from 1 to 365',
  ),
  env(
    'tag value not a string',
    (c) => (c.tags.cost = 12),
    'tags.cost: 12 is not accepted; expected a tag value: a string of at most 256 characters',
  ),
  env(
    'no alert address',
    (c) => (c.trigger.alertEmails = []),
    'trigger.alertEmails: has 0 entries; expected 1 to 20',
  ),
  env(
    'token writer that is not an object ID',
    (c) => (c.trigger.tokenWriters = ['me@example.com']),
    `trigger.tokenWriters[0]: "me@example.com" is not accepted; expected ${GUID_RULE}`,
  ),
  env(
    'alert address not an email',
    (c) => (c.trigger.alertEmails = ['oncall']),
    'trigger.alertEmails[0]: "oncall" is not accepted; expected an email address such as "ml-oncall@example.com"',
  ),
  env(
    'an email whose local part is longer than RFC 5321 allows',
    (c) => (c.trigger.alertEmails = [`${'a'.repeat(65)}@example.com`]),
    `trigger.alertEmails[0]: "${'a'.repeat(65)}@example.com" is not accepted; expected an email address whose part before "@" has at most 64 characters (RFC 5321)`,
  ),
  env(
    'an email with consecutive dots',
    (c) => (c.trigger.alertEmails = ['ml..oncall@example.com']),
    'trigger.alertEmails[0]: "ml..oncall@example.com" is not accepted; expected an email address without consecutive dots, or a dot at either end of the part before "@" (RFC 5321)',
  ),
  env(
    'an email with a GitHub Actions expression',
    (c) => (c.trigger.alertEmails = ['${{secrets.x}}@example.com']),
    'trigger.alertEmails[0]: "${{secrets.x}}@example.com" is not accepted; expected an email address without "${{", which GitHub Actions reads as an expression',
  ),
  env(
    'an email with a quoted local part',
    (c) => (c.trigger.alertEmails = ['"ml oncall"@example.com']),
    'trigger.alertEmails[0]: "\\"ml oncall\\"@example.com" is not accepted; expected an email address such as "ml-oncall@example.com"',
  ),
  env(
    'an email whose domain is no DNS name',
    (c) => (c.trigger.alertEmails = ['oncall@exa_mple.com']),
    'trigger.alertEmails[0]: "oncall@exa_mple.com" is not accepted; expected an email address whose domain is a DNS name such as "example.com": labels of 1-63 letters, digits or "-", not starting or ending with "-", the last one starting with a letter',
  ),
  env(
    'application owner that is not an object ID',
    (c) => (c.azure.deployers = ['infra-apply']),
    `azure.deployers[0]: "infra-apply" is not accepted; expected ${GUID_RULE}`,
  ),
  env(
    'the nil GUID as a deployer',
    (c) => (c.azure.deployers = ['00000000-0000-0000-0000-000000000000']),
    'azure.deployers[0]: "00000000-0000-0000-0000-000000000000" is not accepted; expected the object ID of a user, group or service principal; the nil GUID "00000000-0000-0000-0000-000000000000" names none',
  ),
  env(
    'a deployer twice',
    (c) =>
      (c.azure.deployers = [
        '22222222-2222-2222-2222-222222222222',
        '22222222-2222-2222-2222-222222222222',
      ]),
    'azure.deployers[1]: deployer "22222222-2222-2222-2222-222222222222" is already used by azure.deployers[0]; each entry needs its own',
  ),
  env(
    'a deployer twice, in another case (Entra ID compares object IDs without case)',
    (c) =>
      (c.azure.deployers = [
        'aaaaaaaa-2222-2222-2222-222222222222',
        'AAAAAAAA-2222-2222-2222-222222222222',
      ]),
    'azure.deployers[1]: deployer "AAAAAAAA-2222-2222-2222-222222222222" is already used by azure.deployers[0] (as "aaaaaaaa-2222-2222-2222-222222222222"; case does not count); each entry needs its own',
    'unique-by-field-or-case',
  ),
  env(
    'backend configured halfway',
    (c) => (c.backend = { resourceGroup: 'rg-tfstate', storageAccount: 'sttfstate01' }),
    'backend.container: is required',
  ),
  env(
    'backend account name Azure rejects',
    (c) =>
      (c.backend = {
        resourceGroup: 'rg-tfstate',
        storageAccount: 'st-tfstate',
        container: 'tfstate',
      }),
    'backend.storageAccount: "st-tfstate" is not accepted; expected a storage account name: 3-24 lowercase letters or digits',
  ),
  env(
    'null is a value, not "use the default"',
    (c) => (c.namePrefix = null),
    'namePrefix: null is not accepted; expected a naming prefix: 2-10 lowercase letters or digits, starting with a letter',
  ),
  env(
    'null where an object belongs says what was there',
    (c) => (c.auth = null),
    'auth: null is not accepted; expected an object ({...})',
  ),
  env(
    'GitHub environment with ":" (the provider splits its IDs on it)',
    (c) => (c.github.environment = 'prod:eu'),
    `github.environment: "prod:eu" is not accepted; expected ${ENVIRONMENT_RULE}`,
  ),
  env(
    'GitHub environment with a space at either end',
    (c) => (c.github.environment = ' production'),
    `github.environment: " production" is not accepted; expected ${ENVIRONMENT_RULE}`,
  ),
  env(
    'GitHub environment with a control character',
    (c) => (c.github.environment = 'prod\tuction'),
    `github.environment: "prod\\tuction" is not accepted; expected ${ENVIRONMENT_RULE}`,
  ),
  env(
    'a reviewer listed twice, in another case',
    (c) => (c.github.requiredReviewers = { users: ['octocat', 'OctoCat'] }),
    'github.requiredReviewers.users[1]: user "OctoCat" is already used by github.requiredReviewers.users[0] (as "octocat"; case does not count); each entry needs its own',
    'unique-by-field-or-case',
  ),
  env(
    'review settings without reviewers',
    (c) => (c.github.requiredReviewers = { users: [], adminsBypass: true }),
    'github.requiredReviewers.adminsBypass: has no effect without users or teams; remove it, or name the reviewers',
  ),
  env(
    'an unknown subject form',
    (c) => (c.github.oidcSubject = 'id'),
    'github.oidcSubject: "id" is not accepted; expected one of "both", "immutable", "legacy"',
  ),
  env(
    'an unknown workflow delivery',
    (c) => (c.github.workflowDelivery = 'pr'),
    'github.workflowDelivery: "pr" is not accepted; expected one of "commit", "pull-request"',
  ),
  env(
    'a rotation without a secret',
    (c) => (c.auth = { mode: 'oidc', secretRotationDays: 30 }),
    'auth.secretRotationDays: applies only to "mode": "client-secret"; with "oidc" there is no secret to rotate (remove it)',
  ),
  env(
    'a rotation without a mode (the default has no secret)',
    (c) => (c.auth = { secretRotationDays: 30 }),
    'auth.secretRotationDays: applies only to "mode": "client-secret"; with "oidc" there is no secret to rotate (remove it)',
  ),
  env(
    'the same alert address twice',
    (c) => (c.trigger.alertEmails = ['oncall@example.com', 'OnCall@example.com']),
    'trigger.alertEmails[1]: address "OnCall@example.com" is already used by trigger.alertEmails[0] (as "oncall@example.com"; case does not count); each entry needs its own',
    'unique-by-field-or-case',
  ),
  env(
    'more tags than Azure takes',
    (c) => (c.tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, 'v']))),
    'tags: has 51 tags; expected at most 50',
  ),
  env(
    'a tag name longer than Azure takes, with its length',
    (c) => (c.tags = { ['n'.repeat(129)]: 'v' }),
    `tags key: "${'n'.repeat(59)}... (129 characters) is not accepted; expected ${TAG_NAME_RULE}`,
  ),
  env(
    'a tag value longer than Azure takes, with its length',
    (c) => (c.tags = { owner: 'v'.repeat(300) }),
    `tags.owner: "${'v'.repeat(59)}... (300 characters) is not accepted; expected a tag value: a string of at most 256 characters`,
  ),
  env(
    'a tag value of 257 emoji: counted as characters, and shown without cutting one',
    (c) => (c.tags = { owner: '😀'.repeat(257) }),
    `tags.owner: "${'😀'.repeat(59)}... (257 characters) is not accepted; expected a tag value: a string of at most 256 characters`,
  ),
  ...['azure-cost', 'Microsoft.Owner', 'WINDOWS'].map((name) =>
    env(
      `a tag name with a prefix Azure reserves: ${name}`,
      (c) => (c.tags = { [name]: 'x' }),
      `tags key: ${JSON.stringify(name)} is not accepted; expected a tag name that does not start with "azure", "microsoft" or "windows" (in any case): Azure reserves those prefixes`,
    ),
  ),
  env(
    'tag names: __proto__ (cdktf would drop it), and names that differ only in case',
    JSON.stringify(EXAMPLE).replace('"tags":{', '"tags":{"__proto__":"x","Team":"a","TEAM":"b",'),
    [
      `${ENV_FILE}: tags key: "__proto__" is not accepted; expected ${TAG_NAME_RULE}`,
      `${ENV_FILE}: tags.TEAM: tag name "TEAM" differs from "Team" only in case, and tag names ignore case; keep one`,
    ],
  ),
  env(
    'tag names that differ only in case',
    JSON.stringify(EXAMPLE).replace('"tags":{', '"tags":{"Team":"a","TEAM":"b",'),
    'tags.TEAM: tag name "TEAM" differs from "Team" only in case, and tag names ignore case; keep one',
    'unique-by-field-or-case',
  ),
  env(
    'more targets than Event Grid can filter',
    (c) =>
      (c.targets = Array.from({ length: 26 }, (_, i) => ({
        ...c.targets[0],
        model: `m${i}`,
        endpoint: `ep-m${i}`,
      }))),
    'targets: has 26 entries; expected 1 to 25',
  ),
  env(
    'every problem in a file is reported together',
    (c) => {
      c.github.owner = 'bad owner';
      c.auth.mode = 'sso';
      c.targets[0].endpoint = 'x';
      c.extra = true;
    },
    [
      `${ENV_FILE}: extra: is not a known field; expected one of $schema, azure, github, auth, role, targets, promotion, namePrefix, tags, trigger, backend`,
      `${ENV_FILE}: github.owner: "bad owner" is not accepted; expected a GitHub user or organization name: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen`,
      `${ENV_FILE}: auth.mode: "sso" is not accepted; expected one of "oidc", "client-secret"`,
      `${ENV_FILE}: targets[0].endpoint: "x" is not accepted; expected an online endpoint name: 3-32 letters, digits or "-", starting with a letter and not ending with "-"`,
    ],
  ),
  env(
    'rules between fields run even when other fields are broken',
    (c) => {
      c.github.owner = 'bad owner';
      c.targets.push({ ...c.targets[0], model: 'other' });
    },
    [
      `${ENV_FILE}: github.owner: "bad owner" is not accepted; expected a GitHub user or organization name: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen`,
      `${ENV_FILE}: targets[1].endpoint: "ep-sklearn-regression" already serves targets[0].model; one endpoint serves one model, so rollouts of different models cannot shift each other's traffic`,
    ],
  ),
  env(
    'a number too large to read is shown as written',
    JSON.stringify(EXAMPLE).replace('"canaryPercent":10', '"canaryPercent":1e400'),
    'targets[0].canaryPercent: 1e400 (a number too large to read) is not accepted; expected a whole number from 0 to 99',
  ),
  // Not JSON, or not quite.
  env(
    'cut short',
    '{ "azure": ',
    'is not valid JSON: line 1, column 12: expected a value (an object, list, string, number, true, false or null); found the end of the file',
    'json-text',
  ),
  env(
    'a trailing comma, with line and column',
    '{\n  "namePrefix": "x",\n}',
    'is not valid JSON: line 3, column 1: expected another property after "," (JSON has no trailing commas); found "}"',
    'json-text',
  ),
  env(
    'a byte order mark',
    '\uFEFF{}',
    'starts with a byte order mark (U+FEFF), which JSON does not allow; save the file as UTF-8 without BOM',
    'json-text',
  ),
  env(
    'a key written twice (JSON.parse would keep the last silently)',
    JSON.stringify(EXAMPLE, null, 2).replace('  "tags": {', '  "tags": {},\n  "tags": {'),
    `is not valid JSON: line ${lineOf('"tags"') + 1}, column 3: "tags" is written twice in this object (first at line ${lineOf('"tags"')}, column 3)`,
    'json-text',
  ),
  env(
    'a syntax error after emoji: the column counts characters',
    '{"tags": {"😀😀": 1,}}',
    'is not valid JSON: line 1, column 19: expected another property after "," (JSON has no trailing commas); found "}}"',
    'json-text',
  ),
  // Text that is not text.
  env(
    'a NUL character written as an escape',
    JSON.stringify(EXAMPLE).replace('"ml-platform"', '"ml-\\u0000platform"'),
    `has a NUL character (\\u0000) at line 1, column ${JSON.stringify(EXAMPLE).indexOf('"ml-platform"') + 5}, which no field accepts; remove it`,
    'text',
  ),
  env(
    'a NUL byte in the file',
    utf8(JSON.stringify(EXAMPLE).replace('"ml-platform"', '"ml-\u0000platform"')),
    `has a NUL character (U+0000) at line 1, column ${JSON.stringify(EXAMPLE).indexOf('"ml-platform"') + 5}, which no field accepts; remove it`,
    'text',
  ),
  env(
    'a lone surrogate written as an escape',
    JSON.stringify(EXAMPLE).replace('"ml-platform"', '"ml-\\ud83dplatform"'),
    `has a lone surrogate (\\uD83D) at line 1, column ${JSON.stringify(EXAMPLE).indexOf('"ml-platform"') + 5}, which is half of a character (one of a UTF-16 pair), not text; write the whole character`,
    'text',
  ),
  env(
    'a byte that is not UTF-8 (Latin-1 "é")',
    Uint8Array.from([
      ...utf8(`${JSON.stringify(EXAMPLE).split('"tags":{')[0]}"tags":{"caf`),
      0xe9,
      ...utf8(`":"x",${JSON.stringify(EXAMPLE).split('"tags":{')[1]}`),
    ]),
    `is not valid UTF-8: the bytes 0xE9 0x22 0x3A 0x22 at line 1, column ${JSON.stringify(EXAMPLE).indexOf('"tags":{') + 13} are no UTF-8 character (Latin-1 or Windows-1252 text?); save the file as UTF-8`,
    'text',
  ),
  env(
    'a UTF-16 file, with its byte order mark',
    Uint8Array.from([0xff, 0xfe, ...[...'{}'].flatMap((c) => [c.charCodeAt(0), 0])]),
    'is UTF-16 text; save the file as UTF-8',
    'text',
  ),
  env(
    'a UTF-16 file without a byte order mark',
    Uint8Array.from([...'{}'].flatMap((c) => [0, c.charCodeAt(0)])),
    'is UTF-16 text; save the file as UTF-8',
    'text',
  ),
  env(
    'a file larger than any configuration, refused before it is parsed',
    `${JSON.stringify(EXAMPLE)}${' '.repeat(1024 * 1024)}`,
    'is larger than 1 MiB; a configuration file is a few kilobytes: check that this is the right file',
    'text',
  ),
  // The file name.
  env(
    '"bootstrap" is reserved for the bootstrap stack',
    () => {},
    '"bootstrap" is the bootstrap stack\'s configuration, not an environment; name environments otherwise (e.g. config/staging.json)',
    'file-name',
    'config/bootstrap.json',
  ),
  env(
    'a file name that is not a usable environment name',
    () => {},
    'the file name gives the environment name "Prod"; expected 1-20 lowercase letters, digits or "-", starting with a letter (e.g. config/staging.json)',
    'file-name',
    'config/Prod.json',
  ),
  env(
    'a bad file name and a JSON error are reported together',
    '{',
    [
      'config/Prod.json: the file name gives the environment name "Prod"; expected 1-20 lowercase letters, digits or "-", starting with a letter (e.g. config/staging.json)',
      'config/Prod.json: is not valid JSON: line 1, column 2: expected a property name in double quotes; found the end of the file',
    ],
    'json-text',
    'config/Prod.json',
  ),
];

/** Environment files the app accepts: wrong refusals of earlier versions among them. */
export const ENVIRONMENT_ACCEPTANCES: readonly Acceptance[] = [
  ['the committed example', () => {}],
  ['a branch name with "@", which git takes', (c: any) => (c.github.branch = 'user@feature')],
  ['a branch name with non-ASCII letters', (c: any) => (c.github.branch = '機能/追加')],
  [
    "an Enterprise Managed User's login as a reviewer",
    (c: any) => (c.github.requiredReviewers = { users: ['mona-cat_octo', 'octo_admin'] }),
  ],
  ['a resource group in Japanese', (c: any) => (c.azure.resourceGroup = 'リソース-グループ(本番)')],
  ['a "$schema" path with a space', (c: any) => (c.$schema = '../my schemas/environment.json')],
  ['a tag value of 256 emoji', (c: any) => (c.tags = { mood: '😀'.repeat(256) })],
  [
    'an email with "+" and a subdomain',
    (c: any) => (c.trigger.alertEmails = ['ml+alerts@ops.example.co.jp']),
  ],
  [
    'a restricted-access region (a warning, not a problem)',
    (c: any) => (c.azure.location = 'francesouth'),
  ],
  [
    'six reviewers, users and teams together',
    (c: any) =>
      (c.github.requiredReviewers = { users: ['a', 'b', 'c'], teams: ['t1', 't2', 't3'] }),
  ],
  [
    'a rotation with a secret',
    (c: any) => (c.auth = { mode: 'client-secret', secretRotationDays: 30 }),
  ],
].map(([name, edit]) => ({
  name: name as string,
  file: ENV_FILE,
  kind: 'environment' as const,
  json: variant(EXAMPLE, edit as Edit),
}));

/** The bootstrap file with `edit` applied. */
function boot(
  name: string,
  edit: Edit,
  problems: string | readonly string[],
  schemaCannot?: SchemaLimit,
): Refusal {
  const list = typeof problems === 'string' ? [`${BOOTSTRAP_FILE}: ${problems}`] : problems;
  const source = JSON.stringify(variant(BOOTSTRAP, edit));
  return { name, file: BOOTSTRAP_FILE, kind: 'bootstrap', source, problems: list, schemaCannot };
}

const at = (location: string, replication?: string) => (c: any) => {
  c.azure.location = location;
  if (replication) c.stateStorage.replication = replication;
  else delete c.stateStorage.replication;
};
const names = (n: number) => Array.from({ length: n }, (_, i) => `env-${i}`);

export const BOOTSTRAP_REFUSALS: readonly Refusal[] = [
  boot(
    'zone-redundant storage where the region has no zones',
    at('westcentralus', 'ZRS'),
    'stateStorage.replication: "ZRS" is not accepted in westcentralus, which has no availability zones; expected one of "LRS", "GRS", "RAGRS" (or a region with zones)',
  ),
  ...['GRS', 'RAGRS', 'GZRS', 'RAGZRS'].map((replication) =>
    boot(
      `${replication} where the region has no pair`,
      at('italynorth', replication),
      `stateStorage.replication: "${replication}" is not accepted in italynorth, which has no region pair to replicate to; expected one of "LRS", "ZRS" (or a region with a pair)`,
    ),
  ),
  boot(
    'more environments than the apply identity has credentials for (both forms)',
    (c) => (c.environments = names(11)),
    'environments: has 11 entries; expected at most 10: the apply identity trusts one GitHub environment per entry, an application holds at most 20 federated credentials, and "github.oidcSubject": "both" takes 2 per environment',
  ),
  boot(
    'more environments than the apply identity has credentials for (one form)',
    (c) => {
      c.environments = names(21);
      c.github.oidcSubject = 'legacy';
    },
    'environments: has 21 entries; expected at most 20: the apply identity trusts one GitHub environment per entry, an application holds at most 20 federated credentials, and "github.oidcSubject": "legacy" takes 1 per environment',
  ),
  boot(
    'a sovereign region',
    (c) => (c.azure.location = 'chinanorth3'),
    `azure.location: "chinanorth3" is not accepted; expected ${REGION_RULE}: "chinanorth3" is a region of Azure operated by 21Vianet (China), a cloud of its own; ${PUBLIC_ONLY}`,
  ),
  boot(
    'a tag name with a prefix Azure reserves',
    (c) => (c.tags = { 'azure:owner': 'x' }),
    'tags key: "azure:owner" is not accepted; expected a tag name that does not start with "azure", "microsoft" or "windows" (in any case): Azure reserves those prefixes',
  ),
];

export const BOOTSTRAP_ACCEPTANCES: readonly Acceptance[] = [
  ['the committed bootstrap', () => {}],
  ['locally redundant storage where the region has no pair', at('italynorth', 'LRS')],
  ['zone-redundant storage where the region has zones but no pair', at('italynorth', 'ZRS')],
  ['geo-redundant storage where the region has a pair', at('westcentralus', 'GRS')],
  ['ten environments, both subject forms', (c: any) => (c.environments = names(10))],
  ['a restricted-access region (a warning, not a problem)', at('germanynorth', 'LRS')],
].map(([name, edit]) => ({
  name: name as string,
  file: BOOTSTRAP_FILE,
  kind: 'bootstrap' as const,
  json: variant(BOOTSTRAP, edit as Edit),
}));

// ---------------------------------------------------------------------------------------
// Every field set to every kind of JSON value (broken-input.test.ts, json-schema.test.ts)
// ---------------------------------------------------------------------------------------

/** Dotted paths of every field, nested ones and the first entry of lists included. */
function fieldPaths(rule: Rule<unknown>, prefix: string[] = []): string[][] {
  if (rule.fields) {
    return Object.entries(rule.fields as Shape).flatMap(([k, f]) => [
      [...prefix, k],
      ...fieldPaths(f.rule, [...prefix, k]),
    ]);
  }
  if (rule.json.type === 'array' && rule.item) return fieldPaths(rule.item, [...prefix, '0']);
  return [];
}

function setAt(json: any, path: string[], value: unknown): any {
  const copy = structuredClone(json);
  let node = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null)
      node[key] = /^\d+$/.test(key) ? [] : {};
    node = node[key];
  }
  node[path[path.length - 1]] = value;
  return copy;
}

/** One of every kind of JSON value, and strings that have broken things before. */
const ANY_VALUES: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  '',
  ' ',
  'x'.repeat(5000),
  '${x}',
  '\u0000',
  [],
  [null],
  {},
  { __proto__: 1 },
];

/** `base` with each field set to each value: the JSON text, and what was set where. */
export function everyFieldEveryValue(
  schema: Rule<unknown>,
  base: unknown,
): { path: string; value: unknown; source: string }[] {
  return fieldPaths(schema).flatMap((path) =>
    ANY_VALUES.map((value) => ({
      path: path.join('.'),
      value,
      source: JSON.stringify(setAt(base, path, value)),
    })),
  );
}

// ---------------------------------------------------------------------------------------
// Defaults, as the schema declares them (expectations computed from the contract)
// ---------------------------------------------------------------------------------------

/** The defaulted fields of an object rule (top level) and their defaults. */
export function defaultsOf(rule: Rule<unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries((rule.fields ?? {}) as Shape).flatMap(([key, field]) =>
      field.presence === 'defaulted' ? [[key, field.default]] : [],
    ),
  );
}

/** `value`, which must pass `rule`, as the rule fills it (fixtures built through the rule). */
export function through<T>(rule: Rule<T>, value: unknown): T {
  const checked = rule.check(value, 'fixture');
  if ('problems' in checked) throw new Error(JSON.stringify(checked.problems));
  return checked.value;
}
