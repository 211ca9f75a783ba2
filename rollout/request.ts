/**
 * Checks the request and the environment's variables, then finds the model's deployment
 * target, before any Azure call (the validate step runs before the sign-in). Every rule is
 * the one lib/ applies to the same value elsewhere: model name and version and the event's
 * fields as the dispatch contract defines them, names as the configuration check accepts
 * them, the target as the stack publishes it (but fields this rollout does not know are left
 * out, with a warning: a newer pipeline may have written them; see findTarget). Every problem
 * is collected; values are shown JSON-quoted (`show` in lib/schema.ts), so no input reaches
 * the log raw.
 */
import { AUTH_MODES, guid, resourceGroup, workspaceName } from '../lib/config-fields';
import { endpointName, publishedTarget, type PublishedTarget } from '../lib/deployment-target';
import { payloadFields, type PayloadValues } from '../lib/dispatch-contract';
import { parseJsonSource } from '../lib/json-source';
import {
  promotedFromDocument,
  promotionDocument,
  registryModel,
  type PromotedFromDocument,
  type PromotionDocument,
  type RegistryRef,
} from '../lib/promotion';
import { isPlainObject, oneOf, show, text, type Rule } from '../lib/schema';
import { ROLLOUT_PATH } from '../lib/workflow-contract';
import {
  ENVIRONMENT_VARIABLES,
  GITHUB_VARIABLES,
  PROMOTED_FROM_VARIABLE,
  type Inputs,
} from './inputs';

const authMode = oneOf(AUTH_MODES);

/**
 * A request that passed every check: the payload's fields as checked (an optional one is ""
 * when not given; `eventWorkspace` is the workspace's name), then the environment's.
 */
export interface Request extends PayloadValues {
  readonly authMode: (typeof AUTH_MODES)[number];
  readonly clientId: string;
  readonly tenantId: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspace: string;
  /** AML_DEPLOYMENT_TARGETS, not yet parsed (see findTarget). */
  readonly deploymentTargets: string;
  /** "<run id>.<attempt>", as the journal names runs. */
  readonly run: string;
  /** The run's page, for the summary and the deployment's tags; "" outside Actions. */
  readonly runUrl: string;
  /** Where a version that passes here goes next (AML_PROMOTION), if anywhere. */
  readonly promotion?: PromotionDocument;
  /** The model version this run deploys, and where it comes from. */
  readonly source: ModelSource;
}

/**
 * Where the model version comes from: this environment's workspace, or, for a promotion
 * between workspaces, the registry the previous stage shared it into.
 */
export interface ModelSource {
  /** What `online-deployment create --set model=` takes. */
  readonly reference: string;
  /** The registry, for a registry source. */
  readonly registry?: RegistryRef;
  /** The stage that passed the version on (its GitHub environment), for a promotion. */
  readonly promotedFrom?: string;
  /** For the summary and the deployment's tags: "workspace mlw-demo", "registry mlr-contoso". */
  readonly label: string;
}

/** One line per problem: `<what>: <what is wrong and what is accepted>`. */
export type RequestCheck = { readonly request: Request } | { readonly problems: string[] };

const runNumber = text(/^[1-9][0-9]{0,19}$/, 'a GitHub run id or attempt: a whole number');

/** Checks the request and the environment's variables; makes no Azure call. */
export function checkRequest(inputs: Inputs): RequestCheck {
  const { request: r, variables: v } = inputs;
  const problems: string[] = [];
  const value = <T extends string>(rule: Rule<T>, raw: string, what: string, optional = false) => {
    if (raw === '') {
      if (!optional) problems.push(`${what}: is missing; expected ${rule.expected}`);
      return '' as T;
    }
    const checked = rule.check(raw, what);
    if ('value' in checked) return checked.value;
    problems.push(...checked.problems.map((p) => `${p.path}: ${p.message}`));
    return '' as T;
  };
  const variable = (key: keyof typeof ENVIRONMENT_VARIABLES): string =>
    `variable ${ENVIRONMENT_VARIABLES[key]}`;
  const run = {
    id: value(runNumber, inputs.run.id, GITHUB_VARIABLES.runId),
    attempt: value(runNumber, inputs.run.attempt, GITHUB_VARIABLES.runAttempt),
  };
  const payload = Object.fromEntries(
    payloadFields().map(([name, f]) => [name, value(f.rule, r[name], f.key, !f.required)]),
  ) as unknown as PayloadValues;
  const request: Request = {
    ...payload,
    authMode: value(authMode, v.authMode, variable('authMode')),
    clientId: value(guid, v.clientId, variable('clientId')),
    tenantId: value(guid, v.tenantId, variable('tenantId')),
    subscriptionId: value(guid, v.subscriptionId, variable('subscriptionId')),
    resourceGroup: value(resourceGroup, v.resourceGroup, variable('resourceGroup')),
    workspace: value(workspaceName, v.workspace, variable('workspace')),
    deploymentTargets: v.deploymentTargets,
    run: `${run.id}.${run.attempt}`,
    runUrl: runUrl(inputs.run),
    promotion: documentOf(promotionDocument, v.promotion, variable('promotion'), problems),
    source: { reference: '', label: '' },
  };
  const fed = documentOf(promotedFromDocument, v.promotedFrom, variable('promotedFrom'), problems);
  const source = sourceOf(request, inputs.promotedFrom, fed, problems);
  problems.push(...workspaceProblems(request));
  if (v.deploymentTargets === '') {
    problems.push(
      `${variable('deploymentTargets')}: is empty: this environment has no deployment targets`,
    );
  }
  return problems.length > 0 ? { problems } : { request: { ...request, source } };
}

