/**
 * Builds workflows/rollout.js, the one file the target repository runs, from rollout/main.ts
 * and everything it imports (lib/ included): esbuild bundles it for Node.js 22, unminified
 * because people read it in their repository, then prettier formats it with this
 * repository's settings, so the file reads like the rest of the code here. Both steps are
 * deterministic: `__tests__/rollout-bundle.test.ts` rebuilds it and compares byte for byte
 * (so `prettier --check` need not format it again: .prettierignore lists it).
 *
 *   npm run build:rollout
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { build } from 'esbuild';
import * as babel from 'prettier/plugins/babel';
import * as estree from 'prettier/plugins/estree';
import { format } from 'prettier/standalone';
import type { Options } from 'prettier';

import { PHASES } from './run';

const ROOT = resolve(__dirname, '..');

/** The committed bundle, relative to the repository root (COMMITTED_FILES' source). */
export const BUNDLE_PATH = 'workflows/rollout.js';

const BANNER = [
  '// Generated from the rollout/ sources of aml-deploy-pipeline (entry rollout/main.ts) by',
  '// esbuild and prettier. Do not edit: edit rollout/ there and rebuild with',
  '// `npm run build:rollout`. aml-deploy-pipeline commits it to',
  '// .github/workflows/aml-deploy/rollout.js, where the next deploy overwrites any change.',
  `// Usage: node rollout.js ${PHASES.join(' | ')} (docs/rollout.md there).`,
  '/* eslint-disable -- generated: the sources in rollout/ are linted */',
].join('\n');

/** The bundle's text. */
export async function buildRollout(): Promise<string> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['rollout/main.ts'],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    charset: 'utf8',
    banner: { js: BANNER },
    legalComments: 'none',
    write: false,
    logLevel: 'warning',
  });
  const prettierrc = JSON.parse(readFileSync(join(ROOT, '.prettierrc.json'), 'utf8')) as Options;
  // The bundle is not linted (its banner says so): lint directives kept from the sources
  // would only be reported as unused.
  const text = result.outputFiles[0].text.replace(/^[ \t]*\/\/ eslint-disable.*\n/gm, '');
  return format(text, {
    ...prettierrc,
    parser: 'babel',
    plugins: [babel, estree],
  });
}

if (require.main === module) {
  buildRollout().then(
    (text) => writeFileSync(join(ROOT, BUNDLE_PATH), text),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
