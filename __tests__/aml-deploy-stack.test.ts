import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActionsEnvironmentVariable } from '@cdktf/provider-github/lib/actions-environment-variable';
import { Application } from '@cdktf/provider-azuread/lib/application';
import { ServicePrincipal } from '@cdktf/provider-azuread/lib/service-principal';
import { ApplicationFederatedIdentityCredential } from '@cdktf/provider-azuread/lib/application-federated-identity-credential';
import { ApplicationPasswordA as ApplicationPassword } from '@cdktf/provider-azuread/lib/application-password';
import { RepositoryEnvironment } from '@cdktf/provider-github/lib/repository-environment';
import { RepositoryEnvironmentDeploymentPolicy } from '@cdktf/provider-github/lib/repository-environment-deployment-policy';
import { RepositoryPullRequest } from '@cdktf/provider-github/lib/repository-pull-request';
import { WORKFLOW_UPDATE_BRANCH } from '../lib/workflow-contract';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { TerraformResource, Testing } from 'cdktf';
import { terraformLiteral } from '../lib/terraform-literal';
import { loadCommittedFiles } from '../main';
import { AmlDeployStack, TOKEN_NOT_SET } from '../stacks/aml-deploy-stack';
import { ROLE_PROPAGATION } from '../constructs/dispatch-token-vault';
import { TERRAFORM_REQUIRED_VERSION } from '../constructs/terraform-blocks';
import {
  COMMITTED_FILES,
  DEPLOY_WORKFLOW_PATH,
  SECRET_NAMES,
  VARIABLE_NAMES,
} from '../lib/workflow-contract';
import { OUTPUT_NAMES } from '../lib/naming';
import { publishedTarget } from '../lib/deployment-target';
import { defaultsOf } from './support/config-fixtures';
import { configFrom, exampleJson, projectRoot, resourcesOf, synthStack } from './support/synth';

const oidc = synthStack(configFrom(exampleJson()));
/** An environment outside a release chain publishes every variable but the chain's. */
const OUTSIDE_A_CHAIN = Object.values(VARIABLE_NAMES)
  .filter((n) => n !== VARIABLE_NAMES.promotion && n !== VARIABLE_NAMES.promotedFrom)
  .sort();
/** GitHub's answer about the repository, decoded (constructs/github-repository.ts). */
const REPOSITORY = 'jsondecode(data.github_rest_api.github-repository_A2BB87E6.body)';
/** GitHub's answer about the repository's OIDC subject settings. */
const OIDC_SETTINGS = 'data.github_rest_api.github-repository_oidc-settings_B83A789F.body';
const clientSecret = synthStack(
  configFrom({ ...exampleJson(), auth: { mode: 'client-secret', secretRotationDays: 60 } }),
);

/** Terraform's reading of a literal string: what reaches GitHub. */
function terraformUnescape(text: string): string {
  return text.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
}

/**
 * Replaces committed file bodies (asserted byte for byte below) and the Logic App definition
 * (one escaped line of JSON; snapshotted pretty-printed on its own) so snapshots show structure.
 */
function scrubFileContent(synthesized: string): string {
  const json = JSON.parse(synthesized);
  for (const file of Object.values<any>(json.resource.github_repository_file)) {
    file.content = `<content of ${COMMITTED_FILES.find((f) => f.path === file.file)?.source}>`;
  }
  for (const action of Object.values<any>(json.resource.azurerm_logic_app_action_custom)) {
    action.body = '<the Logic App definition: see the snapshot "Logic App definition">';
  }
  return JSON.stringify(json, null, 2);
}

describe('snapshots (drift)', () => {
  test('oidc stack', () => expect(scrubFileContent(oidc)).toMatchSnapshot());
  test('client-secret stack', () => expect(scrubFileContent(clientSecret)).toMatchSnapshot());
  test('Logic App definition', () => {
    const [action] = Object.values(resourcesOf(oidc, 'azurerm_logic_app_action_custom'));
    expect({ [action.name]: JSON.parse(action.body) }).toMatchSnapshot();
  });
});

