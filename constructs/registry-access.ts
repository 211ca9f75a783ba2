import { DataAzurermResources } from '@cdktf/provider-azurerm/lib/data-azurerm-resources';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { Construct } from 'constructs';

import { azurermProvider } from './azure-defaults';
import { registryId, type RegistryRef } from '../lib/promotion';

/** What an environment does with the registry of its promotion. */
const REGISTRY_ROLES = {
  /** Shares versions into it (`az ml model share`): read, and write assets. */
  share: 'AzureML Registry User',
  /** Deploys versions from it: read only. */
  deploy: 'Reader',
} as const;

export interface RegistryAccessProps {
  /** The existing registry. */
  readonly registry: RegistryRef;
  /** Object ID of the deploy identity's service principal. */
  readonly principalId: string;
  /** What the identity does with it: its one role there. */
  readonly use: keyof typeof REGISTRY_ROLES;
  /** The environment's subscription and tenant: another subscription gets its own provider. */
  readonly subscriptionId: string;
  readonly tenantId: string;
  /** The stack's config file, named in the message when the registry is missing. */
  readonly setting: string;
}

/**
 * One role for a deploy identity on an existing Azure ML registry, and a plan that fails when
 * the registry does not exist. azurerm v4.55.0 has no registry resource or data source
 * (internal/services/machinelearning/registration.go), so the registry is looked up with
 * `azurerm_resources` (resources_data_source.go: filtered by name and type in the provider's
 * subscription; no match is an empty list, not an error: hence the postcondition). The role
 * is named, not given by ID: a role definition ID without the scope's subscription prefix is
 * replaced on every plan (provider issues #4258, #19847).
 */
export class RegistryAccess extends Construct {
  constructor(scope: Construct, id: string, props: RegistryAccessProps) {
    super(scope, id);
    const { registry } = props;
    const elsewhere = registry.subscriptionId.toLowerCase() !== props.subscriptionId.toLowerCase();
    const provider = elsewhere
      ? new AzurermProvider(this, 'provider', {
          ...azurermProvider(registry.subscriptionId, props.tenantId),
          alias: 'registry',
        })
      : undefined;
    new DataAzurermResources(this, 'registry', {
      provider,
      name: registry.name,
      resourceGroupName: registry.resourceGroup,
      type: 'Microsoft.MachineLearningServices/registries',
      lifecycle: {
        postcondition: [
          {
            condition: '${length(self.resources) == 1}',
            errorMessage: `Azure ML registry ${registry.name} was not found in resource group ${registry.resourceGroup} of subscription ${registry.subscriptionId} (promotion.registry in ${props.setting}): create it first (docs/promotion.md), or correct the name.`,
          },
        ],
      },
    });
    new RoleAssignment(this, 'role-assignment', {
      scope: registryId(registry),
      roleDefinitionName: REGISTRY_ROLES[props.use],
      principalId: props.principalId,
      principalType: 'ServicePrincipal',
      description:
        props.use === 'share'
          ? 'Shares model versions that passed this environment into the registry'
          : 'Deploys model versions promoted through the registry',
    });
  }
}
