import { AzureadProvider } from '@cdktf/provider-azuread/lib/provider';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { GithubProvider } from '@cdktf/provider-github/lib/provider';
import { TimeProvider } from '@cdktf/provider-time/lib/provider';
import { Aspects, TerraformOutput, TerraformStack, dependable } from 'cdktf';
import type { Construct } from 'constructs';
import { GitHubRepository } from '../constructs/github-repository';
import { InfraIdentities, infraTargets } from '../constructs/infra-identities';
import { StateStorage } from '../constructs/state-storage';
import { TagsAspect } from '../constructs/tags-aspect';
import { requireTerraformVersion } from '../constructs/terraform-blocks';
import {
  BOOTSTRAP_OUTPUT_NAMES,
  applyEnvironment,
  checkBootstrapAgainstEnvironments,
  type BootstrapConfig,
} from '../lib/bootstrap-config';
import { azurermProvider } from '../constructs/azure-defaults';
import { ConfigError, type EnvironmentConfig } from '../lib/config';
import { literalStrings } from '../lib/terraform-literal';

export interface BootstrapStackProps {
  /** The validated `config/bootstrap.json`. */
  readonly config: BootstrapConfig;
  /**
   * The environments synthesized in the same run: the identities get their rights on each
   * one's resource group. An environment added later needs a new bootstrap deploy.
   */
  readonly environments: readonly EnvironmentConfig[];
}

/**
 * Deployed once, from a workstation, with local state (cdktf's default backend:
 * `terraform.aml-deploy-bootstrap.tfstate` in the project folder; it holds no secret, only
 * IDs): the storage that holds every environment stack's state, and the `plan` and `apply`
 * identities this repository's workflows sign in as. See docs/team-workflow.md.
 */
export class BootstrapStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: BootstrapStackProps) {
    super(scope, id);
    requireTerraformVersion(this);
    const problems = checkBootstrapAgainstEnvironments(props.config, props.environments);
    if (problems.length) throw new ConfigError(problems);
    // Every string from the files reaches Terraform as the text that was written.
    const config = literalStrings(props.config);
    const environments = literalStrings(props.environments);

    new AzurermProvider(
      this,
      'azurerm',
      azurermProvider(config.azure.subscriptionId, config.azure.tenantId),
    );
    new AzureadProvider(this, 'azuread', { tenantId: config.azure.tenantId });
    // Reads this repository's IDs for the OIDC subjects (GITHUB_TOKEN: read access is enough).
    new GithubProvider(this, 'github', { owner: config.github.owner });
    new TimeProvider(this, 'time');

    const state = new StateStorage(this, 'state', {
      resourceGroupName: config.stateStorage.resourceGroup,
      location: config.azure.location,
      storageAccountName: config.stateStorage.storageAccount,
      containerName: config.stateStorage.container,
      replication: config.stateStorage.replication,
      retentionDays: config.stateStorage.retentionDays,
      allowDestroy: config.stateStorage.allowDestroy,
    });
    // The person who bootstraps migrates each environment's local state into the container
    // (and can restore a version); everyone else goes through the workflows.
    const operatorWriter = new RoleAssignment(this, 'operator-state-writer', {
      scope: state.resourceGroupId,
      roleDefinitionName: 'Storage Blob Data Contributor',
      principalId: new DataAzurermClientConfig(this, 'operator', {}).objectId,
      description: 'The person who ran the bootstrap: migrates local state into the container',
    });
    const repository = new GitHubRepository(this, 'github-repository', {
      owner: config.github.owner,
      repository: config.github.repository,
      oidc: { form: config.github.oidcSubject, setting: `github.oidcSubject in ${config.file}` },
    });
    const identities = new InfraIdentities(this, 'identities', {
      namePrefix: config.namePrefix,
      github: {
        repository: repository.identity,
        applyEnvironments: config.environments.map(applyEnvironment),
        subjectForm: config.github.oidcSubject,
      },
      stateResourceGroupId: state.resourceGroupId,
      targets: infraTargets(environments),
    });
    // The lock comes after every role on the state. Bootstraps made before 2026-11-30 held
    // these roles on the account and the container: their replacements delete those, which
    // the lock (removed by hand first, docs/upgrading.md) must not block by coming back first.
    state.lock.dependsOn = [
      ...(state.lock.dependsOn ?? []),
      ...[operatorWriter, ...identities.stateRoles].map(dependable),
    ];

    const outputs: Record<keyof typeof BOOTSTRAP_OUTPUT_NAMES, [string, string]> = {
      planClientId: [identities.plan.clientId, 'Repository variable PLAN_CLIENT_ID'],
      applyClientId: [identities.apply.clientId, 'Repository variable APPLY_CLIENT_ID'],
      applyPrincipalObjectId: [
        identities.apply.principalId,
        'Object ID of the apply service principal (owner of the deploy identities it manages)',
      ],
      tenantId: [config.azure.tenantId, 'Repository variable AZURE_TENANT_ID'],
      subscriptionId: [config.azure.subscriptionId, 'Repository variable AZURE_SUBSCRIPTION_ID'],
      stateResourceGroup: [state.resourceGroupName, 'backend.resourceGroup of each environment'],
      stateStorageAccount: [state.storageAccountName, 'backend.storageAccount of each environment'],
      stateContainer: [state.containerName, 'backend.container of each environment'],
    };
    for (const [key, [value, description]] of Object.entries(outputs)) {
      new TerraformOutput(this, BOOTSTRAP_OUTPUT_NAMES[key as keyof typeof outputs], {
        value,
        description,
      });
    }

    Aspects.of(this).add(new TagsAspect(config.tags));
  }
}
