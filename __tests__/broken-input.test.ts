/**
 * No input, however broken, gives a stack trace: every field of both schemas, set to every
 * kind of JSON value, either is refused with problems or synthesizes. Nothing throws.
 */
import { Testing } from 'cdktf';
import { bootstrapSchema, parseBootstrapConfig } from '../lib/bootstrap-config';
import { environmentSchema, parseEnvironmentConfig } from '../lib/config';
import type { Rule } from '../lib/schema';
import { BootstrapStack } from '../stacks/bootstrap-stack';
import { BOOTSTRAP, everyFieldEveryValue } from './support/config-fixtures';
import { exampleJson, resourcesOf, synthStack } from './support/synth';

/** Whether this configuration is new to `seen` (and now in it). */
function once(seen: Set<string>, config: unknown): boolean {
  const key = JSON.stringify(config);
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
}

test.each([
  [
    'environment',
    environmentSchema,
    () => exampleJson(),
    (source: string, seen: Set<string>) => {
      const r = parseEnvironmentConfig('config/example.json', source);
      if ('config' in r && once(seen, r.config)) synthStack(r.config);
      return r;
    },
  ],
  [
    'bootstrap',
    bootstrapSchema,
    () => BOOTSTRAP,
    (source: string, seen: Set<string>) => {
      const r = parseBootstrapConfig('config/bootstrap.json', source);
      if ('config' in r && once(seen, r.config))
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
    // A value the schema reads as the same configuration synthesizes once.
    const seen = new Set<string>();
    for (const { source } of everyFieldEveryValue(schema as Rule<unknown>, base())) {
      const r = run(source, seen);
      if ('problems' in r) {
        refused++;
        expect(r.problems.length).toBeGreaterThan(0);
        for (const p of r.problems) expect(p).toMatch(/^config\/\w+\.json: /);
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

test.each([
  ['a lone 0xFF', [0xff]],
  ['an overlong "/"', [0xc0, 0xaf]],
  ['a UTF-8-encoded surrogate', [0xed, 0xa0, 0x80]],
  ['a code point beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['a character cut short at the end', [0x7b, 0xe3, 0x81]],
  ['a UTF-32 byte order mark', [0xff, 0xfe, 0, 0]],
  ['one byte more than the limit', Array.from({ length: 1024 * 1024 + 1 }, () => 0x20)],
])('a file of %s: problems, never a throw', (_name, bytes) => {
  const source = Uint8Array.from(bytes);
  expect('problems' in parseEnvironmentConfig('config/example.json', source)).toBe(true);
  expect('problems' in parseBootstrapConfig('config/bootstrap.json', source)).toBe(true);
});

test('values earlier versions refused, or passed on as written: the stack synthesizes', () => {
  // One synth for all of them (each costs ~0.1 s).
  const json = exampleJson();
  // Upper-case object IDs reach azuread and azurerm in lower case, as Graph returns them.
  json.azure.deployers = ['AAAAAAAA-2222-2222-2222-222222222222'];
  json.trigger.tokenWriters = ['BBBBBBBB-3333-3333-3333-333333333333'];
  json.$schema = '../my schemas/environment.json';
  json.azure.resourceGroup = 'リソース-グループ(本番)';
  json.azure.location = 'francesouth';
  json.github.branch = '機能/user@feature';
  json.github.requiredReviewers.users = ['mona-cat_octo', 'octo_admin'];
  json.tags.mood = '😀'.repeat(256);
  json.trigger.alertEmails = ['ml+alerts@ops.example.co.jp'];
  const r = parseEnvironmentConfig('config/example.json', JSON.stringify(json));
  if ('problems' in r) throw new Error(r.problems.join('\n'));
  const synthesized = synthStack(r.config);
  expect(synthesized).not.toMatch(/AAAAAAAA|BBBBBBBB/);
  const owners = Object.values(resourcesOf(synthesized, 'azuread_application')).map(
    (a) => a.owners,
  );
  expect(owners).toEqual([['aaaaaaaa-2222-2222-2222-222222222222']]);
  const principals = Object.values(resourcesOf(synthesized, 'azurerm_role_assignment')).map(
    (a) => a.principal_id,
  );
  expect(principals).toEqual(
    expect.arrayContaining([
      'aaaaaaaa-2222-2222-2222-222222222222',
      'bbbbbbbb-3333-3333-3333-333333333333',
    ]),
  );
});
