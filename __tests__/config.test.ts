import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfigs, parseEnvironmentConfig } from '../lib/config';
import { GITHUB_VARIABLE_MAX_BYTES, deploymentTargetsDocument } from '../lib/workflow-contract';

const example = JSON.parse(readFileSync(join(__dirname, '..', 'config', 'example.json'), 'utf8'));

/** What the GitHub environment rule accepts, as every message about it says. */
const ENVIRONMENT_RULE =
  'a GitHub environment name: 1-255 characters, no spaces at either end, without ":", quotes, "`", commas, semicolons, "\\", "/", control characters, "${", "%{" or "@{"';

/** The example with `edit` applied to a deep copy. */
function variant(edit: (c: any) => void): any {
  const c = structuredClone(example);
  edit(c);
  return c;
}

function problemsOf(config: unknown, file = 'config/staging.json'): string[] {
  const r = parseEnvironmentConfig(file, JSON.stringify(config));
  if (!('problems' in r)) throw new Error('expected problems, got a valid config');
  return r.problems;
}

describe('a valid configuration', () => {
  test('the committed example is valid and keeps its values', () => {
    const r = parseEnvironmentConfig('config/example.json', JSON.stringify(example));
    if ('problems' in r) throw new Error(r.problems.join('\n'));
    expect(r.config.name).toBe('example');
    expect(r.config.github).toEqual({
      owner: 'contoso',
      repository: 'mlops-models',
      environment: 'production',
      requiredReviewers: {
        users: ['octocat'],
        teams: [],
        preventSelfReview: true,
        adminsBypass: false,
      },
      commitWorkflow: true,
      workflowDelivery: 'commit',
      oidcSubject: 'both',
    });
  });

  test('defaults fill every optional field', () => {
    const minimal = {
      azure: example.azure,
      github: { owner: 'contoso', repository: 'models' },
      targets: [{ model: 'm', endpoint: 'ep-m', endpointSpec: 'e.yml', deploymentSpec: 'd.yaml' }],
      trigger: { alertEmails: ['oncall@example.com'] },
    };
    const r = parseEnvironmentConfig('config/staging.json', JSON.stringify(minimal));
    if ('problems' in r) throw new Error(r.problems.join('\n'));
    expect(r.config.github.branch).toBeUndefined(); // the default branch, read at plan time
    expect(r.config).toMatchObject({
      github: {
        environment: 'staging',
        requiredReviewers: { users: [], teams: [], preventSelfReview: true, adminsBypass: false },
        commitWorkflow: true,
        workflowDelivery: 'commit',
        oidcSubject: 'both',
      },
      azure: { deployers: [] },
      auth: { mode: 'oidc', secretRotationDays: 90 },
      role: 'Contributor',
      namePrefix: 'amldeploy',
      tags: {},
      trigger: {
        alertEmails: ['oncall@example.com'],
        keyVaultPurgeProtection: false,
        githubTokenSource: 'out-of-band',
        tokenWriters: [],
      },
    });
    expect(r.config.targets[0]).toEqual({
      model: 'm',
      endpoint: 'ep-m',
      endpointSpec: 'e.yml',
      deploymentSpec: 'd.yaml',
      canaryPercent: 0,
      observeMinutes: 0,
      keepDeployments: 1,
    });
  });
});

