/**
 * A small schema for JSON configuration. Each rule checks one value and returns either the
 * typed value or the problems found, each naming the field, the bad value and what is
 * accepted. Objects check every field and reject unknown keys, so one pass reports every
 * problem in a file.
 *
 * The schema is also the one source of the configuration's documentation: every field
 * carries its description (or gets it from `described`) and default, and every rule says in
 * words and in JSON Schema what it accepts. `docs/configuration.md` and `schemas/*.schema.json` are generated from it
 * (lib/schema-docs.ts), and the TypeScript types of the configuration are inferred from it.
 */

import { UnreadableNumber, characters, firstCharacters } from './json-source';

/** One thing wrong with one field. */
export interface Problem {
  /** Dotted path of the field, e.g. `targets[1].endpoint`. */
  readonly path: string;
  /** What is wrong and what is accepted, without the path. */
  readonly message: string;
}

export type Result<T> = { readonly value: T } | { readonly problems: Problem[] };

/** A JSON Schema (draft-07) fragment. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** Checks one value and says what it accepts. */
export interface Rule<T> {
  readonly check: (value: unknown, path: string) => Result<T>;
  /** What is accepted, in words: the end of every message, and the reference's "Accepted" column. */
  readonly expected: string;
  /** What is accepted, as JSON Schema, for editors. */
  readonly json: JsonSchema;
  /** The fields of an object rule, for the generated reference. */
  readonly fields?: Shape;
  /** The item rule of a list or record, for the generated reference. */
  readonly item?: Rule<unknown>;
  /** The key rule of a record, for the generated reference. */
  readonly key?: Rule<string>;
  /** What a text rule's refinements accept, in words, for the generated reference. */
  readonly refinements?: readonly string[];
}

/** The TypeScript type a rule produces. */
export type Infer<R> = R extends Rule<infer T> ? T : never;

/** A field of an object: its rule, what it means, and whether and how it may be left out. */
export interface Field<T, Presence extends 'required' | 'optional' | 'defaulted'> {
  readonly rule: Rule<T>;
  /**
   * What the field means, for the generated reference and editors' hover text. Fields whose
   * rules the rollout bundles leave it to `described`, so the bundle carries no prose.
   */
  readonly description?: string;
  readonly presence: Presence;
  /** The value a missing field takes (checked as if written, so `{}` fills a nested object). */
  readonly default?: unknown;
  /** The default in words, when it is not a fixed value (e.g. "the environment's name"). */
  readonly defaultText?: string;
}

type AnyField = Field<unknown, 'required' | 'optional' | 'defaulted'>;
export type Shape = Readonly<Record<string, AnyField>>;

/** A field that must be present. */
export function required<T>(rule: Rule<T>, description?: string): Field<T, 'required'> {
  return { rule, description, presence: 'required' };
}

/**
 * A field that may be left out. With `default`, a missing field is checked as if the default
 * had been written; without, it stays missing (`defaultText` then says what happens).
 */
export function optional<T>(
  rule: Rule<T>,
  description: string,
  opts: { default: unknown; defaultText?: string },
): Field<T, 'defaulted'>;
export function optional<T>(
  rule: Rule<T>,
  opts: { default: unknown; defaultText?: string },
): Field<T, 'defaulted'>;
export function optional<T>(
  rule: Rule<T>,
  description?: string,
  opts?: { defaultText: string },
): Field<T, 'optional'>;
export function optional<T>(rule: Rule<T>, opts: { defaultText: string }): Field<T, 'optional'>;
export function optional<T>(
  rule: Rule<T>,
  descriptionOrOpts?: string | { default?: unknown; defaultText?: string },
  moreOpts: { default?: unknown; defaultText?: string } = {},
): Field<T, 'optional' | 'defaulted'> {
  const [description, opts] =
    typeof descriptionOrOpts === 'object'
      ? [undefined, descriptionOrOpts]
      : [descriptionOrOpts, moreOpts];
  return {
    rule,
    description,
    presence: 'default' in opts ? 'defaulted' : 'optional',
    default: opts.default,
    defaultText: opts.defaultText,
  };
}

/**
 * The fields of `shapes`, merged, each with its description from `docs`. For rules the
 * rollout bundles (lib/deployment-target.ts): the rollout imports the shape without
 * descriptions; the described one is built, marked pure, where only the configuration and
 * the docs generator read it, so a bundle that does not use it leaves the prose out.
 */
