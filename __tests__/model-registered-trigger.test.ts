import { EventgridSystemTopic } from '@cdktf/provider-azurerm/lib/eventgrid-system-topic';
import { EventgridSystemTopicEventSubscription } from '@cdktf/provider-azurerm/lib/eventgrid-system-topic-event-subscription';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret';
import { LogicAppTriggerHttpRequest } from '@cdktf/provider-azurerm/lib/logic-app-trigger-http-request';
import { LogicAppWorkflow } from '@cdktf/provider-azurerm/lib/logic-app-workflow';
import { MonitorActionGroup } from '@cdktf/provider-azurerm/lib/monitor-action-group';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import { DataAzurermEventgridSystemTopic } from '@cdktf/provider-azurerm/lib/data-azurerm-eventgrid-system-topic';
import { TerraformStack, Testing } from 'cdktf';
import { DispatchLogicApp } from '../constructs/dispatch-logic-app';
import { TOKEN_SECRET_NAME } from '../constructs/model-registered-trigger';
import { TOKEN_NOT_SET } from '../stacks/aml-deploy-stack';
import { buildLogicAppDefinition } from '../lib/logic-app-definition';
import { OUTPUT_NAMES } from '../lib/naming';
import { configFrom, exampleJson, resourcesOf, synthStack } from './support/synth';

const example = synthStack(configFrom(exampleJson()));
const json = JSON.parse(example);

/** The one resource of a type, with its logical ID. */
function only(type: string): [string, any] {
  const entries = Object.entries(resourcesOf(example, type));
  expect(entries).toHaveLength(1);
  return entries[0];
}
const ref = (type: string, attribute: string) => `\${${type}.${only(type)[0]}.${attribute}}`;

describe('Event Grid', () => {
  test('a system topic on the workspace, with an identity for dead-lettering', () => {
    expect(example).toHaveResourceWithProperties(EventgridSystemTopic, {
      topic_type: 'Microsoft.MachineLearningServices.Workspaces',
      source_resource_id:
        '${data.azurerm_machine_learning_workspace.model-registered-trigger_workspace_2714DBB4.id}',
      location:
        '${data.azurerm_machine_learning_workspace.model-registered-trigger_workspace_2714DBB4.location}',
      identity: { type: 'SystemAssigned' },
    });
  });

  test('the subscription delivers only ModelRegistered for the target models to the trigger', () => {
    expect(example).toHaveResourceWithProperties(EventgridSystemTopicEventSubscription, {
      system_topic: ref('azurerm_eventgrid_system_topic', 'name'),
      event_delivery_schema: 'EventGridSchema',
      included_event_types: ['Microsoft.MachineLearningServices.ModelRegistered'],
      advanced_filter: {
        string_begins_with: [{ key: 'subject', values: ['models/sklearn-regression:'] }],
      },
      webhook_endpoint: {
        // Sensitive: a plan that changes it must not print the signed URL.
        url: `\${sensitive(${ref('azurerm_logic_app_trigger_http_request', 'callback_url').slice(2, -1)})}`,
        max_events_per_batch: 1,
        preferred_batch_size_in_kilobytes: 64,
      },
      retry_policy: { max_delivery_attempts: 30, event_time_to_live: 1440 },
      dead_letter_identity: { type: 'SystemAssigned' },
      storage_blob_dead_letter_destination: {
        storage_account_id: ref('azurerm_storage_account', 'id'),
        storage_blob_container_name: ref('azurerm_storage_container', 'name'),
      },
    });
  });

  test('the subscription is created after the action that answers the validation handshake', () => {
    const [, sub] = only('azurerm_eventgrid_system_topic_event_subscription');
    const [action] = only('azurerm_logic_app_action_custom');
    expect(sub.depends_on).toContain(`azurerm_logic_app_action_custom.${action}`);
  });

  test('several targets: one subject prefix per model', () => {
    const config = exampleJson();
    config.targets.push({ ...config.targets[0], model: 'fraud.v2', endpoint: 'ep-fraud' });
    const [, sub] = Object.entries(
      resourcesOf(
        synthStack(configFrom(config)),
        'azurerm_eventgrid_system_topic_event_subscription',
      ),
    )[0];
    expect(sub.advanced_filter.string_begins_with[0].values).toEqual([
      'models/sklearn-regression:',
      'models/fraud.v2:',
    ]);
  });

  test('an existing system topic is looked up, not created', () => {
    const config = exampleJson();
    config.azure.eventGridSystemTopic = 'mlw-mlops-events';
    const s = synthStack(configFrom(config));
    expect(s).not.toHaveResource(EventgridSystemTopic);
    expect(s).toHaveDataSourceWithProperties(DataAzurermEventgridSystemTopic, {
      name: 'mlw-mlops-events',
      resource_group_name: 'rg-mlops',
    });
    expect(s).toHaveResourceWithProperties(RoleAssignment, {
      role_definition_name: 'Storage Blob Data Contributor',
      principal_id:
        '${data.azurerm_eventgrid_system_topic.model-registered-trigger_events_existing-system-topic_06524DEA.identity[0].principal_id}',
    });
  });

  test('dead letters go to a private container in an account without keys or public blobs', () => {
    expect(example).toHaveResourceWithProperties(StorageAccount, {
      shared_access_key_enabled: false,
      allow_nested_items_to_be_public: false,
      min_tls_version: 'TLS1_2',
      https_traffic_only_enabled: true,
    });
    expect(example).toHaveResourceWithProperties(StorageContainer, {
      name: 'dead-letters',
      container_access_type: 'private',
    });
    expect(example).toHaveResourceWithProperties(RoleAssignment, {
      scope: ref('azurerm_storage_container', 'id'),
      role_definition_name: 'Storage Blob Data Contributor',
      principal_id: ref('azurerm_eventgrid_system_topic', 'identity[0].principal_id'),
    });
  });
});

