/** Names that tools outside the app (scripts, README commands, CI) rely on. */
import { createHash } from 'node:crypto';

/** The cdktf stack of one environment: `cdktf deploy aml-deploy-staging`. */
export function stackName(environment: string): string {
  return `aml-deploy-${environment}`;
}

/** The blob that holds an environment stack's state in the remote backend. */
export function stateKey(environment: string): string {
  return `${stackName(environment)}.tfstate`;
}

/** Terraform output names of an environment stack. */
export const OUTPUT_NAMES = {
  clientId: 'deploy_client_id',
  githubEnvironment: 'github_environment',
  workflowPath: 'deploy_workflow_path',
  /** Sensitive: the trigger URL carries a SAS signature. */
  triggerCallbackUrl: 'trigger_callback_url',
  keyVault: 'dispatch_token_key_vault',
  deadLetterAccount: 'dead_letter_storage_account',
} as const;

/**
 * Names of the resources an environment creates. Key Vault and storage account names
 * are global, so they carry a short hash of subscription, resource group and
 * environment: stable across deploys, distinct between environments and tenants.
 */
export function resourceNames(input: {
  prefix: string;
  environment: string;
  subscriptionId: string;
  resourceGroup: string;
}) {
  const { prefix, environment } = input;
  const suffix = createHash('sha256')
    .update(`${input.subscriptionId}/${input.resourceGroup}/${environment}`.toLowerCase())
    .digest('hex')
    .slice(0, 6);
  const compact = environment.replace(/-/g, '').slice(0, 6);
  return {
    /** Entra ID application of the deploy identity. */
    application: `${prefix}-${environment}-deploy`,
    eventGridSystemTopic: `${prefix}-${environment}-aml-events`,
    eventSubscription: `${prefix}-${environment}-model-registered`,
    logicApp: `${prefix}-${environment}-dispatch`,
    actionGroup: `${prefix}-${environment}-alerts`,
    // Key Vault: 3-24 letters, digits, '-'. Prefix ≤ 10 + 1 + 6 + 1 + 6 = 24 at most.
    keyVault: `${prefix}-${compact}-${suffix}`,
    // Storage account: 3-24 lowercase letters and digits. ≤ 10 + 6 + 6 + 2 = 24.
    storageAccount: `${prefix}${compact}${suffix}dl`,
  };
}
