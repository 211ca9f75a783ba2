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
import {
  evaluate,
  evaluateTemplate,
  plan,
  stateWith,
  validate,
  type Condition,
} from './support/terraform-core';
import { configFrom, exampleJson, projectRoot, synthStack } from './support/synth';

function stack(edit: (c: any) => void = () => {}): any {
  const json = exampleJson();
  edit(json);
  return JSON.parse(synthStack(configFrom(json)));
}

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
const answer = (changes: Record<string, unknown> = {}, owner: Record<string, unknown> = {}) =>
  JSON.stringify({ ...HELLO_WORLD, ...changes, owner: { ...HELLO_WORLD.owner, ...owner } });

describe('OIDC subjects, from what GitHub answers about the repository', () => {
  test('the deploy identity trusts both forms of octocat/Hello-World, with its IDs', () => {
    const json = stack();
    const repository = `${only(json.data, 'github_rest_api').address}.body`;
    const subjects = Object.values<any>(
      json.resource.azuread_application_federated_identity_credential,
    ).map((c) => evaluateTemplate(c.subject, { [repository]: answer() }));
    expect(subjects.sort()).toEqual([
      'repo:octocat/Hello-World:environment:production',
      'repo:octocat@1/Hello-World@1296269:environment:production',
    ]);
  });

  test('the plan and apply identities too, for every environment and pull requests', () => {
    const base = JSON.parse(readFileSync(join(projectRoot, 'config', 'bootstrap.json'), 'utf8'));
    const parsed = parseBootstrapConfig('config/bootstrap.json', JSON.stringify(base));
    if (!('config' in parsed)) throw new Error(parsed.problems.join('\n'));
    const json = JSON.parse(
      Testing.synth(
        new BootstrapStack(Testing.app(), 'b', { config: parsed.config, environments: [] }),
      ),
    );
    const repository = `${only(json.data, 'github_rest_api').address}.body`;
    const subjects = Object.values<any>(
      json.resource.azuread_application_federated_identity_credential,
    ).map((c) => evaluateTemplate(c.subject, { [repository]: answer() }));
    expect(subjects.sort()).toEqual([
      'repo:octocat/Hello-World:environment:infra-production',
      'repo:octocat/Hello-World:environment:infra-staging',
      'repo:octocat/Hello-World:pull_request',
      'repo:octocat@1/Hello-World@1296269:environment:infra-production',
      'repo:octocat@1/Hello-World@1296269:environment:infra-staging',
      'repo:octocat@1/Hello-World@1296269:pull_request',
    ]);
  });
});

describe('the deployer check (azure.deployers set)', () => {
  const json = stack((c) => (c.azure.deployers = ['22222222-2222-2222-2222-AAAAAAAAAAAA']));
  const [condition] = only(json.resource, 'azuread_application', 'resource').block.lifecycle
    .precondition as Condition[];
  const caller = only(json.data, 'azuread_client_config').address;
  const run = (objectId: string, readOnly: boolean) =>
    evaluate(condition, { [`${caller}.object_id`]: objectId, 'var.read_only_plan': readOnly });

  test('a deployer plans, whatever the case of its ID', () => {
    expect(run('22222222-2222-2222-2222-aaaaaaaaaaaa', false)).toEqual({ ok: true });
  });

  test('anyone else fails at plan, told which object ID to add and where', () => {
    expect(run('99999999-9999-9999-9999-999999999999', false)).toEqual({
      ok: false,
      message:
        'The principal running Terraform (object ID 99999999-9999-9999-9999-999999999999) is not an owner of amldeploy-example-deploy, so azuread would lock it out right after creating it (its next credential write gets 403). Add 99999999-9999-9999-9999-999999999999 to azure.deployers in config/example.json, or, for a plan that is never applied, set TF_VAR_read_only_plan=true.',
    });
  });

  test('a read-only plan (a pull request diff) by anyone passes', () => {
    expect(run('99999999-9999-9999-9999-999999999999', true)).toEqual({ ok: true });
  });
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
    expect(lookups.map((l) => l.endpoint)).toEqual([
      'repos/contoso/mlops-models',
      'repos/contoso/mlops-models/branches/release/v2',
    ]);
    expect(lookups[1].depends_on).toEqual([
      `data.github_rest_api.${Object.keys(json.data.github_rest_api)[0]}`,
    ]);
  });

  test('found: the plan goes on', () => {
    expect(evaluate(repository, answered(200, '200 OK', HELLO_WORLD))).toEqual({ ok: true });
    expect(
      evaluate(branch, answered(200, '200 OK', { ...branchAnswer, name: 'release/v2' })),
    ).toEqual({ ok: true });
  });

  test('renamed: GitHub answers with the branch it became, and the plan stops', () => {
    expect(evaluate(branch, answered(200, '200 OK', branchAnswer))).toEqual({
      ok: false,
      message: `Branch "release/v2" does not exist in contoso/mlops-models (GitHub answered 200 OK with the branch it was renamed to, ${branchAnswer.name}): create it, correct github.branch, or leave github.branch out to use the default branch.`,
    });
  });

  test('missing: the plan stops, naming what is missing', () => {
    expect(evaluate(repository, answered(404, '404 Not Found'))).toEqual({
      ok: false,
      message:
        'GitHub answered 404 Not Found for the repository contoso/mlops-models: it does not exist, or the GitHub token (GITHUB_TOKEN) cannot read it.',
    });
    expect(evaluate(branch, answered(404, '404 Not Found'))).toEqual({
      ok: false,
      message:
        'Branch "release/v2" does not exist in contoso/mlops-models (GitHub answered 404 Not Found): create it, correct github.branch, or leave github.branch out to use the default branch.',
    });
  });
});

