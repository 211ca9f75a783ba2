import { ManagementLock } from '@cdktf/provider-azurerm/lib/management-lock';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import { Construct } from 'constructs';
import type { StateReplication } from '../lib/bootstrap-config';

export interface StateStorageProps {
  /** Resource group to create for the state account. */
  readonly resourceGroupName: string;
  /** Azure region of the resource group and the account. */
  readonly location: string;
  /** Storage account name: 3-24 lowercase letters or digits, globally unique. */
  readonly storageAccountName: string;
  /**
   * Blob container for the state blobs (one `<stack>.tfstate` per environment stack).
   * @default 'tfstate'
   */
  readonly containerName?: string;
  /**
   * Storage redundancy.
   * @default 'ZRS'
   */
  readonly replication?: StateReplication;
  /**
   * Days a deleted blob, an overwritten blob's earlier version and a deleted container can
   * still be restored (blob soft delete, versioning, container soft delete).
   * @default 30
   */
  readonly retentionDays?: number;
  /**
   * Whether the account's endpoint is reachable from public networks. Access still needs
   * an Entra ID token with a data role (shared keys are off); GitHub-hosted runners have
   * no fixed addresses, so closing it means private endpoints and self-hosted runners.
   * @default true
   */
  readonly publicNetworkAccess?: boolean;
  /**
   * A `CanNotDelete` management lock on the account, so deleting the state takes two
   * deliberate steps. Control plane only: reading and writing blobs is unaffected.
   * @default true
   */
  readonly deleteLock?: boolean;
}

/**
 * Where Terraform state lives: a resource group, a storage account that accepts Entra ID
 * only (no shared keys, no anonymous access, TLS 1.2), with blob versioning and soft delete
 * so any state ever written can be restored, and one private container.
 */
export class StateStorage extends Construct {
  public readonly resourceGroupName: string;
  public readonly storageAccountName: string;
  /** ARM ID of the storage account (scope of control-plane reads). */
  public readonly storageAccountId: string;
  public readonly containerName: string;
  /** ARM ID of the container: the scope of the blob data roles. */
  public readonly containerId: string;

  constructor(scope: Construct, id: string, props: StateStorageProps) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? 30;

    const group = new ResourceGroup(this, 'resource-group', {
      name: props.resourceGroupName,
      location: props.location,
    });
    const account = new StorageAccount(this, 'account', {
      name: props.storageAccountName,
      resourceGroupName: group.name,
      location: group.location,
      accountKind: 'StorageV2',
      accountTier: 'Standard',
      accountReplicationType: props.replication ?? 'ZRS',
      minTlsVersion: 'TLS1_2',
      httpsTrafficOnlyEnabled: true,
      allowNestedItemsToBePublic: false,
      // Entra ID only: Terraform's backend and providers sign in with use_azuread_auth.
      sharedAccessKeyEnabled: false,
      defaultToOauthAuthentication: true,
      localUserEnabled: false,
      crossTenantReplicationEnabled: false,
      publicNetworkAccessEnabled: props.publicNetworkAccess ?? true,
      blobProperties: {
        versioningEnabled: true,
        deleteRetentionPolicy: { days: retentionDays },
        containerDeleteRetentionPolicy: { days: retentionDays },
      },
    });
    // storage_account_id: the container is managed through ARM, no data-plane call.
    const container = new StorageContainer(this, 'container', {
      name: props.containerName ?? 'tfstate',
      storageAccountId: account.id,
      containerAccessType: 'private',
    });
    if (props.deleteLock ?? true) {
      new ManagementLock(this, 'delete-lock', {
        name: 'terraform-state-do-not-delete',
        scope: account.id,
        lockLevel: 'CanNotDelete',
        notes:
          'Holds the Terraform state of every environment stack. Remove this lock deliberately before deleting the account.',
      });
    }

    this.resourceGroupName = group.name;
    this.storageAccountName = account.name;
    this.storageAccountId = account.id;
    this.containerName = container.name;
    this.containerId = container.id;
  }
}
