import { Application } from '@cdktf/provider-azuread/lib/application';
import { ApplicationFederatedIdentityCredential } from '@cdktf/provider-azuread/lib/application-federated-identity-credential';
import { ApplicationPasswordA as ApplicationPassword } from '@cdktf/provider-azuread/lib/application-password';
import { ServicePrincipal } from '@cdktf/provider-azuread/lib/service-principal';
import { DataAzureadClientConfig } from '@cdktf/provider-azuread/lib/data-azuread-client-config';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { Rotating } from '@cdktf/provider-time/lib/rotating';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import type { AuthMode } from '../lib/config-types';

/** GitHub's OIDC issuer and the audience Entra ID expects from it. */
export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';
export const AZURE_TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

/**
 * The subject of the token GitHub issues to a job that runs in a GitHub environment.
 * Entra ID compares it case-sensitively, so it is built from the configured names as is.
 */
export function githubEnvironmentSubject(owner: string, repository: string, environment: string) {
  return `repo:${owner}/${repository}:environment:${environment}`;
}

export interface DeployIdentityProps {
  /** Display name of the Entra ID application. */
  readonly displayName: string;
  /** Resource ID of the resource group the identity may deploy to; the role's only scope. */
  readonly resourceGroupId: string;
  /**
   * Role granted on the resource group.
   * @default 'Contributor'
   */
  readonly roleDefinitionName?: string;
  /**
   * How the deploy workflow signs in.
   * `oidc`: a federated credential trusts GitHub's token for one environment; no secret exists.
   * `client-secret`: an application password, rotated on schedule.
   * @default 'oidc'
   */
  readonly authMode?: AuthMode;
  /**
   * Object IDs of the owners of the application and service principal: the principals that
   * deploy (an owner is needed to change them later with `Application.ReadWrite.OwnedBy`,
   * and azuread removes an unlisted creator right after creating them). Fixed IDs keep
   * plans by other principals, such as a pull request's diff, free of owner changes.
   * @default - whoever runs Terraform
   */
  readonly owners?: readonly string[];
  /** GitHub repository and environment whose deploy job may sign in (oidc mode). */
  readonly github: {
    readonly owner: string;
    readonly repository: string;
    readonly environment: string;
  };
  /**
   * client-secret mode: days after which the next deploy replaces the password. The
   * password stays valid 30 days past that, so a late deploy does not lock the workflow out.
   * @default 90
   */
  readonly secretRotationDays?: number;
}

/**
 * The identity the deploy workflow uses in Azure: an Entra ID application and service
 * principal with one role on one resource group, signed in either through GitHub OIDC
 * (no secret anywhere) or with a rotated client secret.
 */
export class DeployIdentity extends Construct {
  /** Application (client) ID, what azure/login takes as `client-id`. */
  public readonly clientId: string;
  /** Object ID of the service principal, the role assignment's principal. */
  public readonly principalId: string;
  /**
   * client-secret mode only: the password (a Terraform reference; its value exists only
   * in state). `undefined` in oidc mode.
   */
  public readonly clientSecret?: string;

  constructor(scope: Construct, id: string, props: DeployIdentityProps) {
    super(scope, id);
    const authMode = props.authMode ?? 'oidc';

    const owners = props.owners?.length
      ? [...props.owners]
      : [new DataAzureadClientConfig(this, 'deployer', {}).objectId];
    const application = new Application(this, 'application', {
      displayName: props.displayName,
      signInAudience: 'AzureADMyOrg',
      owners,
    });
    const servicePrincipal = new ServicePrincipal(this, 'service-principal', {
      clientId: application.clientId,
      owners,
    });
    this.clientId = application.clientId;
    this.principalId = servicePrincipal.objectId;

    new RoleAssignment(this, 'role-assignment', {
      scope: props.resourceGroupId,
      roleDefinitionName: props.roleDefinitionName ?? 'Contributor',
      principalId: servicePrincipal.objectId,
      principalType: 'ServicePrincipal',
      description: `Deploys models for ${props.github.owner}/${props.github.repository} (${props.github.environment})`,
    });

    if (authMode === 'oidc') {
      const { owner, repository, environment } = props.github;
      new ApplicationFederatedIdentityCredential(this, 'github-federation', {
        applicationId: application.id,
        displayName: `github-${environment}`.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 120),
        description: `GitHub Actions jobs in environment ${environment} of ${owner}/${repository}`,
        issuer: GITHUB_OIDC_ISSUER,
        audiences: [AZURE_TOKEN_EXCHANGE_AUDIENCE],
        subject: githubEnvironmentSubject(owner, repository, environment),
      });
      return;
    }

    const rotationDays = props.secretRotationDays ?? 90;
    const rotation = new Rotating(this, 'secret-rotation', { rotationDays });
    const password = new ApplicationPassword(this, 'client-secret', {
      applicationId: application.id,
      displayName: 'GitHub Actions deploy workflow',
      // Replaced by the first deploy after the rotation date; valid 30 days past it.
      rotateWhenChanged: { rotation: rotation.id },
      endDate: Fn.timeadd(rotation.rotationRfc3339, '720h'),
    });
    this.clientSecret = password.value;
  }
}
