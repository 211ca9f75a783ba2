/**
 * `promotion` in the configuration (lib/promotion-chain.ts, through lib/config.ts): the rules
 * between the environments of a chain, each with its exact message, what each stack publishes,
 * and the stacks a chain synthesizes (registry roles, the plan-time registry lookup).
 */
import { ConfigError, loadConfigs } from '../lib/config';
import { registryId } from '../lib/promotion';
import { VARIABLE_NAMES } from '../lib/workflow-contract';
import { configFrom, exampleJson, resourcesOf, synthStack } from './support/synth';

/** The data sources of one type in synthesized JSON, keyed by logical ID. */
const dataOf = (synthesized: string, type: string): Record<string, any> =>
  JSON.parse(synthesized).data?.[type] ?? {};

const REGISTRY = { name: 'mlr-contoso', resourceGroup: 'rg-ml-shared' };

/** An environment file: the example, on its own workspace and endpoint. */
function env(name: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
  const json = exampleJson();
  json.azure.workspace = `mlw-${name}`;
  json.azure.resourceGroup = `rg-${name}`;
  json.github.environment = name;
  json.github.commitWorkflow = name === 'production';
  json.targets[0].endpoint = `ep-${name}`;
  return { ...json, ...changes };
}

function load(files: Record<string, Record<string, unknown>>, selected = Object.keys(files)) {
  const path = (n: string) => `config/${n}.json`;
  return loadConfigs(
    selected.map(path),
    (file) => JSON.stringify(files[file.slice('config/'.length, -'.json'.length)]),
    Object.keys(files).map(path),
  );
}

function problems(
  files: Record<string, Record<string, unknown>>,
  selected?: string[],
): readonly string[] {
  try {
    load(files, selected);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
}

const CHAIN = {
  staging: env('staging', { promotion: { to: 'production', registry: REGISTRY } }),
  production: env('production'),
};

describe('a valid chain', () => {
  test('each stack publishes its place in it, with the GitHub environments and the full registry', () => {
    const { configs } = load(CHAIN);
    const subscriptionId = exampleJson().azure.subscriptionId;
    const registry = { ...REGISTRY, subscriptionId };
    expect(configs.map((c) => [c.name, c.chain])).toEqual([
      ['staging', { next: { to: 'production', registry } }],
      ['production', { previous: { from: 'staging', registry } }],
    ]);
  });

  test('production selected alone still learns what feeds it', () => {
    const { configs } = load(CHAIN, ['production']);
    expect(configs[0].chain.previous?.from).toBe('staging');
  });

  test('two environments on one workspace: no registry', () => {
    const dev = env('dev', { promotion: { to: 'staging' } });
    const staging = env('staging', { promotion: { to: 'production', registry: REGISTRY } });
    (dev.azure as Record<string, unknown>).workspace = 'mlw-staging';
    (dev.azure as Record<string, unknown>).resourceGroup = 'rg-staging';
    (staging.azure as Record<string, unknown>).eventGridSystemTopic = 'amldeploy-dev-aml-events';
    const { configs } = load({ dev, staging, production: env('production') });
    expect(configs[0].chain).toEqual({ next: { to: 'staging' } });
    expect(configs[1].chain.previous).toEqual({ from: 'dev' });
  });
});

describe('the rules between the environments of a chain', () => {
  test.each<[string, Record<string, Record<string, unknown>>, string[]]>([
    [
      'a next environment without a config file',
      {
        staging: env('staging', { promotion: { to: 'prod', registry: REGISTRY } }),
        production: env('production'),
      },
      ['config/staging.json: promotion.to: "prod" has no config file; expected one of production'],
    ],
    [
      'the environment itself',
      {
        staging: env('staging', { promotion: { to: 'staging', registry: REGISTRY } }),
        production: env('production'),
      },
      ['config/staging.json: promotion.to: "staging" is this environment; expected another one'],
    ],
    [
      'another repository',
      {
        staging: env('staging', { promotion: { to: 'production', registry: REGISTRY } }),
        production: env('production', {
          github: { ...exampleJson().github, repository: 'other', environment: 'production' },
        }),
      },
      [
        'config/staging.json: promotion.to: config/production.json deploys from contoso/other, not contoso/mlops-models; a promotion runs in the same workflow run, so both environments must use one repository',
      ],
    ],
    [
      'no registry between two workspaces',
      {
        staging: env('staging', { promotion: { to: 'production' } }),
        production: env('production'),
      },
      [
        'config/staging.json: promotion.registry: is required: config/production.json deploys from another workspace, so the version travels through an Azure ML registry; name it ({ "name", "resourceGroup" })',
      ],
    ],
    [
      'a model without a target in the next environment',
      {
        staging: env('staging', { promotion: { to: 'production', registry: REGISTRY } }),
        production: env('production', {
          targets: [
            { ...exampleJson().targets[0], model: 'other-model', endpoint: 'ep-production' },
          ],
        }),
      },
      [
        'config/staging.json: targets[0].model: "sklearn-regression" has no target in config/production.json; every model a stage promotes needs one in the next',
      ],
    ],
  ])('%s', (_label, files, expected) => {
    expect(problems(files, ['staging'])).toEqual(expected);
  });

  test('a cycle', () => {
    const found = problems(
      {
        staging: env('staging', { promotion: { to: 'production', registry: REGISTRY } }),
        production: env('production', { promotion: { to: 'staging', registry: REGISTRY } }),
      },
      ['staging'],
    );
    expect(found).toContain(
      'config/staging.json: promotion.to: the chain staging → production → staging comes back to staging; expected a chain that ends',
    );
  });

  test('two environments promoting to one', () => {
    const found = problems({
      dev: env('dev', { promotion: { to: 'production', registry: REGISTRY } }),
      staging: env('staging', { promotion: { to: 'production', registry: REGISTRY } }),
      production: env('production'),
    });
    expect(found).toContain(
      'config/dev.json: promotion.to: config/staging.json promotes to "production" too; an environment is fed by one environment',
    );
  });

  test('a registry where the workspace is shared is refused as unused', () => {
    const dev = env('dev', { promotion: { to: 'staging', registry: REGISTRY } });
    (dev.azure as Record<string, unknown>).workspace = 'mlw-staging';
    (dev.azure as Record<string, unknown>).resourceGroup = 'rg-staging';
    const staging = env('staging');
    (staging.azure as Record<string, unknown>).eventGridSystemTopic = 'amldeploy-dev-aml-events';
    expect(problems({ dev, staging, production: env('production') }, ['dev'])).toEqual([
      'config/dev.json: promotion.registry: is not used: config/staging.json deploys from the same workspace; remove it',
    ]);
  });

  test('more promotions in a row than the workflow runs', () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const files = Object.fromEntries(
      names.map((n, i) => [
        n,
        env(n, i < names.length - 1 ? { promotion: { to: names[i + 1], registry: REGISTRY } } : {}),
      ]),
    );
    expect(problems(files, ['a'])).toEqual([
      'config/a.json: promotion.to: the chain a → b → c → d → e has 4 promotions; the deploy workflow runs at most 3',
    ]);
  });

  test('the feeding environment is checked when only the fed one is selected', () => {
    const files = {
      staging: env('staging', { promotion: { to: 'production' } }),
      production: env('production'),
    };
    expect(problems(files, ['production'])).toEqual([
      'config/staging.json: promotion.registry: is required: config/production.json deploys from another workspace, so the version travels through an Azure ML registry; name it ({ "name", "resourceGroup" })',
    ]);
  });
});

