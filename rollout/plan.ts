/**
 * The rollout's decisions, as pure functions: the endpoint's state in (the parsed JSON of
 * `az ml online-endpoint show` and `az ml online-deployment list`), a typed plan out: an
 * ordered list of steps, each with what undoes it. No Azure call, no clock, no file:
 * `__tests__/rollout-plan.test.ts` runs it as a table. rollout/deploy.ts carries a plan out;
 * rollout/restore.ts undoes one.
 */
import { isPlainObject } from '../lib/schema';

/** Deployments this workflow creates are named `model-v<version>`; see deploymentName. */
const DEPLOYMENT_PREFIX = 'model-v';

/**
 * The deployment that runs a model version. Azure ML deployment names have 3-32 characters,
 * start with a letter, end with a letter or digit and contain letters, digits and "-": the
 * prefix keeps version 1 valid ("v1" alone is too short) and leaves room for 25 digits. One
 * endpoint serves one model, so the version alone is unique on it.
 */
export function deploymentName(version: string): string {
  return `${DEPLOYMENT_PREFIX}${version}`;
}

/** A model as a deployment names it. */
export interface ModelRef {
  readonly name: string;
  readonly version: string;
}

/**
 * Azure's provisioning state, as one lower-case word: "succeeded", "failed", "creating"...
 * ("" when not reported). The ml extension prints "Succeeded" up to 2.44 and, from 2.45,
 * the SDK's enum name "DeploymentProvisioningState.SUCCEEDED" (Azure/azureml-examples PR
 * #4123; `azext_mlv2/manual/custom/online_deployment.py` prints the entity as the SDK gives
 * it): the last segment decides, whatever its case.
 */
export function provisioningState(value: unknown): string {
  return typeof value === 'string' ? (value.split('.').at(-1) ?? '').toLowerCase() : '';
}

/** States of an operation still under way in Azure: wait for them to end. */
const IN_FLIGHT = new Set(['creating', 'updating', 'scaling', 'deleting']);

export function inFlight(state: string): boolean {
  return IN_FLIGHT.has(state);
}

