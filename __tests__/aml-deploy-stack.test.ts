import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActionsEnvironmentVariable } from '@cdktf/provider-github/lib/actions-environment-variable';
import { Application } from '@cdktf/provider-azuread/lib/application';
import { ServicePrincipal } from '@cdktf/provider-azuread/lib/service-principal';
import { ApplicationFederatedIdentityCredential } from '@cdktf/provider-azuread/lib/application-federated-identity-credential';
import { ApplicationPasswordA as ApplicationPassword } from '@cdktf/provider-azuread/lib/application-password';
import { RepositoryEnvironment } from '@cdktf/provider-github/lib/repository-environment';
import { RepositoryEnvironmentDeploymentPolicy } from '@cdktf/provider-github/lib/repository-environment-deployment-policy';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { TerraformResource, Testing } from 'cdktf';
import { terraformLiteral } from '../constructs/github-wiring';
import { loadCommittedFiles } from '../lib/workflow-contract';
import { AmlDeployStack, TOKEN_NOT_SET } from '../stacks/aml-deploy-stack';
import {
  COMMITTED_FILES,
  DEPLOY_WORKFLOW_PATH,
  SECRET_NAMES,
  VARIABLE_NAMES,
} from '../lib/workflow-contract';
import { OUTPUT_NAMES } from '../lib/naming';
import { configFrom, exampleJson, projectRoot, resourcesOf, synthStack } from './support/synth';

const oidc = synthStack(configFrom(exampleJson()));
const clientSecret = synthStack(
  configFrom({ ...exampleJson(), auth: { mode: 'client-secret', secretRotationDays: 60 } }),
);

/** Terraform's reading of a literal string: what reaches GitHub. */
function terraformUnescape(text: string): string {
  return text.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{');
}

/** Replaces committed file bodies (asserted byte for byte below) so snapshots show structure. */
function scrubFileContent(synthesized: string): string {
  const json = JSON.parse(synthesized);
  for (const file of Object.values<any>(json.resource.github_repository_file)) {
    file.content = `<content of ${COMMITTED_FILES.find((f) => f.path === file.file)?.source}>`;
  }
  return JSON.stringify(json, null, 2);
}

describe('snapshots (drift)', () => {
  test('oidc stack', () => expect(scrubFileContent(oidc)).toMatchSnapshot());
  test('client-secret stack', () => expect(scrubFileContent(clientSecret)).toMatchSnapshot());
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
    expect(JSON.parse(s).data.azuread_client_config).toBeUndefined();
    expect(JSON.parse(s).data.azurerm_client_config).toBeUndefined();
    expect(s).toHaveResourceWithProperties(RoleAssignment, {
      role_definition_name: 'Key Vault Secrets Officer',
      principal_id: '22222222-2222-2222-2222-222222222222',
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
      { key_vault: [{ purge_soft_delete_on_destroy: false }] },
    ]);
  });

  test('the configured role is the one granted', () => {
    const s = synthStack(configFrom({ ...exampleJson(), role: 'AzureML Data Scientist' }));
    expect(s).toHaveResourceWithProperties(RoleAssignment, {
      role_definition_name: 'AzureML Data Scientist',
    });
  });

  test('oidc: the federated subject is exactly the deploy job in its GitHub environment', () => {
    expect(oidc).toHaveResourceWithProperties(ApplicationFederatedIdentityCredential, {
      subject: 'repo:contoso/mlops-models:environment:production',
      issuer: 'https://token.actions.githubusercontent.com',
      audiences: ['api://AzureADTokenExchange'],
    });
    expect(oidc).not.toHaveResource(ApplicationPassword);
  });

  test('oidc: the subject keeps the configured case (Entra ID compares case-sensitively)', () => {
    const json = exampleJson();
    json.github = {
      ...json.github,
      owner: 'Contoso',
      repository: 'ML-Models',
      environment: 'Prod',
    };
    expect(synthStack(configFrom(json))).toHaveResourceWithProperties(
      ApplicationFederatedIdentityCredential,
      { subject: 'repo:Contoso/ML-Models:environment:Prod' },
    );
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
    expect(variableNames(oidc)).toEqual(Object.values(VARIABLE_NAMES).sort());
    expect(secretNames(oidc)).toEqual([]);
  });

  test('client-secret: the same variables plus AZURE_CREDENTIALS in the shape azure/login reads', () => {
    expect(variableNames(clientSecret)).toEqual(Object.values(VARIABLE_NAMES).sort());
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
    expect(JSON.parse(value(VARIABLE_NAMES.deploymentTargets))).toEqual({
      'sklearn-regression': {
        endpoint: 'ep-sklearn-regression',
        endpointSpec: 'deploy/endpoint.yml',
        deploymentSpec: 'deploy/deployment.yml',
        smokeTestRequest: 'deploy/sample-request.json',
        canaryPercent: 10,
        keepDeployments: 1,
      },
    });
    expect(oidc).toHaveResourceWithProperties(ActionsEnvironmentVariable, {
      repository: 'mlops-models',
      environment: expect.stringMatching(/^\$\{github_repository_environment\./),
    });
  });

  test('the environment requires the configured reviewers and admits only the configured branch', () => {
    expect(oidc).toHaveResourceWithProperties(RepositoryEnvironment, {
      environment: 'production',
      reviewers: [
        {
          users: ['${tonumber(data.github_user.github-wiring_reviewer-user-octocat_3C06CCA2.id)}'],
          teams: [],
        },
      ],
      deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
    });
    expect(oidc).toHaveResourceWithProperties(RepositoryEnvironmentDeploymentPolicy, {
      branch_pattern: 'main',
    });
  });

  test('without reviewers the environment has no reviewers block', () => {
    const json = exampleJson();
    delete json.github.requiredReviewers;
    const [env] = Object.values(
      resourcesOf(synthStack(configFrom(json)), 'github_repository_environment'),
    );
    expect(env.reviewers).toBeUndefined();
  });

  test.each(COMMITTED_FILES.map((f) => [f.source, f.path]))(
    'commits %s verbatim to %s, overwriting on create',
    (source, path) => {
      const file = Object.values(resourcesOf(oidc, 'github_repository_file')).find(
        (f) => f.file === path,
      );
      expect(file).toMatchObject({ branch: 'main', overwrite_on_create: true });
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
