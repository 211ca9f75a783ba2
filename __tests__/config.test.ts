import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError,
  environmentSchema,
  environmentWarnings,
  gitBranch,
  loadConfigs,
  parseEnvironmentConfig,
} from '../lib/config';
import { show, type Rule } from '../lib/schema';
import { GITHUB_VARIABLE_MAX_BYTES, deploymentTargetsDocument } from '../lib/workflow-contract';
import { deploymentTarget } from '../lib/deployment-target';
import { entries } from '../lib/schema-docs';
import {
  ENVIRONMENT_ACCEPTANCES,
  ENVIRONMENT_REFUSALS,
  defaultsOf,
} from './support/config-fixtures';

const example = JSON.parse(readFileSync(join(__dirname, '..', 'config', 'example.json'), 'utf8'));

/** The example with `edit` applied to a deep copy. */
function variant(edit: (c: any) => void): any {
  const c = structuredClone(example);
  edit(c);
  return c;
}

const BACKEND = {
  resourceGroup: 'rg-tfstate',
  storageAccount: 'sttfstate01',
  container: 'tfstate',
};

/** The configuration the app makes of `json` as config/staging.json; throws on problems. */
function configOf(json: unknown) {
  const r = parseEnvironmentConfig('config/staging.json', JSON.stringify(json));
  if ('problems' in r) throw new Error(r.problems.join('\n'));
  return r.config;
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
    const config = configOf(minimal);
    expect(config.github.branch).toBeUndefined(); // the default branch, read at plan time
    expect(config).toMatchObject({
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
    // Each target field the schema gives a default has it (the defaults themselves are in
    // the reviewed snapshot below).
    expect(config.targets[0]).toEqual({ ...minimal.targets[0], ...defaultsOf(deploymentTarget) });
  });

  test('every default of the configuration, as the schema declares it (reviewed snapshot)', () => {
    // A new default, or a changed one, shows up here for review: the docs, the schemas and
    // the published targets all take it from the schema.
    const declared = Object.fromEntries(
      entries(environmentSchema as Rule<unknown>).flatMap(({ path, field }) =>
        field.presence === 'required'
          ? []
          : [
              [
                path,
                field.presence === 'defaulted'
                  ? field.default
                  : `(${field.defaultText ?? 'left out'})`,
              ],
            ],
      ),
    );
    expect(declared).toMatchSnapshot();
  });
});

// Each rule: a bad value and the exact problems a user reads (the list is shared with the
// JSON Schema test, which runs each one through the generated schema too).
describe.each(ENVIRONMENT_REFUSALS.map((r) => [r.name, r] as const))('%s', (_name, r) => {
  test('is reported with its exact message', () => {
    expect(parseEnvironmentConfig(r.file, r.source)).toEqual({ problems: r.problems });
  });
});

describe.each(ENVIRONMENT_ACCEPTANCES.map((a) => [a.name, a] as const))('%s', (_name, a) => {
  test('is accepted', () => {
    const r = parseEnvironmentConfig(a.file, JSON.stringify(a.json));
    if ('problems' in r) throw new Error(r.problems.join('\n'));
  });
});

test('GUIDs reach the stacks in lower case, as Entra ID and Graph write them', () => {
  const upper = variant((c) => {
    c.azure.subscriptionId = 'ABCDEF00-0000-0000-0000-00000000000A';
    c.azure.tenantId = 'ABCDEF11-1111-1111-1111-11111111111B';
    c.azure.deployers = ['AAAAAAAA-2222-2222-2222-222222222222'];
    c.trigger.tokenWriters = ['BbBbBbBb-3333-3333-3333-333333333333'];
    c.backend = { ...BACKEND, subscriptionId: 'CCCCCCCC-4444-4444-4444-444444444444' };
  });
  const config = configOf(upper);
  expect(config.azure).toMatchObject({
    subscriptionId: 'abcdef00-0000-0000-0000-00000000000a',
    tenantId: 'abcdef11-1111-1111-1111-11111111111b',
    deployers: ['aaaaaaaa-2222-2222-2222-222222222222'],
  });
  expect(config.trigger.tokenWriters).toEqual(['bbbbbbbb-3333-3333-3333-333333333333']);
  expect(config.backend?.subscriptionId).toBe('cccccccc-4444-4444-4444-444444444444');
});

