/**
 * The README's first deploy, as written: every command of its `sh` blocks, in order, in a
 * copy of the project as a clone has it, with a new user's values for the placeholders. The
 * commands that need nothing but the project run (the configuration and its synth); the ones
 * that need Azure or GitHub are checked against what ran before them. A command this test
 * does not know fails it, so the README cannot drift from what works.
 *
 * Cost: the first synth builds the app in the copy, as on a fresh clone (scripts/app.js), and
 * `npm run x` runs its script the way npm does, without npm.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TOKEN_SECRET_NAME } from '../constructs/model-registered-trigger';
import { parseEnvironmentConfig } from '../lib/config';
import { stackName } from '../lib/naming';
import { ENVIRONMENTS_VARIABLE, parseEnvironmentSelection } from '../lib/selection';
import { parseArgs as sendTestEventArgs } from '../scripts/send-test-event';
import { cloneFiles } from './support/clone';

const root = join(__dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** The commands of a section's `sh` blocks, in order, with continuation lines joined. */
function commandsOf(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const next = markdown.indexOf('\n## ', start + heading.length + 2);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  const blocks = [...section.matchAll(/^ *```sh\n([\s\S]*?)^ *```$/gm)].map((m) => m[1]);
  return blocks
    .flatMap((b) => b.replace(/\\\n/g, ' ').split('\n'))
    .map((line) => line.trim().replace(/\s+/g, ' '))
    .filter((line) => line !== '' && !line.startsWith('#'));
}

const ENV = 'sandbox';
/** A new user's answers to the README's placeholders. */
const VALUES: Record<string, string> = {
  '<env>': ENV,
  '<subscriptionId>': '8d6c7e3a-1111-2222-3333-444455556666',
  '<tenantId>': '5f0e1234-aaaa-bbbb-cccc-ddddeeeeffff',
  '<region>': 'westeurope',
  '<resourceGroup>': 'rg-ml-sandbox',
  '<workspace>': 'mlw-sandbox',
  '<owner>': 'my-org',
  '<repo>': 'ml-models',
  '<model>': 'credit-default',
  '<endpoint>': 'ep-credit-default',
  '<email>': 'ml-oncall@example.com',
  '<token for the GitHub provider>': 'not-a-real-token',
  '<vault>': 'kv-from-the-output',
  '<dispatch token>': 'not-a-real-token',
  '<version>': '3',
};

function fill(command: string): string {
  return command.replace(/<[^<>]+>/g, (p) => {
    if (!(p in VALUES)) throw new Error(`the README's placeholder ${p} has no value in this test`);
    return VALUES[p];
  });
}

/** A copy of the project as a clone has it, installed: its first synth builds the app. */
function cloneLike(): string {
  const dir = mkdtempSync(join(tmpdir(), 'readme-first-deploy-'));
  for (const file of cloneFiles()) {
    mkdirSync(join(dir, dirname(file)), { recursive: true });
    copyFileSync(join(root, file), join(dir, file));
  }
  // What `npm ci` leaves there.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function tree(dir: string, skip: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(e.parentPath, e.name).slice(dir.length + 1);
    if (e.isFile() && !skip.some((s) => path === s || path.startsWith(`${s}/`))) {
      out[path] = readFileSync(join(dir, path), 'utf8');
    }
  }
  return out;
}

interface State {
  readonly dir: string;
  /** What the README exported so far. */
  readonly exported: Record<string, string>;
  /** The stacks each synth wrote (their cdk.tf.json, relative to dir). */
  readonly synthesized: Set<string>;
}

/** `npm run <script> [-- args]`, run as npm runs it: `sh -c '<script> <args>'`. */
function npmRun(
  command: string,
  state: State,
): { status: number | null; stdout: string; stderr: string } {
  const m = /^((?:[A-Z_]+=\S* )*)npm run ([\w:-]+)(?: -- (.*))?$/.exec(command);
  if (!m) throw new Error(`not an npm run command: ${command}`);
  const scripts = JSON.parse(readFileSync(join(state.dir, 'package.json'), 'utf8')).scripts;
  const script: string | undefined = scripts[m[2]];
  if (script === undefined) throw new Error(`package.json has no script ${m[2]}: ${command}`);
  const r = spawnSync('sh', ['-c', `${m[1]}${script}${m[3] ? ` ${m[3]}` : ''}`], {
    cwd: state.dir,
    env: {
      PATH: `${join(state.dir, 'node_modules', '.bin')}:${process.env.PATH}`,
      HOME: process.env.HOME,
      ...state.exported,
    },
    encoding: 'utf8',
  });
  for (const line of r.stdout.split('\n')) {
    const written = /^(aml-deploy-[\w-]+): (\S+)$/.exec(line);
    if (written) state.synthesized.add(written[2]);
  }
  return r;
}

const configOf = (state: State) => {
  const file = `config/${ENV}.json`;
  if (!existsSync(join(state.dir, file)))
    throw new Error(`no command before this one wrote ${file}`);
  const r = parseEnvironmentConfig(file, readFileSync(join(state.dir, file), 'utf8'));
  if (!('config' in r)) throw new Error(r.problems.join('\n'));
  return r.config;
};

/**
 * Each kind of README command, and what the test does with it: `run` it, or check what it
 * relies on where it needs Azure, GitHub or the registry.
 */
