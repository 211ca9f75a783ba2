/**
 * What the stacks compute at plan time, run by the real Terraform on inputs (support/terraform-
 * core.ts): the OIDC subjects from GitHub's own description of a repository, and what a user
 * sees when the caller is not a deployer, a repository or branch is missing, a team reviewer
 * is named on a personal account, the repository is private, or the branch is not the
 * default one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BootstrapStack } from '../stacks/bootstrap-stack';
import { parseBootstrapConfig } from '../lib/bootstrap-config';
import { Testing } from 'cdktf';
import Ajv from 'ajv';
import { gitBlobSha } from '../constructs/github-wiring';
import { TERRAFORM_REQUIRED_VERSION } from '../constructs/terraform-blocks';
import { COMMITTED_FILES } from '../lib/workflow-contract';
import { plan, together, validate, type Condition } from './support/terraform-core';
import { configFrom, exampleJson, projectRoot, synthStack } from './support/synth';

/**
 * Every condition, plan and template below, asked while jest collects the tests and answered
 * by one `terraform plan` and one `terraform console` when a test first reads an answer.
 */
const terraform = together();

/** Synthesized stacks by configuration: several describe blocks read the same variant. */
const synthesized = new Map<string, string>();

function stack(edit: (c: any) => void = () => {}): any {
  const json = exampleJson();
  edit(json);
  const key = JSON.stringify(json);
  if (!synthesized.has(key)) synthesized.set(key, synthStack(configFrom(json)));
  return JSON.parse(synthesized.get(key)!);
}

/** The example stack, synthesized once for every test that reads it unchanged. */
let synthesizedExample: any;
const example = () => (synthesizedExample ??= stack());

/** The one block of a type, with its address. */
function only(blocks: Record<string, any>, type: string, kind = 'data') {
  const entries = Object.entries<any>(blocks[type] ?? {});
  expect(entries).toHaveLength(1);
  const [id, block] = entries[0];
  return { address: kind === 'data' ? `data.${type}.${id}` : `${type}.${id}`, block };
}

/**
 * GitHub's answer to GET /repos/{owner}/{repo}, as its OpenAPI description gives it
 * (@octokit/openapi, example full-repository-default-response): octocat/Hello-World, id
 * 1296269, owner id 1, a User, public, default branch master.
 */
const api = JSON.parse(
  readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8'),
);
const HELLO_WORLD = api.components.examples['full-repository-default-response'].value;
/** A committed file's text, as the stacks commit it. */
const committed = (path: string) =>
  readFileSync(join(projectRoot, COMMITTED_FILES.find((f) => f.path === path)!.source), 'utf8');
const answer = (changes: Record<string, unknown> = {}, owner: Record<string, unknown> = {}) =>
  JSON.stringify({ ...HELLO_WORLD, ...changes, owner: { ...HELLO_WORLD.owner, ...owner } });

/**
 * GitHub's answers to GET /repos/{owner}/{repo}/actions/oidc/customization/sub for
 * octocat/Hello-World, each checked below against the response schema of GitHub's OpenAPI
 * description (oidc-custom-sub-repo). `custom` is its own example; the others fill in the
 * schema's other fields as github.com answers them: `sub_claim_prefix` is "the current sub
 * claim prefix", and repositories have been seen answering `use_immutable_subject: false`
 * next to an immutable prefix. `otherPrefix` is the spelling GitHub's changelog of 2026-04-23
 * printed (IDs after "-"): whatever GitHub reports is trusted exactly.
 */
const SUBJECT_SETTINGS = {
  default: { use_default: true },
  custom: api.components.examples['oidc-custom-sub-repo'].value,
  immutablePrefix: {
    use_default: true,
    use_immutable_subject: false,
    sub_claim_prefix: 'repo:octocat@1/Hello-World@1296269',
  },
  legacyPrefix: {
    use_default: true,
    use_immutable_subject: false,
    sub_claim_prefix: 'repo:octocat/Hello-World',
  },
  optedIn: { use_default: true, use_immutable_subject: true },
  otherPrefix: { use_default: true, sub_claim_prefix: 'repo:octocat-1/Hello-World-1296269' },
} as const;
/** What GitHub answers a token that may not read the settings (basic-error). */
const FORBIDDEN = {
  message: 'Resource not accessible by personal access token',
  documentation_url:
    'https://docs.github.com/rest/actions/oidc#get-the-customization-template-for-an-oidc-subject-claim-for-a-repository',
  status: '403',
};

test("the recorded OIDC answers are valid answers under GitHub's OpenAPI description", () => {
  const ajv = new Ajv({ strict: false });
  const schema = api.components.schemas['oidc-custom-sub-repo'];
  for (const answer of Object.values(SUBJECT_SETTINGS)) {
    expect(ajv.validate(schema, answer) ? [] : ajv.errors).toEqual([]);
  }
  expect(ajv.validate(api.components.schemas['basic-error'], FORBIDDEN)).toBe(true);
});