// Each rule: a bad value and the exact message a user reads.
describe.each([
  [
    'unknown key, with a suggestion',
    (c: any) => (c.github.repo = 'x'),
    'config/staging.json: github.repo: is not a known field; expected one of owner, repository, branch, environment, commitWorkflow, workflowDelivery, oidcSubject, requiredReviewers (did you mean "repository"?)',
  ],
  [
    'missing required field',
    (c: any) => delete c.azure.workspace,
    'config/staging.json: azure.workspace: is required',
  ],
  [
    'wrong type',
    (c: any) => (c.targets[0].canaryPercent = '10'),
    'config/staging.json: targets[0].canaryPercent: "10" is not accepted; expected a whole number from 0 to 99',
  ],
  [
    'invalid GitHub owner',
    (c: any) => (c.github.owner = '-contoso'),
    'config/staging.json: github.owner: "-contoso" is not accepted; expected a GitHub user or organization name: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen',
  ],
  [
    'invalid GitHub repository',
    (c: any) => (c.github.repository = 'my repo'),
    'config/staging.json: github.repository: "my repo" is not accepted; expected a GitHub repository name: 1-100 letters, digits, ".", "-" or "_" (not "." or "..")',
  ],
  [
    'GitHub environment with a template sequence',
    (c: any) => (c.github.environment = 'prod@{x}'),
    `config/staging.json: github.environment: "prod@{x}" is not accepted; expected ${ENVIRONMENT_RULE}`,
  ],
  [
    'unknown auth mode',
    (c: any) => (c.auth.mode = 'password'),
    'config/staging.json: auth.mode: "password" is not accepted; expected one of "oidc", "client-secret"',
  ],
  [
    'empty target list',
    (c: any) => (c.targets = []),
    'config/staging.json: targets: has 0 entries; expected 1 to 25',
  ],
  [
    'duplicated target model',
    (c: any) => c.targets.push({ ...c.targets[0], endpoint: 'ep-other' }),
    'config/staging.json: targets[1]: model "sklearn-regression" is already used by targets[0]; each entry needs its own',
  ],
  [
    'one endpoint for two models',
    (c: any) => c.targets.push({ ...c.targets[0], model: 'other' }),
    'config/staging.json: targets[1].endpoint: "ep-sklearn-regression" already serves targets[0].model; one endpoint serves one model, so rollouts of different models cannot shift each other\'s traffic',
  ],
  [
    'location that is a display name',
    (c: any) => (c.azure.location = 'Japan East'),
    'config/staging.json: azure.location: "Japan East" is not accepted; expected an Azure region name such as "japaneast" (`az account list-locations --query "[].name"`) (did you mean "japaneast"?)',
  ],
  [
    'location that is not a region',
    (c: any) => (c.azure.location = 'mars'),
    'config/staging.json: azure.location: "mars" is not accepted; expected an Azure region name such as "japaneast" (`az account list-locations --query "[].name"`)',
  ],
  [
    'endpoint name Azure rejects',
    (c: any) => (c.targets[0].endpoint = '1-endpoint'),
    'config/staging.json: targets[0].endpoint: "1-endpoint" is not accepted; expected an online endpoint name: 3-32 letters, digits or "-", starting with a letter and not ending with "-"',
  ],
  [
    'endpoint name too long',
    (c: any) => (c.targets[0].endpoint = 'e'.repeat(33)),
    `config/staging.json: targets[0].endpoint: "${'e'.repeat(33)}" is not accepted; expected an online endpoint name: 3-32 letters, digits or "-", starting with a letter and not ending with "-"`,
  ],
  [
    'spec path outside the repository',
    (c: any) => (c.targets[0].endpointSpec = '../endpoint.yml'),
    'config/staging.json: targets[0].endpointSpec: "../endpoint.yml" is not accepted; expected a relative path in the target repository (letters, digits, ".", "_", "-", "/"; no ".."; at most 255) ending in ".yml" or ".yaml"',
  ],
  [
    'spec path with the wrong extension',
    (c: any) => (c.targets[0].deploymentSpec = 'deploy/deployment.json'),
    'config/staging.json: targets[0].deploymentSpec: "deploy/deployment.json" is not accepted; expected a path ending in ".yml" or ".yaml", such as "deploy/deployment.yml"',
  ],
  [
    'subscription that is not a GUID',
    (c: any) => (c.azure.subscriptionId = 'my-subscription'),
    'config/staging.json: azure.subscriptionId: "my-subscription" is not accepted; expected a GUID such as "00000000-0000-0000-0000-000000000000"',
  ],
  [
    'workspace name Azure rejects',
    (c: any) => (c.azure.workspace = 'ml'),
    'config/staging.json: azure.workspace: "ml" is not accepted; expected an Azure ML workspace name: 3-33 letters, digits, "-" or "_", starting with a letter or digit',
  ],
  [
    'model name Azure ML rejects',
    (c: any) => (c.targets[0].model = 'my model'),
    'config/staging.json: targets[0].model: "my model" is not accepted; expected an Azure ML model name: 1-255 letters, digits, "-", "_" or ".", starting with a letter or digit',
  ],
  [
    'branch name git rejects',
    (c: any) => (c.github.branch = 'feature..x'),
    'config/staging.json: github.branch: "feature..x" is not accepted; expected a git branch name such as "main" or "release/v2": letters, digits, ".", "_", "-" and "/" (no "..", no leading or trailing "/", not ending in "." or ".lock")',
  ],
  [
    'branch name with a character that needs escaping in a URL or in Terraform',
    (c: any) => (c.github.branch = 'fix#12'),
    'config/staging.json: github.branch: "fix#12" is not accepted; expected a git branch name such as "main" or "release/v2": letters, digits, ".", "_", "-" and "/" (no "..", no leading or trailing "/", not ending in "." or ".lock")',
  ],
  [
    'too many reviewers',
    (c: any) =>
      (c.github.requiredReviewers = { users: ['a', 'b', 'c', 'd'], teams: ['t1', 't2', 't3'] }),
    'config/staging.json: github.requiredReviewers: names 7 reviewers; GitHub accepts at most 6 users and teams together',
  ],
  [
    'naming prefix too long for global names',
    (c: any) => (c.namePrefix = 'averylongprefix'),
    'config/staging.json: namePrefix: "averylongprefix" is not accepted; expected a naming prefix: 2-10 lowercase letters or digits, starting with a letter',
  ],
  [
    'rotation out of range',
    (c: any) => (c.auth = { mode: 'client-secret', secretRotationDays: 0 }),
    'config/staging.json: auth.secretRotationDays: 0 is not accepted; expected a whole number from 1 to 365',
  ],
  [
    'tag value not a string',
    (c: any) => (c.tags.cost = 12),
    'config/staging.json: tags.cost: 12 is not accepted; expected a tag value: a string of at most 256 characters',
  ],
  [
    'no alert address',
    (c: any) => (c.trigger.alertEmails = []),
    'config/staging.json: trigger.alertEmails: has 0 entries; expected 1 to 20',
  ],
  [
    'token writer that is not an object ID',
    (c: any) => (c.trigger.tokenWriters = ['me@example.com']),
    'config/staging.json: trigger.tokenWriters[0]: "me@example.com" is not accepted; expected a GUID such as "00000000-0000-0000-0000-000000000000"',
  ],
  [
    'alert address not an email',
    (c: any) => (c.trigger.alertEmails = ['oncall']),
    'config/staging.json: trigger.alertEmails[0]: "oncall" is not accepted; expected an email address such as "ml-oncall@example.com"',
  ],
  [
    'application owner that is not an object ID',
    (c: any) => (c.azure.deployers = ['infra-apply']),
    'config/staging.json: azure.deployers[0]: "infra-apply" is not accepted; expected a GUID such as "00000000-0000-0000-0000-000000000000"',
  ],
  [
    'backend configured halfway',
    (c: any) => (c.backend = { resourceGroup: 'rg-tfstate', storageAccount: 'sttfstate01' }),
    'config/staging.json: backend.container: is required',
  ],
  [
    'backend account name Azure rejects',
    (c: any) =>
      (c.backend = {
        resourceGroup: 'rg-tfstate',
        storageAccount: 'st-tfstate',
        container: 'tfstate',
      }),
    'config/staging.json: backend.storageAccount: "st-tfstate" is not accepted; expected a storage account name: 3-24 lowercase letters or digits',
  ],
  [
    'null is a value, not "use the default"',
    (c: any) => (c.namePrefix = null),
    'config/staging.json: namePrefix: null is not accepted; expected a naming prefix: 2-10 lowercase letters or digits, starting with a letter',
  ],
  [
    'null where an object belongs says what was there',
    (c: any) => (c.auth = null),
    'config/staging.json: auth: null is not accepted; expected an object ({...})',
  ],
  [
    'GitHub environment with ":" (the provider splits its IDs on it)',
    (c: any) => (c.github.environment = 'prod:eu'),
    `config/staging.json: github.environment: "prod:eu" is not accepted; expected ${ENVIRONMENT_RULE}`,
  ],
  [
    'GitHub environment with a space at either end',
    (c: any) => (c.github.environment = ' production'),
    `config/staging.json: github.environment: " production" is not accepted; expected ${ENVIRONMENT_RULE}`,
  ],
  [
    'GitHub environment with a control character',
    (c: any) => (c.github.environment = 'prod\tuction'),
    `config/staging.json: github.environment: "prod\\tuction" is not accepted; expected ${ENVIRONMENT_RULE}`,
  ],
  [
    'a branch written as a ref',
    (c: any) => (c.github.branch = 'refs/heads/main'),
    'config/staging.json: github.branch: "refs/heads/main" is not accepted; expected a branch name without "refs/heads/" (did you mean "main"?)',
  ],
  [
    'a reviewer listed twice, in another case',
    (c: any) => (c.github.requiredReviewers = { users: ['octocat', 'OctoCat'] }),
    'config/staging.json: github.requiredReviewers.users[1]: user "OctoCat" is already used by github.requiredReviewers.users[0] (as "octocat"; case does not count); each entry needs its own',
  ],
  [
    'review settings without reviewers',
    (c: any) => (c.github.requiredReviewers = { users: [], adminsBypass: true }),
    'config/staging.json: github.requiredReviewers.adminsBypass: has no effect without users or teams; remove it, or name the reviewers',
  ],
  [
    'an unknown subject form',
    (c: any) => (c.github.oidcSubject = 'id'),
    'config/staging.json: github.oidcSubject: "id" is not accepted; expected one of "both", "immutable", "legacy"',
  ],
  [
    'an unknown workflow delivery',
    (c: any) => (c.github.workflowDelivery = 'pr'),
    'config/staging.json: github.workflowDelivery: "pr" is not accepted; expected one of "commit", "pull-request"',
  ],
  [
    'a rotation without a secret',
    (c: any) => (c.auth = { mode: 'oidc', secretRotationDays: 30 }),
    'config/staging.json: auth.secretRotationDays: applies only to "mode": "client-secret"; with "oidc" there is no secret to rotate (remove it)',
  ],
  [
    'the same alert address twice',
    (c: any) => (c.trigger.alertEmails = ['oncall@example.com', 'OnCall@example.com']),
    'config/staging.json: trigger.alertEmails[1]: address "OnCall@example.com" is already used by trigger.alertEmails[0] (as "oncall@example.com"; case does not count); each entry needs its own',
  ],
  [
    'more tags than Azure takes',
    (c: any) => (c.tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, 'v']))),
    'config/staging.json: tags: has 51 tags; expected at most 50',
  ],
  [
    'a tag name longer than Azure takes, with its length',
    (c: any) => (c.tags = { ['n'.repeat(129)]: 'v' }),
    `config/staging.json: tags key: "${'n'.repeat(59)}... (129 characters) is not accepted; expected a tag name: 1-128 characters without < > % & \\ ? /, other than __proto__`,
  ],
  [
    'a tag value longer than Azure takes, with its length',
    (c: any) => (c.tags = { owner: 'v'.repeat(300) }),
    `config/staging.json: tags.owner: "${'v'.repeat(59)}... (300 characters) is not accepted; expected a tag value: a string of at most 256 characters`,
  ],
  [
    'a spec path with a space (the rollout passes it to az)',
    (c: any) => (c.targets[0].deploymentSpec = 'deploy/my deployment.yml'),
    'config/staging.json: targets[0].deploymentSpec: "deploy/my deployment.yml" is not accepted; expected a relative path in the target repository (letters, digits, ".", "_", "-", "/"; no ".."; at most 255) ending in ".yml" or ".yaml"',
  ],
  [
    'a deployer who is also a token writer is accepted, a deployer twice is not',
    (c: any) =>
      (c.azure.deployers = [
        '22222222-2222-2222-2222-222222222222',
        '22222222-2222-2222-2222-222222222222',
      ]),
    'config/staging.json: azure.deployers[1]: deployer "22222222-2222-2222-2222-222222222222" is already used by azure.deployers[0]; each entry needs its own',
  ],
  [
    'more targets than Event Grid can filter',
    (c: any) =>
      (c.targets = Array.from({ length: 26 }, (_, i) => ({
        ...c.targets[0],
        model: `m${i}`,
        endpoint: `ep-m${i}`,
      }))),
    'config/staging.json: targets: has 26 entries; expected 1 to 25',
  ],
])('%s', (_name, edit, message) => {
  test('is reported with its exact message', () => {
    expect(problemsOf(variant(edit))).toEqual([message]);
  });
});

