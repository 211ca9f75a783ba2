import { ManagementLock } from '@cdktf/provider-azurerm/lib/management-lock';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import { Construct } from 'constructs';
import { hardenedStorageAccount } from './azure-defaults';
import type { StateReplication } from '../lib/bootstrap-config';

export interface StateStorageProps {
  /** Resource group to create for the state account. */
  readonly resourceGroupName: string;
  /** Azure region of the resource group and the account. */
  readonly location: string;
  /** Storage account name: 3-24 lowercase letters or digits, globally unique. */
  readonly storageAccountName: string;
  /** Blob container for the state blobs (one `<stack>.tfstate` per environment stack). */
  readonly containerName: string;
  /** Storage redundancy (zone-redundant kinds only where the region has zones). */
  readonly replication: StateReplication;
  /**
   * Days a deleted blob, an overwritten blob's earlier version and a deleted container can
   * still be restored (blob soft delete, versioning, container soft delete).
   */
  readonly retentionDays: number;
  /**
   * Whether `terraform destroy` may delete the state. `false`: the resource group, account and
   * container refuse to be destroyed (prevent_destroy, at plan). `true`: destroy removes the
   * delete lock first, then the container and the account.
   */
  readonly allowDestroy: boolean;
  /**
   * Whether the account's endpoint is reachable from public networks. Access still needs
   * an Entra ID token with a data role (shared keys are off); GitHub-hosted runners have
   * no fixed addresses, so closing it means private endpoints and self-hosted runners.
   * @default true
   */
  readonly publicNetworkAccess?: boolean;
}

/**
 * Where Terraform state lives: a resource group, a storage account that accepts Entra ID
 * only (no shared keys, no anonymous access, TLS 1.2), with blob versioning and soft delete
 * so any state ever written can be restored (as long as the account exists), one private
 * container, and a `CanNotDelete` lock on the account against deleting it by hand. Unless
 * `allowDestroy`, Terraform refuses to destroy any of them.
 *
 * The lock also blocks deleting any role assignment scoped to the account or below it
 * (azurerm issue #11770): grant access to the state on the resource group instead
 * (`resourceGroupId`), which holds nothing else.
 */
export class StateStorage extends Construct {
  public readonly resourceGroupName: string;
  /** ARM ID of the resource group: the scope of every role on the state. */
  public readonly resourceGroupId: string;
  public readonly storageAccountName: string;
  /** ARM ID of the storage account (scope of control-plane reads). */
  public readonly storageAccountId: string;
  public readonly containerName: string;
  /** ARM ID of the container: the scope of the blob data roles. */
  public readonly containerId: string;
  /** The account's delete lock (its `dependsOn` may grow: see the bootstrap stack). */
  public readonly lock: ManagementLock;

  constructor(scope: Construct, id: string, props: StateStorageProps) {
    super(scope, id);
    const retentionDays = props.retentionDays;

    // Terraform refuses, at plan, to destroy what holds every state, unless allowed.
    const lifecycle = { preventDestroy: !props.allowDestroy };
    const group = new ResourceGroup(this, 'resource-group', {
      name: props.resourceGroupName,
      location: props.location,
      lifecycle,
    });
    const account = new StorageAccount(this, 'account', {
      name: props.storageAccountName,
      resourceGroupName: group.name,
      location: group.location,
      // Entra ID only: Terraform's backend and providers sign in with use_azuread_auth.
      ...hardenedStorageAccount(),
      accountReplicationType: props.replication,
      publicNetworkAccessEnabled: props.publicNetworkAccess ?? true,
      blobProperties: {
        versioningEnabled: true,
        deleteRetentionPolicy: { days: retentionDays },
        containerDeleteRetentionPolicy: { days: retentionDays },
      },
      lifecycle,
    });
    // storage_account_id: the container is managed through ARM, no data-plane call.
    const container = new StorageContainer(this, 'container', {
      name: props.containerName,
      storageAccountId: account.id,
      containerAccessType: 'private',
      lifecycle,
    });
    this.lock = new ManagementLock(this, 'delete-lock', {
      name: 'terraform-state-do-not-delete',
      scope: account.id,
      lockLevel: 'CanNotDelete',
      notes:
        'Holds the Terraform state of every environment stack. Remove this lock deliberately before deleting the account.',
      // When destroy is allowed, it removes the lock before the container (and the account),
      // which it would otherwise try to delete under the lock.
      dependsOn: [container],
    });

    this.resourceGroupName = group.name;
    this.resourceGroupId = group.id;
    this.storageAccountName = account.name;
    this.storageAccountId = account.id;
    this.containerName = container.name;
    this.containerId = container.id;
  }
}
