/**
 * `scripts/new-env.ts`: the README's way to a first configuration. It writes only what the
 * app accepts (the app's own parser and the rules between environments), never overwrites,
 * and says which flag each problem came from.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// The standalone build: the package's main entry loads its plugins with import(), which
// jest's CommonJS runtime cannot.
import * as babel from 'prettier/plugins/babel';
import * as estree from 'prettier/plugins/estree';
import { format as prettierFormat } from 'prettier/standalone';
import { parseEnvironmentConfig } from '../lib/config';
import { formatJson, main, USAGE } from '../scripts/new-env';
import { cloneFiles } from './support/clone';

const repoRoot = join(__dirname, '..');
const prettierrc = JSON.parse(readFileSync(join(repoRoot, '.prettierrc.json'), 'utf8'));
/** The file as `prettier --write` (npm run format) would leave it. */
const prettier = (text: string) =>
  prettierFormat(text, { ...prettierrc, parser: 'json', plugins: [babel, estree] });

const FLAGS = [
  '--subscription',
  '8d6c7e3a-1111-2222-3333-444455556666',
  '--tenant',
  '5f0e1234-aaaa-bbbb-cccc-ddddeeeeffff',
  '--location',
  'japaneast',
  '--resource-group',
  'rg-ml',
  '--workspace',
  'mlw-ml',
  '--repository',
  'my-org/ml-models',
  '--model',
  'credit-default',
  '--endpoint',
  'ep-credit-default',
  '--alert-email',
  'ml-oncall@example.com',
];

/** A project folder with the config/ files of a fresh clone (the committed samples). */
function project(): string {
  const root = mkdtempSync(join(tmpdir(), 'new-env-'));
  mkdirSync(join(root, 'config'));
  for (const f of cloneFiles().filter((f) => f.startsWith('config/'))) {
    copyFileSync(join(repoRoot, f), join(root, f));
  }
  return root;
}

