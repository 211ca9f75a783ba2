/**
 * Pins the semantics of the test-only WDL evaluator (`support/wdl.ts`), so the behaviour
 * tests of the Logic App definition rest on stated rules. Each rule cites where it comes
 * from: the Microsoft Learn page, or "evaluator choice" where the docs are silent.
 */
import {
  evaluateString,
  expressionScope,
  retryPlan,
  runWorkflow,
  WdlDefinitionError,
  WdlExpressionError,
  REDACTED,
  type HttpAnswer,
  type WdlAction,
  type WdlDefinition,
} from './support/wdl';

/** Evaluates a JSON string value of a definition, as the engine does for action inputs. */
const evaluate = (value: string, scope = expressionScope({})) => evaluateString(value, scope);

const trigger = { manual: { type: 'Request', kind: 'Http', inputs: { schema: {} } } };

function definition(actions: Record<string, WdlAction>): WdlDefinition {
  return { triggers: trigger, actions };
}

function compose(inputs: unknown, runAfter: Record<string, string[]> = {}): WdlAction {
  return { type: 'Compose', inputs, runAfter };
}

function http(retryPolicy?: unknown, runAfter: Record<string, string[]> = {}): WdlAction {
  return {
    type: 'Http',
    inputs: {
      method: 'POST',
      uri: 'https://example.test/x',
      ...(retryPolicy ? { retryPolicy } : {}),
    },
    runAfter,
  };
}

function answers(...sequence: HttpAnswer[]) {
  let k = 0;
  return () => sequence[Math.min(k++, sequence.length - 1)];
}

