/**
 * A small evaluator of the Workflow Definition Language (WDL) subset that
 * `lib/logic-app-definition.ts` uses, so tests can run a definition on a delivery and
 * observe the outgoing requests, the answer the trigger gives and the run's statuses.
 *
 * Written from Microsoft Learn (stored copies of MicrosoftDocs/azure-docs):
 * - "Schema reference for Workflow Definition Language in Azure Logic Apps"
 *   (logic-apps-workflow-definition-language): `@expr` yields any JSON value, `@{expr}`
 *   interpolation always yields a string, `@@` escapes, `'` string literals, `[]` and `.`
 *   member access, `?` to read null properties without a runtime error.
 * - "Schema reference guide for trigger and action types in Azure Logic Apps"
 *   (logic-apps-workflow-actions-triggers): Request trigger, Http, ParseJson, Query,
 *   Compose, Response (not inside Foreach/Until or parallel branches; a second Response
 *   fails; splitOn makes it 202 at once), Terminate (not inside Foreach/Until; skips the
 *   rest), Foreach (`runtimeConfiguration.concurrency.repetitions` 1-50, not together with
 *   `operationOptions: Sequential`), If (branch actions Skipped when not taken), Scope (its
 *   status follows its actions: Failed when a branch in it ends in failure),
 *   `runtimeConfiguration.secureData`.
 * - "Reference guide to workflow expression functions" (workflow-definition-language-
 *   functions-reference): triggerBody, triggerOutputs, body, outputs, items, item,
 *   workflow, equals (`equals(true, 1)` is true), coalesce (first non-null; null when all
 *   are), string, concat, empty, not, and, or, first, length, greater, less.
 * - "Handle errors and exceptions in Azure Logic Apps" (error-exception-handling): retry on
 *   408, 429, 5xx and connectivity failures; `default` (exponential, 4 retries, interval
 *   PT7S, min PT5S, max PT1H), `none`, `fixed`, `exponential` with the documented random
 *   interval ranges; Consumption limits count 1-90, interval PT5S-P1D; runAfter statuses
 *   Succeeded/Failed/Skipped/TimedOut; a failed action's successors are Skipped; a branch
 *   that ends Skipped takes its predecessor's status; any branch ending in failure fails
 *   the run.
 * - "Secure access and data in Azure Logic Apps" (logic-apps-securing-a-logic-app): secured
 *   inputs/outputs are hidden from run history.
 *
 * Where the pages are silent the evaluator makes a choice and says so ("not documented"):
 * property names and string `equals` are case-sensitive; a non-boolean `If` expression
 * fails the action; a Foreach runs every iteration and fails if any failed; a request
 * without an answer (`{ timedOut: true }`) is retried like a connectivity failure and
 * leaves the action TimedOut. Anything outside the subset (an unknown function, action
 * type, a boolean or null passed to `string()`) throws instead of guessing.
 *
 * Nothing sleeps: retry waits are recorded as the documented [min, max] ranges.
 */
import Ajv, { type ValidateFunction } from 'ajv';

// ---------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------

export type ActionStatus = 'Succeeded' | 'Failed' | 'Skipped' | 'TimedOut';
export type RunStatus = 'Succeeded' | 'Failed' | 'Cancelled';

/** The parts of a definition the evaluator reads; anything else is ignored. */
export interface WdlAction {
  readonly type: string;
  readonly kind?: string;
  readonly runAfter?: Readonly<Record<string, readonly string[]>>;
  readonly inputs?: unknown;
  readonly expression?: unknown;
  readonly foreach?: unknown;
  readonly actions?: Readonly<Record<string, WdlAction>>;
  readonly else?: { readonly actions?: Readonly<Record<string, WdlAction>> };
  readonly runtimeConfiguration?: {
    readonly concurrency?: { readonly repetitions?: number };
    readonly secureData?: { readonly properties?: readonly string[] };
  };
  readonly operationOptions?: string;
  /** Http: `timeout` (ISO 8601) bounds the whole action, retries included. */
  readonly limit?: { readonly timeout?: unknown };
}

export interface WdlDefinition {
  readonly triggers: Readonly<Record<string, WdlTrigger>>;
  readonly actions: Readonly<Record<string, WdlAction>>;
}

export interface WdlTrigger {
  readonly type: string;
  readonly kind?: string;
  readonly inputs?: unknown;
  readonly splitOn?: string;
}

/** One attempt of an Http action, as the responder sees it. */
export interface OutgoingRequest {
  /** Path of the action, e.g. `For_each[0]/Dispatch`. */
  readonly action: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  readonly method: string;
  readonly uri: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly authentication: unknown;
  /** Documented wait before this attempt, in seconds; [0, 0] for the first. */
  readonly waitSeconds: readonly [number, number];
}

/**
 * An answer to one attempt; `seconds` is how long the server took (default 0). A request
 * that is never answered (`timedOut`) lasts until Logic Apps gives up on it: 120 s, the
 * documented limit of an outbound synchronous request (multi-tenant), or the action's
 * `limit.timeout` when that comes first.
 */
export type HttpAnswer =
  | {
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly body?: unknown;
      readonly seconds?: number;
    }
  | { readonly timedOut: true };

