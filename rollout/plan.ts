/**
 * The rollout's decisions, as pure functions: the endpoint's state in (the parsed JSON of
 * `az ml online-endpoint show` and `az ml online-deployment list`), a typed plan out. No
 * Azure call, no clock, no file: `__tests__/rollout-plan.test.ts` runs it as a table.
 * rollout/deploy.ts carries a plan out and rolls it back.
 */
import { isPlainObject } from '../lib/schema';

/** Deployments this workflow creates are named `model-v<version>`; see deploymentName. */
export const DEPLOYMENT_PREFIX = 'model-v';

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

/** A deployment of the endpoint, as read back from Azure. */
export interface Deployment {
  readonly name: string;
  /** undefined when the model reference is in neither form Azure returns. */
  readonly model: ModelRef | undefined;
  /** For the summary: "model-v2 (iris:2)". */
  readonly label: string;
  /** Azure's provisioning_state; "" when not reported. */
  readonly state: string;
}

/** Traffic shares by deployment name. */
export type Traffic = ReadonlyMap<string, number>;

export interface EndpointState {
  readonly traffic: Traffic;
  /** In the order Azure listed them. */
  readonly deployments: readonly Deployment[];
}

/**
 * A deployment's model: "azureml:NAME:VERSION" (as created) or, as Azure often reports it
 * back, an ARM-style id "azureml:/subscriptions/.../workspaces/WS/models/NAME/versions/VERSION".
 */
export function parseModelRef(model: unknown): ModelRef | undefined {
  if (typeof model !== 'string') return undefined;
  const short = /^azureml:([^:/]+):([^:/]+)$/.exec(model);
  if (short) return { name: short[1], version: short[2] };
  const arm = /\/workspaces\/[^/]+\/models\/([^/]+)\/versions\/([^/]+)$/.exec(model);
  return arm ? { name: arm[1], version: arm[2] } : undefined;
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
  const traffic = new Map<string, number>();
  const rawTraffic = endpoint.traffic ?? {};
  if (!isPlainObject(rawTraffic))
    return { error: 'the endpoint\'s "traffic" is not a JSON object' };
  for (const [name, share] of Object.entries(rawTraffic)) {
    const value = typeof share === 'string' && /^\d{1,3}$/.test(share) ? Number(share) : share;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
      return { error: `the traffic share of ${JSON.stringify(name)} is ${JSON.stringify(share)}` };
    }
    traffic.set(name, value);
  }
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
      state: typeof d.provisioning_state === 'string' ? d.provisioning_state : '',
    });
  }
  return { state: { traffic, deployments: read } };
}

/** What the run asks for. */
export interface PlanRequest {
  readonly model: string;
  readonly version: string;
  /** 0-99: the new deployment's share before 100 % (only when something else serves). */
  readonly canaryPercent: number;
  /** 1-10: earlier deployments of the model kept after a successful rollout. */
  readonly keepDeployments: number;
  /**
   * true for a run started by an event (`repository_dispatch`): skip it when a higher version
   * of the model gets any traffic. A person's run (`workflow_dispatch`) may roll back.
   */
  readonly neverDowngrade: boolean;
}

/** Traffic and deployments at one moment, for the summary. */
export interface Snapshot {
  readonly traffic: Traffic;
  /** Labels such as "model-v2 (iris:2)". */
  readonly deployments: readonly string[];
}

export interface TrafficStep {
  readonly what: 'canary' | 'final';
  readonly traffic: Traffic;
}

export type Plan = { readonly before: Snapshot } & (
  | {
      /** This version already serves 100 %: nothing to do (a repeated event). */
      readonly kind: 'unchanged';
      readonly deployment: string;
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
      /** The traffic updates, in order: an optional canary, then 100 %. */
      readonly steps: readonly TrafficStep[];
      /** Traffic exactly as before (the deployment at 0), for a rollback. */
      readonly restore: Traffic;
      /** Deleted once the deployment serves 100 %: zero-traffic deployments of this model. */
      readonly cleanup: readonly string[];
      /** If everything goes well, cleanup included. */
      readonly after: Snapshot;
    }
);