/** The two reads the subjects come from, by address: the repository and its OIDC settings. */
function reads(json: any) {
  const entries = Object.entries<any>(json.data.github_rest_api);
  const address = (match: (endpoint: string) => boolean) =>
    `data.github_rest_api.${entries.find(([, d]) => match(d.endpoint))![0]}`;
  const settings = address((e) => e.endsWith('/actions/oidc/customization/sub'));
  return {
    repository: address((e) => /^repos\/[^/]+\/[^/]+$/.test(e)),
    settings,
    block: json.data.github_rest_api[settings.split('.')[2]],
  };
}

/**
 * The subjects a stack trusts (the credentials whose count is not 0), as Terraform computes
 * them from the two answers: for each case, a synthesized stack and GitHub's OIDC settings.
 */
function trustedEach<C extends string>(
  cases: Readonly<Record<C, readonly [json: any, settings: unknown]>>,
): () => Record<C, string[]> {
  const credentialsOf = (json: any) =>
    Object.values<any>(json.resource.azuread_application_federated_identity_credential);
  const evaluated = terraform.evaluateTemplatesEach(
    Object.fromEntries(
      Object.entries<readonly [any, unknown]>(cases).map(([name, [json, settings]]) => [
        name,
        {
          templates: Object.fromEntries(
            credentialsOf(json).flatMap((c, i) => [
              [`subject${i}`, c.subject],
              [`count${i}`, c.count ?? '1'],
            ]),
          ),
          references: Object.fromEntries(
            Object.entries<any>(json.data.github_rest_api).map(([id, d]) => [
              `data.github_rest_api.${id}.body`,
              d.endpoint.endsWith('/actions/oidc/customization/sub')
                ? JSON.stringify(settings)
                : answer(),
            ]),
          ),
        },
      ]),
    ),
  );
  return () =>
    Object.fromEntries(
      Object.entries<readonly [any, unknown]>(cases).map(([name, [json]]) => {
        const v = (evaluated() as Record<string, Record<string, unknown>>)[name];
        return [
          name,
          credentialsOf(json)
            .map((_, i) => (Number(v[`count${i}`]) ? String(v[`subject${i}`]) : undefined))
            .filter((x): x is string => x !== undefined)
            .sort(),
        ];
      }),
    ) as Record<C, string[]>;
}