/** Logic Apps' limit on one outbound synchronous request (multi-tenant), in seconds. */
const OUTBOUND_REQUEST_SECONDS = 120;

export type Responder = (request: OutgoingRequest) => HttpAnswer;

/** What the trigger's caller (Event Grid) receives. */
export interface TriggerAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** One action run in run history; secured parts are replaced by {@link REDACTED}. */
export interface HistoryEntry {
  readonly path: string;
  readonly name: string;
  readonly type: string;
  readonly status: ActionStatus;
  readonly inputs?: unknown;
  readonly outputs?: unknown;
  readonly error?: string;
}

export interface RunResult {
  readonly status: RunStatus;
  readonly runError?: { readonly code?: string; readonly message?: string };
  readonly answer: TriggerAnswer;
  readonly requests: readonly OutgoingRequest[];
  readonly history: readonly HistoryEntry[];
  /** Statuses of every run of the named action, in order (one per Foreach iteration). */
  statuses(name: string): ActionStatus[];
  /** Sum of the documented retry-wait ranges of all attempts, in seconds. */
  readonly retryWaitSeconds: readonly [number, number];
  /**
   * When the trigger's caller got its answer, in seconds from the start of the run, at the
   * longest the documented retry waits allow; undefined when no Response action answered.
   */
  readonly answerSeconds?: number;
}

export interface RunOptions {
  /** Answers outgoing HTTP requests; called once per attempt. */
  readonly responder?: Responder;
  /** Run id reported by `workflow()['run']['name']`. */
  readonly runId?: string;
}

export const REDACTED = '<secured>';

/** The definition breaks a documented rule (e.g. a Response inside a Foreach). */
export class WdlDefinitionError extends Error {}

/** An expression could not be evaluated; the action that evaluates it fails. */
export class WdlExpressionError extends Error {}

// ---------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------

type Node =
  | { readonly kind: 'literal'; readonly value: unknown }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Node[] }
  | {
      readonly kind: 'member';
      readonly target: Node;
      readonly key: Node;
      readonly optional: boolean;
    };

/** Parses one expression starting at `start`; returns the node and the index after it. */
function parseExpression(text: string, start: number): { node: Node; end: number } {
  let i = start;
  const fail = (what: string): never => {
    throw new WdlExpressionError(`${what} at position ${i} in '${text}'`);
  };
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const expect = (ch: string) => {
    skipSpace();
    if (text[i] !== ch) fail(`expected '${ch}'`);
    i++;
  };

  const primary = (): Node => {
    skipSpace();
    const ch = text[i];
    if (ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) fail('unterminated string');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          return { kind: 'literal', value };
        }
        value += text[i++];
      }
    }
    const number = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (number) {
      i += number[0].length;
      return { kind: 'literal', value: Number(number[0]) };
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!ident) return fail('expected a value');
    i += ident[0].length;
    const word = ident[0];
    skipSpace();
    if (text[i] !== '(') {
      if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' };
      if (word === 'null') return { kind: 'literal', value: null };
      return fail(`unknown name '${word}'`);
    }
    i++;
    const args: Node[] = [];
    skipSpace();
    if (text[i] === ')') {
      i++;
    } else {
      for (;;) {
        args.push(postfix());
        skipSpace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect(')');
        break;
      }
    }
    return { kind: 'call', name: word, args };
  };

  const postfix = (): Node => {
    let node = primary();
    for (;;) {
      skipSpace();
      let optional = false;
      if (text[i] === '?' && (text[i + 1] === '[' || text[i + 1] === '.')) {
        optional = true;
        i++;
      }
      if (text[i] === '[') {
        i++;
        const key = postfix();
        expect(']');
        node = { kind: 'member', target: node, key, optional };
      } else if (text[i] === '.') {
        i++;
        const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
        if (!ident) return fail('expected a property name');
        i += ident[0].length;
        node = {
          kind: 'member',
          target: node,
          key: { kind: 'literal', value: ident[0] },
          optional,
        };
      } else {
        if (optional) fail("expected '[' or '.' after '?'");
        return node;
      }
    }
  };

  const node = postfix();
  skipSpace();
  return { node, end: i };
}

/** Evaluation state visible to expressions. */
export interface Scope {
  readonly run: RunState;
  /** Results of actions visible here; Foreach iterations chain to the enclosing scope. */
  readonly results: Map<string, ActionResult>;
  readonly parent?: Scope;
  /** Current items of enclosing Foreach loops, by loop name. */
  readonly loops: ReadonlyMap<string, unknown>;
  /** `item()` inside a Query's `where`. */
  readonly item?: { readonly value: unknown };
  /**
   * Actions certain to have finished before the one being evaluated: its runAfter
   * predecessors (transitively, with everything inside them) and those of its enclosing
   * actions. Undefined outside a run.
   */
  readonly visible?: ReadonlySet<string>;
}

interface ActionResult {
  readonly status: ActionStatus;
  readonly outputs?: unknown;
}