export function described<S extends Shape>(
  docs: { readonly [K in keyof S]: string },
  ...shapes: readonly Shape[]
): S {
  const merged: Shape = Object.assign({}, ...shapes);
  return Object.fromEntries(
    Object.entries(merged).map(([key, field]) => [key, { ...field, description: docs[key] }]),
  ) as unknown as S;
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type FieldType<F> = F extends Field<infer T, 'required' | 'optional' | 'defaulted'> ? T : never;
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends Field<unknown, 'optional'> ? K : never;
}[keyof S];
/** What an object rule produces: defaulted fields are always there, optional ones may be absent. */
export type Out<S extends Shape> = Simplify<
  { readonly [K in Exclude<keyof S, OptionalKeys<S>>]: FieldType<S[K]> } & {
    readonly [K in OptionalKeys<S>]?: FieldType<S[K]>;
  }
>;

// ---------------------------------------------------------------------------------------
// Showing values in messages
// ---------------------------------------------------------------------------------------

/**
 * The first `n` characters of JSON text, never cutting a character: not a surrogate pair
 * (it is cut by code point) and not an escape sequence such as `\n` or `\u00e9`.
 */
function cutJson(text: string, n: number): string {
  const head = firstCharacters(text, n);
  // An odd run of backslashes at the end (then up to 3 hex digits of \uXXXX) opens an
  // escape the cut went through; an even run is escaped backslashes, complete.
  const open = /(\\+)(u[0-9a-fA-F]{0,3})?$/u.exec(head);
  return open && open[1].length % 2 === 1
    ? head.slice(0, head.length - 1 - (open[2]?.length ?? 0))
    : head;
}

/**
 * Shows a value in a message: JSON for data, so strings are quoted and types are visible.
 * Long values are cut, with their length in characters (code points: an emoji is one); a
 * cut never splits a character. Numbers JSON cannot hold are named as such.
 */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value instanceof UnreadableNumber) return `${value.source} (a number too large to read)`;
  const text = JSON.stringify(value);
  if (characters(text) <= 80) return text;
  if (typeof value === 'string') {
    // The value's first characters, quoted: the JSON of a cut string cuts no escape.
    const head = JSON.stringify(firstCharacters(value, 59)).slice(0, -1);
    return `${head}... (${characters(value)} characters)`;
  }
  const size = Array.isArray(value)
    ? `${value.length} entries`
    : `${characters(text)} characters of JSON`;
  return `${cutJson(text, 60)}... (${size})`;
}

export function problem(path: string, value: unknown, expected: string): { problems: Problem[] } {
  return { problems: [{ path, message: `${show(value)} is not accepted; expected ${expected}` }] };
}

// ---------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------

/**
 * A further condition of a text rule, checked once the value matches the rule's pattern:
 * the value must match `pattern` too, else the message says `expected` (a refinement names
 * the one thing wrong, where the rule's own text lists everything).
 */
export interface Refinement {
  readonly pattern: RegExp;
  /** What is accepted, in words: for editors, and the message unless `message` says more. */
  readonly expected: string;
  /** The message's "expected ..." for this value, e.g. with the value it likely meant. */
  readonly message?: (s: string) => string;
}

/**
 * Compiles a pattern as JSON Schema tools read it: with the `u` flag (ajv and VS Code's
 * JSON service do), so `{1,128}` counts code points and `\p{L}` works, and without other
 * flags, which JSON Schema cannot carry.
 */
function unicodePattern(pattern: RegExp): RegExp {
  if (pattern.flags !== 'u' && pattern.flags !== '') {
    throw new Error(`${pattern}: a rule's pattern takes no flag but "u" (JSON Schema has none)`);
  }
  return pattern.flags === 'u' ? pattern : new RegExp(pattern.source, 'u');
}

/**
 * A string matching `pattern` (read with the `u` flag: lengths count characters as people
 * do) and every refinement; `expected` says in words what is accepted. `hint` may name the
 * value meant when the pattern does not match; `normalize` gives the value the app uses
 * (e.g. GUIDs in lower case). The JSON Schema carries every pattern, so editors check
 * exactly what the app checks.
 */
