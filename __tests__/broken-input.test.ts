/**
 * No input, however broken, gives a stack trace: every field of both schemas, set to every
 * kind of JSON value, either is refused with problems or synthesizes. Nothing throws.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { bootstrapSchema, parseBootstrapConfig } from '../lib/bootstrap-config';
import { environmentSchema, parseEnvironmentConfig } from '../lib/config';
import type { Rule, Shape } from '../lib/schema';
import { BootstrapStack } from '../stacks/bootstrap-stack';
import { exampleJson, projectRoot, synthStack } from './support/synth';

/** Dotted paths of every field, nested ones and the first entry of lists included. */
function paths(rule: Rule<unknown>, prefix: string[] = []): string[][] {
  if (rule.fields) {
    return Object.entries(rule.fields as Shape).flatMap(([k, f]) => [
      [...prefix, k],
      ...paths(f.rule, [...prefix, k]),
    ]);
  }
  if (rule.json.type === 'array' && rule.item) return paths(rule.item, [...prefix, '0']);
  return [];
}

function setAt(json: any, path: string[], value: unknown): any {
  const copy = structuredClone(json);
  let node = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null)
      node[key] = /^\d+$/.test(key) ? [] : {};
    node = node[key];
  }
  node[path[path.length - 1]] = value;
  return copy;
}

const values: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  '',
  ' ',
  'x'.repeat(5000),
  '${x}',
  '\u0000',
  [],
  [null],
  {},
  { __proto__: 1 },
];

test.each([
  [
    'environment',
    environmentSchema,
    () => exampleJson(),
    (source: string) => {
      const r = parseEnvironmentConfig('config/example.json', source);
      if ('config' in r) synthStack(r.config);
      return r;
    },
  ],
  [
    'bootstrap',
    bootstrapSchema,
    () => JSON.parse(readFileSync(join(projectRoot, 'config', 'bootstrap.json'), 'utf8')),
    (source: string) => {
      const r = parseBootstrapConfig('config/bootstrap.json', source);
      if ('config' in r)
        Testing.synth(
          new BootstrapStack(Testing.app(), 'b', { config: r.config, environments: [] }),
        );
      return r;
    },
  ],
] as const)(
  '%s: every field, every kind of value: problems or a stack, never a throw',
  (_n, schema, base, run) => {
    let refused = 0;
    for (const path of paths(schema as Rule<unknown>)) {
      for (const value of values) {
        const source = JSON.stringify(setAt(base(), path, value));
        const r = run(source);
        if ('problems' in r) {
          refused++;
          expect(r.problems.length).toBeGreaterThan(0);
          for (const p of r.problems) expect(p).toMatch(/^config\/\w+\.json: /);
        }
      }
    }
    expect(refused).toBeGreaterThan(100);
  },
);

test.each(['', '{', '[]', 'null', '"x"', '1e400', '{"a":1,"a":2}', '\uFEFF{}', '['.repeat(100000)])(
  'a file of %j: problems, never a throw',
  (source) => {
    expect('problems' in parseEnvironmentConfig('config/example.json', source)).toBe(true);
    expect('problems' in parseBootstrapConfig('config/bootstrap.json', source)).toBe(true);
  },
);