test('every problem in a file is reported together', () => {
  const bad = variant((c) => {
    c.github.owner = 'bad owner';
    c.auth.mode = 'sso';
    c.targets[0].endpoint = 'x';
    c.extra = true;
  });
  expect(problemsOf(bad)).toEqual([
    'config/staging.json: extra: is not a known field; expected one of $schema, azure, github, auth, role, targets, namePrefix, tags, trigger, backend',
    expect.stringMatching(/^config\/staging\.json: github\.owner: "bad owner" is not accepted/),
    expect.stringMatching(/^config\/staging\.json: auth\.mode: "sso" is not accepted/),
    expect.stringMatching(/^config\/staging\.json: targets\[0\]\.endpoint: "x" is not accepted/),
  ]);
});

describe('files that are not JSON, or not quite', () => {
  test.each([
    [
      'cut short',
      '{ "azure": ',
      'config/staging.json: is not valid JSON: line 1, column 12: expected a value (an object, list, string, number, true, false or null); found the end of the file',
    ],
    [
      'a trailing comma, with line and column',
      '{\n  "namePrefix": "x",\n}',
      'config/staging.json: is not valid JSON: line 3, column 1: expected another property after "," (JSON has no trailing commas); found "}"',
    ],
    [
      'a byte order mark',
      '\uFEFF{}',
      'config/staging.json: starts with a byte order mark (U+FEFF), which JSON does not allow; save the file as UTF-8 without BOM',
    ],
    [
      'a key written twice (JSON.parse would keep the last silently)',
      '{\n  "tags": {},\n  "tags": {"a": "b"}\n}',
      'config/staging.json: is not valid JSON: line 3, column 3: "tags" is written twice in this object (first at line 2, column 3)',
    ],
  ])('%s', (_name, source, message) => {
    expect(parseEnvironmentConfig('config/staging.json', source)).toEqual({ problems: [message] });
  });

  test('a number too large to read is shown as written', () => {
    const source = JSON.stringify(variant((c) => (c.targets[0].canaryPercent = 0))).replace(
      '"canaryPercent":0',
      '"canaryPercent":1e400',
    );
    expect(problemsOf2(source)).toEqual([
      'config/staging.json: targets[0].canaryPercent: 1e400 (a number too large to read) is not accepted; expected a whole number from 0 to 99',
    ]);
  });

  test('a bad file name and a JSON error are reported together', () => {
    expect(parseEnvironmentConfig('config/Prod.json', '{')).toEqual({
      problems: [
        'config/Prod.json: the file name gives the environment name "Prod"; expected 1-20 lowercase letters, digits or "-", starting with a letter (e.g. config/staging.json)',
        'config/Prod.json: is not valid JSON: line 1, column 2: expected a property name in double quotes; found the end of the file',
      ],
    });
  });
});