describe('OIDC subjects, from what GitHub answers about the repository', () => {
  const both = [
    'repo:octocat/Hello-World:environment:production',
    'repo:octocat@1/Hello-World@1296269:environment:production',
  ];
  const legacy = stack((c) => (c.github.oidcSubject = 'legacy'));
  const immutable = stack((c) => (c.github.oidcSubject = 'immutable'));
  const byAnswer = trustedEach(
    Object.fromEntries(
      Object.entries({ ...SUBJECT_SETTINGS, forbidden: FORBIDDEN }).map(([name, settings]) => [
        name,
        [example(), settings] as const,
      ]),
    ) as Record<keyof typeof SUBJECT_SETTINGS | 'forbidden', readonly [any, unknown]>,
  );

  test.each<[keyof typeof SUBJECT_SETTINGS | 'forbidden', string[]]>([
    ['default', both],
    ['forbidden', both],
    ['immutablePrefix', ['repo:octocat@1/Hello-World@1296269:environment:production']],
    ['optedIn', ['repo:octocat@1/Hello-World@1296269:environment:production']],
    ['legacyPrefix', ['repo:octocat/Hello-World:environment:production']],
    ['otherPrefix', ['repo:octocat-1/Hello-World-1296269:environment:production']],
  ])(
    '"both" (the default), GitHub answering %s: the deploy identity trusts %j',
    (name, expected) => {
      expect(byAnswer()[name]).toEqual(expected);
    },
  );

  const bootstrap = (() => {
    const base = JSON.parse(readFileSync(join(projectRoot, 'config', 'bootstrap.json'), 'utf8'));
    const parsed = parseBootstrapConfig('config/bootstrap.json', JSON.stringify(base));
    if (!('config' in parsed)) throw new Error(parsed.problems.join('\n'));
    const json = JSON.parse(
      Testing.synth(
        new BootstrapStack(Testing.app(), 'b', { config: parsed.config, environments: [] }),
      ),
    );
    return trustedEach({
      default: [json, SUBJECT_SETTINGS.default],
      immutablePrefix: [json, SUBJECT_SETTINGS.immutablePrefix],
    });
  })();

  test('the plan and apply identities too, for every environment and pull requests', () => {
    const got = bootstrap();
    expect(got.default).toEqual([
      'repo:octocat/Hello-World:environment:infra-production',
      'repo:octocat/Hello-World:environment:infra-staging',
      'repo:octocat/Hello-World:pull_request',
      'repo:octocat@1/Hello-World@1296269:environment:infra-production',
      'repo:octocat@1/Hello-World@1296269:environment:infra-staging',
      'repo:octocat@1/Hello-World@1296269:pull_request',
    ]);
    expect(got.immutablePrefix).toEqual([
      'repo:octocat@1/Hello-World@1296269:environment:infra-production',
      'repo:octocat@1/Hello-World@1296269:environment:infra-staging',
      'repo:octocat@1/Hello-World@1296269:pull_request',
    ]);
  });

  const configured = trustedEach({
    legacy: [legacy, SUBJECT_SETTINGS.default],
    immutable: [immutable, SUBJECT_SETTINGS.default],
    otherPrefix: [immutable, SUBJECT_SETTINGS.otherPrefix],
  });

  test('a configured form is trusted as configured, the immutable one with the prefix GitHub reports', () => {
    const got = configured();
    expect(got.legacy).toEqual([both[0]]);
    expect(got.immutable).toEqual([both[1]]);
    expect(got.otherPrefix).toEqual(['repo:octocat-1/Hello-World-1296269:environment:production']);
  });

  describe('what the plan refuses', () => {
    /** Each postcondition of the settings read, on each answer. */
    const runEach = (calls: readonly [json: any, settings: unknown, code?: number][]) => {
      const cases: Record<string, { condition: Condition; references: Record<string, unknown> }> =
        {};
      calls.forEach(([json, settings, code = 200], i) => {
        const { repository, block } = reads(json);
        (block.lifecycle.postcondition as Condition[]).forEach((condition, j) => {
          cases[`${i}.${j}`] = {
            condition,
            references: {
              'self.body': JSON.stringify(settings),
              'self.code': code,
              [`${repository}.body`]: answer(),
            },
          };
        });
      });
      const outcomes = terraform.evaluateEach(cases);
      return () =>
        calls.map((_, i) =>
          Object.keys(cases)
            .filter((k) => k.startsWith(`${i}.`))
            .map((k) => outcomes()[k]),
        );
    };

    const customTemplate = runEach([
      [example(), SUBJECT_SETTINGS.custom],
      [example(), SUBJECT_SETTINGS.default],
      [example(), FORBIDDEN, 403],
      [legacy, SUBJECT_SETTINGS.custom],
    ]);

    test('a custom subject template, whatever form is configured', () => {
      const refused = {
        ok: false,
        message:
          'The GitHub Actions tokens of octocat/Hello-World follow a custom OIDC subject template (use_default: false, include_claim_keys: ["repo","context"]), which replaces the whole subject: no federated credential this stack creates can match it, and every sign-in would fail with AADSTS700213. Return the repository to GitHub\'s default template (gh api -X PUT repos/contoso/mlops-models/actions/oidc/customization/sub -F use_default=true, as a repository administrator) and plan again.',
      };
      const [custom, standard, forbidden, legacyCustom] = customTemplate();
      expect(custom).toEqual([refused]);
      expect(standard).toEqual([{ ok: true }]);
      expect(forbidden).toEqual([{ ok: true }]);
      expect(legacyCustom[0]).toEqual(refused);
    });

    const otherForm = runEach([
      [legacy, SUBJECT_SETTINGS.immutablePrefix],
      [legacy, SUBJECT_SETTINGS.optedIn],
      [immutable, SUBJECT_SETTINGS.legacyPrefix],
      [legacy, SUBJECT_SETTINGS.default],
      [legacy, SUBJECT_SETTINGS.legacyPrefix],
      [immutable, SUBJECT_SETTINGS.default],
      [immutable, SUBJECT_SETTINGS.immutablePrefix],
      [legacy, FORBIDDEN, 403],
    ]);

    test('a configured form that GitHub says the tokens do not carry', () => {
      const outcomes = otherForm();
      expect(outcomes.slice(0, 3).map((o) => o[1])).toEqual([
        {
          ok: false,
          message:
            'github.oidcSubject in config/example.json is "legacy", but GitHub signs the tokens of octocat/Hello-World with the subject prefix repo:octocat@1/Hello-World@1296269 (use_immutable_subject: false), which a legacy credential does not match: set it to "immutable", or to "both" to trust what GitHub reports.',
        },
        {
          ok: false,
          message:
            'github.oidcSubject in config/example.json is "legacy", but GitHub signs the tokens of octocat/Hello-World with the subject prefix repo:octocat@1/Hello-World@1296269 (use_immutable_subject: true), which a legacy credential does not match: set it to "immutable", or to "both" to trust what GitHub reports.',
        },
        {
          ok: false,
          message:
            'github.oidcSubject in config/example.json is "immutable", but GitHub signs the tokens of octocat/Hello-World with the name-based subject prefix repo:octocat/Hello-World, which an immutable credential does not match: set it to "legacy" or "both", or opt the repository in to immutable subjects in its Actions OIDC settings.',
        },
      ]);
      for (const o of outcomes.slice(3)) expect(o).toEqual([{ ok: true }, { ok: true }]);
    });

    const unreadable = (() => {
      const { settings } = reads(example());
      const [warning] = example().check['github-repository-oidc-settings'].assert as Condition[];
      const at = (code: number, status: string) => ({
        condition: warning,
        references: { [`${settings}.code`]: code, [`${settings}.status`]: status },
      });
      return terraform.evaluateEach({
        read: at(200, '200 OK'),
        forbidden: at(403, '403 Forbidden'),
      });
    })();

    test('settings the token may not read: a warning, and the configured form unchecked', () => {
      const outcomes = unreadable();
      expect(outcomes.read).toEqual({ ok: true });
      expect(outcomes.forbidden).toEqual({
        ok: false,
        message:
          'GitHub answered 403 Forbidden for the OIDC subject settings of contoso/mlops-models (GET repos/contoso/mlops-models/actions/oidc/customization/sub), so the plan cannot tell which subject form its tokens carry: github.oidcSubject in config/example.json is trusted unchecked. A GITHUB_TOKEN that may read them lets the plan check it (classic tokens: the repo scope).',
      });
    });
  });

  test("client-secret mode trusts no token: GitHub's OIDC settings are not read", () => {
    const json = stack((c) => (c.auth = { mode: 'client-secret' }));
    expect(Object.values<any>(json.data.github_rest_api).map((d) => d.endpoint)).not.toContain(
      'repos/contoso/mlops-models/actions/oidc/customization/sub',
    );
  });
});