function lookupResult(scope: Scope, name: string): ActionResult | undefined {
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    const r = s.results.get(name);
    if (r) return r;
  }
  return undefined;
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'Null';
  if (Array.isArray(v)) return 'Array';
  return { string: 'String', number: 'Number', boolean: 'Boolean', object: 'Object' }[
    typeof v as 'string'
  ];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function member(target: unknown, key: unknown, optional: boolean): unknown {
  if (target === null || target === undefined) {
    if (optional) return null;
    throw new WdlExpressionError(`cannot read property '${String(key)}' of null`);
  }
  if (Array.isArray(target)) {
    if (typeof key !== 'number') {
      throw new WdlExpressionError(`cannot index an array with ${typeName(key)}`);
    }
    if (Number.isInteger(key) && key >= 0 && key < target.length) return target[key];
    if (optional) return null;
    throw new WdlExpressionError(`index ${key} is outside the array of ${target.length} items`);
  }
  if (isObject(target)) {
    if (typeof key !== 'string') throw new WdlExpressionError('property names are strings');
    // Case-sensitive (not documented either way; Event Grid data casing varies, so this
    // errs on the strict side).
    if (Object.prototype.hasOwnProperty.call(target, key)) return target[key];
    if (optional) return null;
    throw new WdlExpressionError(
      `property '${key}' doesn't exist, available properties are '${Object.keys(target).join(', ')}'`,
    );
  }
  throw new WdlExpressionError(`cannot read property '${String(key)}' of a ${typeName(target)}`);
}

/** `string()` and `@{...}`: numbers and strings as text, objects and arrays as JSON. */
function toText(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v) || isObject(v)) return JSON.stringify(v);
  throw new WdlExpressionError(`${where} of a ${typeName(v)} is not modelled by this evaluator`);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'boolean' && typeof b === 'number') return Number(a) === b;
  if (typeof a === 'number' && typeof b === 'boolean') return a === Number(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, k) => deepEqual(x, b[k]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return a === b;
}

function requireBoolean(v: unknown, fn: string): boolean {
  if (typeof v !== 'boolean')
    throw new WdlExpressionError(`${fn}() expects booleans, got ${typeName(v)}`);
  return v;
}

function evaluateNode(node: Node, scope: Scope): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'member':
      return member(evaluateNode(node.target, scope), evaluateNode(node.key, scope), node.optional);
    case 'call':
      return callFunction(node.name, node.args, scope);
  }
}

function actionResult(scope: Scope, name: unknown): ActionResult {
  if (typeof name !== 'string') throw new WdlExpressionError('action names are strings');
  // Evaluator choice (not documented as an error): actions in parallel branches have no
  // order, so reading one that is not a runAfter predecessor would be a race.
  if (scope.visible && !scope.visible.has(name)) {
    throw new WdlExpressionError(`action '${name}' is not a runAfter predecessor here`);
  }
  const result = lookupResult(scope, name);
  if (!result) throw new WdlExpressionError(`action '${name}' has not run in this scope`);
  if (result.status === 'Skipped') throw new WdlExpressionError(`action '${name}' was skipped`);
  return result;
}

function callFunction(name: string, argNodes: readonly Node[], scope: Scope): unknown {
  const args = () => argNodes.map((a) => evaluateNode(a, scope));
  const arity = (n: number) => {
    if (argNodes.length !== n) {
      throw new WdlExpressionError(`${name}() takes ${n} argument(s), got ${argNodes.length}`);
    }
  };
  // Function names are case-insensitive: the docs write both triggerBody() and triggerbody().
  switch (name.toLowerCase()) {
    case 'triggerbody':
      arity(0);
      return member(scope.run.triggerOutputs, 'body', true);
    case 'triggeroutputs':
      arity(0);
      return scope.run.triggerOutputs;
    case 'outputs':
      arity(1);
      return actionResult(scope, args()[0]).outputs ?? null;
    case 'body': {
      arity(1);
      const outputs = actionResult(scope, args()[0]).outputs;
      return isObject(outputs) && 'body' in outputs ? outputs.body : null;
    }
    case 'items': {
      arity(1);
      const [loop] = args();
      if (typeof loop !== 'string' || !scope.loops.has(loop)) {
        throw new WdlExpressionError(`items('${String(loop)}') is used outside that Foreach`);
      }
      return scope.loops.get(loop);
    }
    case 'item':
      arity(0);
      if (!scope.item) throw new WdlExpressionError('item() is used outside a repeating action');
      return scope.item.value;
    case 'workflow':
      arity(0);
      return { name: 'workflow', run: { name: scope.run.options.runId } };
    case 'equals': {
      arity(2);
      const [a, b] = args();
      return deepEqual(a, b);
    }
    case 'coalesce':
      return args().find((v) => v !== null && v !== undefined) ?? null;
    case 'string':
      arity(1);
      return toText(args()[0], 'string()');
    case 'concat':
      return args()
        .map((v) => toText(v, 'concat()'))
        .join('');
    case 'empty': {
      arity(1);
      const [v] = args();
      if (v === null || v === undefined) return true;
      if (typeof v === 'string' || Array.isArray(v)) return v.length === 0;
      if (isObject(v)) return Object.keys(v).length === 0;
      throw new WdlExpressionError(`empty() expects a collection, got ${typeName(v)}`);
    }
    case 'not':
      arity(1);
      return !requireBoolean(args()[0], 'not');
    case 'and':
      return args().every((v) => requireBoolean(v, 'and'));
    case 'or':
      return args()
        .map((v) => requireBoolean(v, 'or'))
        .some(Boolean);
    case 'first': {
      arity(1);
      const [c] = args();
      if (Array.isArray(c)) return c.length > 0 ? c[0] : null;
      if (typeof c === 'string') return c.slice(0, 1);
      throw new WdlExpressionError(`first() expects a string or array, got ${typeName(c)}`);
    }
    case 'length': {
      arity(1);
      const [c] = args();
      if (Array.isArray(c) || typeof c === 'string') return c.length;
      throw new WdlExpressionError(`length() expects a string or array, got ${typeName(c)}`);
    }
    case 'greater':
    case 'less': {
      arity(2);
      const [a, b] = args();
      if (!(typeof a === typeof b && (typeof a === 'number' || typeof a === 'string'))) {
        throw new WdlExpressionError(`${name}() compares two numbers or two strings`);
      }
      return name.toLowerCase() === 'greater'
        ? (a as number) > (b as number)
        : (a as number) < (b as number);
    }
    default:
      throw new WdlExpressionError(`function '${name}' is not modelled by this evaluator`);
  }
}

