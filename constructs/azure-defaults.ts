/**
 * Settings both stacks share, written once: the azurerm provider's, and the hardening of
 * every storage account they create (the state account and the dead-letter account).
 */
import type {
  AzurermProviderConfig,
  AzurermProviderFeatures,
} from '@cdktf/provider-azurerm/lib/provider';
import type { StorageAccountConfig } from '@cdktf/provider-azurerm/lib/storage-account';

/** The azurerm provider for one subscription. */
export function azurermProvider(
  subscriptionId: string,
  tenantId: string,
  features: Omit<AzurermProviderFeatures, 'storage'> = {},
): AzurermProviderConfig {
  return {
    features: [
      {
        ...features,
        // A storage account's refresh otherwise reads its queue and static-website
        // properties through the data plane (azurerm 4.55 storage_account_resource.go), which
        // needs data roles that neither a deployer nor the plan identity should hold; the
        // stacks manage neither, and containers are managed through ARM.
        storage: [{ dataPlaneAvailable: false }],
      },
    ],
    subscriptionId,
    tenantId,
    // Registering every resource provider needs subscription-wide rights; the README lists
    // the few the stacks use, registered once by a subscription owner.
    resourceProviderRegistrations: 'none',
    // No shared keys anywhere: whatever data-plane call remains signs in with Entra ID.
    storageUseAzuread: true,
  };
}

/**
 * Every storage account the stacks create: StorageV2, TLS 1.2 over HTTPS only, no public
 * blobs, no shared keys, SAS or local users (Entra ID only), no cross-tenant replication.
 */
export function hardenedStorageAccount(): Pick<
  StorageAccountConfig,
  | 'accountKind'
  | 'accountTier'
  | 'minTlsVersion'
  | 'httpsTrafficOnlyEnabled'
  | 'allowNestedItemsToBePublic'
  | 'sharedAccessKeyEnabled'
  | 'defaultToOauthAuthentication'
  | 'localUserEnabled'
  | 'crossTenantReplicationEnabled'
> {
  return {
    accountKind: 'StorageV2',
    accountTier: 'Standard',
    minTlsVersion: 'TLS1_2',
    httpsTrafficOnlyEnabled: true,
    allowNestedItemsToBePublic: false,
    sharedAccessKeyEnabled: false,
    defaultToOauthAuthentication: true,
    localUserEnabled: false,
    crossTenantReplicationEnabled: false,
  };
}
