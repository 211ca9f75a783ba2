/**
 * A small schema for JSON configuration: each rule checks one value and returns either
 * the typed value or the problems found, each naming the field, the bad value and what
 * is accepted. Objects check every field and reject unknown keys, so one pass reports
 * every problem in a file.
 */

/** One thing wrong with one field. */
export interface Problem {
  /** Dotted path of the field, e.g. `targets[1].endpoint`. */
  readonly path: string;
  /** What is wrong and what is accepted, without the path. */
  readonly message: string;
}

export type Check<T> = (value: unknown, path: string) => { value: T } | { problems: Problem[] };

/**
 * Marks a field as optional. A missing field stays missing, or, with a default, is
 * checked as if the default had been written (so `{}` as a default fills in the
 * defaults of a nested object).
 */
interface Optional<T> {
  readonly optional: true;
  readonly check: Check<T>;
  readonly default?: unknown;
}

type Field<T> = Check<T> | Optional<T>;

export function optional<T>(check: Check<T>): Optional<T | undefined>;
export function optional<T>(check: Check<T>, defaultValue: unknown): Optional<T>;
export function optional<T>(check: Check<T>, defaultValue?: unknown): Optional<T> {
  return { optional: true, check, default: defaultValue };
}

/** Shows a value in a message: JSON for data, so strings are quoted and types are visible. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function problem(path: string, value: unknown, expected: string): { problems: Problem[] } {
  return { problems: [{ path, message: `${show(value)} is not accepted; expected ${expected}` }] };
}

/** A string matching `pattern`; `expected` says in words what is accepted. */
export function text(pattern: RegExp, expected: string, extra?: (s: string) => string | undefined) {
  return (value: unknown, path: string) => {
    if (typeof value !== 'string' || !pattern.test(value)) return problem(path, value, expected);
    const more = extra?.(value);
    return more ? problem(path, value, more) : { value };
  };
}

/** One of a fixed list of strings; `hint` may suggest the intended one. */
export function oneOf<T extends string>(
  values: readonly T[],
  expected = `one of ${values.map((v) => show(v)).join(', ')}`,
  hint?: (value: string) => T | undefined,
): Check<T> {
  return (value, path) => {
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) {
      return { value: value as T };
    }
    const guess = typeof value === 'string' ? hint?.(value) : undefined;
    return problem(path, value, guess ? `${expected} (did you mean ${show(guess)}?)` : expected);
  };
}

export function integer(min: number, max: number): Check<number> {
  return (value, path) =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
      ? { value }
      : problem(path, value, `a whole number from ${min} to ${max}`);
}

export const boolean: Check<boolean> = (value, path) =>
  typeof value === 'boolean' ? { value } : problem(path, value, 'true or false');

/** An array of items; `unique` names a key whose values must not repeat. */
export function list<T>(
  item: Check<T>,
  opts: { min?: number; max?: number; unique?: (t: T) => string; uniqueName?: string } = {},
): Check<T[]> {
  const min = opts.min ?? 0;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  return (value, path) => {
    if (!Array.isArray(value)) return problem(path, value, 'a list ([...])');
    const problems: Problem[] = [];
    if (value.length < min || value.length > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `${min} to ${max}`;
      problems.push({
        path,
        message: `has ${value.length} entries; expected ${range}`,
      });
    }
    const items: T[] = [];
    const seen = new Map<string, number>();
    for (const [i, v] of value.entries()) {
      const r = item(v, `${path}[${i}]`);
      if ('problems' in r) {
        problems.push(...r.problems);
        continue;
      }
      items.push(r.value);
      if (!opts.unique) continue;
      const key = opts.unique(r.value);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else
        problems.push({
          path: `${path}[${i}]`,
          message: `${opts.uniqueName} ${show(key)} is already used by ${path}[${first}]; each entry needs its own`,
        });
    }
    return problems.length ? { problems } : { value: items };
  };
}

/** A JSON object whose values all pass `item` (e.g. tags). */
export function record<T>(key: Check<string>, item: Check<T>): Check<Record<string, T>> {
  return (value, path) => {
    if (!isPlainObject(value)) return problem(path, value, 'an object ({...})');
    const problems: Problem[] = [];
    const out: Record<string, T> = {};
    for (const [k, v] of Object.entries(value)) {
      const kr = key(k, `${path} key`);
      if ('problems' in kr) problems.push(...kr.problems);
      const r = item(v, `${path}.${k}`);
      if ('problems' in r) problems.push(...r.problems);
      else out[k] = r.value;
    }
    return problems.length ? { problems } : { value: out };
  };
}

type Shape = Record<string, Field<unknown>>;
type Out<S extends Shape> = {
  [K in keyof S]: S[K] extends Field<infer T> ? T : never;
};

/** An object with exactly the given fields; unknown keys are problems too. */
export function object<S extends Shape>(shape: S): Check<Out<S>> {
  return (value, path) => {
    if (!isPlainObject(value)) return problem(path || '(file)', value, 'an object ({...})');
    const problems: Problem[] = [];
    const out: Record<string, unknown> = {};
    const known = Object.keys(shape);
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const guess = closest(key, known);
      problems.push({
        path: join(path, key),
        message:
          `is not a known field; expected one of ${known.join(', ')}` +
          (guess ? ` (did you mean ${show(guess)}?)` : ''),
      });
    }
    for (const [key, field] of Object.entries(shape)) {
      const v = value[key];
      const p = join(path, key);
      if (typeof field !== 'function') {
        if (v === undefined && field.default === undefined) continue;
        const r = field.check(v ?? field.default, p);
        if ('problems' in r) problems.push(...r.problems);
        else out[key] = r.value;
        continue;
      }
      if (v === undefined) {
        problems.push({ path: p, message: 'is required' });
        continue;
      }
      const r = field(v, p);
      if ('problems' in r) problems.push(...r.problems);
      else out[key] = r.value;
    }
    return problems.length ? { problems } : { value: out as Out<S> };
  };
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The known key a misspelling most likely meant: one it abbreviates (`repo`), else the
 * nearest by case-insensitive edit distance, up to 2.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const abbreviated = candidates.filter(
    (c) => lower.length >= 3 && c.toLowerCase().startsWith(lower),
  );
  if (abbreviated.length === 1) return abbreviated[0];
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}
