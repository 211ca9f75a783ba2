/**
 * The stacks' plan-time conditions, run by the real Terraform on inputs (support/terraform-
 * core.ts): what a user sees when the caller is not a deployer, a branch is missing, the
 * repository is private, or the branch is not the default one.
 */
import { evaluate, plan, validate, type Condition } from './support/terraform-core';
import { configFrom, exampleJson, synthStack } from './support/synth';

function stack(edit: (c: any) => void = () => {}): any {
  const json = exampleJson();
  edit(json);
  return JSON.parse(synthStack(configFrom(json)));
}

/** The one value of a map of resources or data sources, with its address. */
function only(blocks: Record<string, any>, type: string, kind = 'data') {
  const entries = Object.entries<any>(blocks[type] ?? {});
  expect(entries).toHaveLength(1);
  const [id, block] = entries[0];
  return { address: kind === 'data' ? `data.${type}.${id}` : `${type}.${id}`, block };
}

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

describe('the branch check (github.branch set)', () => {
  const json = stack((c) => (c.github.branch = 'release/v2'));
  const [condition] = only(json.data, 'github_repository_branches').block.lifecycle
    .postcondition as Condition[];
  const run = (branches: string[]) =>
    evaluate(condition, {
      'self.branches': branches.map((name) => ({ name, protected: false })),
      'self.id': 'contoso/mlops-models',
    });

  test('an existing branch passes', () => {
    expect(run(['main', 'release/v2'])).toEqual({ ok: true });
  });

  test('a missing one fails at plan, named', () => {
    expect(run(['main'])).toEqual({
      ok: false,
      message:
        'Branch "release/v2" does not exist in contoso/mlops-models: create it, correct github.branch, or leave github.branch out to use the default branch.',
    });
  });
});

describe('plan-time warnings (check blocks)', () => {
  const json = stack((c) => (c.github.branch = 'release/v2'));
  const repository = only(json.data, 'github_repository').address;
  const [reviewers] = json.check['github-wiring-reviewers-plan'].assert as Condition[];
  const [dispatch] = json.check['github-wiring-dispatch-branch'].assert as Condition[];

  test('reviewers on a private repository', () => {
    const run = (visibility: string) =>
      evaluate(reviewers, {
        [`${repository}.visibility`]: visibility,
        [`${repository}.full_name`]: 'contoso/mlops-models',
      });
    expect(run('public')).toEqual({ ok: true });
    expect(run('private')).toEqual({
      ok: false,
      message:
        'contoso/mlops-models is private: required reviewers there need GitHub Enterprise. On Free, Pro and Team, GitHub applies them to public repositories only, and the provider then creates environment production without them.',
    });
  });

  test('a branch other than the default one', () => {
    const run = (defaultBranch: string) =>
      evaluate(dispatch, { [`${repository}.default_branch`]: defaultBranch });
    expect(run('release/v2')).toEqual({ ok: true });
    expect(run('main')).toEqual({
      ok: false,
      message:
        'github.branch "release/v2" is not the default branch (main): repository_dispatch runs the default branch\'s workflow, which environment production lets no other branch than "release/v2" deploy.',
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