/** An optional JSON document the stack publishes: "" means none. */
function documentOf<T>(
  rule: Rule<T>,
  raw: string,
  what: string,
  problems: string[],
): T | undefined {
  if (raw === '') return undefined;
  const parsed = parseJsonSource(raw);
  const checked = 'error' in parsed ? undefined : rule.check(parsed.value, what);
  if (checked && 'value' in checked) return checked.value;
  problems.push(
    ...(checked
      ? checked.problems.map((p) => `${p.path}: ${p.message}`)
      : [`${what}: is not valid JSON`]),
  );
  return undefined;
}

/**
 * The version's source. A promotion (PROMOTED_FROM set) must come from the stage this
 * environment is fed by: its registry copy when the workspaces differ, else this workspace.
 */
function sourceOf(
  request: Request,
  promotedFrom: string,
  fed: PromotedFromDocument | undefined,
  problems: string[],
): ModelSource {
  const { modelName: name, modelVersion: version, workspace } = request;
  const own: ModelSource = {
    reference: `azureml:${name}:${version}`,
    label: `workspace ${workspace}`,
  };
  if (promotedFrom === '') return own;
  if (!fed || fed.from.toLowerCase() !== promotedFrom.toLowerCase()) {
    problems.push(
      `${PROMOTED_FROM_VARIABLE}: ${show(promotedFrom)} is not accepted; environment ${request.environment} ${fed ? `is fed by ${show(fed.from)}` : 'is fed by no environment'} (${ENVIRONMENT_VARIABLES.promotedFrom})`,
    );
    return own;
  }
  if (!fed.registry) return { ...own, promotedFrom: fed.from };
  return {
    reference: registryModel(fed.registry.name, name, version),
    registry: fed.registry,
    promotedFrom: fed.from,
    label: `registry ${fed.registry.name}`,
  };
}

/** The run's page on GitHub, when GitHub named the server and repository plainly. */
function runUrl(run: Inputs['run']): string {
  const plain =
    /^https:\/\/[A-Za-z0-9.-]+$/.test(run.serverUrl) &&
    /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(run.repository) &&
    /^[0-9]+$/.test(run.id);
  return plain ? `${run.serverUrl}/${run.repository}/actions/runs/${run.id}` : '';
}

/**
 * The event names the workspace it came from. Another than the environment's means the
 * event was routed to the wrong environment: deploy nothing.
 */
function workspaceProblems(request: Request): string[] {
  const { eventWorkspace: name, workspace } = request;
  if (name === '' || workspace === '' || name.toLowerCase() === workspace.toLowerCase()) return [];
  const environment = request.environment ? ` ${request.environment}` : '';
  return [
    `The model was registered in workspace ${name}, but environment${environment} deploys to workspace ${workspace}.`,
  ];
}

/** Where a model is rolled out, with the target's defaults filled in. */
export type Target = PublishedTarget;

export type TargetLookup =
  | {
      readonly kind: 'found';
      readonly target: Target;
      /** Paths of fields this rollout does not know, left out (withoutUnknownFields). */
      readonly ignored: string[];
    }
  /** The environment serves no such model: nothing to do (a successful, skipped run). */
  | { readonly kind: 'none' }
  | { readonly kind: 'invalid'; readonly problems: string[]; readonly ignored: string[] }
  | { readonly kind: 'unreadable'; readonly reason: string };

