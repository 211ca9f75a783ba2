/**
 * What the rollout knows about a run in progress, and how it reads Azure: a fresh sign-in,
 * the endpoint's state, and waiting until an operation under way in Azure has ended. Azure
 * is the source of truth: after any change, the rollout reads back what happened rather than
 * trusting the command's exit status (a command whose sign-in expired, or that was stopped,
 * fails while the operation it started goes on).
 */
import {
  failureReason,
  isNotFound,
  parseJson,
  signInExpired,
  type AzResult,
  type AzureMl,
} from './az';
import type { Context } from './context';
import type { Journal } from './journal';
import { inFlight, readEndpointState, type Deployment, type EndpointState } from './plan';
import type { Request, Target } from './request';
import { signIn, type CredentialSource } from './session';

/** A rollout under way: what it acts on and with what. */
export interface Rollout {
  readonly ctx: Context;
  readonly azure: AzureMl;
  readonly request: Request;
  readonly target: Target;
  readonly journal: Journal;
  readonly credentials: CredentialSource;
  /** A repository_dispatch run: never goes below the version that serves. */
  readonly neverDowngrade: boolean;
  /** When the last sign-in happened (clock milliseconds). */
  signedInAt?: number;
}

/** Between two polls of an operation under way. */
const POLL_MS = 15_000;
/**
 * A sign-in older than this is renewed before the next call: GitHub's OIDC token lives five
 * minutes, and the CLI fails once it needs a new access token after that.
 */
const SIGN_IN_MAX_AGE_MS = 4 * 60_000;

/** Signs in afresh (every step starts with it). */
export async function freshSignIn(r: Rollout): Promise<void> {
  await signIn(r.ctx, r.azure, r.request, r.credentials);
  r.signedInAt = r.ctx.clock.now();
}

/** Signs in again if the last sign-in is old (between polls of a long wait). */
export async function keepSignedIn(r: Rollout): Promise<void> {
  if (r.signedInAt === undefined || r.ctx.clock.now() - r.signedInAt > SIGN_IN_MAX_AGE_MS) {
    await freshSignIn(r);
  }
}

/**
 * An `az` call, after which a cancelled run stops. A call that failed because the sign-in
 * expired (the CLI could not get a new access token) is made once more after a fresh
 * sign-in, if `stillNeeded` says Azure does not show its effect yet: a command can expire
 * while its operation goes on (a create), and making that one again would fail.
 */
export async function call(
  r: Rollout,
  command: (azure: AzureMl) => Promise<AzResult>,
  stillNeeded: () => Promise<boolean> = () => Promise.resolve(true),
): Promise<AzResult> {
  const result = await command(r.azure);
  r.ctx.checkCancelled();
  if (result.ok || !signInExpired(result)) return result;
  r.ctx.log('The sign-in expired: signing in again.');
  await freshSignIn(r);
  if (!(await stillNeeded())) return result;
  r.ctx.log('Trying once more.');
  const again = await command(r.azure);
  r.ctx.checkCancelled();
  return again;
}

/**
 * The endpoint and its deployments as Azure has them now; undefined when the endpoint does
 * not exist. Any other failure (throttled, forbidden, an expired sign-in) ends the run with
 * the reason: it is not taken for "missing".
 */
export async function readEndpoint(r: Rollout): Promise<EndpointState | undefined> {
  const { endpoint } = r.target;
  const shown = await call(r, (azure) => azure.showEndpoint(endpoint));
  if (!shown.ok && isNotFound(shown)) return undefined;
  if (!shown.ok) {
    r.ctx.fail(`Reading endpoint ${endpoint} failed: ${failureReason(shown)}`);
  }
  const listed = await call(r, (azure) => azure.listDeployments(endpoint));
  if (!listed.ok) {
    r.ctx.fail(`Listing the deployments of endpoint ${endpoint} failed: ${failureReason(listed)}`);
  }
  const endpointJson = parseJson(shown.stdout);
  const deploymentsJson = parseJson(listed.stdout);
  const read =
    'error' in endpointJson
      ? endpointJson
      : 'error' in deploymentsJson
        ? deploymentsJson
        : readEndpointState(endpointJson.value, deploymentsJson.value);
  if ('error' in read)
    r.ctx.fail(`The state of endpoint ${endpoint} could not be read: ${read.error}`);
  return read.state;
}

/**
 * The endpoint once `until` holds, read every POLL_MS (signed in again when needed), or the
 * run fails after `minutes` saying what it waited for.
 */
export async function waitFor(
  r: Rollout,
  what: string,
  minutes: number,
  until: (state: EndpointState) => boolean,
): Promise<EndpointState> {
  const deadline = r.ctx.clock.now() + minutes * 60_000;
  for (;;) {
    await keepSignedIn(r);
    const state = await readEndpoint(r);
    if (!state) return r.ctx.fail(`Endpoint ${r.target.endpoint} no longer exists.`);
    if (until(state)) return state;
    if (r.ctx.clock.now() >= deadline) {
      return r.ctx.fail(`Waited ${minutes} minutes for ${what}; Azure still reports it under way.`);
    }
    r.ctx.log(`Waiting for ${what}.`);
    await r.ctx.clock.sleep(POLL_MS, r.ctx.signal);
    r.ctx.checkCancelled();
  }
}

/** Nothing under way on the endpoint or on its deployments. */
export function quiet(state: EndpointState): boolean {
  return !inFlight(state.state) && !state.deployments.some((d) => inFlight(d.state));
}

export function deploymentOf(state: EndpointState, name: string): Deployment | undefined {
  return state.deployments.find((d) => d.name === name);
}
