/**
 * The run's Azure side: the `az ml` commands it makes in the sandbox workspace, through the
 * rollout's adapter (rollout/az.ts: `execAz`, never a shell, each command in a process group
 * of its own that a cancelled step stops), and what it decides from their output. Every
 * command names the subscription and the workspace as the rollout's do, and is shown on
 * stderr before it runs.
 */
import type { EnvironmentConfig } from '../lib/config';
import {
  AzureMl,
  failureReason,
  parseJson,
  shownCommand,
  type Az,
  type AzResult,
} from '../rollout/az';
import {
  deploymentName,
  parseModelRef,
  provisioningState,
  readEndpointState,
  trafficText,
} from '../rollout/plan';
import { UserError } from '../scripts/user-error';
import { ENDPOINT_TAG } from './names';

/** The sandbox workspace's `az ml` commands. */
export class SandboxMl {
  /** The rollout's commands, for those the run shares with it. */
  private readonly rollout: AzureMl;

  constructor(
    private readonly az: Az,
    config: EnvironmentConfig,
    /** Shows each command before it runs. */
    private readonly show: (line: string) => void,
    /** Aborted when the step is cancelled: the command under way stops. */
    private readonly signal?: AbortSignal,
  ) {
    const { subscriptionId, resourceGroup, workspace } = config.azure;
    this.rollout = new AzureMl(az, { subscriptionId, resourceGroup, workspace }, show, signal);
  }

  /** Registers the MLflow model folder as the next version of `model`. */
  createModel(model: string, dir: string): Promise<AzResult> {
    return this.ml(['model', 'create', '--name', model, '--type', 'mlflow_model', '--path', dir]);
  }

  showEndpoint(endpoint: string): Promise<AzResult> {
    return this.rollout.showEndpoint(endpoint);
  }

  showDeployment(deployment: string, endpoint: string): Promise<AzResult> {
    return this.ml([
      'online-deployment',
      'show',
      '--name',
      deployment,
      '--endpoint-name',
      endpoint,
    ]);
  }

  listEndpoints(): Promise<AzResult> {
    return this.ml(['online-endpoint', 'list']);
  }

  /** Waits until Azure has deleted it, deployments included. */
  deleteEndpoint(endpoint: string): Promise<AzResult> {
    return this.ml(['online-endpoint', 'delete', '--name', endpoint, '--yes'], 'none');
  }

  /** The subscription and workspace every command names (the rollout's). */
  scopeArgs(): string[] {
    return this.rollout.scopeArgs();
  }

  private ml(args: readonly string[], output = 'json'): Promise<AzResult> {
    const full = ['ml', ...args, '--output', output, ...this.scopeArgs(), '--only-show-errors'];
    this.show(shownCommand(full));
    return this.az.run(full, this.signal);
  }
}

/** Why a command failed, in one line: az's error, or that az is missing. */
export function azReason(r: AzResult): string {
  if (!r.ok && r.exitCode === undefined && /\bENOENT\b/.test(r.reason)) {
    return 'az is not on PATH: install the Azure CLI';
  }
  return failureReason(r);
}

/** A command's JSON output; a failure, or output that is not JSON, is a UserError `what: why`. */
export function azJson(r: AzResult, what: string): unknown {
  if (!r.ok) throw new UserError(`${what}: ${azReason(r)}`);
  const parsed = parseJson(r.stdout);
  if ('error' in parsed) throw new UserError(`${what}: ${parsed.error}`);
  return parsed.value;
}

/** What the endpoint should serve. */
interface Serving {
  readonly endpoint: string;
  readonly model: string;
  readonly version: string;
}

/**
 * Why the endpoint does not give all its traffic to `model-v<version>`, or undefined when it
 * does (`az ml online-endpoint show` output, read as the rollout reads it).
 */
export function trafficProblem(endpoint: unknown, want: Serving): string | undefined {
  const name = deploymentName(want.version);
  const read = readEndpointState(endpoint, []);
  if ('error' in read) return `Endpoint ${want.endpoint} cannot be read: ${read.error}.`;
  const { traffic } = read.state;
  if (traffic.get(name) === 100) return undefined;
  return `Endpoint ${want.endpoint} does not give 100 % of its traffic to ${name} (${want.model} version ${want.version}): its traffic is ${JSON.stringify(trafficText(traffic) || '(none)')}.`;
}

/**
 * Why the deployment `model-v<version>` does not run that model version, or undefined when it
 * does (`az ml online-deployment show` output; either form of the model id, either form of
 * the provisioning state).
 */
export function deploymentProblem(deployment: unknown, want: Serving): string | undefined {
  const name = deploymentName(want.version);
  const d = (deployment ?? {}) as { model?: unknown; provisioning_state?: unknown };
  const ref = parseModelRef(d.model);
  if (!ref || ref.name !== want.model || ref.version !== want.version) {
    return `Deployment ${name} of endpoint ${want.endpoint} has 100 % of the traffic but runs ${JSON.stringify(d.model ?? 'no model')}, not ${want.model} version ${want.version}.`;
  }
  const state = provisioningState(d.provisioning_state);
  if (d.provisioning_state !== undefined && state !== 'succeeded') {
    return `Deployment ${name} of endpoint ${want.endpoint} runs ${want.model} version ${want.version} but is ${JSON.stringify(d.provisioning_state)}, not "Succeeded".`;
  }
  return undefined;
}

/**
 * Whether the endpoint serves `want`: all its traffic to `model-v<version>`, which runs that
 * model version. A command that fails is a UserError.
 */
export async function checkServing(
  ml: SandboxMl,
  want: Serving,
): Promise<{ ok: boolean; message: string }> {
  const name = deploymentName(want.version);
  const endpoint = azJson(
    await ml.showEndpoint(want.endpoint),
    `Endpoint ${want.endpoint} could not be read`,
  );
  const traffic = trafficProblem(endpoint, want);
  if (traffic) return { ok: false, message: traffic };
  const deployment = azJson(
    await ml.showDeployment(name, want.endpoint),
    `Deployment ${name} of endpoint ${want.endpoint} could not be read`,
  );
  const problem = deploymentProblem(deployment, want);
  if (problem) return { ok: false, message: problem };
  const ref = String((deployment as { model?: unknown }).model);
  return {
    ok: true,
    message: `Endpoint ${want.endpoint} serves ${want.model} version ${want.version}: ${name} has 100 % of the traffic and runs ${ref}.`,
  };
}

/**
 * What the teardown deletes from `az ml online-endpoint list`: this run's endpoint first, then
 * every endpoint tagged by an earlier run (a leftover that still bills); nothing else.
 */
export function endpointsToDelete(listed: unknown, own: string): string[] {
  return (Array.isArray(listed) ? listed : [])
    .filter(
      (e): e is { name: string; tags?: Record<string, unknown> } => typeof e?.name === 'string',
    )
    .filter((e) => e.name === own || e.tags?.[ENDPOINT_TAG] === 'true')
    .map((e) => e.name)
    .sort((a, b) => (a === own ? -1 : b === own ? 1 : a < b ? -1 : 1));
}