/** A deployment of the endpoint, as read back from Azure. */
export interface Deployment {
  readonly name: string;
  /** undefined when the model reference is in none of the forms Azure returns. */
  readonly model: ModelRef | undefined;
  /** For the summary: "model-v2 (iris:2)". */
  readonly label: string;
  /** provisioningState(): "succeeded", "failed", "creating"...; "" when not reported. */
  readonly state: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** Traffic shares by deployment name. */
export type Traffic = ReadonlyMap<string, number>;

export interface EndpointState {
  readonly traffic: Traffic;
  /** In the order Azure listed them. */
  readonly deployments: readonly Deployment[];
  /** The endpoint's own provisioning state (provisioningState()). */
  readonly state: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * A deployment's model: "azureml:NAME:VERSION" (as created), the ARM-style id Azure often
 * reports back ("azureml:/subscriptions/.../workspaces/WS/models/NAME/versions/VERSION"),
 * or a registry reference ("azureml://registries/REG/models/NAME/versions/VERSION").
 */
export function parseModelRef(model: unknown): ModelRef | undefined {
  if (typeof model !== 'string') return undefined;
  const short = /^azureml:([^:/]+):([^:/]+)$/.exec(model);
  if (short) return { name: short[1], version: short[2] };
  const path = /\/(?:workspaces|registries)\/[^/]+\/models\/([^/]+)\/versions\/([^/]+)$/.exec(
    model,
  );
  return path ? { name: path[1], version: path[2] } : undefined;
}

/** String-valued tags; anything else in Azure's answer is not ours and is left out. */
function readTags(tags: unknown): Record<string, string> {
  if (!isPlainObject(tags)) return {};
  return Object.fromEntries(
    Object.entries(tags).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

function readTraffic(raw: unknown): Map<string, number> | { readonly error: string } {
  if (!isPlainObject(raw)) return { error: 'the endpoint\'s "traffic" is not a JSON object' };
  const traffic = new Map<string, number>();
  for (const [name, share] of Object.entries(raw)) {
    const value = typeof share === 'string' && /^\d{1,3}$/.test(share) ? Number(share) : share;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
      return { error: `the traffic share of ${JSON.stringify(name)} is ${JSON.stringify(share)}` };
    }
    traffic.set(name, value);
  }
  return traffic;
}

/**
 * Reads the endpoint (`online-endpoint show`) and its deployments (`online-deployment list`).
 * A traffic share that is not a whole number from 0 to 100, or a deployment without a name,
 * is an error: a plan built on a misread state could restore the wrong traffic.
 */
export function readEndpointState(
  endpoint: unknown,
  deployments: unknown,
): { readonly state: EndpointState } | { readonly error: string } {
  if (!isPlainObject(endpoint)) return { error: 'the endpoint is not a JSON object' };
  const traffic = readTraffic(endpoint.traffic ?? {});
  if ('error' in traffic) return traffic;
  if (!Array.isArray(deployments)) return { error: 'the deployment list is not a JSON array' };
  const read: Deployment[] = [];
  for (const d of deployments) {
    if (!isPlainObject(d) || typeof d.name !== 'string' || d.name === '') {
      return { error: 'a deployment in the list has no name' };
    }
    const model = parseModelRef(d.model);
    const modelText = typeof d.model === 'string' ? d.model : 'unknown model';
    read.push({
      name: d.name,
      model,
      label: `${d.name} (${model ? `${model.name}:${model.version}` : modelText})`,
      state: provisioningState(d.provisioning_state),
      tags: readTags(d.tags),
    });
  }
  const state = provisioningState(endpoint.provisioning_state);
  return { state: { traffic, deployments: read, state, tags: readTags(endpoint.tags) } };
}

/** What the run asks for. */
export interface PlanRequest {
  readonly model: string;
  readonly version: string;
  /** 0-99: the new deployment's share before 100 % (only when something else serves). */
  readonly canaryPercent: number;
  /** Minutes the canary serves before the full shift (the observe step). */
  readonly observeMinutes: number;
  /** 1-10: earlier deployments of the model kept after a successful rollout. */
  readonly keepDeployments: number;
  /** Whether the new deployment answers a sample request before it gets traffic. */
  readonly smokeTest: boolean;
  /**
   * true for a run started by an event (`repository_dispatch`): skip it when a higher version
   * of the model gets any traffic. A person's run (`workflow_dispatch`) may roll back.
   */
  readonly neverDowngrade: boolean;
  /**
   * A deployment of this version that an interrupted run created and that never served
   * (rollout/restore.ts keeps it for the next run): reused, and undone like a created one.
   */
  readonly provisional?: string;
  /** The registry the version is shared into once it serves here, for the next stage. */
  readonly shareTo?: string;
}

/** Traffic and deployments at one moment, for the summary. */
export interface Snapshot {
  readonly traffic: Traffic;
  /** Labels such as "model-v2 (iris:2)". */
  readonly deployments: readonly string[];
}

/**
 * What undoes a step, as data: the journal records it before the step starts, and the
 * restore (rollout/restore.ts) carries it out against Azure's state, not blindly.
 */
export type Undo =
  | { readonly kind: 'none'; readonly why: string }
  | { readonly kind: 'restore-traffic' }
  | { readonly kind: 'delete-deployment'; readonly deployment: string };

/** One step of a rollout, in the order they run. */
export type Step =
  | { readonly kind: 'create'; readonly deployment: string; readonly undo: Undo }
  | { readonly kind: 'smoke-test'; readonly deployment: string; readonly undo: Undo }
  | {
      readonly kind: 'traffic';
      readonly what: 'canary' | 'final';
      readonly traffic: Traffic;
      readonly undo: Undo;
    }
  | {
      readonly kind: 'observe';
      readonly minutes: number;
      /** The canary's traffic, which must still hold when the observation ends. */
      readonly traffic: Traffic;
      readonly undo: Undo;
    }
  | { readonly kind: 'cleanup'; readonly deployments: readonly string[]; readonly undo: Undo }
  | { readonly kind: 'share'; readonly registry: string; readonly undo: Undo };

export type StepKind = Step['kind'];

export type Plan = { readonly before: Snapshot } & (
  | {
      /**
       * This version already serves 100 %: nothing to roll out (a repeated event, or a re-run
       * of a run that got that far). Deployments beyond keepDeployments are still deleted, so
       * a run cut off in its cleanup ends where an uninterrupted one does.
       */
      readonly kind: 'unchanged';
      readonly deployment: string;
      readonly cleanup: readonly string[];
    }
  | {
      /** An event older than what serves: skipped, nothing changes. */
      readonly kind: 'stale';
      readonly servingVersion: number;
    }
  | {
      /** `model-v<version>` exists and runs something else: fail without a change. */
      readonly kind: 'name-taken';
      readonly deployment: string;
      readonly label: string;
    }
  | {
      /** The only deployment of this version did not provision: fail without a change. */
      readonly kind: 'not-provisioned';
      readonly deployment: string;
      readonly state: string;
    }
  | {
      readonly kind: 'roll-out';
      /** The deployment that gets the traffic. */
      readonly deployment: string;
      /** Create it, or reuse one that already runs this version (a rollback to a kept one). */
      readonly create: boolean;
      /** Whether a failure deletes it: the run creates it, or takes over a provisional one. */
      readonly owned: boolean;
      readonly steps: readonly Step[];
      /** Traffic exactly as before (the deployment at 0), for a rollback. */
      readonly restore: Traffic;
      /** Deleted once the deployment serves 100 %: zero-traffic deployments of this model. */
      readonly cleanup: readonly string[];
      /** If everything goes well, cleanup included. */
      readonly after: Snapshot;
    }
);

type Decided = Exclude<Plan, { kind: 'roll-out' }>;

/** Decides what the rollout does on this endpoint. */
export function planRollout(state: EndpointState, request: PlanRequest): Plan {
  const before: Snapshot = {
    traffic: state.traffic,
    deployments: state.deployments.map((d) => d.label),
  };
  const early = refusal(state, request, before);
  if (early) return early;
  const reusable = reusableDeployment(state, request);
  if (!reusable) {
    const broken = state.deployments.find((d) => runsVersion(d, request));
    if (broken) {
      return { kind: 'not-provisioned', before, deployment: broken.name, state: broken.state };
    }
  }
  const target = reusable?.name ?? deploymentName(request.version);
  const cleanup = cleanupOf(state, request, target);
  const owned = !reusable || reusable.name === request.provisional;
  const steps = stepsOf(state.traffic, request, target, !reusable, owned, cleanup);
  const final = steps.find((s) => s.kind === 'traffic' && s.what === 'final');
  const restore = new Map(state.traffic);
  if (!restore.has(target)) restore.set(target, 0);
  return {
    kind: 'roll-out',
    before,
    deployment: target,
    create: !reusable,
    owned,
    steps,
    restore,
    cleanup,
    after: afterRollout(
      state,
      request,
      target,
      final?.kind === 'traffic' ? final.traffic : restore,
      cleanup,
    ),
  };
}

const ours = (d: Deployment, request: PlanRequest): boolean => d.model?.name === request.model;
const runsVersion = (d: Deployment, request: PlanRequest): boolean =>
  ours(d, request) && d.model?.version === request.version;
const share = (traffic: Traffic, d: string): number => traffic.get(d) ?? 0;

/** The plans that change nothing: a repeated event, a stale one, a name another model holds. */
function refusal(
  state: EndpointState,
  request: PlanRequest,
  before: Snapshot,
): Decided | undefined {
  // Event Grid delivers at least once, so the same registration can arrive twice.
  const serving = state.deployments.find(
    (d) => runsVersion(d, request) && share(state.traffic, d.name) === 100,
  );
  if (serving) {
    const cleanup = cleanupOf(state, request, serving.name);
    return { kind: 'unchanged', before, deployment: serving.name, cleanup };
  }

  // Versions compare as numbers; a deployment of this model whose version is not a whole
  // number (made by hand) does not count.
  const newest = Math.max(
    -1,
    ...state.deployments
      .filter(
        (d) =>
          ours(d, request) &&
          share(state.traffic, d.name) > 0 &&
          /^[0-9]{1,15}$/.test(d.model?.version ?? ''),
      )
      .map((d) => Number(d.model?.version)),
  );
  if (request.neverDowngrade && newest > Number(request.version)) {
    return { kind: 'stale', before, servingVersion: newest };
  }
  const name = deploymentName(request.version);
  const taken = state.deployments.find((d) => d.name === name && !runsVersion(d, request));
  if (taken) return { kind: 'name-taken', before, deployment: name, label: taken.label };
  return undefined;
}

/**
 * A deployment that already runs this version (a rollback to a kept deployment, or one an
 * interrupted run left): the one with most traffic, our own name first. Only one that
 * provisioned: a Failed one must be deleted first.
 */
function reusableDeployment(state: EndpointState, request: PlanRequest): Deployment | undefined {
  const name = deploymentName(request.version);
  return state.deployments
    .filter((d) => runsVersion(d, request) && (d.state === '' || d.state === 'succeeded'))
    .sort(
      (a, b) =>
        share(state.traffic, b.name) - share(state.traffic, a.name) ||
        Number(b.name === name) - Number(a.name === name) ||
        compare(a.name, b.name),
    )[0];
}

/**
 * Cleanup once the target serves: keep every deployment that served before, then the newest
 * other deployments of this model until keepDeployments are kept. Deployments of other
 * models are never touched.
 */
function cleanupOf(state: EndpointState, request: PlanRequest, target: string): string[] {
  const previous = state.deployments.filter(
    (d) => d.name !== target && share(state.traffic, d.name) > 0,
  );
  const spare = Math.max(request.keepDeployments - previous.length, 0);
  return state.deployments
    .filter((d) => d.name !== target && share(state.traffic, d.name) === 0 && ours(d, request))
    .sort((a, b) => versionNumber(b) - versionNumber(a) || compare(a.name, b.name))
    .slice(spare)
    .map((d) => d.name);
}

const READ_ONLY = 'read only: nothing to undo (a smoke test, or waiting while the canary serves)';

/** The steps, each with its undo, in the order they run. */
function stepsOf(
  before: Traffic,
  request: PlanRequest,
  target: string,
  create: boolean,
  owned: boolean,
  cleanup: readonly string[],
): Step[] {
  const steps: Step[] = [];
  const deleteTarget: Undo = owned
    ? { kind: 'delete-deployment', deployment: target }
    : { kind: 'none', why: `${target} existed before this run: it is kept` };
  if (create) steps.push({ kind: 'create', deployment: target, undo: deleteTarget });
  if (request.smokeTest) {
    steps.push({ kind: 'smoke-test', deployment: target, undo: { kind: 'none', why: READ_ONLY } });
  }
  const canary = canaryTraffic(before, target, request.canaryPercent);
  if (canary) {
    steps.push({
      kind: 'traffic',
      what: 'canary',
      traffic: canary,
      undo: { kind: 'restore-traffic' },
    });
    steps.push({
      kind: 'observe',
      minutes: request.observeMinutes,
      traffic: canary,
      undo: { kind: 'none', why: READ_ONLY },
    });
  }
  const final = new Map([...before].map(([d]) => [d, 0]));
  final.set(target, 100);
  steps.push({ kind: 'traffic', what: 'final', traffic: final, undo: { kind: 'restore-traffic' } });
  if (cleanup.length > 0) steps.push(cleanupStep(cleanup));
  if (request.shareTo !== undefined) {
    const why = 'a version in the registry serves nothing; the next stage may need it';
    steps.push({ kind: 'share', registry: request.shareTo, undo: { kind: 'none', why } });
  }
  return steps;
}

/** Deleting earlier deployments: nothing undoes it, and nothing needs to. */
export function cleanupStep(deployments: readonly string[]): Step {
  const why = 'only deployments without traffic, once the new one serves everything';
  return { kind: 'cleanup', deployments, undo: { kind: 'none', why } };
}

function afterRollout(
  state: EndpointState,
  request: PlanRequest,
  target: string,
  final: Traffic,
  cleanup: readonly string[],
): Snapshot {
  const names = [...new Set([...state.deployments.map((d) => d.name), target])]
    .filter((d) => !cleanup.includes(d))
    .sort(compare);
  const labels = new Map(state.deployments.map((d) => [d.name, d.label]));
  return {
    traffic: without(final, cleanup),
    deployments: names.map((d) => labels.get(d) ?? `${d} (${request.model}:${request.version})`),
  };
}

/**
 * The canary step: `percent` to the target, taken from the biggest shares first. None when
 * nothing else serves (a new endpoint has nothing to compare with) or the target already
 * has that much.
 */
function canaryTraffic(before: Traffic, target: string, percent: number): Traffic | undefined {
  const targetShare = before.get(target) ?? 0;
  const others = [...before].filter(([d]) => d !== target);
  const othersTotal = others.reduce((sum, [, s]) => sum + s, 0);
  if (percent <= 0 || othersTotal <= 0 || targetShare >= percent) return undefined;
  const canary = new Map<string, number>([[target, percent]]);
  let left = percent - targetShare;
  for (const [d, s] of others.sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))) {
    const take = Math.min(s, left);
    canary.set(d, s - take);
    left -= take;
  }
  return canary;
}

/** Traffic without the given deployments (deleted ones drop out of the map). */
function without(traffic: Traffic, names: readonly string[]): Traffic {
  return new Map([...traffic].filter(([d]) => !names.includes(d)));
}

/** The only form `az ml online-endpoint update --traffic` takes: "a=90 b=10", sorted by name. */
export function trafficText(traffic: Traffic): string {
  return [...traffic]
    .sort((a, b) => compare(a[0], b[0]))
    .map(([d, s]) => `${d}=${s}`)
    .join(' ');
}

/** The shares above 0: two maps that serve alike are equal here. */
export function serving(traffic: Traffic): Map<string, number> {
  return new Map([...traffic].filter(([, s]) => s > 0));
}

function versionNumber(d: Deployment): number {
  const version = d.model?.version ?? '';
  return /^\d{1,15}(?:\.\d+)?$/.test(version) ? Number(version) : 0;
}

/** By UTF-16 code units, the same on every machine (no locale). */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