describe('the deployer check (azure.deployers set)', () => {
  const json = stack((c) => (c.azure.deployers = ['22222222-2222-2222-2222-AAAAAAAAAAAA']));
  const [condition] = only(json.resource, 'azuread_application', 'resource').block.lifecycle
    .precondition as Condition[];
  const caller = only(json.data, 'azuread_client_config').address;
  const run = (objectId: string, readOnly: boolean) => ({
    condition,
    references: { [`${caller}.object_id`]: objectId, 'var.read_only_plan': readOnly },
  });
  const outcomes = terraform.evaluateEach({
    deployer: run('22222222-2222-2222-2222-aaaaaaaaaaaa', false),
    // The caller's ID in upper case too: the check compares both sides lower-cased.
    deployerUpper: run('22222222-2222-2222-2222-AAAAAAAAAAAA', false),
    other: run('99999999-9999-9999-9999-999999999999', false),
    otherReadOnly: run('99999999-9999-9999-9999-999999999999', true),
  });

  test('a deployer plans, whatever the case of its ID', () => {
    expect(outcomes().deployer).toEqual({ ok: true });
    expect(outcomes().deployerUpper).toEqual({ ok: true });
  });

  test('anyone else fails at plan, told which object ID to add and where', () => {
    expect(outcomes().other).toEqual({
      ok: false,
      message:
        'The principal running Terraform (object ID 99999999-9999-9999-9999-999999999999) is not an owner of amldeploy-example-deploy, so azuread would lock it out right after creating it (its next credential write gets 403). Add 99999999-9999-9999-9999-999999999999 to azure.deployers in config/example.json, or, for a plan that is never applied, set TF_VAR_read_only_plan=true.',
    });
  });

  test('a read-only plan (a pull request diff) by anyone passes', () => {
    expect(outcomes().otherReadOnly).toEqual({ ok: true });
  });
});

describe('no azure.deployers: the first principal to deploy stays the only one', () => {
  const json = example();
  const application = only(json.resource, 'azuread_application', 'resource');
  const [condition] = application.block.lifecycle.precondition as Condition[];
  const first = only(json.resource, 'time_static', 'resource');
  const caller = `${only(json.data, 'azuread_client_config').address}.object_id`;
  const A = '22222222-2222-2222-2222-aaaaaaaaaaaa';
  const B = '33333333-3333-3333-3333-bbbbbbbbbbbb';

  test('the first deploy records its caller and keeps it: the triggers are never updated', () => {
    expect(first.block).toMatchObject({
      triggers: { object_id: `\${${caller}}` },
      lifecycle: { ignore_changes: ['triggers'] },
    });
  });

  /**
   * The recorded caller as Terraform keeps it: a terraform_data whose input (time_static's
   * triggers) is ignored after creation, and the precondition reading it; planned from no
   * state (the first deploy) or from the state the first deploy left. Every case at once: its
   * own pair of resources and variables.
   */
  const cases = {
    first: { me: A, recorded: undefined, readOnly: false },
    same: { me: A, recorded: A, readOnly: false },
    sameUpper: { me: A.toUpperCase(), recorded: A, readOnly: false },
    other: { me: B, recorded: A, readOnly: false },
    otherReadOnly: { me: B, recorded: A, readOnly: true },
  } as const;
  const outcomes = (() => {
    const variable: Record<string, object> = {};
    const values: Record<string, unknown> = {};
    const resources: Record<string, object> = {};
    const state: string[] = [];
    const inputs: Record<string, unknown> = {};
    for (const [name, c] of Object.entries(cases)) {
      const rewrite = (text: string) =>
        text
          .split(`${first.address}.triggers`)
          .join(`terraform_data.${name}_recorded.input`)
          .split(caller)
          .join(`var.${name}_caller`)
          .split('var.read_only_plan')
          .join(`var.${name}_read_only`);
      variable[`${name}_caller`] = { type: 'string' };
      variable[`${name}_read_only`] = { type: 'bool' };
      values[`${name}_caller`] = c.me;
      values[`${name}_read_only`] = c.readOnly;
      resources[`${name}_recorded`] = {
        input: { object_id: `\${var.${name}_caller}` },
        // time_static's triggers, as the stack writes them: kept as first written.
        lifecycle: {
          ignore_changes: first.block.lifecycle.ignore_changes.map((a: string) =>
            a === 'triggers' ? 'input' : a,
          ),
        },
      };
      resources[`${name}_application`] = {
        lifecycle: {
          precondition: [
            {
              condition: rewrite(condition.condition),
              error_message: rewrite(condition.error_message),
            },
          ],
        },
      };
      if (c.recorded) {
        state.push(`terraform_data.${name}_recorded`);
        inputs[`terraform_data.${name}_recorded`] = { object_id: c.recorded };
      }
    }
    const report = terraform.plan({ variable, resource: resources, state, inputs, values });
    return (name: keyof typeof cases) => {
      const message = report().failures.get(`${name}_application`);
      return message === undefined ? { ok: true } : { ok: false, message };
    };
  })();

  test('the first deploy, and every later one by the same principal, whatever the case of its ID', () => {
    expect(outcomes('first')).toEqual({ ok: true });
    expect(outcomes('same')).toEqual({ ok: true });
    expect(outcomes('sameUpper')).toEqual({ ok: true });
  });

  test('anyone else stops at plan, told who deployed first and what to list', () => {
    expect(outcomes('other')).toEqual({
      ok: false,
      message: `amldeploy-example-deploy was first deployed by object ID ${A}, its only owner, because azure.deployers in config/example.json is empty. Deploying as ${B} would make ${B} the only owner instead: azuread removes every owner that is not listed, and ${A} could no longer change the identity (403). List every principal that deploys in azure.deployers in config/example.json (e.g. ["${A}", "${B}"]), or, for a plan that is never applied, set TF_VAR_read_only_plan=true.`,
    });
  });

  test('a read-only plan (a pull request diff) by anyone passes', () => {
    expect(outcomes('otherReadOnly')).toEqual({ ok: true });
  });

  test('with azure.deployers, nothing is recorded', () => {
    const listed = stack((c) => (c.azure.deployers = [A]));
    expect(listed.resource.time_static).toBeUndefined();
  });
});