/** Decides what the rollout does on this endpoint. */
export function planRollout(state: EndpointState, request: PlanRequest): Plan {
  const { traffic: before } = state;
  const name = deploymentName(request.version);
  const share = (d: string): number => before.get(d) ?? 0;
  const ours = (d: Deployment): boolean => d.model?.name === request.model;
  const thisVersion = (d: Deployment): boolean => ours(d) && d.model?.version === request.version;
  const snapshot: Snapshot = {
    traffic: before,
    deployments: state.deployments.map((d) => d.label),
  };

  // Event Grid delivers at least once, so the same registration can arrive twice.
  const serving = state.deployments.find((d) => thisVersion(d) && share(d.name) === 100);
  if (serving) return { kind: 'unchanged', before: snapshot, deployment: serving.name };

  // Versions compare as numbers; a deployment of this model whose version is not a whole
  // number (made by hand) does not count.
  const newest = Math.max(
    -1,
    ...state.deployments
      .filter((d) => ours(d) && share(d.name) > 0 && /^[0-9]{1,15}$/.test(d.model?.version ?? ''))
      .map((d) => Number(d.model?.version)),
  );
  if (request.neverDowngrade && newest > Number(request.version)) {
    return { kind: 'stale', before: snapshot, servingVersion: newest };
  }

  const taken = state.deployments.find((d) => d.name === name && !thisVersion(d));
  if (taken) return { kind: 'name-taken', before: snapshot, deployment: name, label: taken.label };

  // Reuse a deployment that already runs this version (a rollback to a kept deployment): the
  // one with most traffic, our own name first. Only one that provisioned: a Failed one (left
  // by a failed rollout whose cleanup failed too) must be deleted by hand first.
  const reusable = state.deployments
    .filter((d) => thisVersion(d) && (d.state === '' || d.state === 'Succeeded'))
    .sort(
      (a, b) =>
        share(b.name) - share(a.name) ||
        Number(b.name === name) - Number(a.name === name) ||
        compare(a.name, b.name),
    )[0];
  if (!reusable) {
    const broken = state.deployments.find(thisVersion);
    if (broken) {
      return {
        kind: 'not-provisioned',
        before: snapshot,
        deployment: broken.name,
        state: broken.state,
      };
    }
  }

  const target = reusable?.name ?? name;
  const steps: TrafficStep[] = [];
  const canary = canaryTraffic(before, target, request.canaryPercent);
  if (canary) steps.push({ what: 'canary', traffic: canary });
  const final = new Map([...before].map(([d]) => [d, 0]));
  final.set(target, 100);
  steps.push({ what: 'final', traffic: final });
  const restore = new Map(before);
  if (!restore.has(target)) restore.set(target, 0);

  // Cleanup once the target serves: keep every deployment that served before, then the
  // newest other deployments of this model until keepDeployments are kept. Deployments of
  // other models are never touched.
  const previous = state.deployments.filter((d) => d.name !== target && share(d.name) > 0);
  const spare = Math.max(request.keepDeployments - previous.length, 0);
  const cleanup = state.deployments
    .filter((d) => d.name !== target && share(d.name) === 0 && ours(d))
    .sort((a, b) => versionNumber(b) - versionNumber(a) || compare(a.name, b.name))
    .slice(spare)
    .map((d) => d.name);

  const names = [...new Set([...state.deployments.map((d) => d.name), target])]
    .filter((d) => !cleanup.includes(d))
    .sort(compare);
  const labels = new Map(state.deployments.map((d) => [d.name, d.label]));
  const after: Snapshot = {
    traffic: without(final, cleanup),
    deployments: names.map((d) => labels.get(d) ?? `${d} (${request.model}:${request.version})`),
  };
  return {
    kind: 'roll-out',
    before: snapshot,
    deployment: target,
    create: !reusable,
    steps,
    restore,
    cleanup,
    after,
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
  const othersTotal = others.reduce((sum, [, share]) => sum + share, 0);
  if (percent <= 0 || othersTotal <= 0 || targetShare >= percent) return undefined;
  const canary = new Map<string, number>([[target, percent]]);
  let left = percent - targetShare;
  for (const [d, share] of others.sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))) {
    const take = Math.min(share, left);
    canary.set(d, share - take);
    left -= take;
  }
  return canary;
}

/** Traffic without the given deployments (deleted ones drop out of the map). */
export function without(traffic: Traffic, names: readonly string[]): Traffic {
  return new Map([...traffic].filter(([d]) => !names.includes(d)));
}

/** The only form `az ml online-endpoint update --traffic` takes: "a=90 b=10", sorted by name. */
export function trafficText(traffic: Traffic): string {
  return [...traffic]
    .sort((a, b) => compare(a[0], b[0]))
    .map(([d, share]) => `${d}=${share}`)
    .join(' ');
}

function versionNumber(d: Deployment): number {
  const version = d.model?.version ?? '';
  return /^\d{1,15}(?:\.\d+)?$/.test(version) ? Number(version) : 0;
}

/** By UTF-16 code units, the same on every machine (no locale). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