const STEPS: {
  readonly pattern: RegExp;
  readonly check: (m: RegExpExecArray, s: State) => void;
}[] = [
  // The registry and the test suite itself: this test runs inside an installed tree.
  { pattern: /^npm (ci|test)$/, check: () => {} },
  {
    pattern: /^npm run new-env -- /,
    check: (m, s) => {
      const r = npmRun(m.input, s);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    },
  },
  {
    pattern: /^(?:[A-Z_]+=\S* )*npm run synth$/,
    check: (m, s) => {
      const r = npmRun(m.input, s);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    },
  },
  {
    pattern: /^export ([A-Z_]+)=(.*)$/,
    check: (m, s) => {
      s.exported[m[1]] = m[2];
    },
  },
  // Azure: the tenant is the one the configuration names.
  {
    pattern: /^az login --tenant (\S+)$/,
    check: (m, s) => expect(m[1]).toBe(configOf(s).azure.tenantId),
  },
  // Azure and GitHub: the stack is the one the exported selection writes, and it was
  // synthesized; HashiCorp's version check is off before cdktf first runs.
  {
    pattern: /^npx cdktf (diff|deploy) (\S+)$/,
    check: (m, s) => {
      expect(s.exported.CHECKPOINT_DISABLE).toBe('1');
      const available = readdirSync(join(s.dir, 'config')).map((f) => f.replace(/\.json$/, ''));
      const selection = parseEnvironmentSelection(
        s.exported[ENVIRONMENTS_VARIABLE],
        available,
        'config',
      );
      expect(selection).toEqual({ names: [ENV], problems: [] });
      expect(m[2]).toBe(stackName(ENV));
      expect(s.synthesized).toContain(`cdktf.out/stacks/${m[2]}/cdk.tf.json`);
    },
  },
  // Azure: the secret is the one the Logic App reads.
  {
    pattern: /^az keyvault secret set --vault-name \S+ --name (\S+) --value \S+$/,
    check: (m) => expect(m[1]).toBe(TOKEN_SECRET_NAME),
  },
  // The deployed trigger: the arguments are accepted, for the environment synthesized.
  {
    pattern: /^npm run send-test-event -- (.*)$/,
    check: (m, s) => {
      const options = sendTestEventArgs(m[1].split(' '));
      expect(options).toMatchObject({ env: ENV });
      expect(s.synthesized).toContain(`cdktf.out/stacks/${stackName(ENV)}/cdk.tf.json`);
    },
  },
];

test("the README's first deploy reaches a stack of the user's own environment, touching no committed file", () => {
  const commands = commandsOf(read('README.md'), '## First deploy');
  const state: State = { dir: cloneLike(), exported: {}, synthesized: new Set() };
  const before = tree(state.dir, ['node_modules', 'dist']);
  for (const command of commands) {
    const filled = fill(command);
    const step = STEPS.find((s) => s.pattern.test(filled));
    if (!step) throw new Error(`the README's command has no step in this test: ${command}`);
    step.check(step.pattern.exec(filled) as RegExpExecArray, state);
  }

  // Only the new configuration is new, and nothing committed changed.
  const after = tree(state.dir, ['node_modules', 'dist', 'cdktf.out']);
  expect(Object.keys(after).filter((f) => !(f in before))).toEqual([`config/${ENV}.json`]);
  expect(Object.fromEntries(Object.keys(before).map((f) => [f, after[f]]))).toEqual(before);

  // The stack is the user's: their GitHub environment, and the dispatch token out of Terraform.
  const stack = JSON.parse(
    readFileSync(join(state.dir, `cdktf.out/stacks/${stackName(ENV)}/cdk.tf.json`), 'utf8'),
  );
  const environments = Object.values(stack.resource.github_repository_environment);
  expect(environments).toEqual([expect.objectContaining({ environment: ENV })]);
  expect(stack.resource.azurerm_key_vault_secret).toBeUndefined();
  expect(Object.keys(stack.variable ?? {})).not.toContain('github_dispatch_token');
  expect(configOf(state).github).toMatchObject({ owner: 'my-org', repository: 'ml-models' });
});

test('the Japanese quick start has the same commands, in the same order', () => {
  // Placeholders are translated; the commands around them are not.
  const shape = (c: string) => c.replace(/<[^<>]+>/g, '<>');
  expect(commandsOf(read('docs/ja/README.md'), '## はじめてのデプロイ').map(shape)).toEqual(
    commandsOf(read('README.md'), '## First deploy').map(shape),
  );
});

test("the docs' snippets that work in a stack's folder synthesize that stack first", () => {
  // cdktf.out/stacks/aml-deploy-<env> is written only when AML_DEPLOY_ENVIRONMENTS selects
  // <env> (unset: the example alone).
  const docs = [
    'README.md',
    ...readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  const checked: string[] = [];
  for (const file of docs) {
    for (const [, block] of read(file).matchAll(/^ *```sh\n([\s\S]*?)^ *```$/gm)) {
      const lines = block.split('\n').filter((l) => !l.trim().startsWith('#'));
      const at = lines.findIndex((l) => /cdktf\.out\/stacks\/aml-deploy-/.test(l));
      if (at < 0) continue;
      const env = /cdktf\.out\/stacks\/aml-deploy-(<env>|[a-z][a-z0-9-]*)/.exec(lines[at])?.[1];
      const selects = new RegExp(
        `${ENVIRONMENTS_VARIABLE}=${env} (npm run synth|npx cdktf)`.replace(/[<>]/g, '\\$&'),
      );
      expect({ file, block: lines.slice(0, at).join('\n') }).toEqual({
        file,
        block: expect.stringMatching(selects),
      });
      checked.push(file);
    }
  }
  expect(checked).toContain('docs/upgrading.md');
});
