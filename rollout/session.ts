/**
 * Signing in to Azure, afresh for every step that calls it. With OIDC, azure/login hands the
 * CLI a GitHub token that expires five minutes after it was issued, and the CLI cannot renew
 * it (Azure/azure-cli#28708): whatever needs a new access token later fails with AADSTS700024.
 * So the rollout signs in itself, with a new token from GitHub each time (the same exchange
 * azure/login makes: `az login --service-principal --federated-token`), and with the client
 * secret in the other mode. No step, restore included, runs on a sign-in older than itself.
 */
import { failureReason, type AzureMl, type Credential } from './az';
import type { Context } from './context';
import type { Request } from './request';

/** Where the credential of each sign-in comes from. */
export interface CredentialSource {
  /** A fresh GitHub OIDC token for Azure (audience api://AzureADTokenExchange). */
  idToken(): Promise<string>;
  /** AZURE_CREDENTIALS, in client-secret mode (a secret: never shown). */
  readonly credentials: string;
}

/** The audience Entra ID expects on a GitHub token it exchanges. */
export const ID_TOKEN_AUDIENCE = 'api://AzureADTokenExchange';

/** The credential for one sign-in, or why there is none (the message names no secret). */
async function credentialFor(
  request: Request,
  source: CredentialSource,
): Promise<{ readonly credential: Credential } | { readonly error: string }> {
  if (request.authMode === 'client-secret') {
    let secret: unknown;
    try {
      secret = (JSON.parse(source.credentials) as { clientSecret?: unknown }).clientSecret;
    } catch {
      secret = undefined;
    }
    return typeof secret === 'string' && secret !== ''
      ? { credential: { kind: 'client-secret', secret } }
      : { error: 'the AZURE_CREDENTIALS secret is missing or holds no "clientSecret"' };
  }
  try {
    return { credential: { kind: 'federated-token', token: await source.idToken() } };
  } catch (e) {
    return {
      error: `GitHub gave no OIDC token (${(e as Error).message}); the job needs "permissions: id-token: write"`,
    };
  }
}

/** Signs in afresh, or ends the run (failed) with the reason. */
export async function signIn(
  ctx: Context,
  azure: AzureMl,
  request: Request,
  source: CredentialSource,
): Promise<void> {
  const credential = await credentialFor(request, source);
  ctx.checkCancelled();
  if ('error' in credential) ctx.fail(`Signing in to Azure failed: ${credential.error}.`);
  const result = await azure.signIn(request.clientId, request.tenantId, credential.credential);
  ctx.checkCancelled();
  if (!result.ok) {
    ctx.fail(
      `Signing in to Azure as ${request.clientId} (${request.authMode}) failed: ${failureReason(result)}.`,
    );
  }
}