function problemsOf2(source: string): string[] {
  const r = parseEnvironmentConfig('config/staging.json', source);
  if (!('problems' in r)) throw new Error('expected problems');
  return r.problems;
}

test('rules between fields run even when other fields are broken', () => {
  const bad = variant((c) => {
    c.github.owner = 'bad owner';
    c.targets.push({ ...c.targets[0], model: 'other' });
  });
  expect(problemsOf(bad)).toEqual([
    expect.stringMatching(/^config\/staging\.json: github\.owner: "bad owner" is not accepted/),
    expect.stringMatching(
      /^config\/staging\.json: targets\[1\]\.endpoint: "ep-sklearn-regression" already serves targets\[0\]\.model/,
    ),
  ]);
});

test('tag names: __proto__ is refused (cdktf would drop it) and names differ in more than case', () => {
  const source = JSON.stringify(example).replace(
    '"tags":{',
    '"tags":{"__proto__":"x","Team":"a","TEAM":"b",',
  );
  expect(problemsOf2(source)).toEqual([
    expect.stringMatching(
      /^config\/staging\.json: tags key: "__proto__" is not accepted; expected a tag name: .*other than __proto__$/,
    ),
    'config/staging.json: tags.TEAM: tag name "TEAM" differs from "Team" only in case, and tag names ignore case; keep one',
  ]);
});

