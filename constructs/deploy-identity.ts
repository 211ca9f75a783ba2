import { ApplicationPasswordA as ApplicationPassword } from '@cdktf/provider-azuread/lib/application-password';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { Rotating } from '@cdktf/provider-time/lib/rotating';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import type { AuthMode } from '../lib/config-types';
import {
  FederatedApplication,
  credentialName,
  githubEnvironmentSubject,
} from './federated-application';

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

    const { owner, repository, environment } = props.github;
    const app = new FederatedApplication(this, 'app', {
      displayName: props.displayName,
      owners: props.owners,
      // client-secret mode trusts no token: the password below is its credential.
      subjects:
        authMode === 'oidc'
          ? [
              {
                name: credentialName(`github-${environment}`),
                subject: githubEnvironmentSubject(owner, repository, environment),
                description: `GitHub Actions jobs in environment ${environment} of ${owner}/${repository}`,
              },
            ]
          : [],
    });
    this.clientId = app.clientId;
    this.principalId = app.principalId;

    new RoleAssignment(this, 'role-assignment', {
      scope: props.resourceGroupId,
      roleDefinitionName: props.roleDefinitionName ?? 'Contributor',
      principalId: app.principalId,
      principalType: 'ServicePrincipal',
      description: `Deploys models for ${props.github.owner}/${props.github.repository} (${props.github.environment})`,
    });

    if (authMode === 'oidc') return;

    const rotationDays = props.secretRotationDays ?? 90;
    const rotation = new Rotating(this, 'secret-rotation', { rotationDays });
    const password = new ApplicationPassword(this, 'client-secret', {
      applicationId: app.applicationId,
      displayName: 'GitHub Actions deploy workflow',
      // Replaced by the first deploy after the rotation date; valid 30 days past it.
      rotateWhenChanged: { rotation: rotation.id },
      endDate: Fn.timeadd(rotation.rotationRfc3339, '720h'),
    });
    this.clientSecret = password.value;
  }
}
