import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { Sleep } from '@cdktf/provider-time/lib/sleep';
import { Construct } from 'constructs';

/**
 * How long the secret waits after its writers' role assignments: Key Vault RBAC takes up to 10
 * minutes to apply by the account of Microsoft's Azure/devops-governance (issue #22), whose
 * authors moved off Key Vault RBAC for it; Microsoft Q&A has answered up to 30 for Azure RBAC.
 */
export const ROLE_PROPAGATION = '10m';

export interface DispatchTokenVaultProps {
  /** Key Vault name: 3-24 letters, digits and '-', globally unique. */
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  readonly tenantId: string;
  /** Name of the secret that holds the GitHub token. */
  readonly secretName: string;
  /**
   * The token, written with a write-only argument: it reaches Key Vault but neither the
   * plan nor the state. `undefined`: the secret is set out of band (`az keyvault secret set`).
   * @default - set out of band
   */
  readonly token?: { readonly value: string; readonly version: number };
  /**
   * Object IDs that may write the token (`Key Vault Secrets Officer`): the principals that
   * deploy, and people who set the token by hand, each once. Fixed IDs keep plans by other
   * principals free of role-assignment replacements. Empty: whoever runs Terraform.
   */
  readonly secretsOfficers: readonly string[];
  /**
   * Purge protection: nobody can purge the vault or its secrets during the 7-day
   * soft-delete retention. Once on it cannot be turned off.
   */
  readonly purgeProtection: boolean;
}

/**
 * The Key Vault that holds the GitHub token the Logic App dispatches with. RBAC
 * authorization; the person or pipeline that deploys gets `Key Vault Secrets Officer`
 * so it can write the secret; readers are granted with `grantRead`.
 */
export class DispatchTokenVault extends Construct {
  public readonly vaultId: string;
  /** `https://<name>.vault.azure.net/`, with the trailing slash. */
  public readonly vaultUri: string;
  public readonly vaultName: string;

  constructor(scope: Construct, id: string, props: DispatchTokenVaultProps) {
    super(scope, id);
    const vault = new KeyVault(this, 'vault', {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      tenantId: props.tenantId,
      skuName: 'standard',
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: props.purgeProtection,
      // The minimum: a destroyed vault keeps its name this long (see the provider's
      // key_vault features in the stack), so a teardown and redeploy wait a week at most.
      // Azure fixes it when the vault is created; changing it later fails.
      softDeleteRetentionDays: 7,
    });
    this.vaultId = vault.id;
    this.vaultUri = vault.vaultUri;
    this.vaultName = vault.name;

    // Keyed by principal, so adding or reordering officers replaces no assignment; sorted,
    // so reordering them changes nothing at all.
    const officers = props.secretsOfficers.length
      ? [...props.secretsOfficers]
          .sort()
          .map((id) => [`secrets-officer-${id.toLowerCase()}`, id] as const)
      : [
          [
            'deployer-secrets-officer',
            new DataAzurermClientConfig(this, 'deployer', {}).objectId,
          ] as const,
        ];
    const assignments = officers.map(
      ([id, principalId]) =>
        new RoleAssignment(this, id, {
          scope: vault.id,
          roleDefinitionName: 'Key Vault Secrets Officer',
          principalId,
          description: 'May write the GitHub dispatch token',
        }),
    );
    if (!props.token) return;

    // Azure RBAC takes a while to reach Key Vault's data plane, and azurerm creates the secret
    // by reading it first with no retry (key_vault_secret_resource.go:143-147 at v4.55.0): a
    // 403 there ends the apply. So the wait is long (ROLE_PROPAGATION; time_sleep only waits
    // on create: the first deploy, or when `triggers` change). Triggered by the assignments' IDs, not the officers: a
    // vault replaced with the same officers gets new assignments, and the secret in it would
    // race them otherwise.
    const propagation = new Sleep(this, 'role-propagation', {
      createDuration: ROLE_PROPAGATION,
      triggers: { assignments: assignments.map((a) => a.id).join(',') },
      dependsOn: assignments,
    });
    new KeyVaultSecret(this, 'github-token', {
      keyVaultId: vault.id,
      name: props.secretName,
      valueWo: props.token.value,
      valueWoVersion: props.token.version,
      contentType: 'GitHub token for repository dispatch',
      dependsOn: [propagation],
    });
  }

  /** Lets a principal read the vault's secrets (`Key Vault Secrets User`). */
  grantRead(id: string, principalId: string): RoleAssignment {
    return new RoleAssignment(this, id, {
      scope: this.vaultId,
      roleDefinitionName: 'Key Vault Secrets User',
      principalId,
      principalType: 'ServicePrincipal',
    });
  }
}