test('the largest targets list the rules accept still fits one GitHub variable', () => {
  const path = (ext: string) => `${'d/'.repeat(100)}${'p'.repeat(255 - 200 - ext.length)}${ext}`;
  const targets = Array.from({ length: 25 }, (_, i) => ({
    model: `${String(i).padStart(2, '0')}${'m'.repeat(253)}`,
    endpoint: `e${String(i).padStart(2, '0')}${'e'.repeat(29)}`,
    endpointSpec: path('.yaml'),
    deploymentSpec: path('.yaml'),
    smokeTestRequest: path('.json'),
    canaryPercent: 99,
    keepDeployments: 10,
  }));
  const r = parseEnvironmentConfig('config/staging.json', JSON.stringify({ ...example, targets }));
  if ('problems' in r) throw new Error(r.problems.join('\n'));
  const bytes = Buffer.byteLength(deploymentTargetsDocument(r.config.targets));
  expect(bytes).toBeGreaterThan(25 * 1000);
  expect(bytes).toBeLessThan(GITHUB_VARIABLE_MAX_BYTES);
});

test('a remote backend takes the environment subscription unless it names its own', () => {
  const withBackend = variant(
    (c) =>
      (c.backend = {
        resourceGroup: 'rg-tfstate',
        storageAccount: 'sttfstate01',
        container: 'tfstate',
      }),
  );
  const r = parseEnvironmentConfig('config/staging.json', JSON.stringify(withBackend));
  if ('problems' in r) throw new Error(r.problems.join('\n'));
  expect(r.config.backend).toEqual({
    resourceGroup: 'rg-tfstate',
    storageAccount: 'sttfstate01',
    container: 'tfstate',
    subscriptionId: example.azure.subscriptionId,
  });
});