test('a restricted-access region is accepted, with a warning', () => {
  const config = configOf(variant((c) => (c.azure.location = 'switzerlandwest')));
  expect(environmentWarnings(config)).toEqual([
    'config/staging.json: azure.location: "switzerlandwest" is a restricted-access region: Microsoft opens it to a subscription only on request (https://learn.microsoft.com/troubleshoot/azure/general/region-access-request-process); without that, the deploy fails when it creates the first resource there',
  ]);
  expect(environmentWarnings(configOf(example))).toEqual([]);
});

test('long values are shown cut at a character, never inside one or inside an escape', () => {
  expect(show('😀'.repeat(100))).toBe(`"${'😀'.repeat(59)}... (100 characters)`);
  // The 60th character of the JSON falls inside the escape "\n": the cut leaves it out.
  const list = [`${'a'.repeat(57)}\nb`, 'c'.repeat(30)];
  expect(show(list)).toBe(`["${'a'.repeat(57)}... (2 entries)`);
  expect(show({ k: 'é'.repeat(100) })).toBe(`{"k":"${'é'.repeat(54)}... (108 characters of JSON)`);
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
  const config = configOf({ ...example, targets });
  const bytes = Buffer.byteLength(deploymentTargetsDocument(config.targets));
  expect(bytes).toBeGreaterThan(25 * 1000);
  expect(bytes).toBeLessThan(GITHUB_VARIABLE_MAX_BYTES);
});

test('a remote backend takes the environment subscription unless it names its own', () => {
  const config = configOf(variant((c) => (c.backend = BACKEND)));
  expect(config.backend).toEqual({ ...BACKEND, subscriptionId: example.azure.subscriptionId });
});

/** On a workspace and an endpoint of its own: clear of the rules about shared ones. */
function apart(c: any, n: string): void {
  c.azure.workspace = `mlw-${n}`;
  c.targets[0].endpoint = `ep-${n}`;
}

