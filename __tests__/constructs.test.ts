/**
 * Each construct built alone (Testing.synthScope), through its props only: what it creates,
 * and what each prop changes. The stacks' own tests cover how they are composed.
 */
import { Aspects, TerraformVariable, Testing } from 'cdktf';
import type { Construct } from 'constructs';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { MonitorMetricAlert } from '@cdktf/provider-azurerm/lib/monitor-metric-alert';
import { DeployIdentity } from '../constructs/deploy-identity';
import { DispatchLogicApp } from '../constructs/dispatch-logic-app';
import { DispatchTokenVault } from '../constructs/dispatch-token-vault';
import { FailureAlerts } from '../constructs/failure-alerts';
import { FederatedApplication } from '../constructs/federated-application';
import { GitHubRepository } from '../constructs/github-repository';
import { GitHubWiring, gitBlobSha } from '../constructs/github-wiring';
import { WORKFLOW_UPDATE_BRANCH } from '../lib/workflow-contract';
import { InfraIdentities, infraTargets } from '../constructs/infra-identities';
import { ModelRegisteredEvents } from '../constructs/model-registered-events';
import { ModelRegisteredTrigger } from '../constructs/model-registered-trigger';
import { StateStorage } from '../constructs/state-storage';
import { TagsAspect } from '../constructs/tags-aspect';
import { buildLogicAppDefinition } from '../lib/logic-app-definition';
import './support/synth';

/** Synthesizes what `build` adds to an empty stack; returns the JSON. */
function alone(build: (scope: Construct) => void): any {
  return JSON.parse(Testing.synthScope(build));
}
const values = (block: Record<string, any> | undefined) => Object.values<any>(block ?? {});
const repo = { owner: 'o', repository: 'r', ownerId: '1', repositoryId: '2' };