export function text(
  pattern: RegExp,
  expected: string,
  opts: {
    refine?: readonly Refinement[];
    hint?: (s: string) => string | undefined;
    normalize?: (s: string) => string;
    json?: JsonSchema;
  } = {},
): Rule<string> {
  const re = unicodePattern(pattern);
  const refinements = (opts.refine ?? []).map((r) => ({ ...r, re: unicodePattern(r.pattern) }));
  return {
    expected,
    refinements: refinements.map((r) => r.expected),
    json: {
      type: 'string',
      pattern: re.source,
      patternErrorMessage: `expected ${expected}`,
      ...(refinements.length
        ? {
            allOf: refinements.map((r) => ({
              pattern: r.re.source,
              patternErrorMessage: `expected ${r.expected}`,
            })),
          }
        : {}),
      ...opts.json,
    },
    check: (value, path) => {
      if (typeof value !== 'string' || !re.test(value)) {
        const guess = typeof value === 'string' ? opts.hint?.(value) : undefined;
        return problem(
          path,
          value,
          guess ? `${expected} (did you mean ${show(guess)}?)` : expected,
        );
      }
      for (const r of refinements) {
        if (!r.re.test(value)) return problem(path, value, r.message?.(value) ?? r.expected);
      }
      return { value: opts.normalize ? opts.normalize(value) : value };
    },
  };
}

/** One of a fixed list of strings; `hint` may suggest the intended one. */
export function oneOf<const T extends string>(
  values: readonly T[],
  expected = `one of ${values.map((v) => show(v)).join(', ')}`,
  hint?: (value: string) => T | undefined,
): Rule<T> {
  return {
    expected,
    json: { type: 'string', enum: values },
    check: (value, path) => {
      if (typeof value === 'string' && (values as readonly string[]).includes(value)) {
        return { value: value as T };
      }
      const guess = typeof value === 'string' ? hint?.(value) : undefined;
      return problem(path, value, guess ? `${expected} (did you mean ${show(guess)}?)` : expected);
    },
  };
}

export function integer(min: number, max: number): Rule<number> {
  const expected = `a whole number from ${min} to ${max}`;
  return {
    expected,
    json: { type: 'integer', minimum: min, maximum: max },
    check: (value, path) =>
      typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
        ? { value }
        : problem(path, value, expected),
  };
}

export const boolean: Rule<boolean> = {
  expected: 'true or false',
  json: { type: 'boolean' },
  check: (value, path) =>
    typeof value === 'boolean' ? { value } : problem(path, value, 'true or false'),
};

/**
 * An array of items; `unique` gives the value (and `uniqueName` its name) that must not
 * repeat, compared without case when `ignoreCase`.
 */
export function list<T>(
  item: Rule<T>,
  opts: {
    min?: number;
    max?: number;
    unique?: (t: T) => string;
    uniqueName?: string;
    ignoreCase?: boolean;
  } = {},
): Rule<T[]> {
  const min = opts.min ?? 0;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  const range =
    max === Number.MAX_SAFE_INTEGER ? (min > 0 ? `at least ${min}` : '') : `${min} to ${max}`;
  return {
    expected: `a list ([...]) of ${range ? `${range} entries` : 'entries'}, each ${item.expected}`,
    item: item as Rule<unknown>,
    json: {
      type: 'array',
      items: item.json,
      ...(min > 0 ? { minItems: min } : {}),
      ...(max < Number.MAX_SAFE_INTEGER ? { maxItems: max } : {}),
      ...(opts.unique ? { uniqueItems: true } : {}),
    },
    check: (value, path) => {
      if (!Array.isArray(value)) return problem(path, value, 'a list ([...])');
      const problems: Problem[] = [];
      if (value.length < min || value.length > max) {
        problems.push({ path, message: `has ${value.length} entries; expected ${range}` });
      }
      const items: T[] = [];
      const seen = new Map<string, { index: number; written: string }>();
      for (const [i, v] of value.entries()) {
        const r = item.check(v, `${path}[${i}]`);
        if ('problems' in r) {
          problems.push(...r.problems);
          continue;
        }
        items.push(r.value);
        if (!opts.unique) continue;
        // Named as written (a rule may normalize the value, e.g. GUIDs to lower case).
        const written = typeof v === 'string' ? v : opts.unique(r.value);
        const key = opts.ignoreCase ? opts.unique(r.value).toLowerCase() : opts.unique(r.value);
        const first = seen.get(key);
        if (first === undefined) seen.set(key, { index: i, written });
        else {
          const spelled =
            first.written === written ? '' : ` (as ${show(first.written)}; case does not count)`;
          problems.push({
            path: `${path}[${i}]`,
            message: `${opts.uniqueName} ${show(written)} is already used by ${path}[${first.index}]${spelled}; each entry needs its own`,
          });
        }
      }
      return problems.length ? { problems } : { value: items };
    },
  };
}

/**
 * A JSON object with free keys whose values all pass `item` (e.g. tags). Built with
 * `Object.fromEntries`, so any key, `__proto__` included, stays a plain key.
 */