describe('loadConfigs across environments', () => {
  const files: Record<string, unknown> = {
    'config/staging.json': variant((c) => {
      c.github.environment = 'staging';
      c.github.commitWorkflow = false;
      apart(c, 'staging');
    }),
    'config/production.json': example,
    'other/production.json': variant((c) => {
      c.github.environment = 'prod-2';
      c.github.commitWorkflow = false;
      apart(c, 'other');
    }),
    'config/clash.json': variant((c) => {
      c.github.commitWorkflow = false;
      apart(c, 'clash');
    }),
    'config/second-owner.json': variant((c) => {
      c.github.environment = 'other';
      apart(c, 'second');
    }),
    'config/broken.json': variant((c) => {
      c.auth.mode = 'x';
      apart(c, 'broken');
    }),
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
    const { configs } = loadConfigs(['config/staging.json', 'config/production.json'], read);
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
    expect(loadConfigs(['config/staging.json'], read, others).configs).toHaveLength(1);
  });

  test('GitHub environments that differ only in case clash', () => {
    const upper = variant((c) => {
      c.github.environment = 'PRODUCTION';
      c.github.commitWorkflow = false;
      apart(c, 'upper');
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

  test('a symbolic link loop where a file belongs', () => {
    const loop = () => {
      throw Object.assign(new Error('ELOOP'), { code: 'ELOOP' });
    };
    expect(() => loadConfigs(['config/loop.json'], loop)).toThrow(
      'config/loop.json: is a symbolic link that leads back to itself (ELOOP)',
    );
  });

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

describe('what environments share: one system topic per workspace, endpoint names per region', () => {
  const TOPIC = 'amldeploy-production-aml-events';
  const production = example;
  /** Staging on the production workspace, with its own GitHub environment and endpoint. */
  const onProductionWorkspace = (edit: (c: any) => void = () => {}) =>
    variant((c) => {
      c.github.environment = 'staging';
      c.github.commitWorkflow = false;
      c.targets[0].endpoint = 'ep-sklearn-regression-stg';
      edit(c);
    });
  const outcome = (files: Record<string, unknown>, selected = Object.keys(files)) => {
    const read = (f: string) => JSON.stringify(files[f]);
    try {
      return loadConfigs(selected, read, Object.keys(files)).configs.map((c) => c.name);
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
  };

  test('a second environment on a workspace must name the topic the first creates', () => {
    expect(
      outcome({
        'config/production.json': production,
        'config/staging.json': onProductionWorkspace(),
      }),
    ).toEqual([
      `config/staging.json: azure.eventGridSystemTopic: is required here: config/production.json creates the Event Grid system topic of workspace mlw-mlops (resource group rg-mlops), and a workspace has only one; set "eventGridSystemTopic": "${TOPIC}" to share it`,
    ]);
  });

  test("two environments on one workspace (promotion): the second shares the first's topic", () => {
    const staging = onProductionWorkspace((c) => (c.azure.eventGridSystemTopic = TOPIC));
    expect(
      outcome({ 'config/production.json': production, 'config/staging.json': staging }),
    ).toEqual(['production', 'staging']);
    // Named in another case: Azure resource names ignore case.
    const upper = onProductionWorkspace(
      (c) => (c.azure.eventGridSystemTopic = TOPIC.toUpperCase()),
    );
    expect(outcome({ 'config/production.json': production, 'config/staging.json': upper })).toEqual(
      ['production', 'staging'],
    );
  });

  test('the topic named must be the one the other environment creates, whichever is selected', () => {
    const staging = onProductionWorkspace((c) => (c.azure.eventGridSystemTopic = 'my-topic'));
    const files = { 'config/production.json': production, 'config/staging.json': staging };
    const problem = `config/staging.json: azure.eventGridSystemTopic: "my-topic" is not accepted; config/production.json creates the Event Grid system topic of workspace mlw-mlops (resource group rg-mlops), and a workspace has only one; expected "${TOPIC}", the topic it creates`;
    expect(outcome(files, ['config/staging.json'])).toEqual([problem]);
    // Selected alone, production creates the topic; staging's mistake is staging's to report.
    expect(outcome(files, ['config/production.json'])).toEqual(['production']);
  });

  test('environments that all name an existing topic name the same one', () => {
    const named = (topic: string) =>
      variant((c) => {
        c.azure.eventGridSystemTopic = topic;
      });
    const staging = onProductionWorkspace((c) => (c.azure.eventGridSystemTopic = 'topic-b'));
    expect(
      outcome({ 'config/production.json': named('topic-a'), 'config/staging.json': staging }),
    ).toEqual([
      'config/staging.json: azure.eventGridSystemTopic: "topic-b" is not accepted; config/production.json names "topic-a" as the Event Grid system topic of workspace mlw-mlops (resource group rg-mlops), and a workspace has only one; expected "topic-a"',
    ]);
    // An environment that creates the topic defines it, even if another names one that
    // exists: the namer is told which one (a topic made outside is named by every file).
    expect(
      outcome({
        'config/production.json': named('topic-a'),
        'config/staging.json': onProductionWorkspace(),
      }),
    ).toEqual([
      `config/production.json: azure.eventGridSystemTopic: "topic-a" is not accepted; config/staging.json creates the Event Grid system topic of workspace mlw-mlops (resource group rg-mlops), and a workspace has only one; expected "amldeploy-staging-aml-events", the topic it creates`,
    ]);
    const same = onProductionWorkspace((c) => (c.azure.eventGridSystemTopic = 'topic-a'));
    expect(
      outcome({ 'config/production.json': named('topic-a'), 'config/staging.json': same }),
    ).toEqual(['production', 'staging']);
  });

  test('the same workspace name in another resource group or subscription is another workspace', () => {
    const elsewhere = variant((c) => {
      c.github.environment = 'staging';
      c.github.commitWorkflow = false;
      c.azure.resourceGroup = 'rg-mlops-stg';
      c.azure.location = 'japanwest';
    });
    expect(
      outcome({ 'config/production.json': production, 'config/staging.json': elsewhere }),
    ).toEqual(['production', 'staging']);
  });

  test('an endpoint name used by another environment in the same region', () => {
    const staging = variant((c) => {
      c.github.environment = 'staging';
      c.github.commitWorkflow = false;
      c.azure.workspace = 'mlw-staging';
      c.targets.push({ ...c.targets[0], model: 'm2', endpoint: 'ep-m2' });
      c.targets[0].endpoint = 'EP-sklearn-regression';
    });
    expect(
      outcome({ 'config/production.json': production, 'config/staging.json': staging }),
    ).toEqual([
      'config/staging.json: targets[0].endpoint: "EP-sklearn-regression" is already an online endpoint of config/production.json (targets[0]) in region japaneast; endpoint names are unique per region, so each environment needs its own',
    ]);
    // In another region, the name is free.
    const west = variant((c) => {
      c.github.environment = 'staging';
      c.github.commitWorkflow = false;
      c.azure.workspace = 'mlw-west';
      c.azure.location = 'japanwest';
    });
    expect(outcome({ 'config/production.json': production, 'config/staging.json': west })).toEqual([
      'production',
      'staging',
    ]);
  });

  test('an endpoint name used by another environment on the same workspace, whatever its location', () => {
    const staging = onProductionWorkspace((c) => {
      c.azure.eventGridSystemTopic = TOPIC;
      c.azure.location = 'japanwest';
      c.targets[0].endpoint = 'ep-sklearn-regression';
    });
    expect(
      outcome({ 'config/production.json': production, 'config/staging.json': staging }),
    ).toEqual([
      'config/staging.json: targets[0].endpoint: "ep-sklearn-regression" is already an online endpoint of config/production.json (targets[0]) in workspace mlw-mlops (resource group rg-mlops); endpoint names are unique per region, so each environment needs its own',
    ]);
  });
});

describe('branch names: git check-ref-format --branch decides', () => {
  // Verdicts recorded from `git check-ref-format --branch NAME` (git 2.39.5). The rule takes
  // exactly what git takes, except the refinements it names in its own message.
  const GIT_TAKES = [
    'main',
    'release/v2',
    'user@feature',
    'a./b',
    '機能/追加',
    'HEAD/x',
    'x/HEAD',
    '@/x',
    'a/-b',
    "a'b",
    'a`b',
    'a;b',
    'a,b',
    'a+b=c!',
    '@@',
    'head',
  ];
  const GIT_REFUSES = [
    'feature..x',
    'HEAD',
    'fix@{1}',
    '-fix',
    '-',
    '.hidden',
    'feature/.hidden',
    'feature.lock/x',
    'x.lock',
    'release.',
    'feature//x',
    'feature/',
    '/feature',
    'my feature',
    'fix~1',
    'fix^1',
    'fix:1',
    'fix?',
    'fix*',
    'fix[1',
    'fix\\1',
  ];
  // git takes these; the rule refuses them, each with the message of its refinement.
  const REFINED = ['@', 'refs/heads/main', 'fix#12', 'a%b', 'a$b', 'a{b}', 'a"b'];
  const check = (branch: string) => gitBranch.check(branch, 'github.branch');

  test.each(GIT_TAKES)('%j: git takes it, so does the rule', (branch) => {
    expect(check(branch)).toEqual({ value: branch });
  });
  test.each(GIT_REFUSES)('%j: git refuses it, so does the rule', (branch) => {
    expect(check(branch)).toEqual({
      problems: [
        {
          path: 'github.branch',
          message: `${show(branch)} is not accepted; expected ${gitBranch.expected}`,
        },
      ],
    });
  });
  test.each(REFINED)('%j: git takes it, the rule refuses it and says why', (branch) => {
    const r = check(branch);
    expect('problems' in r && r.problems[0].message).not.toContain(gitBranch.expected);
    expect('problems' in r && r.problems[0].message).toMatch(
      /expected a branch name (without|other than)/,
    );
  });
});
