import { Application } from '@cdktf/provider-azuread/lib/application';
import { ApplicationFederatedIdentityCredential } from '@cdktf/provider-azuread/lib/application-federated-identity-credential';
import { DataAzureadClientConfig } from '@cdktf/provider-azuread/lib/data-azuread-client-config';
import { ServicePrincipal } from '@cdktf/provider-azuread/lib/service-principal';
import { Construct } from 'constructs';

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

/** A federated credential name (3-120 letters, digits or "-") made from free text. */
export function credentialName(text: string): string {
  return text.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 120);
}

/** One trusted GitHub token subject. */
export interface FederatedSubject {
  /** Credential name: 3-120 letters, digits or "-", unique within the application. */
  readonly name: string;
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
  /** The GitHub token subjects the application trusts; no secret exists. */
  readonly subjects: readonly FederatedSubject[];
  /**
   * Object IDs of the application's and service principal's owners. azuread removes the
   * principal running Terraform from the owners after creating them unless it is listed.
   * @default - the principal running Terraform
   */
  readonly owners?: readonly string[];
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
    const owners = props.owners?.length
      ? props.owners
      : [new DataAzureadClientConfig(this, 'caller', {}).objectId];
    const application = new Application(this, 'application', {
      displayName: props.displayName,
      notes: props.notes,
      signInAudience: 'AzureADMyOrg',
      owners: [...owners],
    });
    const servicePrincipal = new ServicePrincipal(this, 'service-principal', {
      clientId: application.clientId,
      owners: [...owners],
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