/** Evaluates an expression body (the text after `@`), e.g. `triggerBody()?['x']`. */
function evaluateExpression(expression: string, scope: Scope): unknown {
  const { node, end } = parseExpression(expression, 0);
  if (end !== expression.length) {
    throw new WdlExpressionError(`unexpected '${expression.slice(end)}' in '${expression}'`);
  }
  return evaluateNode(node, scope);
}

/**
 * Evaluates a JSON string value of a definition: `@@...` is a literal starting with `@`,
 * `@expr` any JSON value, and text with `@{expr}` parts a string (`@@{` stays literal).
 */
export function evaluateString(value: string, scope: Scope): unknown {
  if (value.startsWith('@@')) return value.slice(1);
  if (value.startsWith('@') && !value.startsWith('@{'))
    return evaluateExpression(value.slice(1), scope);
  if (!value.includes('@{')) return value;
  let out = '';
  let i = 0;
  while (i < value.length) {
    if (value.startsWith('@@{', i)) {
      out += '@{';
      i += 3;
    } else if (value.startsWith('@{', i)) {
      const { node, end } = parseExpression(value, i + 2);
      if (value[end] !== '}') {
        throw new WdlExpressionError(`expected '}' at position ${end} in '${value}'`);
      }
      const v = evaluateNode(node, scope);
      // Not documented: null interpolates as an empty string (which is why required values
      // are read without '?').
      out += v === null || v === undefined ? '' : toText(v, 'interpolation');
      i = end + 1;
    } else {
      out += value[i++];
    }
  }
  return out;
}

/** Evaluates every string inside a JSON value (object keys are not evaluated). */
function evaluateValue(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') return evaluateString(value, scope);
  if (Array.isArray(value)) return value.map((v) => evaluateValue(v, scope));
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateValue(v, scope)]));
  }
  return value;
}

/** A scope for evaluating expressions outside a run (unit tests of the language). */
export function expressionScope(options: {
  triggerBody?: unknown;
  actions?: Record<string, { status?: ActionStatus; outputs: unknown }>;
  loops?: Record<string, unknown>;
  item?: unknown;
  runId?: string;
}): Scope {
  const run = new RunState({ runId: options.runId ?? 'run-1' }, { body: options.triggerBody });
  const results = new Map<string, ActionResult>(
    Object.entries(options.actions ?? {}).map(([k, v]) => [
      k,
      { status: v.status ?? 'Succeeded', outputs: v.outputs },
    ]),
  );
  return {
    run,
    results,
    loops: new Map(Object.entries(options.loops ?? {})),
    item: 'item' in options ? { value: options.item } : undefined,
  };
}

// ---------------------------------------------------------------------------------------
// Static checks of a definition
// ---------------------------------------------------------------------------------------

const STATUSES: readonly string[] = ['Succeeded', 'Failed', 'Skipped', 'TimedOut'];
const SUPPORTED = [
  'Compose',
  'Foreach',
  'Http',
  'If',
  'ParseJson',
  'Query',
  'Response',
  'Scope',
  'Terminate',
];

function children(action: WdlAction): Record<string, WdlAction>[] {
  const scopes: Record<string, WdlAction>[] = [];
  if (action.actions) scopes.push({ ...action.actions });
  if (action.else?.actions) scopes.push({ ...action.else.actions });
  return scopes;
}

/** Names in runAfter order (stable by definition order); throws on unknown names and cycles. */
function topologicalOrder(actions: Readonly<Record<string, WdlAction>>, where: string): string[] {
  const names = Object.keys(actions);
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      throw new WdlDefinitionError(`runAfter cycle in ${where}: ${[...path, name].join(' → ')}`);
    }
    state.set(name, 'visiting');
    for (const [pred, statuses] of Object.entries(actions[name].runAfter ?? {})) {
      if (!(pred in actions)) {
        throw new WdlDefinitionError(`'${name}' runs after '${pred}', which is not in ${where}`);
      }
      if (statuses.length === 0 || statuses.some((s) => !STATUSES.includes(s))) {
        throw new WdlDefinitionError(`'${name}' has invalid runAfter statuses for '${pred}'`);
      }
      visit(pred, [...path, name]);
    }
    state.set(name, 'done');
    order.push(name);
  };
  names.forEach((n) => visit(n, []));
  return order;
}

