import { AzureadProvider } from '@cdktf/provider-azuread/lib/provider';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { DataAzurermResourceGroup } from '@cdktf/provider-azurerm/lib/data-azurerm-resource-group';
import { GithubProvider } from '@cdktf/provider-github/lib/provider';
import { TimeProvider } from '@cdktf/provider-time/lib/provider';
import {
  Aspects,
  AzurermBackend,
  Fn,
  TerraformOutput,
  TerraformStack,
  TerraformVariable,
} from 'cdktf';
import type { Construct } from 'constructs';
import { DeployIdentity } from '../constructs/deploy-identity';
import { GitHubRepository } from '../constructs/github-repository';
import { GitHubWiring, type CommittedFile } from '../constructs/github-wiring';
import { ModelRegisteredTrigger } from '../constructs/model-registered-trigger';
import { RegistryAccess } from '../constructs/registry-access';
import { TagsAspect } from '../constructs/tags-aspect';
import { requireTerraformVersion } from '../constructs/terraform-blocks';
import { azurermProvider } from '../constructs/azure-defaults';
import type { EnvironmentConfig } from '../lib/config';
import { OUTPUT_NAMES, resourceNames, stateKey } from '../lib/naming';
import { literalStrings } from '../lib/terraform-literal';
import {
  DEPLOY_WORKFLOW_PATH,
  SECRET_NAMES,
  VARIABLE_NAMES,
  deploymentTargetsDocument,
} from '../lib/workflow-contract';

export interface AmlDeployStackProps {
  /** One environment's validated configuration. */
  readonly config: EnvironmentConfig;
  /** The workflow files to commit to the target repository, read from `workflows/`. */
  readonly committedFiles: readonly CommittedFile[];
}

/** What Key Vault holds when the secret was created without a token: how to set one. */
export const TOKEN_NOT_SET =
  'not-set: az keyvault secret set it, or deploy with TF_VAR_github_dispatch_token and a higher TF_VAR_github_dispatch_token_version';

/** Terraform variables of an environment stack, set as `TF_VAR_<name>`. */
const TF_VARIABLES = {
  githubDispatchToken: 'github_dispatch_token',
  githubDispatchTokenVersion: 'github_dispatch_token_version',
  /** `true` for a plan that is never applied: it may run as a principal outside the deployers. */
  readOnlyPlan: 'read_only_plan',
} as const;

/**
 * Everything one environment needs so that a registered model version ends up serving:
 * the deploy identity, the GitHub environment with its variables, secrets and workflow,
 * and the trigger that dispatches to it when a model version is registered.
 */
export class AmlDeployStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: AmlDeployStackProps) {
    super(scope, id);
    requireTerraformVersion(this);
    // Every string from the file reaches Terraform as the text that was written.
    const config = literalStrings(props.config);
    const { azure, github, auth } = config;
    const names = resourceNames({
      prefix: config.namePrefix,
      environment: config.name,
      subscriptionId: azure.subscriptionId,
      resourceGroup: azure.resourceGroup,
    });

    if (config.backend) {
      new AzurermBackend(this, {
        resourceGroupName: config.backend.resourceGroup,
        storageAccountName: config.backend.storageAccount,
        containerName: config.backend.container,
        subscriptionId: config.backend.subscriptionId,
        tenantId: azure.tenantId,
        key: stateKey(config.name),
        // Entra ID (the deployer's az login or the workflow's OIDC token), no account keys.
        useAzureadAuth: true,
      });
    }

    new AzurermProvider(
      this,
      'azurerm',
      azurermProvider(azure.subscriptionId, azure.tenantId, {
        // Purging a destroyed vault needs subscription-wide rights, which a deployer scoped
        // to the resource group lacks; the vault stays soft-deleted for 7 days instead.
        keyVault: [{ purgeSoftDeleteOnDestroy: false }],
      }),
    );
    new AzureadProvider(this, 'azuread', { tenantId: azure.tenantId });
    // The token comes from GITHUB_TOKEN in the deployer's environment, never from config.
    new GithubProvider(this, 'github', { owner: github.owner });
    new TimeProvider(this, 'time');

