/**
 * docs/configuration.md and schemas/*.schema.json are generated from the schema (`npm run
 * docs`): the committed copies must be what a fresh generation writes, and the JSON Schemas
 * say what synth says. Every configuration the test suite shows the app refusing
 * (support/config-fixtures.ts) is run through the generated schema with ajv, which reads
 * patterns with the `u` flag and counts lengths in code points, as VS Code's JSON service
 * does: the schema refuses it too, or the fixture names the entry of SCHEMA_LIMITS
 * (lib/schema-docs.ts) that says why a schema cannot. And what the app accepts, the schema
 * accepts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { bootstrapSchema, parseBootstrapConfig } from '../lib/bootstrap-config';
import { environmentSchema, loadConfigs, parseEnvironmentConfig } from '../lib/config';
import { integer, object, required, type Rule } from '../lib/schema';
import { SCHEMA_LIMITS, configurationReference, type SchemaLimit } from '../lib/schema-docs';
import { generatedFiles } from '../scripts/generate-docs';
import {
  BOOTSTRAP,
  BOOTSTRAP_ACCEPTANCES,
  BOOTSTRAP_FILE,
  BOOTSTRAP_REFUSALS,
  ENVIRONMENT_ACCEPTANCES,
  ENVIRONMENT_REFUSALS,
  EXAMPLE,
  everyFieldEveryValue,
  projectRoot,
  variant,
  type Refusal,
} from './support/config-fixtures';

const files = generatedFiles();
// `strict: false`: the schemas carry VS Code's `patternErrorMessage`, which ajv does not know.
const ajv = new Ajv({ strict: false });
const validators = {
  environment: ajv.compile(JSON.parse(files['schemas/environment.schema.json'])),
  bootstrap: ajv.compile(JSON.parse(files['schemas/bootstrap.schema.json'])),
};

test.each(Object.keys(files))(
  '%s is up to date (run `npm run docs` after changing the schema)',
  (path) => {
    expect(readFileSync(join(projectRoot, path), 'utf8')).toBe(files[path]);
  },
);

describe('the JSON Schemas agree with the app', () => {
  const environment = validators.environment;
  const bootstrap = validators.bootstrap;
  const config = (name: string) =>
    JSON.parse(readFileSync(join(projectRoot, 'config', `${name}.json`), 'utf8'));

  test.each(['example', 'staging', 'production'])(
    'config/%s.json names and passes its schema',
    (name) => {
      const json = config(name);
      expect(json.$schema).toBe('../schemas/environment.schema.json');
      expect([environment(json), environment.errors]).toEqual([true, null]);
    },
  );

  test('config/bootstrap.json names and passes its schema', () => {
    const json = config('bootstrap');
    expect(json.$schema).toBe('../schemas/bootstrap.schema.json');
    expect([bootstrap(json), bootstrap.errors]).toEqual([true, null]);
  });
});

/** The file as an editor reads it: decoded leniently, then JSON.parse (undefined: not JSON). */
function asEditorReads(source: string | Uint8Array): { json: unknown } | undefined {
  const text = typeof source === 'string' ? source : new TextDecoder().decode(source);
  try {
    return { json: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** Which limits the fixtures below showed, so every entry of the list is shown to be needed. */
const shown = new Set<SchemaLimit>();

describe.each(
  [...ENVIRONMENT_REFUSALS, ...BOOTSTRAP_REFUSALS].map((r) => [r.file, r.name, r] as const),
)('%s: %s', (_file, _name, r: Refusal) => {
  if (r.schemaCannot === undefined) {
    test('the schema refuses it too', () => {
      const read = asEditorReads(r.source);
      expect(read).toBeDefined();
      expect(validators[r.kind](read!.json)).toBe(false);
    });
  } else {
    const limit = r.schemaCannot;
    test(`the schema cannot: ${limit}`, () => {
      const read = asEditorReads(r.source);
      // Not JSON at all (the editor's parser flags it), or JSON the schema must accept.
      if (read !== undefined) expect(validators[r.kind](read.json)).toBe(true);
      shown.add(limit);
    });
  }
});

describe('rules between files: each file alone passes its schema', () => {
  const TOPIC = 'amldeploy-production-aml-events';
  const staging = (edit: (c: any) => void) =>
    variant(EXAMPLE, (c) => {
      c.github.environment = 'staging';
      c.github.commitWorkflow = false;
      edit(c);
    });
  test.each([
    [
      'a second environment on a workspace without the shared topic',
      staging((c) => (c.targets[0].endpoint = 'ep-stg')),
    ],
    [
      'a second environment naming a topic the workspace does not have',
      staging((c) => {
        c.targets[0].endpoint = 'ep-stg';
        c.azure.eventGridSystemTopic = `${TOPIC}-2`;
      }),
    ],
    [
      'an endpoint name another environment uses in the region',
      staging((c) => (c.azure.workspace = 'mlw-staging')),
    ],
    [
      'a GitHub environment another file uses',
      variant(EXAMPLE, (c) => {
        c.azure.workspace = 'mlw-other';
        c.targets[0].endpoint = 'ep-other';
      }),
    ],
  ])('%s', (_name, json) => {
    const read = (f: string) => JSON.stringify(f === 'config/production.json' ? EXAMPLE : json);
    expect(() => loadConfigs(['config/production.json', 'config/staging.json'], read)).toThrow(
      'Invalid configuration',
    );
    expect(validators.environment(json)).toBe(true);
    shown.add('between-files');
  });
});

test.each([
  ['environment', environmentSchema, EXAMPLE, 'config/example.json'],
  ['bootstrap', bootstrapSchema, BOOTSTRAP, BOOTSTRAP_FILE],
] as const)(
  '%s: every field set to every kind of value: the schema and the app agree',
  (kind, schema, base, file) => {
    const validate = validators[kind];
    const parse = kind === 'bootstrap' ? parseBootstrapConfig : parseEnvironmentConfig;
    const disagreements = everyFieldEveryValue(schema as Rule<unknown>, base).flatMap(
      ({ path, value, source }) => {
        const app = !('problems' in parse(file, source));
        const editor = validate(JSON.parse(source));
        // A NUL is refused in every string by the app's reader (SCHEMA_LIMITS.text).
        const expected = value === '\u0000' && !app ? editor : app;
        return editor === expected ? [] : [`${path} = ${JSON.stringify(value)}: app ${app}`];
      },
    );
    expect(disagreements).toEqual([]);
  },
);

test.each(
  [...ENVIRONMENT_ACCEPTANCES, ...BOOTSTRAP_ACCEPTANCES].map((a) => [a.file, a.name, a] as const),
)('%s: %s: accepted by the app and the schema', (file, _name, a) => {
  const parse = a.kind === 'bootstrap' ? parseBootstrapConfig : parseEnvironmentConfig;
  expect(parse(file, JSON.stringify(a.json))).not.toHaveProperty('problems');
  expect(validators[a.kind](a.json)).toBe(true);
});

test('every entry of SCHEMA_LIMITS is needed by a refused configuration', () => {
  expect([...shown].sort()).toEqual(Object.keys(SCHEMA_LIMITS).sort());
});

test('the schemas carry every pattern the app checks: none left out for a flag or \\p{}', () => {
  const patterns: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'pattern') patterns.push(v as string);
        else walk(v);
      }
    }
  };
  walk(JSON.parse(files['schemas/environment.schema.json']));
  // The fields the previous generator left without a pattern.
  const environment = JSON.parse(files['schemas/environment.schema.json']);
  expect(environment.properties.azure.properties.resourceGroup.pattern).toContain('\\p{L}');
  expect(environment.properties.github.properties.environment.pattern).toContain('\\p{Cc}');
  expect(environment.properties.role.pattern).toBeDefined();
  for (const p of patterns) expect(() => new RegExp(p, 'u')).not.toThrow();
});

test('a field without a description stops the reference instead of printing "undefined"', () => {
  const rule = object({
    documented: required(integer(0, 1), 'Has one.'),
    bare: required(integer(0, 1)),
  });
  expect(() =>
    configurationReference([
      { title: 'T', path: 'p.json', intro: 'i', rule: rule as Rule<unknown> },
    ]),
  ).toThrow('bare has no description');
});