function run(argv: string[], root = project(), env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, {
    root,
    env,
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n'), root };
}

const configFiles = (root: string) => readdirSync(join(root, 'config')).sort();

test('writes config/<env>.json that the app accepts, with only what the flags set', () => {
  const r = run(['dev', ...FLAGS]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(
    [
      'Wrote config/dev.json.',
      'Next: put deploy/endpoint.yml, deploy/deployment.yml, deploy/sample-request.json into my-org/ml-models (docs/rollout.md), and check the stack: AML_DEPLOY_ENVIRONMENTS=dev npm run synth',
    ].join('\n'),
  );
  const text = readFileSync(join(r.root, 'config', 'dev.json'), 'utf8');
  expect(JSON.parse(text)).toEqual({
    $schema: '../schemas/environment.schema.json',
    azure: {
      subscriptionId: '8d6c7e3a-1111-2222-3333-444455556666',
      tenantId: '5f0e1234-aaaa-bbbb-cccc-ddddeeeeffff',
      location: 'japaneast',
      resourceGroup: 'rg-ml',
      workspace: 'mlw-ml',
    },
    github: { owner: 'my-org', repository: 'ml-models' },
    targets: [
      {
        model: 'credit-default',
        endpoint: 'ep-credit-default',
        endpointSpec: 'deploy/endpoint.yml',
        deploymentSpec: 'deploy/deployment.yml',
        smokeTestRequest: 'deploy/sample-request.json',
      },
    ],
    trigger: { alertEmails: ['ml-oncall@example.com'] },
  });
  const parsed = parseEnvironmentConfig('config/dev.json', text);
  if (!('config' in parsed)) throw new Error(parsed.problems.join('\n'));
  // What the issue found the copied example did: the user's environment is its own, and the
  // dispatch token stays out of Terraform.
  expect(parsed.config.github.environment).toBe('dev');
  expect(parsed.config.trigger.githubTokenSource).toBe('out-of-band');
  expect(configFiles(r.root)).toEqual([
    'bootstrap.json',
    'dev.json',
    'example.json',
    'production.json',
    'staging.json',
  ]);
});

test('the optional flags: deployers, reviewers, and the workflow left to another environment', () => {
  const deployers = [
    '22222222-2222-2222-2222-222222222222',
    '33333333-3333-3333-3333-333333333333',
  ];
  const r = run([
    'dev',
    ...FLAGS,
    '--deployer',
    deployers[0],
    `--deployer=${deployers[1]}`,
    '--reviewer',
    'octocat',
    '--commit-workflow',
    'false',
  ]);
  expect(r.stderr).toBe('');
  const json = JSON.parse(readFileSync(join(r.root, 'config', 'dev.json'), 'utf8'));
  expect(json.azure.deployers).toEqual(deployers);
  expect(json.github).toEqual({
    owner: 'my-org',
    repository: 'ml-models',
    commitWorkflow: false,
    requiredReviewers: { users: ['octocat'] },
  });
});

test('never overwrites: a committed sample stays byte for byte, and the message says what to do', () => {
  const root = project();
  const before = readFileSync(join(root, 'config', 'staging.json'), 'utf8');
  const r = run(['staging', ...FLAGS], root);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(
    'new-env: config/staging.json exists; new-env never overwrites a file. Choose another environment name, edit config/staging.json itself, or keep your environments in a folder of your own (AML_DEPLOY_CONFIG_DIR=<folder> npm run new-env -- ...).',
  );
  expect(readFileSync(join(root, 'config', 'staging.json'), 'utf8')).toBe(before);
});

test("every problem at once, in the app's words, with the flag it came from; nothing written", () => {
  const r = run([
    'Dev',
    ...FLAGS.map(
      (v) =>
        ({
          '8d6c7e3a-1111-2222-3333-444455556666': 'my-subscription',
          japaneast: 'tokyo',
          'my-org/ml-models': 'my-org/ml/models',
          'ep-credit-default': 'ep',
          'ml-oncall@example.com': 'oncall',
        })[v] ?? v,
    ),
    '--reviewer',
    '-octocat',
  ]);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(
    [
      'new-env: config/Dev.json was not written:',
      '  config/Dev.json: the file name gives the environment name "Dev"; expected 1-20 lowercase letters, digits or "-", starting with a letter (e.g. config/staging.json) (the <env> argument)',
      '  config/Dev.json: azure.subscriptionId: "my-subscription" is not accepted; expected a GUID such as "00000000-0000-0000-0000-000000000000" (flag --subscription)',
      '  config/Dev.json: azure.location: "tokyo" is not accepted; expected an Azure region name such as "japaneast" (`az account list-locations --query "[].name"`) (flag --location)',
      '  config/Dev.json: github.repository: "ml/models" is not accepted; expected a GitHub repository name: 1-100 letters, digits, ".", "-" or "_" (not "." or "..") (flag --repository)',
      '  config/Dev.json: github.requiredReviewers.users[0]: "-octocat" is not accepted; expected a GitHub login: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen; for a managed user, followed by "_" and the enterprise shortcode (e.g. "mona-cat_octo") (flag --reviewer)',
      '  config/Dev.json: targets[0].endpoint: "ep" is not accepted; expected an online endpoint name: 3-32 letters, digits or "-", starting with a letter and not ending with "-" (flag --endpoint)',
      '  config/Dev.json: trigger.alertEmails[0]: "oncall" is not accepted; expected an email address such as "ml-oncall@example.com" (flag --alert-email)',
    ].join('\n'),
  );
  expect(configFiles(r.root)).not.toContain('Dev.json');
});

test('the rules between environments: a second environment on the repository and workspace of another', () => {
  const root = project();
  expect(run(['dev', ...FLAGS], root).code).toBe(0);
  const second = run(['prod', ...FLAGS], root);
  expect(second.code).toBe(1);
  expect(second.stderr).toBe(
    [
      'new-env: config/prod.json was not written:',
      '  config/prod.json: github.commitWorkflow: true is not accepted; config/dev.json already commits the workflow to my-org/ml-models, and one environment must own those files (set "commitWorkflow": false in all but one; the production one keeps workflow changes behind its approval) (flag --commit-workflow)',
      '  config/prod.json: azure.eventGridSystemTopic: is required here: config/dev.json creates the Event Grid system topic of workspace mlw-ml (resource group rg-ml), and a workspace has only one; set "eventGridSystemTopic": "amldeploy-dev-aml-events" to share it (flag --system-topic)',
      '  config/prod.json: targets[0].endpoint: "ep-credit-default" is already an online endpoint of config/dev.json (targets[0]) in region japaneast; endpoint names are unique per region, so each environment needs its own (flag --endpoint)',
    ].join('\n'),
  );
  const fixed = FLAGS.map((v) => (v === 'ep-credit-default' ? 'ep-credit-default-prod' : v));
  const third = run(
    ['prod', ...fixed, '--commit-workflow', 'false', '--system-topic', 'amldeploy-dev-aml-events'],
    root,
  );
  expect(third.stderr).toBe('');
  expect(third.code).toBe(0);
});

test.each([
  [
    ['dev', ...FLAGS, '--resource_group', 'x'],
    'unknown flag --resource_group (did you mean --resource-group?)',
  ],
  [
    ['dev', '--subscription'],
    '--subscription needs a value; missing --tenant, --location, --resource-group, --workspace, --repository, --model, --endpoint, --alert-email',
  ],
  [FLAGS, 'missing <env>, the new environment name'],
  [
    ['dev', 'prod', ...FLAGS],
    'one environment at a time: "dev", "prod" given; put flags after "--"',
  ],
  [['dev', ...FLAGS, '--model', 'other'], '--model is given twice; give it once'],
  [
    ['dev', ...FLAGS, '--commit-workflow', 'no'],
    '--commit-workflow "no" is not accepted; expected true or false',
  ],
  [
    ['dev', ...FLAGS.map((v) => (v === 'my-org/ml-models' ? 'ml-models' : v))],
    '--repository "ml-models" is not accepted; expected <owner>/<repo>, such as "my-org/ml-models"',
  ],
])('usage: %#', (argv, problems) => {
  const r = run(argv);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`new-env: ${problems}.\n${USAGE}`);
  expect(configFiles(r.root)).not.toContain('dev.json');
});

test.each(['../dev', 'nested/dev', '/tmp/dev'])('<env> %j: a name, never a path', (env) => {
  const root = project();
  const r = run([env, ...FLAGS], root);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(
    `new-env: <env> ${JSON.stringify(env)} is not accepted; expected an environment name such as "dev", not a path (the file is config/<env>.json)`,
  );
  expect(readdirSync(root).sort()).toEqual(['config']);
});

test('--help prints the usage', () => {
  expect(run(['--help'])).toMatchObject({ code: 0, stdout: USAGE, stderr: '' });
});

test('AML_DEPLOY_CONFIG_DIR: the file goes there, and "$schema" still finds the schema', () => {
  const root = project();
  for (const dir of ['envs', join(mkdtempSync(join(tmpdir(), 'new-env-')), 'my configs')]) {
    mkdirSync(resolve(root, dir));
    const r = run(['dev', ...FLAGS], root, { AML_DEPLOY_CONFIG_DIR: dir });
    expect(r.stderr).toBe('');
    const word = dir.includes(' ') ? `'${dir}'` : dir;
    expect(r.stdout).toContain(
      `AML_DEPLOY_CONFIG_DIR=${word} AML_DEPLOY_ENVIRONMENTS=dev npm run synth`,
    );
    const file = resolve(root, dir, 'dev.json');
    const text = readFileSync(file, 'utf8');
    expect('config' in parseEnvironmentConfig(file, text)).toBe(true);
    const schema: string = JSON.parse(text).$schema;
    const target = schema.startsWith('file:')
      ? fileURLToPath(schema)
      : resolve(dirname(file), schema);
    expect(target).toBe(join(root, 'schemas', 'environment.schema.json'));
  }
  expect(run(['dev', ...FLAGS], root, { AML_DEPLOY_CONFIG_DIR: 'nope' }).stderr).toBe(
    `new-env: AML_DEPLOY_CONFIG_DIR: "nope" does not exist; expected a folder of <environment>.json files, relative to the project root (${root}) or absolute; leave it unset for "config"`,
  );
  expect(existsSync(join(root, 'config', 'dev.json'))).toBe(false);
});

test('formatJson lays JSON out as prettier does, so the written file passes `npm test`', async () => {
  // Every line length around the width, for a list followed by a comma and for a last one.
  for (let length = 40; length <= 80; length++) {
    const list = ['a'.repeat(length), 'b@example.com'];
    const value = {
      trigger: { alertEmails: list, last: list },
      targets: [{ model: 'm', tags: list }],
      other: { empty: {}, none: [], n: null, b: true, i: 1 },
    };
    const text = `${formatJson(value)}\n`;
    expect(text).toBe(await prettier(text));
    expect(JSON.parse(text)).toEqual(value);
  }
});

test('the written file is what prettier writes', async () => {
  const r = run(['dev', ...FLAGS, '--deployer', '22222222-2222-2222-2222-222222222222']);
  const text = readFileSync(join(r.root, 'config', 'dev.json'), 'utf8');
  expect(text).toBe(await prettier(text));
});
