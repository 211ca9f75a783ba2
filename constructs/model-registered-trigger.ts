import { DataAzurermMachineLearningWorkspace } from '@cdktf/provider-azurerm/lib/data-azurerm-machine-learning-workspace';
import { Construct } from 'constructs';
import { buildLogicAppDefinition } from '../lib/logic-app-definition';
import { DispatchLogicApp } from './dispatch-logic-app';
import { DispatchTokenVault } from './dispatch-token-vault';
import { FailureAlerts } from './failure-alerts';
import { ModelRegisteredEvents } from './model-registered-events';

/** Name of the Key Vault secret that holds the GitHub token. */
export const TOKEN_SECRET_NAME = 'github-dispatch-token';

export interface ModelRegisteredTriggerProps {
  readonly resourceGroupName: string;
  readonly location: string;
  readonly tenantId: string;
  /** The existing ML workspace whose registrations trigger deploys. */
  readonly workspaceName: string;
  /** Where the dispatch goes, and which GitHub environment it is for. */
  readonly github: {
    readonly owner: string;
    readonly repository: string;
    readonly environment: string;
  };
  /** Model names with a deployment target: events for other models are not delivered. */
  readonly models: readonly string[];
  /** Resource names (see `resourceNames` in lib/naming.ts). */
  readonly names: {
    readonly keyVault: string;
    readonly logicApp: string;
    readonly eventGridSystemTopic: string;
    readonly eventSubscription: string;
    readonly storageAccount: string;
    readonly actionGroup: string;
  };
  /**
   * An existing system topic of the workspace.
   * @default - one is created
   */
  readonly existingSystemTopic?: string;
  /**
   * The GitHub token and its version (bump the version to write a new value).
   * @default - the token is set in Key Vault out of band
   */
  readonly token?: { readonly value: string; readonly version: number };
  /**
   * Principals that may write the token: the deployers and people who set it by hand.
   * Empty: whoever runs Terraform.
   */
  readonly tokenWriters: readonly string[];
  /** Key Vault purge protection (cannot be turned off once on). */
  readonly keyVaultPurgeProtection: boolean;
  /** Addresses notified of failed runs and dead-lettered events (at least one). */
  readonly alertEmails: readonly string[];
}

/**
 * Model registered in the workspace → Event Grid → Logic App → GitHub repository
 * dispatch, with the token in Key Vault and alerts on every way a dispatch can be lost.
 */
export class ModelRegisteredTrigger extends Construct {
  /** The Logic App trigger URL with its SAS signature: a secret. */
  public readonly callbackUrl: string;
  public readonly keyVaultName: string;
  public readonly deadLetterAccountName: string;

  constructor(scope: Construct, id: string, props: ModelRegisteredTriggerProps) {
    super(scope, id);
    const { names } = props;
    const workspace = new DataAzurermMachineLearningWorkspace(this, 'workspace', {
      name: props.workspaceName,
      resourceGroupName: props.resourceGroupName,
    });

    const vault = new DispatchTokenVault(this, 'token-vault', {
      name: names.keyVault,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      tenantId: props.tenantId,
      secretName: TOKEN_SECRET_NAME,
      token: props.token,
      secretsOfficers: props.tokenWriters,
      purgeProtection: props.keyVaultPurgeProtection,
    });
    this.keyVaultName = vault.vaultName;

    const logicApp = new DispatchLogicApp(this, 'logic-app', {
      name: names.logicApp,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      definition: buildLogicAppDefinition({
        owner: props.github.owner,
        repository: props.github.repository,
        environment: props.github.environment,
        workspace: props.workspaceName,
        keyVaultUri: vault.vaultUri,
        tokenSecretName: TOKEN_SECRET_NAME,
      }),
    });
    vault.grantRead('logic-app-secrets-user', logicApp.principalId);
    this.callbackUrl = logicApp.callbackUrl;

    const events = new ModelRegisteredEvents(this, 'events', {
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      workspace: { id: workspace.id, location: workspace.location },
      systemTopicName: names.eventGridSystemTopic,
      existingSystemTopic: props.existingSystemTopic,
      subscriptionName: names.eventSubscription,
      models: props.models,
      webhookUrl: logicApp.callbackUrl,
      // The validation handshake needs Respond_to_validation, which the action deploys.
      webhookReady: [logicApp.action],
      deadLetterAccountName: names.storageAccount,
    });
    this.deadLetterAccountName = events.deadLetterAccountName;

    new FailureAlerts(this, 'alerts', {
      resourceGroupName: props.resourceGroupName,
      actionGroupName: names.actionGroup,
      emails: props.alertEmails,
      logicAppId: logicApp.workflowId,
      systemTopicId: events.systemTopicId,
      eventSubscriptionName: events.subscriptionName,
    });
  }
}