test('"bootstrap" is reserved for the bootstrap stack', () => {
  expect(problemsOf(example, 'config/bootstrap.json')).toEqual([
    'config/bootstrap.json: "bootstrap" is the bootstrap stack\'s configuration, not an environment; name environments otherwise (e.g. config/staging.json)',
  ]);
});

test('a file name that is not a usable environment name', () => {
  expect(problemsOf(example, 'config/Prod.json')).toEqual([
    'config/Prod.json: the file name gives the environment name "Prod"; expected 1-20 lowercase letters, digits or "-", starting with a letter (e.g. config/staging.json)',
  ]);
});

describe('loadConfigs across environments', () => {
  const files: Record<string, unknown> = {
    'config/staging.json': variant((c) => {
      c.github.environment = 'staging';
      c.github.commitWorkflow = false;
    }),
    'config/production.json': example,
    'other/production.json': variant((c) => {
      c.github.environment = 'prod-2';
      c.github.commitWorkflow = false;
    }),
    'config/clash.json': variant((c) => (c.github.commitWorkflow = false)),
    'config/second-owner.json': variant((c) => (c.github.environment = 'other')),
    'config/broken.json': variant((c) => (c.auth.mode = 'x')),
  };
  const read = (f: string) => {
    if (!(f in files)) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    return JSON.stringify(files[f]);
  };
  const errorOf = (names: string[]) => {
    try {
      loadConfigs(names, read);
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    throw new Error('expected a ConfigError');
  };

  test('two environments sharing a repository, one owning its workflow files', () => {
    expect(errorOf(['config/production.json', 'config/second-owner.json'])).toEqual([
      'config/second-owner.json: github.commitWorkflow: true is not accepted; config/production.json already commits the workflow to contoso/mlops-models, and one environment must own those files (set "commitWorkflow": false in all but one; the production one keeps workflow changes behind its approval)',
    ]);
  });

  test('two environments load side by side', () => {
    const configs = loadConfigs(['config/staging.json', 'config/production.json'], read);
    expect(configs.map((c) => [c.name, c.github.environment])).toEqual([
      ['staging', 'staging'],
      ['production', 'production'],
    ]);
  });

  test('a stack name used twice, a GitHub environment used twice, a broken and a missing file: all reported', () => {
    expect(
      errorOf([
        'config/production.json',
        'other/production.json',
        'config/clash.json',
        'config/broken.json',
        'config/missing.json',
      ]),
    ).toEqual([
      'config/broken.json: auth.mode: "x" is not accepted; expected one of "oidc", "client-secret"',
      'config/missing.json: does not exist (or is a broken link)',
      'other/production.json: gives the stack name "aml-deploy-production", which config/production.json already gives; environment names (file base names) must differ',
      'config/clash.json: github.environment: "production" in contoso/mlops-models is already used by config/production.json; each environment needs its own GitHub environment (its deploy identity trusts only that one; GitHub compares names case-insensitively)',
      // A file with other problems still gets the rules between environments: all at once.
      'config/broken.json: github.environment: "production" in contoso/mlops-models is already used by config/production.json; each environment needs its own GitHub environment (its deploy identity trusts only that one; GitHub compares names case-insensitively)',
      'config/broken.json: github.commitWorkflow: true is not accepted; config/production.json already commits the workflow to contoso/mlops-models, and one environment must own those files (set "commitWorkflow": false in all but one; the production one keeps workflow changes behind its approval)',
    ]);
  });

  test('the rules between environments read every file of the folder, selected or not', () => {
    const others = ['config/staging.json', 'config/production.json', 'config/second-owner.json'];
    // Only staging is selected; production (unselected) owns the workflow of the same
    // repository as second-owner, and second-owner is the one selected here.
    expect(errorOf2(['config/second-owner.json'], others)).toEqual([
      'config/second-owner.json: github.commitWorkflow: true is not accepted; config/production.json already commits the workflow to contoso/mlops-models, and one environment must own those files (set "commitWorkflow": false in all but one; the production one keeps workflow changes behind its approval)',
    ]);
    // Conflicts among unselected files are theirs to report when they are selected.
    expect(loadConfigs(['config/staging.json'], read, others)).toHaveLength(1);
  });

  test('GitHub environments that differ only in case clash', () => {
    const upper = variant((c) => {
      c.github.environment = 'PRODUCTION';
      c.github.commitWorkflow = false;
    });
    const r = (f: string) => (f === 'config/upper.json' ? JSON.stringify(upper) : read(f));
    try {
      loadConfigs(['config/production.json', 'config/upper.json'], r);
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect((e as ConfigError).problems).toEqual([
        'config/upper.json: github.environment: "PRODUCTION" in contoso/mlops-models is already used by config/production.json; each environment needs its own GitHub environment (its deploy identity trusts only that one; GitHub compares names case-insensitively)',
      ]);
    }
  });

  function errorOf2(names: string[], others: string[]) {
    try {
      loadConfigs(names, read, others);
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    throw new Error('expected a ConfigError');
  }

  test('a folder or a broken link where a file belongs', () => {
    const fail = (code: string) => () => {
      throw Object.assign(new Error(code), { code });
    };
    expect(() => loadConfigs(['config/dir.json'], fail('EISDIR'))).toThrow(
      'config/dir.json: is a folder, not a file',
    );
    expect(() => loadConfigs(['config/link.json'], fail('ENOENT'))).toThrow(
      'config/link.json: does not exist (or is a broken link)',
    );
  });
});
