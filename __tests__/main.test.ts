import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './support/synth';

const cdktfJson = JSON.parse(readFileSync(join(projectRoot, 'cdktf.json'), 'utf8'));
const packageJson = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8'));

test('the cdktf.json app command is `npm run build` followed by the compiled app', () => {
  expect(cdktfJson.app).toBe(`node_modules/.bin/${packageJson.scripts.build} && node dist/main.js`);
  expect(packageJson.scripts.synth).toBe('npm run --silent build && node dist/main.js');
});

// The app command builds once; the runs below are its second half, `node dist/main.js`.
beforeAll(() => {
  const build = spawnSync('sh', ['-c', `node_modules/.bin/${packageJson.scripts.build}`], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  expect(build.stderr).toBe('');
  expect(build.status).toBe(0);
});

/** Runs the compiled app as `cdktf synth` does, in a fresh outdir. */
function runApp(env: Record<string, string>) {
  const outdir = join(mkdtempSync(join(tmpdir(), 'aml-synth-')), 'out');
  const r = spawnSync(process.execPath, ['dist/main.js'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CDKTF_OUTDIR: outdir, ...env },
    encoding: 'utf8',
  });
  return { ...r, outdir };
}

function treeOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const full = join(entry.parentPath, entry.name);
      out[full.slice(dir.length)] = readFileSync(full, 'utf8');
    }
  }
  return out;
}

test('with nothing set, the example alone synthesizes (the quick start)', () => {
  const r = runApp({});
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(readdirSync(join(r.outdir, 'stacks'))).toEqual(['aml-deploy-example']);
});

test('the selected stacks synthesize, and twice gives byte-identical output', () => {
  const env = { AML_DEPLOY_ENVIRONMENTS: 'example,bootstrap' };
  const first = runApp(env);
  const second = runApp(env);
  expect(first.stderr).toBe('');
  expect(first.status).toBe(0);
  const tree = treeOf(first.outdir);
  expect(Object.keys(tree).filter((f) => f.endsWith('cdk.tf.json'))).toEqual([
    '/stacks/aml-deploy-bootstrap/cdk.tf.json',
    '/stacks/aml-deploy-example/cdk.tf.json',
  ]);
  expect(treeOf(second.outdir)).toEqual(tree);
});

test('bad configuration: every problem on stderr, no stack trace, exit 1, nothing written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aml-config-'));
  const example = JSON.parse(readFileSync(join(projectRoot, 'config', 'example.json'), 'utf8'));
  writeFileSync(
    join(dir, 'staging.json'),
    JSON.stringify({ ...example, github: { ...example.github, owner: 'a b' }, targets: [] }),
  );
  const r = runApp({ AML_DEPLOY_CONFIG_DIR: dir, AML_DEPLOY_ENVIRONMENTS: 'staging,nope' });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toBe(
    [
      'Invalid configuration:',
      `  AML_DEPLOY_ENVIRONMENTS: "nope" has no ${dir}/nope.json; expected a comma-separated list of staging`,
      `  ${dir}/staging.json: github.owner: "a b" is not accepted; expected a GitHub user or organization name: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen`,
      `  ${dir}/staging.json: targets: has 0 entries; expected 1 to 25`,
      '',
    ].join('\n'),
  );
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(existsSync(r.outdir)).toBe(false);
});