/** A scope is a chain when it has one root and no action has two successors. */
function isChain(actions: Readonly<Record<string, WdlAction>>): boolean {
  const names = Object.keys(actions);
  const roots = names.filter((n) => Object.keys(actions[n].runAfter ?? {}).length === 0);
  const successors = new Map<string, number>();
  for (const n of names) {
    for (const pred of Object.keys(actions[n].runAfter ?? {})) {
      successors.set(pred, (successors.get(pred) ?? 0) + 1);
    }
  }
  return roots.length <= 1 && [...successors.values()].every((c) => c <= 1);
}

function durationSeconds(iso: unknown, what: string): number {
  const m =
    typeof iso === 'string'
      ? /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso)
      : null;
  if (!m || iso === 'P' || iso === 'PT')
    throw new WdlDefinitionError(`${what} is not an ISO 8601 duration: ${String(iso)}`);
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0));
  return ((d * 24 + h) * 60 + min) * 60 + s;
}

interface RetryPlan {
  /** [min, max] wait before each retry, in seconds. */
  readonly waits: readonly (readonly [number, number])[];
}

/** The documented retry behaviour of an action's `retryPolicy` (Consumption limits). */
export function retryPlan(policy: unknown, where = 'retryPolicy'): RetryPlan {
  const p = (policy ?? { type: 'default' }) as Record<string, unknown>;
  const type = String(p.type ?? '').toLowerCase();
  if (type === 'none') return { waits: [] };
  const exponential = (count: number, interval: number, min: number, max: number): RetryPlan => ({
    waits: Array.from({ length: count }, (_, k) => {
      const n = k + 1;
      const lo = Math.max(n === 1 ? 0 : 2 ** (n - 2) * interval, min);
      const hi = Math.min(2 ** (n - 1) * interval, max);
      return [lo, Math.max(lo, hi)] as const;
    }),
  });
  if (type === 'default') return exponential(4, 7, 5, 3600);
  const count = p.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 90) {
    throw new WdlDefinitionError(`${where}.count must be an integer from 1 to 90`);
  }
  const interval = durationSeconds(p.interval, `${where}.interval`);
  if (interval < 5 || interval > 86400) {
    throw new WdlDefinitionError(`${where}.interval must be from PT5S to P1D (Consumption)`);
  }
  if (type === 'fixed')
    return { waits: Array.from({ length: count }, () => [interval, interval] as const) };
  if (type === 'exponential') {
    const min =
      p.minimumInterval === undefined
        ? 5
        : durationSeconds(p.minimumInterval, `${where}.minimumInterval`);
    const max =
      p.maximumInterval === undefined
        ? 86400
        : durationSeconds(p.maximumInterval, `${where}.maximumInterval`);
    return exponential(count, interval, min, max);
  }
  throw new WdlDefinitionError(
    `${where}.type '${String(p.type)}' is not default, none, fixed or exponential`,
  );
}

function checkDefinition(definition: WdlDefinition): void {
  const triggers = Object.entries(definition.triggers);
  if (triggers.length !== 1 || triggers[0][1].type !== 'Request') {
    throw new WdlDefinitionError('exactly one Request trigger is supported');
  }
  const walk = (actions: Readonly<Record<string, WdlAction>>, where: string, inLoop: boolean) => {
    topologicalOrder(actions, where);
    for (const [name, action] of Object.entries(actions)) {
      if (!SUPPORTED.includes(action.type)) {
        throw new WdlDefinitionError(
          `action '${name}' has type '${action.type}', which is not modelled`,
        );
      }
      if ((action.type === 'Response' || action.type === 'Terminate') && inLoop) {
        throw new WdlDefinitionError(`${action.type} action '${name}' cannot be inside a Foreach`);
      }
      if (action.type === 'Response' && !isChain(actions)) {
        throw new WdlDefinitionError(
          `Response action '${name}' cannot be in a parallel branch (${where})`,
        );
      }
      const secure = action.runtimeConfiguration?.secureData?.properties ?? [];
      if (secure.some((p) => p !== 'inputs' && p !== 'outputs')) {
        throw new WdlDefinitionError(
          `'${name}': secureData.properties takes 'inputs' and 'outputs'`,
        );
      }
      if (action.type === 'Http') {
        retryPlan(
          (action.inputs as Record<string, unknown> | undefined)?.retryPolicy,
          `${name}.inputs.retryPolicy`,
        );
        if (action.limit !== undefined) {
          durationSeconds(action.limit.timeout, `${name}.limit.timeout`);
        }
      }
      if (action.type === 'Foreach') {
        const repetitions = action.runtimeConfiguration?.concurrency?.repetitions;
        if (repetitions !== undefined && (repetitions < 1 || repetitions > 50)) {
          throw new WdlDefinitionError(`'${name}': concurrency.repetitions must be from 1 to 50`);
        }
        if (repetitions !== undefined && action.operationOptions === 'Sequential') {
          throw new WdlDefinitionError(`'${name}': set repetitions or Sequential, not both`);
        }
      }
      const loop = inLoop || action.type === 'Foreach';
      children(action).forEach((c) => walk(c, `'${name}'`, loop));
    }
  };
  walk(definition.actions, 'the top level', false);
}