    const resourceGroup = new DataAzurermResourceGroup(this, 'resource-group', {
      name: azure.resourceGroup,
    });
    const repository = new GitHubRepository(this, 'github-repository', {
      owner: github.owner,
      repository: github.repository,
      branch: github.branch,
      // client-secret mode trusts no token, so which subject GitHub signs does not matter.
      ...(auth.mode === 'oidc'
        ? { oidc: { form: github.oidcSubject, setting: `github.oidcSubject in ${config.file}` } }
        : {}),
    });

    const readOnlyPlan = new TerraformVariable(this, TF_VARIABLES.readOnlyPlan, {
      type: 'bool',
      default: false,
      description:
        "true for a plan that is never applied (a pull request's diff): it may then run as a principal that is not in azure.deployers",
    });
    const identity = new DeployIdentity(this, 'deploy-identity', {
      displayName: names.application,
      resourceGroupId: resourceGroup.id,
      roleDefinitionName: config.role,
      authMode: auth.mode,
      github: {
        repository: repository.identity,
        environment: github.environment,
        subjectForm: github.oidcSubject,
      },
      secretRotationDays: auth.secretRotationDays,
      owners: azure.deployers,
      ownerCheck: {
        ownersSetting: `azure.deployers in ${config.file}`,
        readOnlyPlan: readOnlyPlan.booleanValue,
      },
    });

    // A release chain through a registry: this identity shares into it, or deploys from it.
    const access = [
      { registry: config.chain.next?.registry, use: 'share' as const },
      { registry: config.chain.previous?.registry, use: 'deploy' as const },
    ];
    for (const { registry, use } of access) {
      if (!registry) continue;
      new RegistryAccess(this, `registry-${use}`, {
        registry,
        principalId: identity.principalId,
        use,
        subscriptionId: azure.subscriptionId,
        tenantId: azure.tenantId,
        setting: use === 'share' ? config.file : `the environment that promotes to ${config.name}`,
      });
    }

    const secrets: Record<string, string> = {};
    if (identity.clientSecret) {
      secrets[SECRET_NAMES.azureCredentials] = Fn.jsonencode({
        clientId: identity.clientId,
        clientSecret: identity.clientSecret,
        subscriptionId: azure.subscriptionId,
        tenantId: azure.tenantId,
      });
    }
    const wiring = new GitHubWiring(this, 'github-wiring', {
      repository: github.repository,
      github: repository,
      configuredBranch: github.branch,
      environment: github.environment,
      environmentSetting: `github.environment in ${config.file}`,
      reviewers: github.requiredReviewers,
      variables: {
        [VARIABLE_NAMES.authMode]: auth.mode,
        [VARIABLE_NAMES.clientId]: identity.clientId,
        [VARIABLE_NAMES.tenantId]: azure.tenantId,
        [VARIABLE_NAMES.subscriptionId]: azure.subscriptionId,
        [VARIABLE_NAMES.resourceGroup]: azure.resourceGroup,
        [VARIABLE_NAMES.workspace]: azure.workspace,
        [VARIABLE_NAMES.deploymentTargets]: deploymentTargetsDocument(config.targets),
        // Only in a release chain: an environment outside one keeps its variables as they were.
        ...(config.chain.next
          ? { [VARIABLE_NAMES.promotion]: JSON.stringify(config.chain.next) }
          : {}),
        ...(config.chain.previous
          ? { [VARIABLE_NAMES.promotedFrom]: JSON.stringify(config.chain.previous) }
          : {}),
      },
      secrets,
      // One environment per repository owns the shared workflow files (lib/config.ts checks).
      files: github.commitWorkflow ? props.committedFiles : [],
      delivery: github.workflowDelivery,
    });

