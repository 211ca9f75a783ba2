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
import type { Rule } from '../lib/schema';
import { entries } from '../lib/schema-docs';
import { modelVersion } from '../lib/dispatch-contract';
import { COMMITTED_FILES } from '../lib/workflow-contract';
import { PHASES } from '../rollout/run';

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
  // The phases it takes, as rollout/run.ts defines them.
  expect(head).toContain(`Usage: node rollout.js ${PHASES.join(' | ')} (`);
});

test('it is the rollout file the stack commits', () => {
  expect(COMMITTED_FILES.map((f) => f.source)).toContain(BUNDLE_PATH);
});

test('it carries the rules it checks with, not the descriptions of the reference', () => {
  // A reworded field description would otherwise change the file every target repository
  // runs, and make the next deploy commit it there. Every field at every depth, the target's
  // fields (whose rules the rollout does use) included.
  const bundle = readFileSync(join(ROOT, BUNDLE_PATH), 'utf8');
  const described = entries(environmentSchema as Rule<unknown>).filter(
    (e) => e.field.description !== undefined,
  );
  expect(described.map((e) => e.path)).toContain('targets[].observeMinutes');
  const found = described.filter((e) => bundle.includes(e.field.description!.slice(0, 60)));
  expect(found.map((e) => e.path)).toEqual([]);
  // Nor the region table, which only the configuration checks.
  expect(bundle).not.toContain('australiacentral');
  expect(bundle).toContain(modelVersion.expected);
});