describe('FederatedApplication', () => {
  const subjects = [
    { name: 'github-legacy-env-x', subject: 'repo:o/r:environment:x', description: 'd' },
  ];

  test('without owners: the principal running Terraform, and no owner check', () => {
    const tf = alone(
      (s) => new FederatedApplication(s, 'f', { displayName: 'app', subjects, owners: [] }),
    );
    const [app] = values(tf.resource.azuread_application);
    expect(app.owners).toEqual([expect.stringMatching(/^\$\{data\.azuread_client_config\./)]);
    expect(app.lifecycle).toBeUndefined();
    expect(values(tf.resource.azuread_application_federated_identity_credential)).toEqual([
      expect.objectContaining({
        display_name: 'github-legacy-env-x',
        subject: 'repo:o/r:environment:x',
        issuer: 'https://token.actions.githubusercontent.com',
        audiences: ['api://AzureADTokenExchange'],
      }),
    ]);
  });

  test('with owners and a check: a precondition on the caller', () => {
    const tf = alone(
      (s) =>
        new FederatedApplication(s, 'f', {
          displayName: 'app',
          subjects,
          owners: ['A'],
          ownerCheck: {
            ownersSetting: 'the list',
            readOnlyPlan: new TerraformVariable(s, 'read_only', { type: 'bool' }).booleanValue,
          },
        }),
    );
    const [app] = values(tf.resource.azuread_application);
    expect(app.owners).toEqual(['A']);
    expect(app.lifecycle.precondition[0].error_message).toContain(
      'Add ${data.azuread_client_config.',
    );
  });
});

test('FederatedApplication: no owners but a check: the first caller is recorded and kept', () => {
  const tf = alone(
    (s) =>
      new FederatedApplication(s, 'f', {
        displayName: 'app',
        subjects: [],
        owners: [],
        ownerCheck: {
          ownersSetting: 'the list',
          readOnlyPlan: new TerraformVariable(s, 'read_only', { type: 'bool' }).booleanValue,
        },
      }),
  );
  const [app] = values(tf.resource.azuread_application);
  const caller = '${data.azuread_client_config.f_caller_6DF62410.object_id}';
  expect(app.owners).toEqual([caller]);
  // One caller lookup serves the owners and the check.
  expect(Object.keys(tf.data.azuread_client_config)).toHaveLength(1);
  expect(values(tf.resource.time_static)).toEqual([
    { triggers: { object_id: caller }, lifecycle: { ignore_changes: ['triggers'] } },
  ]);
  expect(app.lifecycle.precondition[0].error_message).toContain('was first deployed by object ID');
});

test('FederatedApplication: a subject with a count keeps the credential an earlier version created', () => {
  const tf = alone(
    (s) =>
      new FederatedApplication(s, 'f', {
        displayName: 'app',
        owners: ['A'],
        subjects: [
          { name: 'n', subject: 'repo:o/r:environment:x', description: 'd', count: '${1}' },
        ],
      }),
  );
  const [[id, credential]] = Object.entries<any>(
    tf.resource.azuread_application_federated_identity_credential,
  );
  expect(credential.count).toBe('${1}');
  const address = `azuread_application_federated_identity_credential.${id}`;
  expect(tf.moved).toEqual([{ from: address, to: `${address}[0]` }]);
});

describe('DeployIdentity', () => {
  const props = {
    displayName: 'deploy',
    resourceGroupId: '/subscriptions/s/resourceGroups/g',
    roleDefinitionName: 'Reader',
    secretRotationDays: 30,
    owners: [],
    github: { repository: repo, environment: 'prod', subjectForm: 'legacy' as const },
  };

  test('oidc: a credential per subject form, the role on the group, no password', () => {
    const tf = alone((s) => new DeployIdentity(s, 'i', { ...props, authMode: 'oidc' }));
    expect(
      values(tf.resource.azuread_application_federated_identity_credential).map((c) => c.subject),
    ).toEqual(['repo:o/r:environment:prod']);
    expect(values(tf.resource.azurerm_role_assignment)).toEqual([
      expect.objectContaining({ scope: props.resourceGroupId, role_definition_name: 'Reader' }),
    ]);
    expect(tf.resource.azuread_application_password).toBeUndefined();
  });

  test('client-secret: a rotated password created before the old one goes, no credential', () => {
    const tf = alone((s) => new DeployIdentity(s, 'i', { ...props, authMode: 'client-secret' }));
    expect(values(tf.resource.time_rotating)).toEqual([{ rotation_days: 30 }]);
    expect(values(tf.resource.azuread_application_password)[0].lifecycle).toEqual({
      create_before_destroy: true,
    });
    expect(tf.resource.azuread_application_federated_identity_credential).toBeUndefined();
  });
});

describe('GitHubRepository', () => {
  test('no branch: nothing checked but the repository; the branch is the default one', () => {
    let branch = '';
    const tf = alone((s) => {
      branch = new GitHubRepository(s, 'r', { owner: 'o', repository: 'models' }).branch;
    });
    expect(values(tf.data.github_rest_api).map((d) => d.endpoint)).toEqual(['repos/o/models']);
    expect(branch).toMatch(/^\$\{TfToken/);
  });

  test('OIDC settings: read after the repository, with their checks, and handed to the subjects', () => {
    let identity: any;
    const tf = alone((s) => {
      identity = new GitHubRepository(s, 'r', {
        owner: 'o',
        repository: 'models',
        oidc: { form: 'both', setting: 'the setting' },
      }).identity;
    });
    const reads = tf.data.github_rest_api;
    const [settingsId, settings] = Object.entries<any>(reads).find(([, d]) =>
      d.endpoint.endsWith('/actions/oidc/customization/sub'),
    )!;
    expect(settings.endpoint).toBe('repos/o/models/actions/oidc/customization/sub');
    expect(settings.depends_on).toEqual(['data.github_rest_api.r_repository_7CDBD39E']);
    // "both": only the custom-template check; a configured form adds its conflict check.
    expect(settings.lifecycle.postcondition).toHaveLength(1);
    expect(Object.keys(tf.check)).toEqual(['r-oidc-settings']);
    expect(identity.answers).toEqual({
      repository: 'data.github_rest_api.r_repository_7CDBD39E.body',
      settings: `data.github_rest_api.${settingsId}.body`,
    });
  });

  test('no OIDC settings asked for: none read, and the subjects are the configured ones', () => {
    let identity: any;
    const tf = alone((s) => {
      identity = new GitHubRepository(s, 'r', { owner: 'o', repository: 'models' }).identity;
    });
    expect(values(tf.data.github_rest_api)).toHaveLength(1);
    expect(identity.answers).toBeUndefined();
  });

  test('a branch: it must exist under that name', () => {
    const tf = alone(
      (s) => new GitHubRepository(s, 'r', { owner: 'o', repository: 'models', branch: 'dev' }),
    );
    const branch = values(tf.data.github_rest_api).find((d) => d.endpoint.includes('/branches/'));
    expect(branch.endpoint).toBe('repos/o/models/branches/dev');
    expect(branch.lifecycle.postcondition[0].condition).toBe(
      '${self.code == 200 && try(jsondecode(self.body).name, "") == "dev"}',
    );
  });
});

describe('GitHubWiring', () => {
  const wiring = (
    s: Construct,
    extra: Partial<ConstructorParameters<typeof GitHubWiring>[2]> = {},
  ) =>
    new GitHubWiring(s, 'w', {
      repository: 'models',
      github: new GitHubRepository(s, 'r', { owner: 'o', repository: 'models' }),
      environment: 'prod',
      reviewers: { users: [], teams: [], preventSelfReview: true, adminsBypass: false },
      variables: { A: '1', B: '2' },
      files: [{ path: '.github/workflows/x.yml', content: 'on: ${{ x }}' }],
      delivery: 'commit',
      ...extra,
    });

  test('commit: the environment, its branch policy, a variable each, the files escaped for Terraform', () => {
    const tf = alone((s) => wiring(s));
    expect(
      values(tf.resource.github_actions_environment_variable).map((v) => v.variable_name),
    ).toEqual(['A', 'B']);
    expect(values(tf.resource.github_repository_file)).toEqual([
      expect.objectContaining({ file: '.github/workflows/x.yml', content: 'on: $${{ x }}' }),
    ]);
    expect(tf.resource.github_repository_pull_request).toBeUndefined();
    expect(values(tf.resource.github_repository_environment_deployment_policy)).toHaveLength(1);
  });

  test('pull-request: a branch, the files on it, and a pull request while the base lacks them', () => {
    const tf = alone((s) => wiring(s, { delivery: 'pull-request' }));
    const [branch] = values(tf.resource.github_branch);
    expect(branch).toMatchObject({ branch: WORKFLOW_UPDATE_BRANCH, repository: 'models' });
    expect(values(tf.resource.github_repository_file)[0]).toMatchObject({
      branch: WORKFLOW_UPDATE_BRANCH,
      depends_on: [`github_branch.${Object.keys(tf.resource.github_branch)[0]}`],
    });
    const [pr] = values(tf.resource.github_repository_pull_request);
    // One listing per folder of the base branch; the file's git blob SHA compared.
    const listings = values(tf.data.github_rest_api).filter((d) =>
      d.endpoint.includes('/contents/'),
    );
    expect(listings.map((l) => l.endpoint)).toEqual([
      'repos/o/models/contents/.github/workflows?ref=${urlencode(jsondecode(data.github_rest_api.r_repository_7CDBD39E.body).default_branch)}',
    ]);
    expect(pr.count).toContain(`"${gitBlobSha('on: ${{ x }}')}"`);
  });

  test('no files: no branch and no pull request either', () => {
    const tf = alone((s) => wiring(s, { delivery: 'pull-request', files: [] }));
    expect(tf.resource?.github_repository_pull_request).toBeUndefined();
    expect(tf.resource?.github_branch).toBeUndefined();
  });

  test('the environment is looked up by its URL-encoded name, and must be spelled as GitHub does', () => {
    const tf = alone((s) => wiring(s, { environment: 'Prod 1', environmentSetting: 'env in f' }));
    const lookup = values(tf.data.github_rest_api).find((d) =>
      d.endpoint.includes('/environments/'),
    );
    expect(lookup.endpoint).toBe('repos/o/models/environments/Prod%201');
    expect(lookup.lifecycle.postcondition[0].condition).toBe(
      '${try(jsondecode(self.body).name, "Prod 1") == "Prod 1"}',
    );
    expect(lookup.lifecycle.postcondition[0].error_message).toContain('Set env in f to ');
  });
});

describe('DispatchTokenVault', () => {
  const base = {
    name: 'kv',
    resourceGroupName: 'g',
    location: 'japaneast',
    tenantId: 't',
    secretName: 'tok',
  };

  test('no officers: the deployer may write; no token: no secret, no wait', () => {
    const tf = alone(
      (s) =>
        new DispatchTokenVault(s, 'v', { ...base, secretsOfficers: [], purgeProtection: false }),
    );
    expect(values(tf.resource.azurerm_role_assignment)[0].principal_id).toMatch(
      /azurerm_client_config/,
    );
    expect(tf.resource.azurerm_key_vault_secret).toBeUndefined();
    expect(tf.resource.time_sleep).toBeUndefined();
    expect(values(tf.resource.azurerm_key_vault)[0]).toMatchObject({
      purge_protection_enabled: false,
      soft_delete_retention_days: 7,
      rbac_authorization_enabled: true,
    });
  });

  test('a token: written write-only, after a wait that the officers (in any order) re-trigger', () => {
    const vault = (secretsOfficers: string[]) =>
      alone(
        (s) =>
          new DispatchTokenVault(s, 'v', {
            ...base,
            secretsOfficers,
            purgeProtection: true,
            token: { value: 'T', version: 2 },
          }),
      );
    const tf = vault(['b', 'a']);
    expect(values(tf.resource.azurerm_key_vault_secret)[0]).toMatchObject({
      value_wo: 'T',
      value_wo_version: 2,
    });
    // Ten minutes after the assignments, each of which re-runs the wait when it is created again
    // (its ID is then unknown): a replaced vault gets new ones, whoever the officers are.
    const assignments = Object.keys(tf.resource.azurerm_role_assignment);
    expect(values(tf.resource.time_sleep)[0]).toEqual({
      create_duration: '10m',
      triggers: {
        assignments: assignments.map((id) => `\${azurerm_role_assignment.${id}.id}`).join(','),
      },
      depends_on: assignments.map((id) => `azurerm_role_assignment.${id}`),
    });
    expect(assignments.map((id) => id.replace(/_[0-9A-F]{8}$/, ''))).toEqual([
      'v_secrets-officer-a',
      'v_secrets-officer-b',
    ]);
    expect(vault(['a', 'b'])).toEqual(tf);
  });
});

describe('DispatchLogicApp', () => {
  test('one trigger and one action, the URL only as a sensitive value', () => {
    let url = '';
    const tf = alone((s) => {
      url = new DispatchLogicApp(s, 'l', {
        name: 'la',
        resourceGroupName: 'g',
        location: 'japaneast',
        definition: buildLogicAppDefinition({
          owner: 'o',
          repository: 'r',
          environment: 'e',
          workspace: 'mlw',
          keyVaultUri: 'https://kv.vault.azure.net/',
          tokenSecretName: 'tok',
        }),
      }).callbackUrl;
    });
    expect(values(tf.resource.azurerm_logic_app_action_custom).map((a) => a.name)).toEqual([
      'Process_delivery',
    ]);
    expect(values(tf.resource.azurerm_logic_app_trigger_http_request)).toHaveLength(1);
    expect(url).toMatch(/^\$\{TfToken/);
  });
});

describe('ModelRegisteredEvents', () => {
  const props = {
    resourceGroupName: 'g',
    location: 'japaneast',
    workspace: { id: '/ws', location: 'japaneast' },
    systemTopicName: 't',
    subscriptionName: 'sub',
    models: ['a', 'b'],
    webhookUrl: 'https://x',
    deadLetterAccountName: 'dl',
  };

  test('a topic created, one subject prefix per model, a hardened dead-letter account', () => {
    const tf = alone((s) => new ModelRegisteredEvents(s, 'e', props));
    expect(values(tf.resource.azurerm_eventgrid_system_topic)).toHaveLength(1);
    const [sub] = values(tf.resource.azurerm_eventgrid_system_topic_event_subscription);
    expect(sub.advanced_filter.string_begins_with[0].values).toEqual(['models/a:', 'models/b:']);
    expect(sub.webhook_endpoint).toEqual({
      url: 'https://x',
      max_events_per_batch: 1,
      preferred_batch_size_in_kilobytes: 64,
    });
    expect(values(tf.resource.azurerm_storage_account)[0]).toMatchObject({
      shared_access_key_enabled: false,
      local_user_enabled: false,
    });
  });

  test('an existing topic is read, not created', () => {
    const tf = alone(
      (s) => new ModelRegisteredEvents(s, 'e', { ...props, existingSystemTopic: 'old' }),
    );
    expect(tf.resource.azurerm_eventgrid_system_topic).toBeUndefined();
    expect(values(tf.data.azurerm_eventgrid_system_topic)[0].name).toBe('old');
  });
});

test('FailureAlerts: three alerts to one action group, its short name cut to 12', () => {
  const tf = alone(
    (s) =>
      new FailureAlerts(s, 'a', {
        resourceGroupName: 'g',
        actionGroupName: 'a-very-long-action-group',
        emails: ['x@example.com'],
        logicAppId: '/la',
        systemTopicId: '/t',
        eventSubscriptionName: 'sub',
      }),
  );
  expect(values(tf.resource.azurerm_monitor_action_group)[0].short_name).toBe('a-very-long-');
  expect(
    values(tf.resource.azurerm_monitor_metric_alert)
      .map((a) => a.criteria[0].metric_name)
      .sort(),
  ).toEqual(['DeadLetteredCount', 'DroppedEventCount', 'RunsFailed']);
});

test('ModelRegisteredTrigger: the vault, the Logic App with its read role, the events and the alerts', () => {
  const tf = alone(
    (s) =>
      new ModelRegisteredTrigger(s, 't', {
        resourceGroupName: 'g',
        location: 'japaneast',
        tenantId: 't',
        workspaceName: 'mlw',
        github: { owner: 'o', repository: 'r', environment: 'e' },
        models: ['m'],
        names: {
          keyVault: 'kv',
          logicApp: 'la',
          eventGridSystemTopic: 't',
          eventSubscription: 's',
          storageAccount: 'dl',
          actionGroup: 'ag',
        },
        tokenWriters: [],
        keyVaultPurgeProtection: false,
        alertEmails: ['x@example.com'],
      }),
  );
  expect(
    values(tf.resource.azurerm_role_assignment)
      .map((a) => a.role_definition_name)
      .sort(),
  ).toEqual([
    'Key Vault Secrets Officer',
    'Key Vault Secrets User',
    'Storage Blob Data Contributor',
  ]);
  expect(values(tf.resource.azurerm_monitor_metric_alert)).toHaveLength(3);
});

const stateStorage = (allowDestroy: boolean) =>
  alone(
    (s) =>
      new StateStorage(s, 's', {
        resourceGroupName: 'g',
        location: 'japaneast',
        storageAccountName: 'st',
        containerName: 'tfstate',
        replication: 'LRS',
        retentionDays: 9,
        allowDestroy,
      }),
  );

test('StateStorage: hardened, versioned, locked; the lock goes before the container on destroy', () => {
  const tf = stateStorage(true);
  expect(values(tf.resource.azurerm_storage_account)[0]).toMatchObject({
    account_replication_type: 'LRS',
    blob_properties: { versioning_enabled: true, delete_retention_policy: { days: 9 } },
  });
  const [lock] = values(tf.resource.azurerm_management_lock);
  expect(lock.depends_on).toEqual([expect.stringMatching(/^azurerm_storage_container\./)]);
});

test('StateStorage: unless allowDestroy, Terraform refuses to destroy the group, account and container', () => {
  const guarded = (allowDestroy: boolean) => {
    const tf = stateStorage(allowDestroy);
    return ['azurerm_resource_group', 'azurerm_storage_account', 'azurerm_storage_container'].map(
      (type) => values(tf.resource[type])[0].lifecycle?.prevent_destroy,
    );
  };
  expect(guarded(false)).toEqual([true, true, true]);
  expect(guarded(true)).toEqual([false, false, false]);
});

test('InfraIdentities: with no target, only the state and Graph grants', () => {
  const tf = alone(
    (s) =>
      new InfraIdentities(s, 'i', {
        namePrefix: 'p',
        github: { repository: repo, applyEnvironments: ['infra'], subjectForm: 'immutable' },
        stateResourceGroupId: '/rg',
        targets: infraTargets([]),
      }),
  );
  expect(values(tf.resource.azurerm_role_assignment).every((a) => a.scope === '/rg')).toBe(true);
  expect(values(tf.resource.azuread_app_role_assignment)).toHaveLength(2);
  expect(tf.resource.azurerm_role_definition).toBeUndefined();
  expect(
    values(tf.resource.azuread_application_federated_identity_credential)
      .map((c) => c.subject)
      .sort(),
  ).toEqual(['repo:o@1/r@2:environment:infra', 'repo:o@1/r@2:pull_request']);
});

/** A storage account with the given tags: the smallest resource that takes tags. */
const taggedAccount = (s: Construct, tags: Record<string, string>) =>
  new StorageAccount(s, 'a', {
    name: 'a',
    resourceGroupName: 'g',
    location: 'l',
    accountTier: 'Standard',
    accountReplicationType: 'LRS',
    tags,
  });

test('cdktf drops a __proto__ tag when it writes the JSON: why the config refuses that name', () => {
  const tf = alone((s) => {
    taggedAccount(
      s,
      Object.fromEntries([
        ['__proto__', 'lost'],
        ['kept', 'yes'],
      ]),
    );
  });
  expect(Object.keys(values(tf.resource.azurerm_storage_account)[0].tags)).toEqual(['kept']);
});

test('TagsAspect: metric alerts get tag names in lower case, as Azure stores them', () => {
  const tf = alone((s) => {
    new MonitorMetricAlert(s, 'alert', {
      name: 'a',
      resourceGroupName: 'g',
      scopes: ['x'],
      tags: { Own: 'O' },
    });
    taggedAccount(s, {});
    Aspects.of(s).add(new TagsAspect({ CostCenter: 'CC-42', Own: 'config' }));
  });
  expect(values(tf.resource.azurerm_monitor_metric_alert)[0].tags).toEqual({
    costcenter: 'CC-42',
    own: 'O',
  });
  expect(values(tf.resource.azurerm_storage_account)[0].tags).toEqual({
    CostCenter: 'CC-42',
    Own: 'config',
  });
});

test('TagsAspect: every Azure resource that takes tags gets them; its own tags win', () => {
  const tf = alone((s) => {
    taggedAccount(s, { owner: 'own' });
    Aspects.of(s).add(new TagsAspect({ owner: 'config', project: 'p' }));
  });
  expect(values(tf.resource.azurerm_storage_account)[0].tags).toEqual({
    owner: 'own',
    project: 'p',
  });
});
