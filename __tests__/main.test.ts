import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { run } from '../main';
import { projectRoot } from './support/synth';

const cdktfJson = JSON.parse(readFileSync(join(projectRoot, 'cdktf.json'), 'utf8'));
const packageJson = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8'));

test('cdktf, npm run synth and npm run build all go through the one launcher', () => {
  // One build definition (scripts/app.js OPTIONS), which the CDK Terrain switch changes once.
  expect(cdktfJson.app).toBe('node scripts/app.js');
  expect(packageJson.scripts.synth).toBe('node scripts/app.js --remove-stale');
  expect(packageJson.scripts.build).toBe('node scripts/app.js --build');
});

/**
 * Runs the app in this process (main.ts `run`, what `node dist/main.js` runs with process.env),
 * in a fresh outdir (or the one given). Two tests below run the compiled app as a process:
 * the quick start as cdktf runs it (exit 0), and configuration problems in a 64 MB heap (exit
 * 1, the problems on stderr and nothing else).
 */
function runApp(
  env: Record<string, string>,
  outdir = join(mkdtempSync(join(tmpdir(), 'aml-synth-')), 'out'),
  args: string[] = [],
) {
  let stdout = '';
  let stderr = '';
  const status = run({
    env,
    argv: args,
    outdir,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { status, stdout, stderr, outdir };
}

// The app command as cdktf runs it; the bundle is fresh (support/build-app.js built it).
function runProcess(env: Record<string, string>, outdir: string, node: string[] = []) {
  const r = spawnSync(process.execPath, [...node, 'scripts/app.js'], {
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

test('with nothing set, the example alone synthesizes (the quick start), and says how to reach the others', () => {
  // As cdktf runs it: the compiled app, in a process, its output folder from CDKTF_OUTDIR.
  const r = runProcess({}, join(mkdtempSync(join(tmpdir(), 'aml-synth-')), 'out'));
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(readdirSync(join(r.outdir, 'stacks'))).toEqual(['aml-deploy-example']);
  expect(r.stdout).toBe(
    [
      `aml-deploy-example: ${relative(projectRoot, join(r.outdir, 'stacks/aml-deploy-example/cdk.tf.json'))}`,
      'Not synthesized: aml-deploy-production, aml-deploy-staging, aml-deploy-bootstrap. Select stacks with AML_DEPLOY_ENVIRONMENTS, e.g. AML_DEPLOY_ENVIRONMENTS=production npx cdktf diff aml-deploy-production',
      '',
    ].join('\n'),
  );
});

test('--remove-stale (npm run synth) deletes the JSON of stacks not written this run, never what Terraform keeps', () => {
  const first = runApp({ AML_DEPLOY_ENVIRONMENTS: 'staging,production,example' });
  const stacks = join(first.outdir, 'stacks');
  // production was initialised and deployed (what `cdktf diff` leaves); example never was.
  const production = join(stacks, 'aml-deploy-production');
  const kept = ['.terraform/terraform.tfstate', '.terraform.lock.hcl', 'plan'];
  for (const file of kept) {
    mkdirSync(join(production, file, '..'), { recursive: true });
    writeFileSync(join(production, file), file);
  }
  // Without the flag (cdktf's own runs), earlier stacks stay whole.
  runApp({ AML_DEPLOY_ENVIRONMENTS: 'staging' }, first.outdir);
  expect(readdirSync(stacks).sort()).toEqual([
    'aml-deploy-example',
    'aml-deploy-production',
    'aml-deploy-staging',
  ]);
  const second = runApp({ AML_DEPLOY_ENVIRONMENTS: 'staging' }, first.outdir, ['--remove-stale']);
  expect(second.stderr).toBe('');
  expect(second.status).toBe(0);
  expect(readdirSync(stacks).sort()).toEqual(['aml-deploy-production', 'aml-deploy-staging']);
  expect(treeOf(production)).toEqual(Object.fromEntries(kept.map((f) => [`/${f}`, f])));
  const path = (stack: string) => relative(projectRoot, join(stacks, stack, 'cdk.tf.json'));
  expect(second.stdout.split('\n').filter((l) => l.startsWith('removed'))).toEqual(
    ['aml-deploy-example', 'aml-deploy-production'].map(
      (stack) =>
        `removed stale ${path(stack)} (not selected this run; select it with AML_DEPLOY_ENVIRONMENTS to write it again)`,
    ),
  );
  // Selected again, the stack is whole again: its .terraform was never lost.
  runApp({ AML_DEPLOY_ENVIRONMENTS: 'production' }, first.outdir, ['--remove-stale']);
  expect(Object.keys(treeOf(production)).sort()).toEqual(
    ['/cdk.tf.json', ...kept.map((f) => `/${f}`)].sort(),
  );
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
  // In this process; as a process, the folders test below ("in a 64 MB heap") shows it.
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

/** Runs the app on a config folder built from files; returns what a user sees. */
function runWith(files: Record<string, unknown>, env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'aml-config-'));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return { dir, ...runApp({ AML_DEPLOY_CONFIG_DIR: dir, ...env }) };
}

function expectProblems(r: ReturnType<typeof runApp>, problems: string[]) {
  expect(r.stderr).toBe(
    ['Invalid configuration:', ...problems.map((p) => `  ${p}`), ''].join('\n'),
  );
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(existsSync(r.outdir)).toBe(false);
}

describe('the environment variables, explained', () => {
  const example = JSON.parse(readFileSync(join(projectRoot, 'config', 'example.json'), 'utf8'));
  // On its own workspace, with its own endpoint: two environments share neither.
  const staging = {
    ...example,
    azure: { ...example.azure, workspace: 'mlw-staging' },
    github: { ...example.github, commitWorkflow: false },
    targets: [{ ...example.targets[0], endpoint: 'ep-staging' }],
  };

  test.each([
    [
      'Staging',
      'AML_DEPLOY_ENVIRONMENTS: "Staging" has no DIR/Staging.json; expected a comma-separated list of example, staging (did you mean "staging"?)',
    ],
    [
      '',
      'AML_DEPLOY_ENVIRONMENTS: is empty; expected a comma-separated list of example, staging, or leave it unset for "example"',
    ],
    [
      'staging,,example',
      'AML_DEPLOY_ENVIRONMENTS: "staging,,example" has an empty item; expected a comma-separated list of example, staging, separated by single commas (e.g. "staging,production")',
    ],
  ])('AML_DEPLOY_ENVIRONMENTS=%j', (value, problem) => {
    const r = runWith(
      {
        'example.json': example,
        'staging.json': { ...staging, github: { ...staging.github, environment: 'staging' } },
      },
      { AML_DEPLOY_ENVIRONMENTS: value },
    );
    expectProblems(r, [problem.replace('DIR', r.dir)]);
  });

  test.each([
    ['""', '', 'is empty'],
    ['a file', join(projectRoot, 'package.json'), 'is a file, not a folder'],
    ['missing', 'no-such-folder', 'does not exist'],
  ])('AML_DEPLOY_CONFIG_DIR %s', (_name, value, what) => {
    const r = runApp({ AML_DEPLOY_CONFIG_DIR: value });
    expectProblems(r, [
      `AML_DEPLOY_CONFIG_DIR: ${JSON.stringify(value)} ${what}; expected a folder of <environment>.json files, relative to the project root (${projectRoot}) or absolute; leave it unset for "config"`,
    ]);
  });

  test('a bootstrap.json that is a folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aml-config-'));
    writeFileSync(join(dir, 'example.json'), JSON.stringify(example));
    mkdirSync(join(dir, 'bootstrap.json'));
    const r = runApp({ AML_DEPLOY_CONFIG_DIR: dir, AML_DEPLOY_ENVIRONMENTS: 'bootstrap' });
    expectProblems(r, [`${dir}/bootstrap.json: is a folder, not a file`]);
  });

  test('a bootstrap.json that is a broken link', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aml-config-'));
    symlinkSync(join(dir, 'gone.json'), join(dir, 'bootstrap.json'));
    const r = runApp({ AML_DEPLOY_CONFIG_DIR: dir, AML_DEPLOY_ENVIRONMENTS: 'bootstrap' });
    expectProblems(r, [`${dir}/bootstrap.json: does not exist (or is a broken link)`]);
  });

  test('a bootstrap naming an environment without a file: bootstrap.json is named', () => {
    const bootstrap = JSON.parse(
      readFileSync(join(projectRoot, 'config', 'bootstrap.json'), 'utf8'),
    );
    const r = runWith(
      {
        'bootstrap.json': { ...bootstrap, environments: ['example', 'qa'] },
        'example.json': example,
      },
      { AML_DEPLOY_ENVIRONMENTS: 'bootstrap' },
    );
    expectProblems(r, [
      `${r.dir}/bootstrap.json: environments[1]: "qa" has no ${r.dir}/qa.json; expected environments of ${r.dir} (example)`,
    ]);
  });
});

describe('configurations that used to crash synthesize', () => {
  const example = JSON.parse(readFileSync(join(projectRoot, 'config', 'example.json'), 'utf8'));
  const bootstrap = JSON.parse(readFileSync(join(projectRoot, 'config', 'bootstrap.json'), 'utf8'));
  const id = '22222222-2222-2222-2222-222222222222';

  test.each([
    [
      'a deployer who is also a token writer',
      {
        'example.json': {
          ...example,
          azure: { ...example.azure, deployers: [id] },
          trigger: { ...example.trigger, tokenWriters: [id.toUpperCase()] },
        },
      },
      'example',
    ],
    [
      'bootstrap subscriptions that share their first 8 characters',
      {
        'bootstrap.json': {
          ...bootstrap,
          environments: ['staging', 'production'],
        },
        'staging.json': {
          ...example,
          github: { ...example.github, environment: 'staging', commitWorkflow: false },
          targets: [{ ...example.targets[0], endpoint: 'ep-staging' }],
        },
        'production.json': {
          ...example,
          azure: { ...example.azure, subscriptionId: '00000000-1111-1111-1111-111111111111' },
        },
      },
      'bootstrap',
    ],
  ])('%s', (_name, files, selection) => {
    const r = runWith(files, { AML_DEPLOY_ENVIRONMENTS: selection });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('folders and files that are not what they seem', () => {
  const example = JSON.parse(readFileSync(join(projectRoot, 'config', 'example.json'), 'utf8'));

  test('AML_DEPLOY_CONFIG_DIR that is a symbolic link loop: a message, not an ELOOP stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aml-config-'));
    symlinkSync('loop', join(dir, 'loop'));
    const r = runApp({ AML_DEPLOY_CONFIG_DIR: join(dir, 'loop') });
    expectProblems(r, [
      `AML_DEPLOY_CONFIG_DIR: ${JSON.stringify(join(dir, 'loop'))} is a symbolic link that leads back to itself (ELOOP); expected a folder of <environment>.json files, relative to the project root (${projectRoot}) or absolute; leave it unset for "config"`,
    ]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('AML_DEPLOY_CONFIG_DIR=. (the project root): package.json and tsconfig.json are no environments', () => {
    const r = runApp({ AML_DEPLOY_CONFIG_DIR: '.', AML_DEPLOY_ENVIRONMENTS: 'package' });
    // Every JSON file of the project root (package.json, tsconfig.json, cdktf.json...).
    const json = readdirSync(projectRoot)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .sort();
    expect(json).toEqual(expect.arrayContaining(['package', 'tsconfig']));
    const others = `(${json.map((n) => `${n}.json`).join(', ')} are JSON of another kind)`;
    expectProblems(r, [
      `AML_DEPLOY_ENVIRONMENTS: "package": ./package.json is not an environment file (it has none of the sections azure, github, targets, trigger); expected a comma-separated list of none: . has no environment file ${others}`,
    ]);
  });

  test('a symbolic link loop, a UTF-16 file and a 10 MB one: each named, in a 64 MB heap', () => {
    // The compiled app, in a process: exit status 1, the problems on stderr and nothing else
    // (no stack trace), nothing written.
    const dir = mkdtempSync(join(tmpdir(), 'aml-config-'));
    symlinkSync('loop.json', join(dir, 'loop.json'));
    writeFileSync(join(dir, 'utf.json'), `\uFEFF${JSON.stringify(example)}`, 'utf16le');
    // Refused before it is parsed: the previous version took 745 MB to say so.
    const big = { ...example, tags: { notes: 'x'.repeat(10_000_000) } };
    writeFileSync(join(dir, 'big.json'), JSON.stringify(big));
    const r = runProcess(
      { AML_DEPLOY_CONFIG_DIR: dir, AML_DEPLOY_ENVIRONMENTS: 'loop,utf,big' },
      join(dir, 'out'),
      ['--max-old-space-size=64'],
    );
    expect(r.stderr).toBe(
      [
        'Invalid configuration:',
        `  ${dir}/loop.json: is a symbolic link that leads back to itself (ELOOP)`,
        `  ${dir}/utf.json: is UTF-16 text; save the file as UTF-8`,
        `  ${dir}/big.json: is larger than 1 MiB; a configuration file is a few kilobytes: check that this is the right file`,
        '',
      ].join('\n'),
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(existsSync(r.outdir)).toBe(false);
  });
});

describe('warnings: accepted, but a deploy may still fail', () => {
  const example = JSON.parse(readFileSync(join(projectRoot, 'config', 'example.json'), 'utf8'));
  const restricted = { ...example, azure: { ...example.azure, location: 'uaecentral' } };
  const WARNING =
    'azure.location: "uaecentral" is a restricted-access region: Microsoft opens it to a subscription only on request (https://learn.microsoft.com/troubleshoot/azure/general/region-access-request-process); without that, the deploy fails when it creates the first resource there';

  test('on stdout with the stacks written (cdktf shows the app stdout)', () => {
    const r = runWith({ 'example.json': restricted }, {});
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`warning: ${r.dir}/example.json: ${WARNING}`);
  });

  test('with the problems of the other files, all at once', () => {
    const broken = {
      ...example,
      namePrefix: 'X',
      azure: { ...example.azure, workspace: 'mlw-broken' },
      github: { ...example.github, environment: 'b', commitWorkflow: false },
      targets: [{ ...example.targets[0], endpoint: 'ep-broken' }],
    };
    const r = runWith(
      { 'example.json': restricted, 'broken.json': broken },
      { AML_DEPLOY_ENVIRONMENTS: 'example,broken' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      [
        'Invalid configuration:',
        `  ${r.dir}/broken.json: namePrefix: "X" is not accepted; expected a naming prefix: 2-10 lowercase letters or digits, starting with a letter`,
        `warning: ${r.dir}/example.json: ${WARNING}`,
        '',
      ].join('\n'),
    );
  });
});