describe('the stacks of a chain', () => {
  const { configs } = load(CHAIN);
  const [staging, production] = configs.map((c) => synthStack(c));
  const registry = registryId({ ...REGISTRY, subscriptionId: exampleJson().azure.subscriptionId });

  test("staging's deploy identity may share into the registry, production's only read it", () => {
    const roles = (stack: string) =>
      Object.values(resourcesOf(stack, 'azurerm_role_assignment'))
        .filter((r) => r.scope === registry)
        .map((r) => r.role_definition_name);
    expect(roles(staging)).toEqual(['AzureML Registry User']);
    expect(roles(production)).toEqual(['Reader']);
  });

  test('a plan fails when the registry does not exist', () => {
    const [lookup] = Object.values(dataOf(staging, 'azurerm_resources'));
    expect(lookup).toMatchObject({
      name: REGISTRY.name,
      resource_group_name: REGISTRY.resourceGroup,
      type: 'Microsoft.MachineLearningServices/registries',
    });
    expect(lookup.lifecycle.postcondition[0].condition).toBe('${length(self.resources) == 1}');
  });

  test('the chain documents are published as variables of each GitHub environment', () => {
    const variables = (stack: string) =>
      Object.fromEntries(
        Object.values(resourcesOf(stack, 'github_actions_environment_variable')).map((v) => [
          v.variable_name,
          v.value,
        ]),
      );
    expect(JSON.parse(variables(staging)[VARIABLE_NAMES.promotion])).toEqual(configs[0].chain.next);
    expect(variables(staging)[VARIABLE_NAMES.promotedFrom]).toBeUndefined();
    expect(JSON.parse(variables(production)[VARIABLE_NAMES.promotedFrom])).toEqual(
      configs[1].chain.previous,
    );
  });

  test('an environment outside a chain gets neither the roles nor the lookup', () => {
    const alone = synthStack(configFrom(exampleJson()));
    expect(Object.keys(dataOf(alone, 'azurerm_resources'))).toEqual([]);
  });
});