test('a team reviewer on a personal account stops the plan, saying why', () => {
  const json = stack((c) => (c.github.requiredReviewers = { teams: ['ml-platform'] }));
  const repository = `${only(json.data, 'github_rest_api').address}.body`;
  const [condition] = only(json.data, 'github_team').block.lifecycle.precondition as Condition[];
  expect(evaluate(condition, { [repository]: answer({}, { type: 'Organization' }) })).toEqual({
    ok: true,
  });
  expect(evaluate(condition, { [repository]: answer() })).toEqual({
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

  test('reviewers on a private repository', () => {
    expect(evaluate(reviewers, { [repository]: answer() })).toEqual({ ok: true });
    expect(evaluate(reviewers, { [repository]: answer({ visibility: 'private' }) })).toEqual({
      ok: false,
      message:
        'octocat/Hello-World is private: required reviewers there need GitHub Enterprise. On Free, Pro and Team, GitHub refuses them there (422) and the apply fails.',
    });
  });

  test('a branch other than the default one', () => {
    expect(evaluate(dispatch, { [repository]: answer({ default_branch: 'release/v2' }) })).toEqual({
      ok: true,
    });
    expect(evaluate(dispatch, { [repository]: answer() })).toEqual({
      ok: false,
      message:
        'github.branch "release/v2" is not the default branch (master): repository_dispatch runs the default branch\'s workflow, which environment production lets no other branch than "release/v2" deploy.',
    });
  });
});

test("the pull request's replace_triggered_by is a form Terraform accepts", () => {
  const json = stack((c) => (c.github.workflowDelivery = 'pull-request'));
  const { block } = only(json.resource, 'github_repository_pull_request', 'resource');
  const triggers: string[] = block.lifecycle.replace_triggered_by;
  // The same addresses, as built-in resources, so Terraform can check them without a provider.
  const asCore = (a: string) => a.replace('github_repository_file.', 'terraform_data.');
  const config = {
    resource: {
      terraform_data: {
        ...Object.fromEntries(triggers.map((a) => [a.split('.')[1], {}])),
        pull_request: { lifecycle: { replace_triggered_by: triggers.map(asCore) } },
      },
    },
  };
  expect(validate(config)).toEqual([]);
  // What cdktf writes for a resource given directly: Terraform refuses it.
  const wrapped = triggers.map((a) => `\${${asCore(a)}}`);
  expect(
    validate({
      resource: {
        terraform_data: {
          ...config.resource.terraform_data,
          pull_request: { lifecycle: { replace_triggered_by: wrapped } },
        },
      },
    }),
  ).toContain('Invalid character');
});

test("switching workflowDelivery: Terraform forgets the other way's files and deletes none", () => {
  const commit = stack();
  const forgotten: string[] = commit.removed.map((r: any) => r.from);
  // The same addresses, as built-in resources, as an earlier pull-request deploy left them.
  const asCore = (a: string) => a.replace(/^github_[a-z_]+\./, 'terraform_data.');
  const output = plan(
    { removed: commit.removed.map((r: any) => ({ ...r, from: asCore(r.from) })) },
    stateWith(forgotten.map(asCore)),
  );
  expect(output).toContain('Plan: 0 to add, 0 to change, 0 to destroy.');
  expect(output).toContain('will not delete them');
  for (const address of forgotten) expect(output).toContain(` - ${asCore(address)}\n`);
});

test('the signed trigger URL, passed on as the stacks pass it, prints as (sensitive value)', () => {
  const json = stack();
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
