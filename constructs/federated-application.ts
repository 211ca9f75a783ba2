import { Application } from '@cdktf/provider-azuread/lib/application';
import { ApplicationFederatedIdentityCredential } from '@cdktf/provider-azuread/lib/application-federated-identity-credential';
import { DataAzureadClientConfig } from '@cdktf/provider-azuread/lib/data-azuread-client-config';
import { ServicePrincipal } from '@cdktf/provider-azuread/lib/service-principal';
import { Fn, Op, type IResolvable } from 'cdktf';
import { Construct } from 'constructs';
import { AZURE_TOKEN_EXCHANGE_AUDIENCE, GITHUB_OIDC_ISSUER } from '../lib/github-oidc';

/** One trusted GitHub token subject. */
export interface FederatedSubject {
  /** Credential name: at most 120 letters, digits or "-", unique in the application (`credentialName`). */
  readonly name: string;
  /** The exact subject; may be a Terraform reference. */
  readonly subject: string;
  readonly description: string;
}

export interface FederatedApplicationProps {
  /** Display name of the Entra ID application. */
  readonly displayName: string;
  /**
   * Shown on the application: what it is for.
   * @default - none
   */
  readonly notes?: string;
  /** The GitHub token subjects the application trusts. */
  readonly subjects: readonly FederatedSubject[];
  /**
   * Object IDs of the application's and service principal's owners. azuread makes the
   * principal running Terraform an owner while it creates them and removes it right after
   * unless it is listed; without ownership, its next credential write gets 403.
   * Empty: the principal running Terraform.
   */
  readonly owners: readonly string[];
  /**
   * With `owners`: every plan by a principal that is not one of them fails with its object ID
   * and this hint (where the owners are configured), unless `readOnlyPlan` is true.
   * @default - no check
   */
  readonly ownerCheck?: {
    /** Where a user adds an owner, e.g. `azure.deployers of config/staging.json`. */
    readonly ownersSetting: string;
    /** A Terraform boolean: true for a plan that will never be applied (a pull request's diff). */
    readonly readOnlyPlan: IResolvable;
  };
}

/** An Entra ID application and service principal that GitHub Actions jobs sign in as via OIDC. */
export class FederatedApplication extends Construct {
  /** Application (client) ID: what azure/login and ARM_CLIENT_ID take. */
  public readonly clientId: string;
  /** Resource ID of the application (`/applications/<object id>`), for its credentials. */
  public readonly applicationId: string;
  /** Object ID of the service principal: the principal of role assignments. */
  public readonly principalId: string;

  constructor(scope: Construct, id: string, props: FederatedApplicationProps) {
    super(scope, id);
    const caller = () => new DataAzureadClientConfig(this, 'caller', {}).objectId;
    const owners = props.owners.length ? [...props.owners] : [caller()];
    const application = new Application(this, 'application', {
      displayName: props.displayName,
      notes: props.notes,
      signInAudience: 'AzureADMyOrg',
      owners,
    });
    if (props.owners.length && props.ownerCheck) {
      const me = caller();
      // Object IDs are GUIDs (checked by the configuration): safe as Terraform string literals.
      const listed = props.owners.map((o) => o.toLowerCase());
      application.lifecycle = {
        precondition: [
          {
            condition: Op.or(props.ownerCheck.readOnlyPlan, Fn.contains(listed, Fn.lower(me))),
            errorMessage: `The principal running Terraform (object ID ${me}) is not an owner of ${props.displayName}, so azuread would lock it out right after creating it (its next credential write gets 403). Add ${me} to ${props.ownerCheck.ownersSetting}, or, for a plan that is never applied, set TF_VAR_read_only_plan=true.`,
          },
        ],
      };
    }
    const servicePrincipal = new ServicePrincipal(this, 'service-principal', {
      clientId: application.clientId,
      owners,
    });
    for (const s of props.subjects) {
      new ApplicationFederatedIdentityCredential(this, `federation-${s.name}`, {
        applicationId: application.id,
        displayName: s.name,
        description: s.description,
        issuer: GITHUB_OIDC_ISSUER,
        audiences: [AZURE_TOKEN_EXCHANGE_AUDIENCE],
        subject: s.subject,
      });
    }
    this.clientId = application.clientId;
    this.applicationId = application.id;
    this.principalId = servicePrincipal.objectId;
  }
}
