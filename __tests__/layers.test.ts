/**
 * The layers (eslint.config.mjs): lib is pure, constructs sit on lib, stacks on constructs,
 * and the rollout uses lib's rules only. Each forbidden import, linted as if it were in
 * that folder, is refused with the layer's message; an allowed one passes.
 */
import { spawnSync } from 'node:child_process';
import { projectRoot } from './support/synth';

/**
 * The no-restricted-imports messages for each `[file, code]`, from one eslint run in its own
 * process (its configuration is an ES module, which jest's module loader cannot import).
 */
function lint(cases: readonly (readonly [string, string])[]): string[][] {
  const script = `
    import { ESLint } from 'eslint';
    const eslint = new ESLint({ cwd: process.cwd() });
    const cases = JSON.parse(process.argv[1]);
    const out = [];
    for (const [file, code] of cases) {
      const [r] = await eslint.lintText(code, { filePath: file });
      out.push(r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
    }
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', script, JSON.stringify(cases)],
    { cwd: projectRoot, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const use = (from: string) => `import * as x from '${from}';\nexport const y = x;\n`;

const REFUSED = [
  ['lib/new.ts', 'cdktf', 'No cdktf here'],
  ['lib/new.ts', '@cdktf/provider-azurerm/lib/provider', 'No cdktf here'],
  ['lib/new.ts', 'node:fs', 'lib/ reads no files'],
  ['lib/new.ts', '../constructs/azure-defaults', 'lib/ is the bottom layer'],
  ['lib/new.ts', '../stacks/aml-deploy-stack', 'lib/ is the bottom layer'],
  ['lib/new.ts', '../rollout/run', 'lib/ is the bottom layer'],
  ['lib/new.ts', '../main', 'lib/ is the bottom layer'],
  ['constructs/new.ts', '../stacks/aml-deploy-stack', 'A construct uses lib/ only'],
  ['stacks/new.ts', '../rollout/run', 'A stack composes constructs and lib/'],
  ['rollout/new.ts', 'constructs', 'No cdktf here'],
  ['rollout/new.ts', '../lib/config', "The rollout uses lib's rules only"],
  ['rollout/new.ts', '../lib/bootstrap-config', "The rollout uses lib's rules only"],
  ['rollout/new.ts', '../stacks/aml-deploy-stack', "The rollout uses lib's rules only"],
  ['stacks/new.ts', '@cdktf/provider-azurerm', 'Import the resource by deep path'],
] as const;

const ALLOWED = [
  ['lib/new.ts', './schema'],
  ['lib/new.ts', 'node:path'],
  ['constructs/new.ts', '../lib/naming'],
  ['constructs/new.ts', '@cdktf/provider-azurerm/lib/provider'],
  ['stacks/new.ts', '../constructs/azure-defaults'],
  ['rollout/new.ts', '../lib/config-fields'],
  ['rollout/new.ts', '../lib/dispatch-contract'],
] as const;

const results = lint([...REFUSED, ...ALLOWED].map(([file, from]) => [file, use(from)] as const));

test.each(REFUSED.map((c, i) => [...c, results[i]] as const))(
  '%s may not import %s',
  (_file, _from, message, found) => {
    expect(found).toEqual([expect.stringContaining(message)]);
  },
);

test.each(ALLOWED.map((c, i) => [...c, results[REFUSED.length + i]] as const))(
  '%s may import %s',
  (_file, _from, found) => {
    expect(found).toEqual([]);
  },
);