export function record<T>(
  key: Rule<string>,
  item: Rule<T>,
  opts: {
    max?: number;
    maxName?: string;
    /** Keys are compared without case (Azure tag names); names what a key is, for messages. */
    uniqueIgnoringCase?: string;
  } = {},
): Rule<Record<string, T>> {
  return {
    expected: `an object ({...}) mapping ${key.expected} to ${item.expected}`,
    item: item as Rule<unknown>,
    key,
    json: {
      type: 'object',
      additionalProperties: item.json,
      propertyNames: key.json,
      ...(opts.max !== undefined ? { maxProperties: opts.max } : {}),
    },
    check: (value, path) => {
      if (!isPlainObject(value)) return problem(path, value, 'an object ({...})');
      const problems: Problem[] = [];
      const entries = Object.entries(value);
      if (opts.max !== undefined && entries.length > opts.max) {
        problems.push({
          path,
          message: `has ${entries.length} ${opts.maxName ?? 'entries'}; expected at most ${opts.max}`,
        });
      }
      const out: [string, T][] = [];
      const seen = new Map<string, string>();
      for (const [k, v] of entries) {
        const kr = key.check(k, `${path} key`);
        if ('problems' in kr) problems.push(...kr.problems);
        if (opts.uniqueIgnoringCase !== undefined) {
          const first = seen.get(k.toLowerCase());
          if (first === undefined) seen.set(k.toLowerCase(), k);
          else
            problems.push({
              path: `${path}.${k}`,
              message: `${opts.uniqueIgnoringCase} ${show(k)} differs from ${show(first)} only in case, and ${opts.uniqueIgnoringCase}s ignore case; keep one`,
            });
        }
        const r = item.check(v, `${path}.${k}`);
        if ('problems' in r) problems.push(...r.problems);
        else out.push([k, r.value]);
      }
      return problems.length ? { problems } : { value: Object.fromEntries(out) };
    },
  };
}

/**
 * An object with exactly the given fields; unknown keys are problems too. `json` adds JSON
 * Schema keywords: the rules between its fields that a schema can say (`allOf` of
 * `if`/`then`), whose check lives with the code that reads the whole file.
 */
export function object<S extends Shape>(shape: S, json: JsonSchema = {}): Rule<Out<S>> {
  const known = Object.keys(shape);
  return {
    expected: 'an object ({...})',
    fields: shape,
    json: {
      type: 'object',
      properties: Object.fromEntries(
        Object.entries(shape).map(([k, f]) => [
          k,
          {
            ...f.rule.json,
            ...(f.description === undefined ? {} : { description: f.description }),
            ...(f.presence === 'defaulted' ? { default: f.default } : {}),
          },
        ]),
      ),
      required: known.filter((k) => shape[k].presence === 'required'),
      additionalProperties: false,
      ...json,
    },
    check: (value, path) => {
      if (!isPlainObject(value)) return problem(path || '(file)', value, 'an object ({...})');
      const problems: Problem[] = [];
      const out: [string, unknown][] = [];
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
        const present = Object.hasOwn(value, key);
        const p = join(path, key);
        if (!present && field.presence === 'required') {
          problems.push({ path: p, message: 'is required' });
          continue;
        }
        if (!present && field.presence === 'optional') continue;
        // `null` is a value like any other: it is not "leave it out".
        const r = field.rule.check(present ? value[key] : field.default, p);
        if ('problems' in r) problems.push(...r.problems);
        else out.push([key, r.value]);
      }
      return problems.length ? { problems } : { value: Object.fromEntries(out) as Out<S> };
    },
  };
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The known key a misspelling most likely meant, compared without case, "-", "_" or spaces:
 * the same word written otherwise (`canary_percent`), one it abbreviates (`repo`), one it
 * extends (`canaryPercentage`), else the nearest by edit distance, up to 2.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/gu, '');
  const w = norm(word);
  const only = (found: readonly string[]) => (found.length === 1 ? found[0] : undefined);
  const same = only(candidates.filter((c) => norm(c) === w));
  if (same) return same;
  if (w.length >= 3) {
    const abbreviated = only(candidates.filter((c) => norm(c).startsWith(w)));
    if (abbreviated) return abbreviated;
    // The longest known key the word starts with: `keepDeploymentsCount` → `keepDeployments`.
    const extended = candidates
      .filter((c) => norm(c).length >= 4 && w.startsWith(norm(c)))
      .sort((a, b) => norm(b).length - norm(a).length);
    if (extended.length) return extended[0];
  }
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = distance(w, norm(c));
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