describe('the GitHub environment must be spelled as GitHub holds it', () => {
  const json = example();
  const lookup = Object.values<any>(json.data.github_rest_api).find((d) =>
    d.endpoint.includes('/environments/'),
  );
  const [condition] = lookup.lifecycle.postcondition as Condition[];
  // GitHub's example answer (@octokit/openapi, environment), for the environment it holds.
  const environment = api.components.examples.environment.value;
  const answered = (code: number, body: object) => ({
    'self.code': code,
    'self.body': JSON.stringify(body),
  });

  test('looked up by name, which GitHub matches ignoring case', () => {
    expect(lookup.endpoint).toBe('repos/contoso/mlops-models/environments/production');
    const spaced = stack((c) => (c.github.environment = 'Prod #1'));
    expect(
      Object.values<any>(spaced.data.github_rest_api).find((d) =>
        d.endpoint.includes('/environments/'),
      ).endpoint,
    ).toBe('repos/contoso/mlops-models/environments/Prod%20%231');
  });

  const outcomes = terraform.evaluateEach({
    missing: { condition, references: answered(404, { message: 'Not Found' }) },
    same: { condition, references: answered(200, { ...environment, name: 'production' }) },
    other: { condition, references: answered(200, { ...environment, name: 'Production' }) },
  });

  test('not there yet, or spelled the same: the plan goes on', () => {
    expect(outcomes().missing).toEqual({ ok: true });
    expect(outcomes().same).toEqual({ ok: true });
  });

  test('spelled otherwise: the plan stops before the provider would replace it', () => {
    expect(outcomes().other).toEqual({
      ok: false,
      message:
        'GitHub already holds the environment "production" of contoso/mlops-models spelled "Production". GitHub ignores the case of environment names but the GitHub provider does not: after its first update it would replace the environment on every deploy, deleting its secrets, variables and protection rules. Set github.environment in config/example.json to "Production".',
    });
  });
});

test('required_version: the version CI runs satisfies it, and so does the one on PATH', () => {
  const required = example().terraform.required_version;
  expect(required).toBe(TERRAFORM_REQUIRED_VERSION);
  const ci = readFileSync(join(projectRoot, '.terraform-version'), 'utf8').trim();
  expect(validate({ terraform: { required_version: `${required}, = ${ci}` } })).toEqual([]);
  // Terraform refuses a configuration whose constraint it does not meet.
  expect(validate({ terraform: { required_version: '>= 99.0' } })).toEqual([
    'Unsupported Terraform Core version',
  ]);
});

