import { DataAzurermEventgridSystemTopic } from '@cdktf/provider-azurerm/lib/data-azurerm-eventgrid-system-topic';
import { EventgridSystemTopic } from '@cdktf/provider-azurerm/lib/eventgrid-system-topic';
import { EventgridSystemTopicEventSubscription } from '@cdktf/provider-azurerm/lib/eventgrid-system-topic-event-subscription';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { hardenedStorageAccount } from './azure-defaults';
import { MODEL_REGISTERED_EVENT_TYPE } from '../lib/logic-app-definition';

/** Event Grid's topic type for an Azure ML workspace. */
const ML_WORKSPACE_TOPIC_TYPE = 'Microsoft.MachineLearningServices.Workspaces';

/** Container in the dead-letter account where undeliverable events land. */
const DEAD_LETTER_CONTAINER = 'dead-letters';

/**
 * Event Grid's own defaults, written out so a reader sees them: up to 30 attempts over
 * 24 hours (back-off from 10 s to 1 h), which rides out a GitHub or Logic Apps outage of
 * most of a day before an event is dead-lettered.
 */
const RETRY_POLICY = { maxDeliveryAttempts: 30, eventTimeToLive: 1440 } as const;

/**
 * Webhook delivery settings. One event per delivery: a failing dispatch makes Event Grid
 * retry only its own event. The batch size is what Azure sets when it is left out; azurerm
 * 4.55 does not mark it Computed, so leaving it out shows a change (and a new validation
 * handshake) on every plan.
 */
const WEBHOOK_DELIVERY = {
  maxEventsPerBatch: 1,
  preferredBatchSizeInKilobytes: 64,
} as const;

/** Subject-prefix filter values: ModelRegistered subjects are `models/<name>:<version>`. */
function modelSubjectPrefixes(models: readonly string[]): string[] {
  return models.map((m) => `models/${m}:`);
}

export interface ModelRegisteredEventsProps {
  readonly resourceGroupName: string;
  /** The ML workspace: its resource ID is the topic's source; the topic lives in its region. */
  readonly workspace: { readonly id: string; readonly location: string };
  /** Name of the system topic to create, when `existingSystemTopic` is not given. */
  readonly systemTopicName: string;
  /**
   * A system topic that already exists for the workspace (only one may exist per
   * workspace). It must have a system-assigned identity, which dead-lettering uses.
   * @default - a system topic is created
   */
  readonly existingSystemTopic?: string;
  readonly subscriptionName: string;
  /** Only events for these model names are delivered. */
  readonly models: readonly string[];
  /** Webhook that receives deliveries: the Logic App trigger's callback URL (sensitive). */
  readonly webhookUrl: string;
  /**
   * What must exist before the subscription is created, since Event Grid validates the
   * webhook then (the Logic App's actions that answer the handshake).
   * @default - nothing beyond the URL
   */
  readonly webhookReady?: readonly ITerraformDependable[];
  /** Storage account for dead letters (3-24 lowercase letters and digits, globally unique). */
  readonly deadLetterAccountName: string;
  readonly location: string;
}

/**
 * Delivers the workspace's ModelRegistered events for the configured models to the
 * webhook, in the Event Grid schema, retried on failure and dead-lettered to a private
 * blob container when retries run out.
 */
export class ModelRegisteredEvents extends Construct {
  /** Resource ID of the system topic (metric scope for dead-letter alerts). */
  public readonly systemTopicId: string;
  public readonly subscriptionName: string;
  public readonly deadLetterAccountName: string;

  constructor(scope: Construct, id: string, props: ModelRegisteredEventsProps) {
    super(scope, id);
    const topic = props.existingSystemTopic
      ? new DataAzurermEventgridSystemTopic(this, 'existing-system-topic', {
          name: props.existingSystemTopic,
          resourceGroupName: props.resourceGroupName,
        })
      : new EventgridSystemTopic(this, 'system-topic', {
          name: props.systemTopicName,
          resourceGroupName: props.resourceGroupName,
          location: props.workspace.location,
          sourceResourceId: props.workspace.id,
          topicType: ML_WORKSPACE_TOPIC_TYPE,
          identity: { type: 'SystemAssigned' },
        });
    this.systemTopicId = topic.id;
    const topicPrincipalId =
      topic instanceof EventgridSystemTopic
        ? topic.identity.principalId
        : topic.identity.get(0).principalId;

    const account = new StorageAccount(this, 'dead-letter-account', {
      name: props.deadLetterAccountName,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      // Entra ID only: Event Grid writes with its managed identity, people read with RBAC.
      ...hardenedStorageAccount(),
      accountReplicationType: 'LRS',
    });
    this.deadLetterAccountName = account.name;
    const container = new StorageContainer(this, 'dead-letter-container', {
      name: DEAD_LETTER_CONTAINER,
      storageAccountId: account.id,
      containerAccessType: 'private',
    });
    const writer = new RoleAssignment(this, 'topic-dead-letter-writer', {
      scope: container.id,
      roleDefinitionName: 'Storage Blob Data Contributor',
      principalId: topicPrincipalId,
      principalType: 'ServicePrincipal',
      description: 'Event Grid writes undeliverable ModelRegistered events here',
    });

    const subscription = new EventgridSystemTopicEventSubscription(this, 'subscription', {
      name: props.subscriptionName,
      systemTopic: topic.name,
      resourceGroupName: props.resourceGroupName,
      eventDeliverySchema: 'EventGridSchema',
      includedEventTypes: [MODEL_REGISTERED_EVENT_TYPE],
      advancedFilter: {
        stringBeginsWith: [{ key: 'subject', values: modelSubjectPrefixes(props.models) }],
      },
      webhookEndpoint: { url: props.webhookUrl, ...WEBHOOK_DELIVERY },
      retryPolicy: RETRY_POLICY,
      deadLetterIdentity: { type: 'SystemAssigned' },
      storageBlobDeadLetterDestination: {
        storageAccountId: account.id,
        storageBlobContainerName: container.name,
      },
      dependsOn: [writer, ...(props.webhookReady ?? [])],
    });
    this.subscriptionName = subscription.name;
  }
}