describe('expressions (WDL schema reference: Expressions, Operators)', () => {
  const scope = expressionScope({
    triggerBody: { Name: 'model', version: 20, nothing: null, list: [1, 2], nested: { a: 'b' } },
  });

  it('@expr yields the JSON value, @{expr} always a string', () => {
    expect(evaluate("@triggerBody()['version']", scope)).toBe(20);
    expect(evaluate("@{triggerBody()['version']}", scope)).toBe('20');
    expect(evaluate("v@{triggerBody()['version']} of @{triggerBody()['Name']}", scope)).toBe(
      'v20 of model',
    );
    expect(evaluate("@triggerBody()['nested']", scope)).toEqual({ a: 'b' });
  });

  it('property lookup is case-sensitive (evaluator choice)', () => {
    expect(evaluate("@triggerBody()['Name']", scope)).toBe('model');
    expect(() => evaluate("@triggerBody()['name']", scope)).toThrow(
      "property 'name' doesn't exist, available properties are 'Name, version, nothing, list, nested'",
    );
  });

  it('a missing property without ? is an error, with ? it is null', () => {
    expect(() => evaluate("@triggerBody()['missing']", scope)).toThrow(WdlExpressionError);
    expect(evaluate("@triggerBody()?['missing']", scope)).toBeNull();
    expect(() => evaluate("@triggerBody()['nothing']['x']", scope)).toThrow(
      "cannot read property 'x' of null",
    );
    expect(evaluate("@triggerBody()['nothing']?['x']", scope)).toBeNull();
    expect(evaluate('@triggerBody()?.missing?.deeper', scope)).toBeNull();
    expect(evaluate("@triggerBody()['list'][1]", scope)).toBe(2);
    expect(() => evaluate("@triggerBody()['list'][2]", scope)).toThrow('outside the array');
  });

  it('@@ escapes a leading @ and @@{ an interpolation; a later @ is plain text', () => {
    expect(evaluate('@@')).toBe('@');
    expect(evaluate('@@release')).toBe('@release');
    expect(evaluate(' @')).toBe(' @');
    expect(evaluate("My age is @@{parameters('myAge')}")).toBe("My age is @{parameters('myAge')}");
    expect(evaluate('user@example.com')).toBe('user@example.com');
  });

  it("string literals are single-quoted, '' is a quote", () => {
    expect(evaluate("@concat('it''s', ' ', 'fine')")).toBe("it's fine");
    expect(evaluate("@{'a}b'}")).toBe('a}b');
  });

  it('null interpolates as an empty string (evaluator choice)', () => {
    expect(evaluate("[@{triggerBody()?['missing']}]", scope)).toBe('[]');
  });

  it('string() of numbers, strings and objects; booleans and null are not modelled', () => {
    expect(evaluate('@string(20)')).toBe('20');
    expect(evaluate('@string(1.5)')).toBe('1.5');
    expect(evaluate("@string('x')")).toBe('x');
    expect(evaluate("@string(triggerBody()['nested'])", scope)).toBe('{"a":"b"}');
    expect(() => evaluate('@string(true)')).toThrow('not modelled');
    expect(() => evaluate('@string(null)')).toThrow('not modelled');
  });

  it('coalesce returns the first non-null; empty strings are not null', () => {
    expect(evaluate("@coalesce(null, 'a', 'b')")).toBe('a');
    expect(evaluate("@coalesce('', 'a')")).toBe('');
    expect(evaluate('@coalesce(null, null)')).toBeNull();
  });

  it('equals: documented equals(true, 1) is true; strings compare case-sensitively (evaluator choice)', () => {
    expect(evaluate('@equals(true, 1)')).toBe(true);
    expect(evaluate("@equals('abc', 'abcd')")).toBe(false);
    expect(evaluate("@equals('abc', 'ABC')")).toBe(false);
    expect(evaluate("@equals(triggerBody()['nested'], triggerBody()['nested'])", scope)).toBe(true);
  });

  it('collection and logical functions', () => {
    expect(evaluate("@first(triggerBody()['list'])", scope)).toBe(1);
    expect(
      evaluate("@first(triggerBody()?['none'])", expressionScope({ triggerBody: { none: [] } })),
    ).toBeNull();
    expect(evaluate("@length(triggerBody()['list'])", scope)).toBe(2);
    expect(evaluate("@empty('')")).toBe(true);
    expect(evaluate("@empty(triggerBody()['nothing'])", scope)).toBe(true);
    expect(evaluate("@empty(triggerBody()['list'])", scope)).toBe(false);
    expect(evaluate('@and(true, not(false), or(false, true))')).toBe(true);
    expect(() => evaluate("@and(true, 'yes')")).toThrow('expects booleans');
    expect(evaluate('@greater(2, 1)')).toBe(true);
  });

  it('function names are case-insensitive (the docs write both triggerBody and triggerbody)', () => {
    expect(evaluate("@triggerbody()['version']", scope)).toBe(20);
  });

  it('unknown functions and names are errors, not guesses', () => {
    expect(() => evaluate("@toUpper('x')")).toThrow("function 'toUpper' is not modelled");
    expect(() => evaluate('@foo')).toThrow("unknown name 'foo'");
    expect(() => evaluate("@items('Loop')")).toThrow('outside that Foreach');
  });

  it('body() and outputs() read earlier actions; a skipped action cannot be read', () => {
    const s = expressionScope({
      actions: {
        A: { outputs: { statusCode: 200, body: { value: 'v' } } },
        B: { status: 'Skipped', outputs: undefined },
      },
      loops: { Loop: { id: 'e1' } },
      runId: 'run-42',
    });
    expect(evaluate("@body('A')['value']", s)).toBe('v');
    expect(evaluate("@outputs('A')['statusCode']", s)).toBe(200);
    expect(evaluate("@items('Loop')['id']", s)).toBe('e1');
    expect(evaluate("@workflow()['run']['name']", s)).toBe('run-42');
    expect(() => evaluate("@body('B')", s)).toThrow("action 'B' was skipped");
    expect(() => evaluate("@body('C')", s)).toThrow("action 'C' has not run");
  });
});