describe('deploy identity', () => {
  test.each([
    ['oidc', oidc],
    ['client-secret', clientSecret],
  ])('%s: the role is granted on the resource group, never the subscription', (_m, s) => {
    expect(s).toHaveResourceWithProperties(RoleAssignment, {
      scope: '${data.azurerm_resource_group.resource-group.id}',
      role_definition_name: 'Contributor',
      principal_type: 'ServicePrincipal',
    });
    const assignments = Object.values(resourcesOf(s, 'azurerm_role_assignment'));
    const deployIdentity = assignments.filter((a) =>
      a.principal_id.startsWith('${azuread_service_principal.deploy-identity_'),
    );
    expect(deployIdentity).toHaveLength(1);
    // No role assignment of the stack is scoped to a subscription.
    for (const a of assignments) expect(a.scope).not.toMatch(/^\/subscriptions\/[^/]+$/);
  });

  test('owners: whoever runs Terraform by default, the configured deployers when given', () => {
    const deployerRef =
      '${data.azuread_client_config.deploy-identity_app_caller_4538504E.object_id}';
    expect(oidc).toHaveResourceWithProperties(Application, { owners: [deployerRef] });
    expect(oidc).toHaveResourceWithProperties(ServicePrincipal, { owners: [deployerRef] });

    // Fixed IDs: a plan by another principal (a pull request's diff) changes no owner.
    const json = exampleJson();
    json.azure.deployers = ['22222222-2222-2222-2222-222222222222'];
    const s = synthStack(configFrom(json));
    const owners = ['22222222-2222-2222-2222-222222222222'];
    expect(s).toHaveResourceWithProperties(Application, { owners });
    expect(s).toHaveResourceWithProperties(ServicePrincipal, { owners });
    expect(JSON.parse(s).data.azurerm_client_config).toBeUndefined();
    expect(s).toHaveResourceWithProperties(RoleAssignment, {
      role_definition_name: 'Key Vault Secrets Officer',
      principal_id: '22222222-2222-2222-2222-222222222222',
    });
  });

  test('with deployers, a plan by anyone else fails naming its object ID, unless it only reads', () => {
    const json = exampleJson();
    json.azure.deployers = ['22222222-2222-2222-2222-AAAAAAAAAAAA'];
    const [application] = Object.values(
      resourcesOf(synthStack(configFrom(json)), 'azuread_application'),
    );
    const caller = 'data.azuread_client_config.deploy-identity_app_caller_4538504E.object_id';
    expect(application.lifecycle.precondition).toEqual([
      {
        // GUIDs compare case-insensitively: both sides lower-cased.
        condition: `\${(var.read_only_plan || contains(["22222222-2222-2222-2222-aaaaaaaaaaaa"], lower(${caller})))}`,
        error_message: `The principal running Terraform (object ID \${${caller}}) is not an owner of amldeploy-example-deploy, so azuread would lock it out right after creating it (its next credential write gets 403). Add \${${caller}} to azure.deployers in config/example.json, or, for a plan that is never applied, set TF_VAR_read_only_plan=true.`,
      },
    ]);
    expect(JSON.parse(synthStack(configFrom(json))).variable.read_only_plan).toEqual({
      type: 'bool',
      default: false,
      description: expect.stringContaining('never applied'),
    });
    // Without deployers the caller becomes the owner: the first one is recorded instead
    // (what that check says is evaluated in conditions.test.ts).
    const [open] = Object.values(resourcesOf(oidc, 'azuread_application'));
    expect(open.lifecycle.precondition[0].condition).toContain(
      'time_static.deploy-identity_app_first-deployer_058F1031.triggers.object_id',
    );
  });

  test('a deployer who is also a token writer gets one role assignment, not two', () => {
    const json = exampleJson();
    json.azure.deployers = ['22222222-2222-2222-2222-222222222222'];
    json.trigger.tokenWriters = ['22222222-2222-2222-2222-222222222222'.toUpperCase()];
    const officers = Object.values(
      resourcesOf(synthStack(configFrom(json)), 'azurerm_role_assignment'),
    ).filter((a) => a.role_definition_name === 'Key Vault Secrets Officer');
    expect(officers.map((a) => a.principal_id)).toEqual(['22222222-2222-2222-2222-222222222222']);
  });

  test("the wait for role propagation runs again whenever a writer's role assignment is created", () => {
    const json = exampleJson();
    json.trigger.tokenWriters = ['33333333-3333-3333-3333-333333333333'];
    json.azure.deployers = ['22222222-2222-2222-2222-222222222222'];
    const s = synthStack(configFrom(json));
    const [sleep] = Object.values(resourcesOf(s, 'time_sleep'));
    const officers = Object.keys(resourcesOf(s, 'azurerm_role_assignment')).filter((id) =>
      id.includes('secrets-officer-'),
    );
    expect(officers).toHaveLength(2);
    expect(sleep).toEqual({
      create_duration: ROLE_PROPAGATION,
      // A new assignment has an ID unknown until it exists: the wait is replaced, and runs.
      triggers: {
        assignments: officers.map((id) => `\${azurerm_role_assignment.${id}.id}`).join(','),
      },
      depends_on: officers.map((id) => `azurerm_role_assignment.${id}`),
    });
  });

  test('the token may be written by the deployers and the configured token writers, each by ID', () => {
    const json = exampleJson();
    json.azure.deployers = ['22222222-2222-2222-2222-222222222222'];
    json.trigger.tokenWriters = ['33333333-3333-3333-3333-333333333333'];
    const officers = Object.entries(
      resourcesOf(synthStack(configFrom(json)), 'azurerm_role_assignment'),
    ).filter(([, a]) => a.role_definition_name === 'Key Vault Secrets Officer');
    expect(officers.map(([, a]) => a.principal_id)).toEqual([
      '22222222-2222-2222-2222-222222222222',
      '33333333-3333-3333-3333-333333333333',
    ]);
    // The logical ID carries the principal: adding or reordering writers replaces nothing.
    expect(officers.map(([id]) => id)).toEqual([
      expect.stringContaining('secrets-officer-22222222-2222-2222-2222-222222222222'),
      expect.stringContaining('secrets-officer-33333333-3333-3333-3333-333333333333'),
    ]);
  });

  test('an environment that does not own the workflow commits no file', () => {
    const json = exampleJson();
    json.github.commitWorkflow = false;
    expect(
      Object.keys(resourcesOf(synthStack(configFrom(json)), 'github_repository_file')),
    ).toEqual([]);
  });

  test('destroy leaves the vault soft-deleted: purging needs subscription-wide rights', () => {
    expect(JSON.parse(oidc).provider.azurerm[0].features).toEqual([
      {
        key_vault: [{ purge_soft_delete_on_destroy: false }],
        storage: [{ data_plane_available: false }],
      },
    ]);
  });

  test('the configured role is the one granted', () => {
    const s = synthStack(configFrom({ ...exampleJson(), role: 'AzureML Data Scientist' }));
    expect(s).toHaveResourceWithProperties(RoleAssignment, {
      role_definition_name: 'AzureML Data Scientist',
    });
  });

  // What the GitHub provider reads, as Terraform references.
  const field = (path: string) => `\${${REPOSITORY}.${path}}`;
  const [owner, name, ownerId, repoId] = ['owner.login', 'name', 'owner.id', 'id'].map(field);
  const subjects = (s: string) =>
    Object.values(resourcesOf(s, 'azuread_application_federated_identity_credential'))
      .map((c) => [c.display_name, c.subject])
      .sort();
  // The immutable subject is the prefix GitHub reports for the repository when it reports one
  // (what each answer yields is evaluated in conditions.test.ts).
  const immutable = `\${coalesce(try(try(jsondecode(${OIDC_SETTINGS}), {}).sub_claim_prefix, null), "repo:${owner}@${ownerId}/${name}@${repoId}")}:environment:production`;

  test('oidc: by default both subject forms, built from what GitHub reads, never from the config', () => {
    expect(subjects(oidc)).toEqual([
      ['github-immutable-env-production', immutable],
      ['github-legacy-env-production', `repo:${owner}/${name}:environment:production`],
    ]);
    // Each only while GitHub's answer does not say the tokens carry the other one; a
    // credential created without count by the previous version becomes instance 0.
    const credentials = resourcesOf(oidc, 'azuread_application_federated_identity_credential');
    for (const [id, c] of Object.entries(credentials)) {
      expect(c.count).toMatch(/^\$\{\(.*sub_claim_prefix.*\) \? 0 : 1\}$/);
      const address = `azuread_application_federated_identity_credential.${id}`;
      expect(JSON.parse(oidc).moved).toContainEqual({ from: address, to: `${address}[0]` });
    }
    expect(oidc).toHaveResourceWithProperties(ApplicationFederatedIdentityCredential, {
      issuer: 'https://token.actions.githubusercontent.com',
      audiences: ['api://AzureADTokenExchange'],
    });
    expect(oidc).not.toHaveResource(ApplicationPassword);
  });

  test.each([
    ['immutable', [['github-immutable-env-production', immutable]]],
    ['legacy', [['github-legacy-env-production', `repo:${owner}/${name}:environment:production`]]],
  ])('oidc: oidcSubject %s trusts exactly that form, always', (form, expected) => {
    const json = exampleJson();
    json.github.oidcSubject = form;
    const s = synthStack(configFrom(json));
    expect(subjects(s)).toEqual(expected);
    const [credential] = Object.values(
      resourcesOf(s, 'azuread_application_federated_identity_credential'),
    );
    expect(credential.count).toBeUndefined();
    expect(JSON.parse(s).moved).toBeUndefined();
  });

  test("a config that spells the owner or repository in another case still trusts GitHub's spelling", () => {
    const json = exampleJson();
    json.github = { ...json.github, owner: 'Contoso', repository: 'MLOps-Models' };
    const s = synthStack(configFrom(json));
    for (const [, subject] of subjects(s)) {
      expect(subject).not.toMatch(/Contoso|MLOps-Models/);
      expect(subject).toContain(`${REPOSITORY}.owner.login`);
    }
    // The environment name is the job's, which the workflow takes from the dispatch.
    expect(subjects(s)[0][1]).toMatch(/:environment:production$/);
  });

  test('GitHub is read with requests that return a 404 as a value, not a provider crash', () => {
    expect(
      Object.values<any>(JSON.parse(oidc).data.github_rest_api).map((d) => d.endpoint),
    ).toEqual([
      'repos/contoso/mlops-models',
      'repos/contoso/mlops-models/actions/oidc/customization/sub',
      'repos/contoso/mlops-models/environments/production',
    ]);
    for (const type of ['github_repository', 'github_branch']) {
      expect(JSON.parse(oidc).data[type]).toBeUndefined();
    }
    // github_user only for reviewers, never for the owner.
    expect(Object.keys(JSON.parse(oidc).data.github_user)).toEqual([
      'github-wiring_reviewer-user-octocat_3C06CCA2',
    ]);
  });

  test('client-secret: a new password exists before the old one goes', () => {
    const [password] = Object.values(resourcesOf(clientSecret, 'azuread_application_password'));
    expect(password.lifecycle).toEqual({ create_before_destroy: true });
    // The secret is replaced destroy-first: deleting the old one after creating the new one
    // (same name) would delete the new one.
    const [secret] = Object.values(resourcesOf(clientSecret, 'github_actions_environment_secret'));
    expect(secret.lifecycle).toBeUndefined();
  });

  test('client-secret: a password with an end date, replaced on the rotation schedule', () => {
    expect(clientSecret).not.toHaveResource(ApplicationFederatedIdentityCredential);
    const [rotation] = Object.values(resourcesOf(clientSecret, 'time_rotating'));
    expect(rotation).toEqual({ rotation_days: 60 });
    const [password] = Object.values(resourcesOf(clientSecret, 'azuread_application_password'));
    expect(password.rotate_when_changed).toEqual({
      rotation: expect.stringMatching(/^\$\{time_rotating\.[\w-]+\.id\}$/),
    });
    expect(password.end_date).toMatch(
      /^\$\{timeadd\(time_rotating\.[\w-]+\.rotation_rfc3339, "720h"\)\}$/,
    );
  });
});