describe('Logic App', () => {
  const definition = buildLogicAppDefinition({
    owner: 'contoso',
    repository: 'mlops-models',
    environment: 'production',
    workspace: 'mlw-mlops',
    keyVaultUri: ref('azurerm_key_vault', 'vault_uri'),
    tokenSecretName: TOKEN_SECRET_NAME,
  });

  test('a Consumption workflow with a system-assigned identity', () => {
    expect(example).toHaveResourceWithProperties(LogicAppWorkflow, {
      identity: { type: 'SystemAssigned' },
    });
  });

  test('the trigger is the definition trigger: POST with its schema, no splitOn', () => {
    const [, trigger] = only('azurerm_logic_app_trigger_http_request');
    expect(trigger.name).toBe('manual');
    expect(trigger.method).toBe('POST');
    expect(JSON.parse(trigger.schema)).toEqual(definition.triggers.manual.inputs.schema);
    expect(example).toHaveResource(LogicAppTriggerHttpRequest);
    expect(example).not.toContain('splitOn');
  });

  test('one action resource carries the whole definition, after the trigger', () => {
    const [, action] = only('azurerm_logic_app_action_custom');
    expect({ [action.name]: JSON.parse(action.body) }).toEqual(definition.actions);
    expect(action.depends_on).toEqual([
      `azurerm_logic_app_trigger_http_request.${only('azurerm_logic_app_trigger_http_request')[0]}`,
    ]);
  });

  test('a definition with more than one top-level action is refused: deleting one drops the identity', () => {
    const two = {
      ...definition,
      actions: { ...definition.actions, Another: definition.actions.Process_delivery },
    };
    const app = Testing.app();
    const stack = new TerraformStack(app, 'x');
    expect(
      () =>
        new DispatchLogicApp(stack, 'logic-app', {
          name: 'x',
          resourceGroupName: 'rg',
          location: 'japaneast',
          definition: two,
        }),
    ).toThrow(
      "The workflow must have exactly one top-level action (a Scope), not 2: removing an action resource drops the Logic App's identity.",
    );
  });

  test('the workflow identity may read secrets from the vault, nothing more', () => {
    expect(example).toHaveResourceWithProperties(RoleAssignment, {
      scope: ref('azurerm_key_vault', 'id'),
      role_definition_name: 'Key Vault Secrets User',
      principal_id: ref('azurerm_logic_app_workflow', 'identity[0].principal_id'),
    });
  });

  test('the trigger URL is a sensitive output, of a value marked sensitive', () => {
    expect(json.output[OUTPUT_NAMES.triggerCallbackUrl]).toEqual({
      description: expect.any(String),
      sensitive: true,
      value: `\${sensitive(${ref('azurerm_logic_app_trigger_http_request', 'callback_url').slice(2, -1)})}`,
    });
  });
});

