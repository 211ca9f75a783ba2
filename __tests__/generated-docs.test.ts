/**
 * docs/configuration.md and schemas/*.schema.json are generated from the schema (`npm run
 * docs`): the committed copies must be what a fresh generation writes, and the JSON Schemas
 * must agree with the app about the committed configuration files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { generatedFiles } from '../scripts/generate-docs';
import { projectRoot } from './support/synth';

const files = generatedFiles();

test.each(Object.keys(files))(
  '%s is up to date (run `npm run docs` after changing the schema)',
  (path) => {
    expect(readFileSync(join(projectRoot, path), 'utf8')).toBe(files[path]);
  },
);

describe('the JSON Schemas agree with the app', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const schema = (name: string) => ajv.compile(JSON.parse(files[`schemas/${name}.schema.json`]));
  const environment = schema('environment');
  const bootstrap = schema('bootstrap');
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

  test('what the app refuses by field, an editor flags too', () => {
    const json = config('example');
    expect(environment({ ...json, namePrefix: 'Bad Prefix' })).toBe(false);
    expect(environment({ ...json, extra: 1 })).toBe(false);
    expect(environment({ ...json, auth: { mode: 'sso' } })).toBe(false);
    expect(environment({ ...json, targets: [] })).toBe(false);
    const withoutAzure = { ...json };
    delete withoutAzure.azure;
    expect(environment(withoutAzure)).toBe(false);
  });
});
