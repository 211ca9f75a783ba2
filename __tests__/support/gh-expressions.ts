/**
 * GitHub Actions expressions (`${{ }}` and `if:`), the subset the committed workflows use,
 * evaluated as GitHub documents them (docs.github.com, "Evaluate expressions in workflows and
 * actions"): literals, context paths (`a.b.c`), `!`, `==`, `!=`, `&&`, `||`, parentheses;
 * `||` and `&&` give an operand, not a boolean; `==` compares strings ignoring case and
 * otherwise converts both sides to numbers; the status functions `always()`, `success()`,
 * `failure()`, `cancelled()`; and `contains`, `startsWith`, `format`. Anything else throws,
 * so a test notices an expression it does not model.
 */

/** What the status functions read: the job's status so far. */
export type JobStatus = 'success' | 'failure' | 'cancelled';

export interface Contexts {
  readonly [name: string]: unknown;
}

type Token = { kind: 'op' | 'str' | 'num' | 'id'; text: string };

function tokens(source: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(==|!=|&&|\|\||[!(),.<>])|'((?:[^']|'')*)'|(\d+(?:\.\d+)?)|([A-Za-z_][\w-]*))/y;
  let at = 0;
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(source);
    if (!m) throw new Error(`unsupported expression at ${JSON.stringify(source.slice(at))}`);
    at = re.lastIndex;
    if (m[1]) out.push({ kind: 'op', text: m[1] });
    else if (m[2] !== undefined) out.push({ kind: 'str', text: m[2].replace(/''/g, "'") });
    else if (m[3]) out.push({ kind: 'num', text: m[3] });
    else out.push({ kind: 'id', text: m[4] });
  }
  return out;
}

function truthy(value: unknown): boolean {
  return !(value === null || value === undefined || value === false || value === 0 || value === '');
}

function toNumber(value: unknown): number {
  if (value === null || value === undefined || value === false) return 0;
  if (value === true) return 1;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value.trim() === '' ? 0 : Number(value);
  return NaN;
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return toNumber(a) === toNumber(b);
}

/** Evaluates one expression (without `${{ }}`) against the contexts and job status. */
function evaluate(source: string, contexts: Contexts, status: JobStatus = 'success'): unknown {
  const ts = tokens(source);
  let i = 0;
  const peek = (text: string): boolean => ts[i]?.kind === 'op' && ts[i].text === text;
  const expect = (text: string): void => {
    if (!peek(text)) throw new Error(`expected "${text}" in ${source}`);
    i++;
  };
  const or = (): unknown => {
    let left = and();
    while (peek('||')) {
      i++;
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };
  const and = (): unknown => {
    let left = comparison();
    while (peek('&&')) {
      i++;
      const right = comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const comparison = (): unknown => {
    const left = unary();
    if (peek('==') || peek('!=')) {
      const op = ts[i++].text;
      const right = unary();
      return op === '==' ? equal(left, right) : !equal(left, right);
    }
    return left;
  };
  const unary = (): unknown => {
    if (peek('!')) {
      i++;
      return !truthy(unary());
    }
    return primary();
  };
  const primary = (): unknown => {
    const t = ts[i++];
    if (!t) throw new Error(`unexpected end of ${source}`);
    if (t.kind === 'op' && t.text === '(') {
      const value = or();
      expect(')');
      return value;
    }
    if (t.kind === 'str') return t.text;
    if (t.kind === 'num') return Number(t.text);
    if (t.kind !== 'id') throw new Error(`unexpected "${t.text}" in ${source}`);
    if (t.text === 'true' || t.text === 'false') return t.text === 'true';
    if (t.text === 'null') return null;
    if (peek('(')) return call(t.text);
    let value: unknown = contexts[t.text];
    if (!(t.text in contexts)) throw new Error(`unknown context "${t.text}" in ${source}`);
    while (peek('.')) {
      i++;
      const key = ts[i++];
      if (!key || key.kind !== 'id') throw new Error(`bad property access in ${source}`);
      value =
        value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>)[key.text]
          : undefined;
    }
    return value ?? null;
  };
  const call = (name: string): unknown => {
    expect('(');
    const args: unknown[] = [];
    while (!peek(')')) {
      args.push(or());
      if (peek(',')) i++;
    }
    expect(')');
    switch (name) {
      case 'always':
        return true;
      case 'success':
        return status === 'success';
      case 'failure':
        return status === 'failure';
      case 'cancelled':
        return status === 'cancelled';
      case 'contains':
        return String(args[0] ?? '')
          .toLowerCase()
          .includes(String(args[1] ?? '').toLowerCase());
      case 'startsWith':
        return String(args[0] ?? '')
          .toLowerCase()
          .startsWith(String(args[1] ?? '').toLowerCase());
      case 'format':
        return String(args[0]).replace(/\{(\d+)\}/g, (_m, n: string) =>
          String(args[Number(n) + 1] ?? ''),
        );
      default:
        throw new Error(`unsupported function ${name}() in ${source}`);
    }
  };
  const value = or();
  if (i !== ts.length) throw new Error(`trailing tokens in ${source}`);
  return value;
}

/** An `if:` condition: without a status function it means `success() && (...)`. */
export function condition(
  source: string | undefined,
  contexts: Contexts,
  status: JobStatus,
): boolean {
  const text = (source ?? '').trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  if (text === '') return status === 'success';
  const implicit = !/\b(always|success|failure|cancelled)\(\)/.test(text);
  return (!implicit || status === 'success') && truthy(evaluate(text, contexts, status));
}

/** A value with `${{ }}` interpolations, as a string (objects as JSON, null as ""). */
export function interpolate(
  value: string,
  contexts: Contexts,
  status: JobStatus = 'success',
): string {
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, expression: string) => {
    const result = evaluate(expression, contexts, status);
    if (result === null || result === undefined) return '';
    return typeof result === 'object' ? JSON.stringify(result) : String(result);
  });
}