const FILE_FIELDS = ['endpointSpec', 'deploymentSpec', 'smokeTestRequest'] as const;

/**
 * Looks the model up in AML_DEPLOYMENT_TARGETS and checks its entry with the rule the stack
 * publishes it by; the files it names must be in the checkout (`isFile`, relative to the
 * repository root). Only this model's entry is checked: another model's entry does not
 * stop this rollout. Fields the rule does not know are left out before the check and
 * listed in `ignored` (see withoutUnknownFields); every other problem fails as it would in
 * the configuration.
 */
export function findTarget(
  model: string,
  deploymentTargets: string,
  isFile: (path: string) => boolean,
): TargetLookup {
  const parsed = parseJsonSource(deploymentTargets);
  if ('error' in parsed) return { kind: 'unreadable', reason: parsed.error };
  const document = parsed.value;
  if (!isPlainObject(document)) {
    return { kind: 'unreadable', reason: `${show(document)} is not a JSON object ({...})` };
  }
  if (!Object.hasOwn(document, model)) return { kind: 'none' };

  const { entry, ignored } = withoutUnknownFields(document[model], model);
  const checked = publishedTarget.check(entry, model);
  const problems =
    'problems' in checked ? checked.problems.map((p) => `${p.path}: ${p.message}`) : [];
  // Files are looked for only where the path itself is acceptable.
  if (isPlainObject(entry)) {
    for (const field of FILE_FIELDS) {
      const path = entry[field];
      const rule = publishedTarget.fields?.[field]?.rule;
      if (path === undefined || !rule || 'problems' in rule.check(path, field)) continue;
      if (!isFile(path as string)) {
        problems.push(
          `${model}.${field}: ${show(path)} does not exist in the repository (commit it, or fix the path in the configuration)`,
        );
      }
    }
  }
  if ('problems' in checked || problems.length > 0) return { kind: 'invalid', problems, ignored };
  return { kind: 'found', target: checked.value, ignored };
}

/**
 * The entry with only the fields the target rule knows, and the paths of the others.
 *
 * Each environment's deploy updates its AML_DEPLOYMENT_TARGETS, but this file changes only
 * when the environment that commits the workflow deploys (with `workflowDelivery:
 * "pull-request"`, once its pull request is merged): until then an older rollout reads a
 * document that a newer pipeline wrote, which may hold a field it does not know. Such a
 * field is left out (the run warns, see ignoredFieldsWarning) rather than failing every
 * rollout until then. The configuration itself still refuses unknown fields (the same
 * rule, lib/deployment-target.ts), so a misspelt field never gets this far unnoticed. A rule
 * that does not list its fields, or an entry that is not an object, is checked as it is.
 */
function withoutUnknownFields(
  entry: unknown,
  model: string,
): { readonly entry: unknown; readonly ignored: string[] } {
  const known = publishedTarget.fields;
  if (known === undefined || !isPlainObject(entry)) return { entry, ignored: [] };
  const isKnown = (key: string): boolean => Object.hasOwn(known, key);
  return {
    entry: Object.fromEntries(Object.entries(entry).filter(([key]) => isKnown(key))),
    ignored: Object.keys(entry)
      .filter((key) => !isKnown(key))
      .map((key) => fieldPath(model, key)),
  };
}

/** `iris.newField`; a key that is not a plain name is JSON-quoted: `iris["a b"]`. */
function fieldPath(model: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${model}.${key}` : `${model}[${show(key)}]`;
}

/** What a run says about the fields findTarget ignored (as a warning, once per run). */
export function ignoredFieldsWarning(ignored: readonly string[]): string {
  return `Ignored ${ignored.length === 1 ? 'a field' : 'fields'} of the deployment target that this workflow does not know (${ENVIRONMENT_VARIABLES.deploymentTargets}): ${ignored.join(', ')}. The workflow file ${ROLLOUT_PATH} is older than the configuration: it is updated when the environment that commits the workflow deploys, and with workflowDelivery "pull-request" when that pull request is merged.`;
}

/** The endpoint a model would use, for the summary of a run that never started; best effort. */
export function endpointOf(model: string, deploymentTargets: string): string {
  const parsed = parseJsonSource(deploymentTargets);
  if ('error' in parsed || !isPlainObject(parsed.value) || !Object.hasOwn(parsed.value, model)) {
    return '';
  }
  const entry = parsed.value[model];
  if (!isPlainObject(entry)) return '';
  const checked = endpointName.check(entry.endpoint, 'endpoint');
  return 'value' in checked ? checked.value : '';
}
