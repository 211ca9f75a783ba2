import { ApplicationPasswordA as ApplicationPassword } from '@cdktf/provider-azuread/lib/application-password';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { Rotating } from '@cdktf/provider-time/lib/rotating';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import type { AuthMode } from '../lib/config';
import {
  credentialName,
  githubSubjects,
  type GitHubRepositoryIdentity,
  type OidcSubjectForm,
} from '../lib/github-oidc';
import { FederatedApplication, type FederatedApplicationProps } from './federated-application';

/** Days a password stays valid after its rotation date, so a late deploy does not lock the workflow out. */
const PASSWORD_GRACE_DAYS = 30;

export interface DeployIdentityProps {
  /** Display name of the Entra ID application. */
  readonly displayName: string;
  /** Resource ID of the resource group the identity may deploy to; the role's only scope. */
  readonly resourceGroupId: string;
  /** Role granted on the resource group. */
  readonly roleDefinitionName: string;
  /**
   * How the deploy workflow signs in.
   * `oidc`: federated credentials trust GitHub's token for one environment; no secret exists.
   * `client-secret`: an application password, rotated on schedule.
   */
  readonly authMode: AuthMode;
  /** The repository as GitHub names it, and the GitHub environment whose jobs may sign in (oidc). */
  readonly github: {
    readonly repository: GitHubRepositoryIdentity;
    readonly environment: string;
    /** Which subject forms to trust (`githubSubjects`). */
    readonly subjectForm: OidcSubjectForm;
  };
  /** client-secret mode: days after which the next deploy replaces the password. */
  readonly secretRotationDays: number;
  /** Owners of the application and service principal: the principals that deploy. Empty: whoever runs Terraform. */
  readonly owners: readonly string[];
  /**
   * With `owners`: a plan by any other principal fails (see FederatedApplication).
   * @default - no check
   */
  readonly ownerCheck?: FederatedApplicationProps['ownerCheck'];
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
    const { repository, environment, subjectForm } = props.github;
    const context = { environment };
    const app = new FederatedApplication(this, 'app', {
      displayName: props.displayName,
      owners: props.owners,
      ownerCheck: props.ownerCheck,
      // client-secret mode trusts no token: the password below is its credential.
      subjects:
        props.authMode === 'oidc'
          ? githubSubjects(subjectForm, repository, context).map(({ form, subject, count }) => ({
              name: credentialName(form, context),
              subject,
              count,
              description: `GitHub Actions jobs in environment ${environment} (${form} subject)`,
            }))
          : [],
    });
    this.clientId = app.clientId;
    this.principalId = app.principalId;

    new RoleAssignment(this, 'role-assignment', {
      scope: props.resourceGroupId,
      roleDefinitionName: props.roleDefinitionName,
      principalId: app.principalId,
      principalType: 'ServicePrincipal',
      description: `Deploys models from GitHub environment ${environment}`,
    });

    if (props.authMode === 'oidc') return;

    const rotation = new Rotating(this, 'secret-rotation', {
      rotationDays: props.secretRotationDays,
    });
    const password = new ApplicationPassword(this, 'client-secret', {
      applicationId: app.applicationId,
      displayName: 'GitHub Actions deploy workflow',
      // Replaced by the first deploy after the rotation date; valid a while past it.
      rotateWhenChanged: { rotation: rotation.id },
      endDate: Fn.timeadd(rotation.rotationRfc3339, `${PASSWORD_GRACE_DAYS * 24}h`),
      // The new password exists before the old one goes (azuread replaces destroy-first
      // otherwise: provider issue #1549), so a run in flight keeps a valid credential.
      lifecycle: { createBeforeDestroy: true },
    });
    this.clientSecret = password.value;
  }
}