describe('run-after and run status (error-exception-handling: Manage the "run after" behavior)', () => {
  const failing: WdlAction = compose("@triggerBody()['missing']");

  it('a failed action fails the run and skips its successors', () => {
    const run = runWorkflow(definition({ A: failing, B: compose('b', { A: ['Succeeded'] }) }), {
      body: {},
    });
    expect(run.statuses('A')).toEqual(['Failed']);
    expect(run.statuses('B')).toEqual(['Skipped']);
    expect(run.status).toBe('Failed');
    expect(run.history[0].error).toMatch(/^InvalidTemplate: property 'missing' doesn't exist/);
  });

  it('an action that runs after Failed handles the failure, and the run then succeeds', () => {
    const run = runWorkflow(
      definition({ A: failing, Handler: compose('handled', { A: ['Failed'] }) }),
      { body: {} },
    );
    expect(run.statuses('Handler')).toEqual(['Succeeded']);
    expect(run.status).toBe('Succeeded');
  });

  it('a branch that ends Skipped takes the status of what came before', () => {
    const ok = runWorkflow(
      definition({ A: compose('a'), Handler: compose('h', { A: ['Failed'] }) }),
      { body: {} },
    );
    expect(ok.statuses('Handler')).toEqual(['Skipped']);
    expect(ok.status).toBe('Succeeded');
  });

  it('Terminate sets the run status and skips nothing that already ran', () => {
    const run = runWorkflow(
      definition({
        A: failing,
        Handler: compose('h', { A: ['Failed'] }),
        Stop: {
          type: 'Terminate',
          inputs: { runStatus: 'Failed', runError: { code: 'X', message: 'why' } },
          runAfter: { Handler: ['Succeeded'] },
        },
      }),
      { body: {} },
    );
    expect(run.status).toBe('Failed');
    expect(run.runError).toEqual({ code: 'X', message: 'why' });
    expect(run.statuses('Handler')).toEqual(['Succeeded']);
  });

  it('an action reads only actions it runs after, including those inside them (evaluator choice: parallel branches have no order)', () => {
    const readsA = (runAfter: Record<string, string[]>) =>
      runWorkflow(
        definition({
          Wrap: { type: 'If', expression: '@true', actions: { A: compose('a') }, runAfter: {} },
          Reader: compose("@outputs('A')", runAfter),
        }),
        { body: {} },
      );
    expect(readsA({ Wrap: ['Succeeded'] }).statuses('Reader')).toEqual(['Succeeded']);
    const parallel = readsA({});
    expect(parallel.statuses('Reader')).toEqual(['Failed']);
    expect(parallel.history.find((h) => h.name === 'Reader')?.error).toContain(
      "action 'A' is not a runAfter predecessor here",
    );
  });

  it('rejects runAfter on unknown actions, invalid statuses and cycles', () => {
    expect(() =>
      runWorkflow(definition({ B: compose('b', { A: ['Succeeded'] }) }), { body: {} }),
    ).toThrow("'B' runs after 'A', which is not in the top level");
    expect(() =>
      runWorkflow(definition({ A: compose('a'), B: compose('b', { A: ['Done'] }) }), { body: {} }),
    ).toThrow('invalid runAfter statuses');
    expect(() =>
      runWorkflow(
        definition({
          A: compose('a', { B: ['Succeeded'] }),
          B: compose('b', { A: ['Succeeded'] }),
        }),
        { body: {} },
      ),
    ).toThrow(WdlDefinitionError);
  });
});

describe('the answer to the trigger (actions-triggers: Response action, splitOn)', () => {
  const respond = (statusCode: number, runAfter: Record<string, string[]> = {}): WdlAction => ({
    type: 'Response',
    kind: 'Http',
    inputs: { statusCode, body: { ok: statusCode } },
    runAfter,
  });

  it("is the Response action's status and body", () => {
    const run = runWorkflow(definition({ R: respond(200) }), { body: [] });
    expect(run.answer).toEqual({ statusCode: 200, headers: {}, body: { ok: 200 } });
  });

  it('is 502 when the run skips its Response, and 202 at once without one', () => {
    const skipped = runWorkflow(
      definition({ A: compose('a'), R: respond(200, { A: ['Failed'] }) }),
      { body: [] },
    );
    expect(skipped.answer.statusCode).toBe(502);
    expect(runWorkflow(definition({ A: compose('a') }), { body: [] }).answer.statusCode).toBe(202);
  });

  it('is 202 at once when the trigger splits on an array', () => {
    const split = {
      triggers: { manual: { ...trigger.manual, splitOn: '@triggerBody()' } },
      actions: { R: respond(200) },
    };
    expect(runWorkflow(split, { body: [] }).answer.statusCode).toBe(202);
  });

  it('a second Response fails: the request was already answered', () => {
    const run = runWorkflow(
      definition({ R1: respond(200), R2: respond(500, { R1: ['Succeeded'] }) }),
      { body: [] },
    );
    expect(run.answer.statusCode).toBe(200);
    expect(run.statuses('R2')).toEqual(['Failed']);
    expect(run.status).toBe('Failed');
  });

  it('rejects a Response or Terminate inside a Foreach, and a Response in parallel branches', () => {
    const loop = (inner: WdlAction): WdlDefinition =>
      definition({
        L: { type: 'Foreach', foreach: '@triggerBody()', actions: { X: inner }, runAfter: {} },
      });
    expect(() => runWorkflow(loop(respond(200)), { body: [] })).toThrow(
      "Response action 'X' cannot be inside a Foreach",
    );
    expect(() =>
      runWorkflow(loop({ type: 'Terminate', inputs: { runStatus: 'Failed' }, runAfter: {} }), {
        body: [],
      }),
    ).toThrow("Terminate action 'X' cannot be inside a Foreach");
    expect(() =>
      runWorkflow(
        definition({
          A: compose('a'),
          R1: respond(200, { A: ['Succeeded'] }),
          R2: respond(500, { A: ['Failed'] }),
        }),
        { body: [] },
      ),
    ).toThrow("Response action 'R1' cannot be in a parallel branch");
  });
});

describe('control actions (actions-triggers: If, Foreach, Query)', () => {
  it('If runs one branch and marks the other Skipped; a non-boolean condition fails it', () => {
    const cond = (expression: string): WdlDefinition =>
      definition({
        C: {
          type: 'If',
          expression,
          actions: { Yes: compose('y') },
          else: { actions: { No: compose('n') } },
          runAfter: {},
        },
      });
    const yes = runWorkflow(cond("@equals(triggerBody()['x'], 1)"), { body: { x: 1 } });
    expect([yes.statuses('Yes'), yes.statuses('No')]).toEqual([['Succeeded'], ['Skipped']]);
    const bad = runWorkflow(cond("@triggerBody()['x']"), { body: { x: 1 } });
    expect(bad.statuses('C')).toEqual(['Failed']);
  });

  it('an action failing inside If fails the If', () => {
    const run = runWorkflow(
      definition({
        C: {
          type: 'If',
          expression: '@true',
          actions: { Bad: compose("@triggerBody()['x']") },
          runAfter: {},
        },
      }),
      { body: {} },
    );
    expect(run.statuses('C')).toEqual(['Failed']);
    expect(run.status).toBe('Failed');
  });

  it('Foreach runs iterations in order with items(), continues after a failed one, and then fails', () => {
    const run = runWorkflow(
      definition({
        L: {
          type: 'Foreach',
          foreach: '@triggerBody()',
          actions: { Echo: compose("@items('L')['n']") },
          runAfter: {},
          runtimeConfiguration: { concurrency: { repetitions: 1 } },
        },
      }),
      { body: [{ n: 1 }, {}, { n: 3 }] },
    );
    expect(run.statuses('Echo')).toEqual(['Succeeded', 'Failed', 'Succeeded']);
    expect(run.statuses('L')).toEqual(['Failed']);
    expect(run.history.filter((h) => h.name === 'Echo').map((h) => h.path)).toEqual([
      'L[0]/Echo',
      'L[1]/Echo',
      'L[2]/Echo',
    ]);
  });

  it('Foreach rejects concurrency outside 1-50 and repetitions together with Sequential', () => {
    const loop = (extra: Partial<WdlAction>): WdlDefinition =>
      definition({
        L: { type: 'Foreach', foreach: '@triggerBody()', actions: {}, runAfter: {}, ...extra },
      });
    expect(() =>
      runWorkflow(loop({ runtimeConfiguration: { concurrency: { repetitions: 0 } } }), {
        body: [],
      }),
    ).toThrow('from 1 to 50');
    expect(() =>
      runWorkflow(
        loop({
          runtimeConfiguration: { concurrency: { repetitions: 1 } },
          operationOptions: 'Sequential',
        }),
        {
          body: [],
        },
      ),
    ).toThrow('not both');
  });

  it('Query keeps the items for which where is true, with item()', () => {
    const run = runWorkflow(
      definition({
        Q: {
          type: 'Query',
          inputs: { from: '@triggerBody()', where: "@equals(item()['t'], 'a')" },
          runAfter: {},
        },
        Out: compose("@body('Q')", { Q: ['Succeeded'] }),
      }),
      { body: [{ t: 'a', n: 1 }, { t: 'b' }, { t: 'a', n: 3 }] },
    );
    expect(run.history.find((h) => h.name === 'Out')?.outputs).toEqual([
      { t: 'a', n: 1 },
      { t: 'a', n: 3 },
    ]);
  });
});

describe('ParseJson (actions-triggers: Parse JSON action)', () => {
  const parse = (content: string): WdlDefinition =>
    definition({
      P: {
        type: 'ParseJson',
        inputs: {
          content,
          schema: { type: 'object', required: ['a'], properties: { a: { type: 'string' } } },
        },
        runAfter: {},
      },
    });

  it('outputs the content as body when it matches the schema', () => {
    const run = runWorkflow(parse('@triggerBody()'), { body: { a: 'x' } });
    expect(run.history[0]).toMatchObject({ status: 'Succeeded', outputs: { body: { a: 'x' } } });
  });

  it('fails the action when the content does not match, naming the problem', () => {
    const missing = runWorkflow(parse('@triggerBody()'), { body: { b: 1 } });
    expect(missing.history[0].status).toBe('Failed');
    expect(missing.history[0].error).toContain("must have required property 'a'");
    const wrongType = runWorkflow(parse('@triggerBody()'), { body: { a: 1 } });
    expect(wrongType.history[0].error).toContain('/a must be string');
  });

  it('parses string content as JSON and fails on text that is not JSON', () => {
    expect(runWorkflow(parse('@triggerBody()'), { body: '{"a":"x"}' }).history[0].status).toBe(
      'Succeeded',
    );
    const text = runWorkflow(parse('@triggerBody()'), { body: 'not json' });
    expect(text.history[0]).toMatchObject({
      status: 'Failed',
      error: 'the content is not valid JSON',
    });
  });
});

describe('Http and retry policies (error-exception-handling: Retry policies)', () => {
  it('documents the exponential ranges: retry n waits within [max(2^(n-2)·i, min), min(2^(n-1)·i, max)]', () => {
    expect(
      retryPlan({
        type: 'exponential',
        count: 3,
        interval: 'PT5S',
        minimumInterval: 'PT5S',
        maximumInterval: 'PT1M',
      }).waits,
    ).toEqual([
      [5, 5],
      [5, 10],
      [10, 20],
    ]);
    expect(retryPlan(undefined).waits).toEqual([
      [5, 7],
      [7, 14],
      [14, 28],
      [28, 56],
    ]);
    expect(retryPlan({ type: 'fixed', count: 2, interval: 'PT30S' }).waits).toEqual([
      [30, 30],
      [30, 30],
    ]);
    expect(retryPlan({ type: 'none' }).waits).toEqual([]);
  });

  it('rejects policies outside the Consumption limits', () => {
    expect(() => retryPlan({ type: 'fixed', count: 0, interval: 'PT5S' })).toThrow('from 1 to 90');
    expect(() => retryPlan({ type: 'fixed', count: 1, interval: 'PT1S' })).toThrow('PT5S to P1D');
    expect(() => retryPlan({ type: 'fixed', count: 1, interval: '5s' })).toThrow('ISO 8601');
  });

  it('retries 408, 429 and 5xx, records every attempt and its wait, and succeeds on a later 2xx', () => {
    const run = runWorkflow(
      definition({ H: http({ type: 'exponential', count: 3, interval: 'PT5S' }) }),
      { body: {} },
      { responder: answers({ status: 429 }, { status: 408 }, { status: 503 }, { status: 204 }) },
    );
    expect(run.requests.map((r) => [r.attempt, r.waitSeconds])).toEqual([
      [1, [0, 0]],
      [2, [5, 5]],
      [3, [5, 10]],
      [4, [10, 20]],
    ]);
    expect(run.statuses('H')).toEqual(['Succeeded']);
    expect(run.retryWaitSeconds).toEqual([20, 35]);
  });

  it('does not retry other 4xx; a final non-2xx fails the action', () => {
    const once = runWorkflow(
      definition({ H: http({ type: 'fixed', count: 2, interval: 'PT5S' }) }),
      { body: {} },
      {
        responder: answers({ status: 422 }),
      },
    );
    expect(once.requests).toHaveLength(1);
    expect(once.statuses('H')).toEqual(['Failed']);
    const exhausted = runWorkflow(
      definition({ H: http({ type: 'fixed', count: 2, interval: 'PT5S' }) }),
      { body: {} },
      {
        responder: answers({ status: 500 }),
      },
    );
    expect(exhausted.requests).toHaveLength(3);
    expect(exhausted.statuses('H')).toEqual(['Failed']);
  });

  it('a request that never gets an answer is retried, then leaves the action TimedOut', () => {
    const run = runWorkflow(
      definition({
        H: http({ type: 'fixed', count: 1, interval: 'PT5S' }),
        OnTimeout: compose('t', { H: ['TimedOut'] }),
      }),
      { body: {} },
      { responder: answers({ timedOut: true }) },
    );
    expect(run.requests).toHaveLength(2);
    expect(run.statuses('H')).toEqual(['TimedOut']);
    expect(run.statuses('OnTimeout')).toEqual(['Succeeded']);
  });

  it('secured inputs and outputs are hidden in run history; others are shown', () => {
    const run = runWorkflow(
      definition({
        Secret: {
          ...http({ type: 'none' }),
          runtimeConfiguration: { secureData: { properties: ['inputs', 'outputs'] } },
        },
        Plain: { ...http({ type: 'none' }), runAfter: { Secret: ['Succeeded'] } },
      }),
      { body: {} },
      { responder: answers({ status: 200, body: { value: 's3cret' } }) },
    );
    expect(run.history.find((h) => h.name === 'Secret')).toMatchObject({
      inputs: REDACTED,
      outputs: REDACTED,
    });
    expect(run.history.find((h) => h.name === 'Plain')?.outputs).toEqual({
      statusCode: 200,
      headers: {},
      body: { value: 's3cret' },
    });
  });
});