describe('the repository and the branch must exist', () => {
  const json = stack((c) => (c.github.branch = 'release/v2'));
  const lookups = Object.values<any>(json.data.github_rest_api);
  const [repository] = lookups[0].lifecycle.postcondition as Condition[];
  const [branch] = lookups[1].lifecycle.postcondition as Condition[];
  const answered = (code: number, status: string, body: object = { message: 'Not Found' }) => ({
    'self.code': code,
    'self.status': status,
    'self.body': JSON.stringify(body),
  });
  // GitHub's example answers (@octokit/openapi): a branch, and a repository.
  const branchAnswer = api.components.examples['branch-with-protection'].value;

  test('read first, then the branch', () => {
    expect(lookups.map((l) => l.endpoint).slice(0, 2)).toEqual([
      'repos/contoso/mlops-models',
      'repos/contoso/mlops-models/branches/release/v2',
    ]);
    expect(lookups[1].depends_on).toEqual([
      `data.github_rest_api.${Object.keys(json.data.github_rest_api)[0]}`,
    ]);
  });

  const outcomes = terraform.evaluateEach({
    repositoryFound: { condition: repository, references: answered(200, '200 OK', HELLO_WORLD) },
    branchFound: {
      condition: branch,
      references: answered(200, '200 OK', { ...branchAnswer, name: 'release/v2' }),
    },
    branchRenamed: { condition: branch, references: answered(200, '200 OK', branchAnswer) },
    repositoryMissing: { condition: repository, references: answered(404, '404 Not Found') },
    branchMissing: { condition: branch, references: answered(404, '404 Not Found') },
  });

  test('found: the plan goes on', () => {
    expect(outcomes().repositoryFound).toEqual({ ok: true });
    expect(outcomes().branchFound).toEqual({ ok: true });
  });

  test('renamed: GitHub answers with the branch it became, and the plan stops', () => {
    expect(outcomes().branchRenamed).toEqual({
      ok: false,
      message: `Branch "release/v2" does not exist in contoso/mlops-models (GitHub answered 200 OK with the branch it was renamed to, ${branchAnswer.name}): create it, correct github.branch, or leave github.branch out to use the default branch.`,
    });
  });

  test('missing: the plan stops, naming what is missing', () => {
    expect(outcomes().repositoryMissing).toEqual({
      ok: false,
      message:
        'GitHub answered 404 Not Found for the repository contoso/mlops-models: it does not exist, or the GitHub token (GITHUB_TOKEN) cannot read it.',
    });
    expect(outcomes().branchMissing).toEqual({
      ok: false,
      message:
        'Branch "release/v2" does not exist in contoso/mlops-models (GitHub answered 404 Not Found): create it, correct github.branch, or leave github.branch out to use the default branch.',
    });
  });
});

const teamReviewer = (() => {
  const json = stack((c) => (c.github.requiredReviewers = { teams: ['ml-platform'] }));
  const repository = `${reads(json).repository}.body`;
  const [condition] = only(json.data, 'github_team').block.lifecycle.precondition as Condition[];
  return terraform.evaluateEach({
    organization: { condition, references: { [repository]: answer({}, { type: 'Organization' }) } },
    personal: { condition, references: { [repository]: answer() } },
  });
})();

test('a team reviewer on a personal account stops the plan, saying why', () => {
  expect(teamReviewer().organization).toEqual({ ok: true });
  expect(teamReviewer().personal).toEqual({
    ok: false,
    message:
      'github.requiredReviewers.teams names the team "ml-platform", but octocat/Hello-World belongs to a personal account, which has no teams: name users instead.',
  });
});

describe('plan-time warnings (check blocks)', () => {
  const json = stack((c) => (c.github.branch = 'release/v2'));
  const repository = 'data.github_rest_api.github-repository_A2BB87E6.body';
  const [reviewers] = json.check['github-wiring-reviewers-plan'].assert as Condition[];
  const [dispatch] = json.check['github-wiring-dispatch-branch'].assert as Condition[];

  const outcomes = terraform.evaluateEach({
    publicReviewers: { condition: reviewers, references: { [repository]: answer() } },
    privateReviewers: {
      condition: reviewers,
      references: { [repository]: answer({ visibility: 'private' }) },
    },
    defaultBranch: {
      condition: dispatch,
      references: { [repository]: answer({ default_branch: 'release/v2' }) },
    },
    otherBranch: { condition: dispatch, references: { [repository]: answer() } },
  });

  test('reviewers on a private repository', () => {
    expect(outcomes().publicReviewers).toEqual({ ok: true });
    expect(outcomes().privateReviewers).toEqual({
      ok: false,
      message:
        'octocat/Hello-World is private: required reviewers there need GitHub Enterprise. On Free, Pro and Team, GitHub refuses them there (422) and the apply fails.',
    });
  });

  test('a branch other than the default one', () => {
    expect(outcomes().defaultBranch).toEqual({ ok: true });
    expect(outcomes().otherBranch).toEqual({
      ok: false,
      message:
        'github.branch "release/v2" is not the default branch (master): repository_dispatch runs the default branch\'s workflow, which environment production lets no other branch than "release/v2" deploy.',
    });
  });
});