    const trigger = new ModelRegisteredTrigger(this, 'model-registered-trigger', {
      resourceGroupName: azure.resourceGroup,
      location: azure.location,
      tenantId: azure.tenantId,
      workspaceName: azure.workspace,
      github: {
        owner: github.owner,
        repository: github.repository,
        environment: github.environment,
      },
      models: config.targets.map((t) => t.model),
      names,
      existingSystemTopic: azure.eventGridSystemTopic,
      token: config.trigger.githubTokenSource === 'variable' ? this.tokenVariable() : undefined,
      // A deployer may also be listed as a writer: each principal once.
      tokenWriters: uniqueIds([...azure.deployers, ...config.trigger.tokenWriters]),
      keyVaultPurgeProtection: config.trigger.keyVaultPurgeProtection,
      alertEmails: config.trigger.alertEmails,
    });

    new TerraformOutput(this, OUTPUT_NAMES.clientId, {
      value: identity.clientId,
      description: 'Application (client) ID of the deploy identity',
    });
    new TerraformOutput(this, OUTPUT_NAMES.githubEnvironment, {
      value: wiring.environmentName,
      description: 'GitHub environment the deploy job runs in',
    });
    new TerraformOutput(this, OUTPUT_NAMES.workflowPath, {
      value: DEPLOY_WORKFLOW_PATH,
      description: 'Path of the committed deploy workflow in the target repository',
    });

    new TerraformOutput(this, OUTPUT_NAMES.triggerCallbackUrl, {
      value: trigger.callbackUrl,
      description: 'URL of the Logic App trigger (carries a SAS signature); for send-test-event',
      sensitive: true,
    });
    new TerraformOutput(this, OUTPUT_NAMES.keyVault, {
      value: trigger.keyVaultName,
      description: 'Key Vault holding the GitHub dispatch token',
    });
    new TerraformOutput(this, OUTPUT_NAMES.deadLetterAccount, {
      value: trigger.deadLetterAccountName,
      description: 'Storage account whose dead-letters container holds undeliverable events',
    });

    Aspects.of(this).add(new TagsAspect(config.tags));
  }

  /**
   * The GitHub token as a sensitive, ephemeral variable: Terraform neither prints it nor
   * keeps it in a saved plan, and Key Vault's write-only argument keeps it out of state.
   * Needed on the first deploy and whenever the version is bumped to rotate it.
   */
  private tokenVariable(): { value: string; version: number } {
    const token = new TerraformVariable(this, TF_VARIABLES.githubDispatchToken, {
      type: 'string',
      sensitive: true,
      nullable: true,
      description:
        'GitHub token for the repository dispatch (fine-grained: Contents read and write on the target repository)',
    });
    // cdktf 0.21's TerraformVariable has no `ephemeral` option (Terraform ≥ 1.10 reads it),
    // and cannot synthesize a null default: a null default makes the token optional, so a
    // plan that does not write it (every diff in review) needs no token.
    token.addOverride('ephemeral', true);
    token.addOverride('default', null);
    const version = new TerraformVariable(this, TF_VARIABLES.githubDispatchTokenVersion, {
      type: 'number',
      default: 1,
      description: 'Bump to write a new github_dispatch_token into Key Vault',
    });
    // The provider needs a value even when none is given; it writes one only when the secret
    // is created (first deploy, or after the secret or vault was replaced) or the version
    // is bumped. Written without a token, the placeholder makes every dispatch fail with
    // 401, which raises the failed-run alert.
    return {
      value: Fn.coalesce([token.stringValue, TOKEN_NOT_SET]),
      version: version.numberValue,
    };
  }
}

/** Object IDs, each once: GUIDs compare case-insensitively. */
function uniqueIds(ids: readonly string[]): string[] {
  return [...new Map(ids.map((i) => [i.toLowerCase(), i])).values()];
}