describe('the GitHub token', () => {
  test('Key Vault with RBAC authorization; purge protection follows the config', () => {
    expect(example).toHaveResourceWithProperties(KeyVault, {
      rbac_authorization_enabled: true,
      purge_protection_enabled: false,
    });
    const config = exampleJson();
    config.trigger.keyVaultPurgeProtection = true;
    expect(synthStack(configFrom(config))).toHaveResourceWithProperties(KeyVault, {
      purge_protection_enabled: true,
    });
  });

  test('variable mode: written with the write-only argument from a sensitive, ephemeral variable', () => {
    const [, secret] = only('azurerm_key_vault_secret');
    expect(secret).toMatchObject({
      name: TOKEN_SECRET_NAME,
      // Unset (every plan after the first): a placeholder the provider sends only on create
      // or a version bump; see TOKEN_NOT_SET.
      value_wo: `\${coalesce(var.github_dispatch_token, "${TOKEN_NOT_SET}")}`,
      value_wo_version: '${var.github_dispatch_token_version}',
    });
    expect(secret.value).toBeUndefined();
    expect(json.variable.github_dispatch_token).toEqual({
      type: 'string',
      sensitive: true,
      ephemeral: true,
      nullable: true,
      default: null,
      description: expect.stringContaining('Contents read and write'),
    });
  });

  test('out-of-band mode (the default): no secret resource and no token variable', () => {
    const config = exampleJson();
    delete config.trigger.githubTokenSource;
    const s = synthStack(configFrom(config));
    expect(s).not.toHaveResource(KeyVaultSecret);
    expect(JSON.parse(s).variable?.github_dispatch_token).toBeUndefined();
    // The deployer still gets the role needed to set it by hand.
    expect(s).toHaveResourceWithProperties(RoleAssignment, {
      role_definition_name: 'Key Vault Secrets Officer',
    });
  });

  test('the definition references the vault, never a token', () => {
    for (const a of Object.values(resourcesOf(example, 'azurerm_logic_app_action_custom'))) {
      expect(a.body).not.toMatch(/var\.github_dispatch_token|Bearer [^@]/);
    }
  });
});

describe('failure visibility', () => {
  test('an action group mails the configured addresses', () => {
    expect(example).toHaveResourceWithProperties(MonitorActionGroup, {
      email_receiver: [
        { name: 'email-0', email_address: 'ml-oncall@example.com', use_common_alert_schema: true },
      ],
    });
  });

  test('alerts on failed runs, dead-lettered and dropped events, all to the action group', () => {
    const alerts = Object.values(resourcesOf(example, 'azurerm_monitor_metric_alert'));
    expect(
      alerts.map((a) => [a.scopes[0].split('.')[0], a.criteria[0].metric_name]).sort(),
    ).toEqual([
      ['${azurerm_eventgrid_system_topic', 'DeadLetteredCount'],
      ['${azurerm_eventgrid_system_topic', 'DroppedEventCount'],
      ['${azurerm_logic_app_workflow', 'RunsFailed'],
    ]);
    for (const a of alerts) {
      expect(a.action).toEqual([{ action_group_id: ref('azurerm_monitor_action_group', 'id') }]);
      expect(a.criteria[0]).toMatchObject({ operator: 'GreaterThan', threshold: 0 });
    }
  });
});

test('logical IDs of stateful resources are pinned (renaming one replaces the resource)', () => {
  const ids = (type: string) => Object.keys(resourcesOf(example, type));
  expect({
    keyVault: ids('azurerm_key_vault'),
    storage: ids('azurerm_storage_account'),
    topic: ids('azurerm_eventgrid_system_topic'),
    workflow: ids('azurerm_logic_app_workflow'),
    application: ids('azuread_application'),
  }).toEqual({
    keyVault: ['model-registered-trigger_token-vault_FFD5EDB5'],
    storage: ['model-registered-trigger_events_dead-letter-account_17FE2AE4'],
    topic: ['model-registered-trigger_events_system-topic_D1BBB9C1'],
    workflow: ['model-registered-trigger_logic-app_workflow_BEFCC84D'],
    application: ['deploy-identity_app_application_BB8214CF'],
  });
});

/**
 * Attributes azurerm 4.55 declares Optional but not Computed while Azure fills them in: left
 * out, every plan would show them changing. Found by reading each resource's Read function
 * (the event subscription's in internal/services/eventgrid/event_subscription_funcs.go; the
 * custom action's body is compared whole with what Azure returns). The others we create
 * either send their value explicitly or read a missing one back as empty.
 */
test.each([
  [
    'azurerm_eventgrid_system_topic_event_subscription',
    (r: any) => r.webhook_endpoint.preferred_batch_size_in_kilobytes,
    64,
  ],
  ['azurerm_logic_app_action_custom', (r: any) => JSON.parse(r.body).runAfter, {}],
])('pinned against a perpetual diff: %s', (type, read, value) => {
  const [, resource] = only(type);
  expect(read(resource)).toEqual(value);
});
