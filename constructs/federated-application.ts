import { Application } from '@cdktf/provider-azuread/lib/application';
import { ApplicationFederatedIdentityCredential } from '@cdktf/provider-azuread/lib/application-federated-identity-credential';
import { DataAzureadClientConfig } from '@cdktf/provider-azuread/lib/data-azuread-client-config';
import { ServicePrincipal } from '@cdktf/provider-azuread/lib/service-principal';
import { StaticResource } from '@cdktf/provider-time/lib/static-resource';
import { Fn, Op, Token, type IResolvable } from 'cdktf';
import { Construct } from 'constructs';
import { AZURE_TOKEN_EXCHANGE_AUDIENCE, GITHUB_OIDC_ISSUER } from '../lib/github-oidc';
import { moveIntoCount } from './terraform-blocks';

/** One trusted GitHub token subject. */
export interface FederatedSubject {
  /** Credential name: at most 120 letters, digits or "-", unique in the application (`credentialName`). */
  readonly name: string;
  /** The exact subject; may be a Terraform reference. */
  readonly subject: string;
  readonly description: string;
  /**
   * How many credentials of this subject exist (0 or 1): an HCL template such as
   * `${... ? 0 : 1}` that GitHub's answer decides at plan time (see `githubSubjects`).
   * @default - always one
   */
  readonly count?: string;
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
   * Without `owners`: the first principal that applies is recorded, and a plan by any other
   * fails the same way, since applying it would make that principal the only owner and lock
   * the first one out.
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
    let callerId: string | undefined;
    const caller = () => (callerId ??= new DataAzureadClientConfig(this, 'caller', {}).objectId);
    const owners = props.owners.length ? [...props.owners] : [caller()];
    const application = new Application(this, 'application', {
      displayName: props.displayName,
      notes: props.notes,
      signInAudience: 'AzureADMyOrg',
      owners,
    });
    if (props.ownerCheck) {
      const check = props.ownerCheck;
      const me = caller();
      application.lifecycle = {
        precondition: [
          props.owners.length
            ? {
                // Object IDs are GUIDs (checked by the configuration): safe as Terraform string literals.
                condition: Op.or(
                  check.readOnlyPlan,
                  Fn.contains(
                    props.owners.map((o) => o.toLowerCase()),
                    Fn.lower(me),
                  ),
                ),
                errorMessage: `The principal running Terraform (object ID ${me}) is not an owner of ${props.displayName}, so azuread would lock it out right after creating it (its next credential write gets 403). Add ${me} to ${check.ownersSetting}, or, for a plan that is never applied, set TF_VAR_read_only_plan=true.`,
              }
            : this.firstDeployerCheck(props.displayName, me, check),
        ],
      };
    }
    const servicePrincipal = new ServicePrincipal(this, 'service-principal', {
      clientId: application.clientId,
      owners,
    });
    for (const s of props.subjects) {
      const credential = new ApplicationFederatedIdentityCredential(this, `federation-${s.name}`, {
        applicationId: application.id,
        displayName: s.name,
        description: s.description,
        issuer: GITHUB_OIDC_ISSUER,
        audiences: [AZURE_TOKEN_EXCHANGE_AUDIENCE],
        subject: s.subject,
        ...(s.count === undefined ? {} : { count: Token.asNumber(s.count) }),
      });
      // Earlier versions created each credential without count: keep it as instance 0.
      if (s.count !== undefined) moveIntoCount(credential);
    }
    this.clientId = application.clientId;
    this.applicationId = application.id;
    this.principalId = servicePrincipal.objectId;
  }

  /**
   * With no owners listed, the owner is whoever runs Terraform, and azuread sets `owners` to
   * exactly that on every apply: it adds the new caller and removes the others (application
   * `owners` update, azuread v3.7.0 `application_resource.go:1556-1586`; the service principal
   * likewise). So a second person's deploy would make them the only owner and lock the first
   * out (403 on the next credential write). The first principal to apply is recorded (a
   * `time_static` whose triggers are kept as first written), and a plan by anyone else stops,
   * naming both, until the owners are listed.
   */
  private firstDeployerCheck(
    displayName: string,
    me: string,
    check: NonNullable<FederatedApplicationProps['ownerCheck']>,
  ) {
    const first = new StaticResource(this, 'first-deployer', {
      triggers: { object_id: me },
      lifecycle: { ignoreChanges: ['triggers'] },
    });
    const firstId = Token.asString(Fn.lookup(first.triggers, 'object_id', ''));
    return {
      condition: Op.or(check.readOnlyPlan, Op.eq(Fn.lower(firstId), Fn.lower(me))),
      errorMessage: `${displayName} was first deployed by object ID ${firstId}, its only owner, because ${check.ownersSetting} is empty. Deploying as ${me} would make ${me} the only owner instead: azuread removes every owner that is not listed, and ${firstId} could no longer change the identity (403). List every principal that deploys in ${check.ownersSetting} (e.g. ["${firstId}", "${me}"]), or, for a plan that is never applied, set TF_VAR_read_only_plan=true.`,
    };
  }
}