// ---------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------

class TerminateSignal {
  constructor(
    readonly status: RunStatus,
    readonly error?: { code?: string; message?: string },
  ) {}
}

class RunState {
  readonly requests: OutgoingRequest[] = [];
  readonly history: HistoryEntry[] = [];
  answer?: TriggerAnswer;
  retryWait: [number, number] = [0, 0];
  /** Seconds since the run started, at the longest (waits at their maximum). */
  elapsed = 0;
  answeredAt?: number;

  constructor(
    readonly options: RunOptions & { runId: string },
    readonly triggerOutputs: { headers?: unknown; body: unknown },
  ) {}
}

const ajv = new Ajv({ strict: false, allErrors: true });
const compiled = new WeakMap<object, ValidateFunction>();

function validator(schema: unknown): ValidateFunction {
  if (!isObject(schema)) throw new WdlExpressionError('ParseJson needs a schema object');
  let v = compiled.get(schema);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

function isRetryable(answer: HttpAnswer): boolean {
  return (
    'timedOut' in answer || answer.status === 408 || answer.status === 429 || answer.status >= 500
  );
}

interface Outcome {
  status: ActionStatus;
  inputs?: unknown;
  outputs?: unknown;
  error?: string;
}

function record(
  scope: Scope,
  path: string,
  name: string,
  action: WdlAction,
  outcome: Outcome,
): void {
  scope.results.set(name, { status: outcome.status, outputs: outcome.outputs });
  const secure = action.runtimeConfiguration?.secureData?.properties ?? [];
  scope.run.history.push({
    path,
    name,
    type: action.type,
    status: outcome.status,
    ...('inputs' in outcome
      ? { inputs: secure.includes('inputs') ? REDACTED : outcome.inputs }
      : {}),
    ...('outputs' in outcome
      ? { outputs: secure.includes('outputs') ? REDACTED : outcome.outputs }
      : {}),
    ...(outcome.error ? { error: outcome.error } : {}),
  });
}

function runHttp(action: WdlAction, path: string, scope: Scope): Outcome {
  const inputs = evaluateValue(action.inputs, scope) as Record<string, unknown>;
  const { method, uri, headers = {}, body, authentication, queries } = inputs;
  if (typeof method !== 'string' || typeof uri !== 'string') {
    throw new WdlExpressionError('Http needs a method and a uri');
  }
  if (!isObject(headers) || Object.values(headers).some((h) => typeof h !== 'string')) {
    throw new WdlExpressionError('Http headers must be strings');
  }
  const fullUri = isObject(queries)
    ? `${uri}${uri.includes('?') ? '&' : '?'}${new URLSearchParams(queries as Record<string, string>)}`
    : uri;
  const plan = retryPlan((action.inputs as Record<string, unknown>).retryPolicy);
  const responder = scope.run.options.responder;
  if (!responder) throw new WdlExpressionError(`no responder for ${method} ${fullUri}`);
  const recorded = { method, uri: fullUri, headers, body, authentication };
  // `limit.timeout` bounds the whole action, retries and their waits included (Microsoft
  // Learn: "if the action hasn't finished when the interval lapses, the action's status is
  // marked as ... ActionTimedOut"); not documented: which status runAfter sees. The
  // evaluator says TimedOut, the status runAfter offers for it.
  const limit = action.limit?.timeout;
  const deadline =
    limit === undefined ? Infinity : scope.run.elapsed + durationSeconds(limit, 'limit.timeout');
  let answer: HttpAnswer = { timedOut: true };
  for (let attempt = 1; attempt <= plan.waits.length + 1; attempt++) {
    const waitSeconds = attempt === 1 ? ([0, 0] as const) : plan.waits[attempt - 2];
    scope.run.elapsed += waitSeconds[1];
    if (scope.run.elapsed >= deadline) break;
    scope.run.retryWait = [
      scope.run.retryWait[0] + waitSeconds[0],
      scope.run.retryWait[1] + waitSeconds[1],
    ];
    const request: OutgoingRequest = {
      action: path,
      attempt,
      method,
      uri: fullUri,
      headers: headers as Record<string, string>,
      body,
      authentication,
      waitSeconds,
    };
    scope.run.requests.push(request);
    answer = responder(request);
    scope.run.elapsed += 'timedOut' in answer ? OUTBOUND_REQUEST_SECONDS : (answer.seconds ?? 0);
    if (scope.run.elapsed >= deadline) break;
    if (!isRetryable(answer)) break;
  }
  if (scope.run.elapsed >= deadline) {
    scope.run.elapsed = deadline;
    return { status: 'TimedOut', inputs: recorded, error: 'ActionTimedOut: limit.timeout lapsed' };
  }
  if ('timedOut' in answer) {
    return { status: 'TimedOut', inputs: recorded, error: 'the request got no answer' };
  }
  const outputs = {
    statusCode: answer.status,
    headers: answer.headers ?? {},
    body: answer.body ?? null,
  };
  const ok = answer.status >= 200 && answer.status < 300;
  return {
    status: ok ? 'Succeeded' : 'Failed',
    inputs: recorded,
    outputs,
    ...(ok ? {} : { error: `HTTP ${answer.status}` }),
  };
}

function runParseJson(action: WdlAction, scope: Scope): Outcome {
  const inputs = action.inputs as { content?: unknown; schema?: unknown };
  let content = evaluateValue(inputs.content, scope);
  if (typeof content === 'string') {
    try {
      content = JSON.parse(content);
    } catch {
      return { status: 'Failed', inputs: { content }, error: 'the content is not valid JSON' };
    }
  }
  const validate = validator(inputs.schema);
  if (!validate(content)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
    return {
      status: 'Failed',
      inputs: { content },
      error: `schema validation failed: ${problems.join('; ')}`,
    };
  }
  return { status: 'Succeeded', inputs: { content }, outputs: { body: content } };
}

function runQuery(action: WdlAction, scope: Scope): Outcome {
  const inputs = action.inputs as { from?: unknown; where?: unknown };
  const from = evaluateValue(inputs.from, scope);
  if (!Array.isArray(from))
    throw new WdlExpressionError(`Query 'from' must be an array, got ${typeName(from)}`);
  if (typeof inputs.where !== 'string')
    throw new WdlExpressionError("Query 'where' must be an expression");
  const where = inputs.where;
  const body = from.filter((value) => {
    const keep = evaluateString(where, { ...scope, item: { value } });
    if (typeof keep !== 'boolean') throw new WdlExpressionError("Query 'where' must be a boolean");
    return keep;
  });
  return { status: 'Succeeded', inputs: { from }, outputs: { body } };
}

function runResponse(action: WdlAction, scope: Scope): Outcome {
  const inputs = evaluateValue(action.inputs, scope) as Record<string, unknown>;
  const statusCode = inputs.statusCode ?? 200;
  if (typeof statusCode !== 'number' || (statusCode >= 300 && statusCode < 400)) {
    throw new WdlExpressionError('Response statusCode must be a 2xx, 4xx or 5xx number');
  }
  if (scope.run.answer) {
    return { status: 'Failed', inputs, error: 'the request has already been answered' };
  }
  scope.run.answer = {
    statusCode,
    headers: (inputs.headers ?? {}) as Record<string, string>,
    body: inputs.body ?? null,
  };
  scope.run.answeredAt = scope.run.elapsed;
  return { status: 'Succeeded', inputs, outputs: { statusCode, body: inputs.body ?? null } };
}

/** Runs the actions of one scope in runAfter order; returns the scope's status. */
function runScope(
  actions: Readonly<Record<string, WdlAction>>,
  scope: Scope,
  prefix: string,
): 'Succeeded' | 'Failed' {
  const done = new Map<string, ActionStatus>();
  for (const name of topologicalOrder(actions, prefix || 'the top level')) {
    const action = actions[name];
    const path = `${prefix}${name}`;
    const runAfter = Object.entries(action.runAfter ?? {});
    if (!runAfter.every(([pred, statuses]) => statuses.includes(done.get(pred) as string))) {
      done.set(name, 'Skipped');
      record(scope, path, name, action, { status: 'Skipped' });
      skipChildren(action, scope, path);
      continue;
    }
    let outcome: Outcome;
    try {
      outcome = runAction(action, name, path, {
        ...scope,
        visible: visibleTo(actions, name, scope),
      });
    } catch (e) {
      if (e instanceof TerminateSignal || e instanceof WdlDefinitionError) throw e;
      if (!(e instanceof WdlExpressionError)) throw e;
      outcome = { status: 'Failed', error: `InvalidTemplate: ${e.message}` };
    }
    done.set(name, outcome.status);
    record(scope, path, name, action, outcome);
  }
  return branchesFailed(actions, done) ? 'Failed' : 'Succeeded';
}

/** Names of an action's nested actions, at any depth. */
function descendants(action: WdlAction): string[] {
  return children(action).flatMap((c) =>
    Object.entries(c).flatMap(([n, a]) => [n, ...descendants(a)]),
  );
}

/** The enclosing scope's visible actions plus `name`'s transitive predecessors here. */
function visibleTo(
  actions: Readonly<Record<string, WdlAction>>,
  name: string,
  scope: Scope,
): ReadonlySet<string> {
  const visible = new Set(scope.visible ?? []);
  const add = (n: string) => {
    for (const pred of Object.keys(actions[n].runAfter ?? {})) {
      if (visible.has(pred)) continue;
      visible.add(pred);
      descendants(actions[pred]).forEach((d) => visible.add(d));
      add(pred);
    }
  };
  add(name);
  return visible;
}

/** Any branch ending in failure fails the scope; a Skipped end takes its predecessors' status. */
function branchesFailed(
  actions: Readonly<Record<string, WdlAction>>,
  done: Map<string, ActionStatus>,
): boolean {
  const names = Object.keys(actions);
  const hasSuccessor = new Set(names.flatMap((n) => Object.keys(actions[n].runAfter ?? {})));
  const failed = (name: string): boolean => {
    const status = done.get(name);
    if (status === 'Failed' || status === 'TimedOut') return true;
    if (status === 'Skipped') return Object.keys(actions[name].runAfter ?? {}).some(failed);
    return false;
  };
  return names.filter((n) => !hasSuccessor.has(n)).some(failed);
}

function skipChildren(action: WdlAction, scope: Scope, path: string): void {
  for (const child of children(action)) {
    for (const [name, a] of Object.entries(child)) {
      record(scope, `${path}/${name}`, name, a, { status: 'Skipped' });
      skipChildren(a, scope, `${path}/${name}`);
    }
  }
}

function runAction(action: WdlAction, name: string, path: string, scope: Scope): Outcome {
  switch (action.type) {
    case 'Compose': {
      const value = evaluateValue(action.inputs, scope);
      return { status: 'Succeeded', inputs: value, outputs: value };
    }
    case 'ParseJson':
      return runParseJson(action, scope);
    case 'Query':
      return runQuery(action, scope);
    case 'Http':
      return runHttp(action, path, scope);
    case 'Response':
      return runResponse(action, scope);
    case 'Terminate': {
      const inputs = evaluateValue(action.inputs, scope) as {
        runStatus?: RunStatus;
        runError?: object;
      };
      record(scope, path, name, action, { status: 'Succeeded', inputs });
      throw new TerminateSignal(inputs.runStatus ?? 'Failed', inputs.runError);
    }
    case 'If': {
      const condition =
        typeof action.expression === 'string'
          ? evaluateString(action.expression, scope)
          : action.expression;
      if (typeof condition !== 'boolean') {
        throw new WdlExpressionError(`If expression must be a boolean, got ${typeName(condition)}`);
      }
      const taken = condition ? (action.actions ?? {}) : (action.else?.actions ?? {});
      const notTaken = condition ? (action.else?.actions ?? {}) : (action.actions ?? {});
      for (const [n, a] of Object.entries(notTaken)) {
        record(scope, `${path}/${n}`, n, a, { status: 'Skipped' });
        skipChildren(a, scope, `${path}/${n}`);
      }
      const status = runScope(taken, scope, `${path}/`);
      return { status, inputs: { expressionResult: condition } };
    }
    case 'Scope':
      // Documented: a scope's status follows its actions: it fails when one of them fails.
      return { status: runScope(action.actions ?? {}, scope, `${path}/`) };
    case 'Foreach': {
      const items =
        typeof action.foreach === 'string' ? evaluateString(action.foreach, scope) : action.foreach;
      if (!Array.isArray(items))
        throw new WdlExpressionError(`Foreach needs an array, got ${typeName(items)}`);
      // Iterations run one after another, in order; the definition's concurrency setting is
      // checked by the tests themselves. Not documented: every iteration runs even when an
      // earlier one failed, and the loop fails if any iteration failed.
      let status: 'Succeeded' | 'Failed' = 'Succeeded';
      items.forEach((item, index) => {
        const iteration: Scope = {
          run: scope.run,
          results: new Map(),
          parent: scope,
          visible: scope.visible,
          loops: new Map([...scope.loops, [name, item]]),
        };
        if (runScope(action.actions ?? {}, iteration, `${path}[${index}]/`) === 'Failed')
          status = 'Failed';
      });
      return { status, inputs: { items: items.length } };
    }
    default:
      throw new WdlDefinitionError(`action type '${action.type}' is not modelled`);
  }
}

function hasResponse(actions: Readonly<Record<string, WdlAction>>): boolean {
  return Object.values(actions).some(
    (a) => a.type === 'Response' || children(a).some((c) => hasResponse(c)),
  );
}

/**
 * Runs `definition` on one HTTP request to its trigger. Throws {@link WdlDefinitionError}
 * for a definition that breaks a documented rule; everything else ends up in the result.
 */
export function runWorkflow(
  definition: WdlDefinition,
  request: { readonly body: unknown; readonly headers?: Record<string, string> },
  options: RunOptions = {},
): RunResult {
  checkDefinition(definition);
  const run = new RunState(
    { ...options, runId: options.runId ?? '08584000000000000000000000000CU00' },
    { headers: request.headers ?? { 'Content-Type': 'application/json' }, body: request.body },
  );
  const trigger = Object.values(definition.triggers)[0];
  const scope: Scope = { run, results: new Map(), loops: new Map() };
  let status: RunStatus;
  let runError: RunResult['runError'];
  try {
    status = runScope(definition.actions, scope, '');
  } catch (e) {
    if (!(e instanceof TerminateSignal)) throw e;
    status = e.status;
    runError = e.error;
  }
  const responds = hasResponse(definition.actions);
  const answer: TriggerAnswer =
    !responds || trigger.splitOn !== undefined
      ? { statusCode: 202, headers: {}, body: null } // answered at once
      : (run.answer ?? { statusCode: 502, headers: {}, body: null }); // a Response the run skipped
  const history = run.history;
  return {
    status,
    ...(runError ? { runError } : {}),
    answer,
    requests: run.requests,
    history,
    statuses: (name) => history.filter((h) => h.name === name).map((h) => h.status),
    retryWaitSeconds: run.retryWait,
    ...(run.answeredAt === undefined ? {} : { answerSeconds: run.answeredAt }),
  };
}
