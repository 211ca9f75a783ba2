/**
 * workflows/rollout.js is generated (rollout/build.ts: esbuild, then prettier) and committed,
 * because the stack commits it to target repositories byte for byte. It must be what the
 * sources build today: this test builds it again and compares byte for byte. If it fails,
 * run `npm run build:rollout` and commit the result.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { BUNDLE_PATH, buildRollout } from '../rollout/build';
import { environmentSchema } from '../lib/config';
import { modelVersion } from '../lib/dispatch-contract';
import { COMMITTED_FILES } from '../lib/workflow-contract';

const ROOT = join(__dirname, '..');

test('workflows/rollout.js is a fresh build of rollout/ (else: npm run build:rollout)', async () => {
  const fresh = Buffer.from(await buildRollout(), 'utf8');
  const committed = readFileSync(join(ROOT, BUNDLE_PATH));
  // Not toEqual on the texts: a 60 kB diff helps nobody; the first difference does.
  const at = [...fresh].findIndex((byte, i) => byte !== committed[i]);
  const where =
    at === -1 && fresh.length === committed.length
      ? 'none'
      : `line ${
          fresh
            .subarray(0, at === -1 ? fresh.length : at)
            .toString('utf8')
            .split('\n').length
        }`;
  expect(where).toBe('none');
});

test('its first lines say it is generated, from what, and how to rebuild it', () => {
  const head = readFileSync(join(ROOT, BUNDLE_PATH), 'utf8').split('\n').slice(0, 6).join('\n');
  expect(head).toMatch(/^\/\/ Generated from the rollout\/ sources of aml-deploy-pipeline/);
  expect(head).toContain('Do not edit');
  expect(head).toContain('npm run build:rollout');
});

test('it is the rollout file the stack commits', () => {
  expect(COMMITTED_FILES.map((f) => f.source)).toContain(BUNDLE_PATH);
});

test('it carries the rules it checks with, not the configuration schema', () => {
  // A reworded field description would otherwise change the file every target repository
  // runs, and make the next deploy commit it there.
  const bundle = readFileSync(join(ROOT, BUNDLE_PATH), 'utf8');
  for (const field of Object.values(environmentSchema.fields ?? {})) {
    expect(bundle).not.toContain(field.description.slice(0, 60));
  }
  // Nor the region table, which only the configuration checks.
  expect(bundle).not.toContain('australiacentral');
  expect(bundle).toContain(modelVersion.expected);
});