describe('pull-request delivery: the branch, and when a pull request opens', () => {
  const json = stack((c) => (c.github.workflowDelivery = 'pull-request'));
  const pr = only(json.resource, 'github_repository_pull_request', 'resource');
  const branch = only(json.resource, 'github_branch', 'resource');
  const files = Object.entries<any>(json.resource.github_repository_file);
  const listings = Object.entries<any>(json.data.github_rest_api).filter(([, d]) =>
    d.endpoint.includes('/contents/'),
  );
  const base = Object.entries<any>(json.data.github_rest_api).find(([, d]) =>
    d.endpoint.includes('/branches/'),
  )!;
  const repository = `${reads(json).repository}.body`;
  // GitHub's example answers (@octokit/openapi): a branch, and a folder's listing, whose
  // entries are made to hold the committed files, byte for byte or not.
  const branchAnswer = api.components.examples['branch-get'].value;
  const [fileEntry] = api.components.examples['content-file-response-if-content-is-a-directory']
    .value as any[];
  const listing = (folder: string, same: boolean) =>
    JSON.stringify(
      files
        .map(([, f]) => f)
        .filter((f) => f.file.slice(0, f.file.lastIndexOf('/')) === folder)
        .map((f) => ({
          ...fileEntry,
          name: f.file.split('/').pop(),
          path: f.file,
          sha: same ? gitBlobSha(committed(f.file)) : 'fff6fe3a23bf1c8ea0692b4a883af99bee26fd3b',
        })),
    );
  const listingsAs = (answer: (folder: string) => string) =>
    Object.fromEntries(
      listings.map(([id, d]) => [
        `data.github_rest_api.${id}.body`,
        answer(d.endpoint.split('/contents/')[1].split('?')[0]),
      ]),
    );
  const counts = terraform.evaluateTemplatesEach({
    differ: {
      templates: { count: pr.block.count },
      references: listingsAs((f) => listing(f, false)),
    },
    same: { templates: { count: pr.block.count }, references: listingsAs((f) => listing(f, true)) },
    // No listing (404: the folder does not exist yet).
    missing: {
      templates: { count: pr.block.count },
      references: listingsAs(() => '{"message":"Not Found"}'),
    },
  });

  const start = terraform.evaluateTemplates(
    { sha: branch.block.source_sha, source: branch.block.source_branch, read: base[1].endpoint },
    {
      [repository]: answer(),
      [`data.github_rest_api.${base[0]}.body`]: JSON.stringify(branchAnswer),
    },
  );

  test('the branch starts at the head of the default branch, read at plan time; the files wait for it', () => {
    expect(base[1].endpoint).toBe(
      `repos/contoso/mlops-models/branches/\${urlencode(jsondecode(${repository}).default_branch)}`,
    );
    expect(start()).toEqual({
      sha: branchAnswer.commit.sha,
      source: 'master',
      read: 'repos/contoso/mlops-models/branches/master',
    });
    expect(branch.block.lifecycle).toEqual({ ignore_changes: ['source_branch', 'source_sha'] });
    for (const [, f] of files) {
      expect(f.depends_on).toEqual([branch.address]);
      expect(f).not.toHaveProperty('autocreate_branch');
    }
  });

  test('a pull request only while the base lacks the files as committed (git blob SHAs)', () => {
    expect(counts()).toEqual({ differ: { count: 1 }, same: { count: 0 }, missing: { count: 1 } });
  });

  /**
   * The same resources as built-in ones, planned by Terraform from the state an earlier apply
   * left: files and pull request as terraform_data (a file's `content` is its `input`), the
   * branch's creation time as a terraform_data whose input is the branch's ID. What this checks
   * is Terraform's replace_triggered_by, moved and count, which no provider takes part in.
   * Each scenario has its own copy of the resources (names prefixed).
   */
  const triggers: string[] = pr.block.lifecycle.replace_triggered_by;
  const id = (address: string) => address.split('.')[1];
  const createdId = id(triggers.find((t) => t.startsWith('time_static.'))!);
  const scenarios = {
    unchanged: { needed: true, content: 'v1', deployed: 'all' },
    newContent: { needed: true, content: 'v2', deployed: 'all' },
    // GitHub deleted the branch on merge; the provider's Read dropped it and the files.
    recreated: { needed: true, content: 'v2', deployed: 'branch deleted' },
    // The same, with the triggers the previous version had: the files alone.
    recreatedFilesOnly: {
      needed: true,
      content: 'v2',
      deployed: 'branch deleted',
      filesOnly: true,
    },
    merged: { needed: false, content: 'v1', deployed: 'all' },
    upgraded: { needed: true, content: 'v1', deployed: 'previous version' },
  } as const;
  const planned = (() => {
    const resources: Record<string, object> = {};
    const moved: object[] = [];
    const state: string[] = [];
    const inputs: Record<string, unknown> = {};
    for (const [name, sc] of Object.entries(scenarios)) {
      const at = (resourceId: string) => `terraform_data.${name}_${resourceId}`;
      // A file's content is its stand-in's input; any other address keeps its attribute path.
      const asCore = (a: string) => {
        const content = /^github_repository_file\.([^.]+)\.content$/.exec(a);
        return content ? `${at(content[1])}.input` : a.replace(/^[a-z_]+\.([^.[]+)/, at('$1'));
      };
      resources[`${name}_${id(branch.address)}`] = {};
      resources[`${name}_${createdId}`] = { input: `\${${at(id(branch.address))}.id}` };
      for (const [fileId] of files) resources[`${name}_${fileId}`] = { input: sc.content };
      resources[`${name}_${id(pr.address)}`] = {
        count: sc.needed ? 1 : 0,
        lifecycle: {
          replace_triggered_by: triggers
            .filter((t) => !('filesOnly' in sc) || t.startsWith('github_repository_file.'))
            .map(asCore),
        },
      };
      for (const m of json.moved.filter((m: any) => m.from === pr.address)) {
        moved.push({ from: asCore(m.from), to: `${asCore(m.from)}[0]` });
      }
      const prAt =
        sc.deployed === 'previous version' ? at(id(pr.address)) : `${at(id(pr.address))}[0]`;
      state.push(at(createdId), prAt);
      inputs[at(createdId)] = at(id(branch.address));
      if (sc.deployed !== 'branch deleted') {
        state.push(at(id(branch.address)));
        for (const [fileId] of files) {
          state.push(at(fileId));
          inputs[at(fileId)] = 'v1';
        }
      }
    }
    const report = terraform.plan({ resource: resources, moved, state, inputs });
    return (name: keyof typeof scenarios) => {
      const prefix = `terraform_data.${name}_`;
      return Object.fromEntries(
        Object.entries(report().changes)
          .filter(([a]) => a.startsWith(prefix))
          .map(([a, c]) => [a.slice(prefix.length).replace(/_[0-9A-F]{8}/, ''), c]),
      );
    };
  })();

  test('nothing changed: nothing to do', () => {
    expect(planned('unchanged')).toEqual({});
  });

  test('new content: the files change and the pull request is opened anew', () => {
    expect(planned('newContent')).toEqual({
      'github-wiring_proposed-file-github_workflows_aml-deploy-modelyml': { action: 'update' },
      'github-wiring_proposed-file-github_workflows_aml-deploy-stageyml': { action: 'update' },
      'github-wiring_proposed-file-github_workflows_aml-deploy_rolloutjs': { action: 'update' },
      'github-wiring_workflow-pull-request[0]': {
        action: 'replace',
        reason: 'replace_triggered_by',
      },
    });
  });

  test('merged and its branch deleted, then new content: branch, files and a new pull request', () => {
    expect(planned('recreated')).toEqual({
      'github-wiring_workflow-branch': { action: 'create' },
      'github-wiring_workflow-branch-created': { action: 'update' },
      'github-wiring_proposed-file-github_workflows_aml-deploy-modelyml': { action: 'create' },
      'github-wiring_proposed-file-github_workflows_aml-deploy-stageyml': { action: 'create' },
      'github-wiring_proposed-file-github_workflows_aml-deploy_rolloutjs': { action: 'create' },
      'github-wiring_workflow-pull-request[0]': {
        action: 'replace',
        reason: 'replace_triggered_by',
      },
    });
    // Files that are created count as no change: by the files alone, no pull request opens.
    expect(planned('recreatedFilesOnly')).not.toHaveProperty([
      'github-wiring_workflow-pull-request[0]',
    ]);
  });

  test('merged, nothing new: the pull request is forgotten, none is opened', () => {
    expect(planned('merged')).toEqual({
      'github-wiring_workflow-pull-request[0]': {
        action: 'delete',
        reason: 'delete_because_count_index',
      },
    });
  });

  test('upgraded from the version without count: the pull request moves to [0], nothing else', () => {
    expect(planned('upgraded')).toEqual({
      'github-wiring_workflow-pull-request[0]': {
        action: 'move',
        from: `terraform_data.upgraded_${id(pr.address)}`,
      },
    });
  });
});

/** What Terraform plans from the state an earlier pull-request deploy left. */
const switching = (() => {
  const commit = example();
  // The same addresses, as built-in resources, as an earlier pull-request deploy left them.
  const asCore = (a: string) => a.replace(/^github_[a-z_]+\./, 'terraform_data.');
  const forgotten: string[] = commit.removed.map((r: any) => asCore(r.from));
  const report = terraform.plan({
    resource: {},
    removed: commit.removed.map((r: any) => ({ ...r, from: asCore(r.from) })),
    state: forgotten,
  });
  return { forgotten, report };
})();

test("switching workflowDelivery: Terraform forgets the other way's files and deletes none", () => {
  const { forgotten, report } = switching;
  expect(forgotten.length).toBeGreaterThan(0);
  // Each is forgotten (`remove`: out of the state, not destroyed); nothing else is planned.
  expect(report().changes).toEqual(
    Object.fromEntries(
      forgotten.map((a) => [a, { action: 'remove', reason: 'delete_because_no_resource_config' }]),
    ),
  );
  const [warning] = report().warnings.filter((w) => w.includes('will not delete them'));
  for (const address of forgotten) expect(warning).toContain(` - ${address}\n`);
});

test('the signed trigger URL, passed on as the stacks pass it, prints as (sensitive value)', () => {
  const json = example();
  const [, subscription] = Object.entries<any>(
    json.resource.azurerm_eventgrid_system_topic_event_subscription,
  )[0];
  const trigger = Object.keys(json.resource.azurerm_logic_app_trigger_http_request)[0];
  const source = `azurerm_logic_app_trigger_http_request.${trigger}.callback_url`;
  // The same expression, reading a built-in resource's attribute instead of azurerm's.
  const url: string = subscription.webhook_endpoint.url;
  expect(url).toBe(`\${sensitive(${source})}`);
  const output = plan({
    resource: {
      terraform_data: {
        trigger: { input: 'https://example.logic.azure.com/invoke?sv=1.0&sig=S3CR3T' },
        subscription: { input: url.replace(source, 'terraform_data.trigger.input') },
      },
    },
  });
  expect(output).toContain('+ input  = (sensitive value)');
  expect(output.match(/S3CR3T/g)).toHaveLength(1); // only the source itself, not what reads it
});