describe('GitHub wiring', () => {
  const variableNames = (s: string) =>
    Object.values(resourcesOf(s, 'github_actions_environment_variable'))
      .map((v) => v.variable_name)
      .sort();
  const secretNames = (s: string) =>
    Object.values(resourcesOf(s, 'github_actions_environment_secret'))
      .map((v) => v.secret_name)
      .sort();

  test('oidc: every published variable, and no secret at all', () => {
    expect(variableNames(oidc)).toEqual(OUTSIDE_A_CHAIN);
    expect(secretNames(oidc)).toEqual([]);
  });

  test('client-secret: the same variables plus AZURE_CREDENTIALS in the shape azure/login reads', () => {
    expect(variableNames(clientSecret)).toEqual(OUTSIDE_A_CHAIN);
    expect(secretNames(clientSecret)).toEqual([SECRET_NAMES.azureCredentials]);
    const [secret] = Object.values(resourcesOf(clientSecret, 'github_actions_environment_secret'));
    // jsonencode of a map with the four keys azure/login's `creds` input takes.
    expect(secret.plaintext_value).toMatch(/^\$\{jsonencode\(\{/);
    for (const key of ['clientId', 'clientSecret', 'subscriptionId', 'tenantId']) {
      expect(secret.plaintext_value).toContain(`"${key}" = `);
    }
    expect(secret.plaintext_value).toContain(
      '"clientSecret" = azuread_application_password.deploy-identity_client-secret_',
    );
  });

  test('variables carry the values the workflow needs, in the GitHub environment', () => {
    const value = (name: string) =>
      Object.values(resourcesOf(oidc, 'github_actions_environment_variable')).find(
        (v) => v.variable_name === name,
      )?.value;
    expect(value(VARIABLE_NAMES.authMode)).toBe('oidc');
    expect(value(VARIABLE_NAMES.subscriptionId)).toBe('00000000-0000-0000-0000-000000000000');
    expect(value(VARIABLE_NAMES.clientId)).toMatch(
      /^\$\{azuread_application\.[\w-]+\.client_id\}$/,
    );
    // The configured target, keyed by its model, with the schema's defaults filled in.
    const { model, ...configured } = exampleJson().targets[0];
    expect(JSON.parse(value(VARIABLE_NAMES.deploymentTargets))).toEqual({
      [model]: { ...defaultsOf(publishedTarget), ...configured },
    });
    expect(configured).toMatchObject({ endpoint: 'ep-sklearn-regression', canaryPercent: 10 });
    expect(oidc).toHaveResourceWithProperties(ActionsEnvironmentVariable, {
      repository: 'mlops-models',
      environment: expect.stringMatching(/^\$\{github_repository_environment\./),
    });
  });

  test('the environment requires the configured reviewers, who cannot approve themselves or be bypassed', () => {
    expect(oidc).toHaveResourceWithProperties(RepositoryEnvironment, {
      environment: 'production',
      reviewers: [
        {
          users: ['${tonumber(data.github_user.github-wiring_reviewer-user-octocat_3C06CCA2.id)}'],
          teams: [],
        },
      ],
      prevent_self_review: true,
      can_admins_bypass: false,
      deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
    });
    // The default branch, where repository_dispatch runs the workflow.
    expect(oidc).toHaveResourceWithProperties(RepositoryEnvironmentDeploymentPolicy, {
      branch_pattern: `\${${REPOSITORY}.default_branch}`,
    });
  });

  test('the configuration may relax self-review and admin bypass', () => {
    const json = exampleJson();
    json.github.requiredReviewers = {
      users: ['octocat'],
      preventSelfReview: false,
      adminsBypass: true,
    };
    expect(synthStack(configFrom(json))).toHaveResourceWithProperties(RepositoryEnvironment, {
      prevent_self_review: false,
      can_admins_bypass: true,
    });
  });

  test('team reviewers: looked up without paging members and repositories, only in an organization', () => {
    const json = exampleJson();
    json.github.requiredReviewers = { users: [], teams: ['ml-platform'] };
    const data = JSON.parse(synthStack(configFrom(json))).data;
    expect(data.github_organization).toBeUndefined();
    const [team] = Object.values<any>(data.github_team);
    expect(team).toMatchObject({ slug: 'ml-platform', summary_only: true });
    // What the precondition says is evaluated in conditions.test.ts.
    expect(team.lifecycle.precondition[0].condition).toBe(
      `\${(${REPOSITORY}.owner.type == "Organization")}`,
    );
  });

  test("without reviewers: no reviewers block, and GitHub's own protection defaults", () => {
    const json = exampleJson();
    delete json.github.requiredReviewers;
    const s = synthStack(configFrom(json));
    const [env] = Object.values(resourcesOf(s, 'github_repository_environment'));
    expect(env.reviewers).toBeUndefined();
    expect(env.prevent_self_review).toBeUndefined();
    expect(env.can_admins_bypass).toBeUndefined();
    expect(JSON.parse(s).check ?? {}).not.toHaveProperty('github-wiring-reviewers-plan');
  });

  test('reviewers on a private repository: a plan-time warning, since only Enterprise honours them', () => {
    expect(JSON.parse(oidc).check['github-wiring-reviewers-plan']).toEqual({
      assert: [
        {
          condition: `\${(${REPOSITORY}.visibility != "private")}`,
          error_message: `\${${REPOSITORY}.full_name} is private: required reviewers there need GitHub Enterprise. On Free, Pro and Team, GitHub refuses them there (422) and the apply fails.`,
        },
      ],
    });
  });

  describe('the branch', () => {
    const lookups = (s: string) => Object.values<any>(JSON.parse(s).data.github_rest_api);

    test('unset: the files go to the default branch GitHub reports, which alone may deploy', () => {
      const json = exampleJson();
      delete json.github.branch;
      const s = synthStack(configFrom(json));
      for (const file of Object.values(resourcesOf(s, 'github_repository_file'))) {
        expect(file.branch).toBe(`\${${REPOSITORY}.default_branch}`);
      }
      expect(s).toHaveResourceWithProperties(RepositoryEnvironmentDeploymentPolicy, {
        branch_pattern: `\${${REPOSITORY}.default_branch}`,
      });
      // No branch to check: the repository, its OIDC settings and the environment only.
      expect(lookups(s).map((l) => l.endpoint)).not.toContainEqual(
        expect.stringContaining('/branches/'),
      );
      expect(JSON.parse(s).check).not.toHaveProperty('github-wiring-dispatch-branch');
    });

    test('set: a branch that does not exist fails the plan with a message naming it', () => {
      const json = exampleJson();
      json.github.branch = 'release/v2';
      const s = synthStack(configFrom(json));
      // What it says is evaluated in conditions.test.ts.
      expect(lookups(s)[1]).toMatchObject({
        endpoint: 'repos/contoso/mlops-models/branches/release/v2',
        lifecycle: {
          postcondition: [
            {
              condition:
                '${self.code == 200 && try(jsondecode(self.body).name, "") == "release/v2"}',
            },
          ],
        },
      });
      // And a warning when it is not the default branch, where repository_dispatch runs.
      expect(JSON.parse(s).check['github-wiring-dispatch-branch'].assert[0].condition).toBe(
        `\${(${REPOSITORY}.default_branch == "release/v2")}`,
      );
    });
  });

  describe('workflowDelivery "pull-request"', () => {
    const json = exampleJson();
    json.github.workflowDelivery = 'pull-request';
    json.github.branch = 'main';
    const s = synthStack(configFrom(json));
    const files = resourcesOf(s, 'github_repository_file');

    test('the files are committed to their own branch, created explicitly from the base', () => {
      const [[branchId, branch]] = Object.entries(resourcesOf(s, 'github_branch'));
      expect(branch).toEqual({
        repository: 'mlops-models',
        branch: WORKFLOW_UPDATE_BRANCH,
        source_branch: 'main',
        // The configured branch's read (its postcondition says it exists).
        source_sha:
          '${jsondecode(data.github_rest_api.github-repository_branch_2B704D53.body).commit.sha}',
        lifecycle: { ignore_changes: ['source_branch', 'source_sha'] },
      });
      for (const file of Object.values(files)) {
        expect(file).toMatchObject({
          branch: WORKFLOW_UPDATE_BRANCH,
          overwrite_on_create: true,
          depends_on: [`github_branch.${branchId}`],
        });
        // Deprecated from 6.11.1; it raced (each file created the branch) and kept the first
        // base commit for ever.
        expect(Object.keys(file).filter((k) => k.startsWith('autocreate_branch'))).toEqual([]);
      }
    });

    test('a pull request to the base, opened anew when the content changes or the branch is created again', () => {
      const [pr] = Object.values(resourcesOf(s, 'github_repository_pull_request'));
      const refs = Object.keys(files).map((id) => `github_repository_file.${id}`);
      const created = Object.keys(resourcesOf(s, 'time_static')).find((id) =>
        id.startsWith('github-wiring_workflow-branch-created'),
      )!;
      expect(pr).toMatchObject({
        base_repository: 'mlops-models',
        base_ref: 'main',
        head_ref: WORKFLOW_UPDATE_BRANCH,
        maintainer_can_modify: false,
        depends_on: refs,
        lifecycle: {
          replace_triggered_by: [...refs.map((r) => `${r}.content`), `time_static.${created}`],
        },
      });
      // Only while the base lacks the files (evaluated in conditions.test.ts).
      expect(pr.count).toMatch(/^\$\{alltrue\(\[.*\]\) \? 0 : 1\}$/);
      expect(resourcesOf(s, 'time_static')[created]).toEqual({
        triggers: {
          branch: `\${github_branch.${Object.keys(resourcesOf(s, 'github_branch'))[0]}.id}`,
        },
      });
    });

    test("switching forgets the other way's files (removed, destroy = false), never deletes them", () => {
      const files = (stack: string) =>
        Object.keys(resourcesOf(stack, 'github_repository_file')).map(
          (id) => `github_repository_file.${id}`,
        );
      const forgotten = (stack: string) =>
        JSON.parse(stack).removed.map((r: any) => {
          expect(r.lifecycle).toEqual({ destroy: false });
          return r.from;
        });
      expect(forgotten(s).sort()).toEqual(files(oidc).sort());
      expect(forgotten(oidc).sort()).toEqual(files(s).sort());
      // Not the pull request: switching to commit destroys it, which closes it if still open.
      expect(forgotten(oidc).join()).not.toContain('github_repository_pull_request');
    });

    test('commit delivery (the default) opens no pull request', () => {
      expect(oidc).not.toHaveResource(RepositoryPullRequest);
    });
  });

  test.each(COMMITTED_FILES.map((f) => [f.source, f.path]))(
    'commits %s verbatim to %s, overwriting on create',
    (source, path) => {
      const file = Object.values(resourcesOf(oidc, 'github_repository_file')).find(
        (f) => f.file === path,
      );
      expect(file).toMatchObject({
        branch: `\${${REPOSITORY}.default_branch}`,
        overwrite_on_create: true,
      });
      expect(file.commit_message).toMatch(/\S/);
      expect(terraformUnescape(file.content)).toBe(readFileSync(join(projectRoot, source), 'utf8'));
    },
  );

  test('terraformLiteral escapes both template sequences and nothing else', () => {
    const text = 'a ${{ github.event }} %{ if } $x %x {}';
    expect(terraformLiteral(text)).toBe('a $${{ github.event }} %%{ if } $x %x {}');
    expect(terraformUnescape(terraformLiteral(text))).toBe(text);
  });
});

describe('outputs', () => {
  test('client id, environment and workflow path; none of them sensitive', () => {
    const outputs = JSON.parse(oidc).output;
    expect(outputs[OUTPUT_NAMES.clientId].value).toMatch(/client_id\}$/);
    expect(outputs[OUTPUT_NAMES.githubEnvironment].value).toMatch(/\.environment\}$/);
    expect(outputs[OUTPUT_NAMES.workflowPath].value).toBe(DEPLOY_WORKFLOW_PATH);
    for (const name of [OUTPUT_NAMES.clientId, OUTPUT_NAMES.githubEnvironment]) {
      expect(outputs[name].sensitive).toBeUndefined();
    }
  });
});

describe('no secret in the synthesized JSON', () => {
  // Attributes that hold secrets must be Terraform references (resolved only into
  // state at apply), never literal values written into cdk.tf.json.
  const secretAttribute = /(secret|password|token|plaintext_value|value_wo)$/i;

  function literalSecrets(node: unknown, path = ''): string[] {
    if (Array.isArray(node)) return node.flatMap((v, i) => literalSecrets(v, `${path}[${i}]`));
    if (node && typeof node === 'object') {
      return Object.entries(node).flatMap(([k, v]) => {
        const p = `${path}.${k}`;
        if (typeof v !== 'string') return literalSecrets(v, p);
        // A jsonencode'd map (AZURE_CREDENTIALS): each secret key must map to a reference.
        if (v.startsWith('${jsonencode(')) {
          return [...v.matchAll(/"(\w+)" = ("?)/g)]
            .filter(([, key, quote]) => secretAttribute.test(key) && quote === '"')
            .map(([, key]) => `${p}.${key}`);
        }
        if (!secretAttribute.test(k)) return [];
        if (!/^\$\{[^}]+\}$/s.test(v.trim())) return [p];
        // A reference may fall back to a literal only for the documented placeholder.
        const literals = [...v.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map(([, l]) => l);
        return literals.some((l) => l !== TOKEN_NOT_SET) ? [p] : [];
      });
    }
    return [];
  }

  // Shapes of real credentials: GitHub tokens, JWTs, SAS signatures, Entra client secrets.
  const credentialShapes = [
    /gh[pousr]_[A-Za-z0-9]{20,}/,
    /github_pat_[A-Za-z0-9_]{20,}/,
    /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./,
    /[?&]sig=/,
    /[A-Za-z0-9~_.-]{3}\dQ~[A-Za-z0-9~_.-]{31,}/,
  ];

  const variableToken = synthStack(
    configFrom({
      ...exampleJson(),
      trigger: { ...exampleJson().trigger, githubTokenSource: 'variable' },
    }),
  );

  test.each([
    ['oidc', oidc],
    ['client-secret', clientSecret],
    ['token as a variable', variableToken],
  ])('%s: secret attributes are references, and nothing looks like a credential', (_m, s) => {
    expect(literalSecrets(JSON.parse(s))).toEqual([]);
    for (const shape of credentialShapes) expect(s).not.toMatch(shape);
  });

  test('the leak check catches a literal secret', () => {
    expect(literalSecrets({ resource: { x: { y: { client_secret: 'abc' } } } })).toEqual([
      '.resource.x.y.client_secret',
    ]);
    const creds =
      '${jsonencode({"clientId" = azuread_application.a.client_id, "clientSecret" = "abc"})}';
    expect(literalSecrets({ s: { plaintext_value: creds } })).toEqual([
      '.s.plaintext_value.clientSecret',
    ]);
    expect('token ghp_0123456789abcdefghijABCDEFGHIJ').toMatch(credentialShapes[0]);
  });
});

test('tags reach every Azure resource that takes tags', () => {
  const app = Testing.app();
  const stack = new AmlDeployStack(app, 'aml-deploy-example', {
    config: configFrom(exampleJson()),
    committedFiles: loadCommittedFiles(projectRoot),
  });
  const json = JSON.parse(Testing.synth(stack));
  // "Takes tags" is read off the provider classes, so a new resource type is covered too.
  const taggable = stack.node
    .findAll()
    .filter(TerraformResource.isTerraformResource)
    .filter((r) => r.terraformResourceType.startsWith('azurerm_') && 'tagsInput' in r)
    .map((r) => [r.terraformResourceType, r.friendlyUniqueId] as const);
  expect(taggable.map(([type]) => type).sort()).toEqual([
    'azurerm_eventgrid_system_topic',
    'azurerm_key_vault',
    'azurerm_key_vault_secret',
    'azurerm_logic_app_workflow',
    'azurerm_monitor_action_group',
    'azurerm_monitor_metric_alert',
    'azurerm_monitor_metric_alert',
    'azurerm_monitor_metric_alert',
    'azurerm_storage_account',
  ]);
  for (const [type, id] of taggable) {
    expect(json.resource[type][id].tags).toEqual({
      project: 'aml-deploy-pipeline',
      owner: 'ml-platform',
    });
  }
});

test('metric alerts get their tag names in lower case, as Azure stores them; other resources as written', () => {
  const json = exampleJson();
  json.tags = { CostCenter: 'CC-42', project: 'aml-deploy-pipeline' };
  const resources = JSON.parse(synthStack(configFrom(json))).resource;
  const alerts = Object.values<any>(resources.azurerm_monitor_metric_alert);
  expect(alerts).toHaveLength(3);
  for (const alert of alerts) {
    expect(alert.tags).toEqual({ costcenter: 'CC-42', project: 'aml-deploy-pipeline' });
  }
  for (const [type, blocks] of Object.entries<any>(resources)) {
    if (type === 'azurerm_monitor_metric_alert') continue;
    for (const block of Object.values<any>(blocks)) {
      if (block.tags) expect(block.tags).toEqual(json.tags);
    }
  }
});

/**
 * The Terraform version each feature a stack uses needs (Terraform's docs and changelogs):
 * write-only arguments 1.11, ephemeral variables 1.10, `removed` blocks 1.7, `check` blocks
 * 1.5, `terraform_data` 1.4, `moved` blocks 1.1.
 */
function minimumTerraform(json: any): string {
  const text = JSON.stringify(json);
  const needs: [boolean, string][] = [
    [/"[a-z_]+_wo":/.test(text), '1.11'],
    [Object.values<any>(json.variable ?? {}).some((v) => v.ephemeral), '1.10'],
    [json.removed !== undefined, '1.7'],
    [json.check !== undefined, '1.5'],
    [json.resource?.terraform_data !== undefined, '1.4'],
    [json.moved !== undefined, '1.1'],
  ];
  return needs.find(([used]) => used)?.[1] ?? '1.0';
}

test('required_version: the floor is what the most demanding stack needs, written in every stack', () => {
  const stacks = [
    JSON.parse(oidc),
    JSON.parse(clientSecret),
    JSON.parse(
      synthStack(configFrom({ ...exampleJson(), trigger: { alertEmails: ['a@b.example'] } })),
    ),
  ];
  const floors = stacks.map(minimumTerraform);
  // The example writes the dispatch token write-only (variable mode); out-of-band needs less.
  expect(floors).toEqual(['1.11', '1.11', '1.7']);
  expect(TERRAFORM_REQUIRED_VERSION).toBe(`>= ${floors[0]}`);
  for (const s of stacks) expect(s.terraform.required_version).toBe(TERRAFORM_REQUIRED_VERSION);
});
