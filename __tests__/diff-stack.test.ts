/**
 * scripts/diff-stack.ts against a fake `az` and a fake `npx` (cdktf) on PATH, and the real
 * Terraform: an environment whose state blob is missing is planned against an empty local
 * state, without the backend Terraform would otherwise write to.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY_STATE_OVERRIDE, diffStack, parseArgs, run } from '../scripts/diff-stack';
import { UserError } from '../scripts/user-error';
import { parse } from 'yaml';

const projectRoot = join(__dirname, '..');
const staging = JSON.parse(readFileSync(join(projectRoot, 'config', 'staging.json'), 'utf8'));

/**
 * What `cdktf synth` writes for the stack, reduced to what Terraform needs offline: the
 * stack's azurerm backend, as the app writes it, and one built-in resource.
 */
const SYNTHESIZED = {
  terraform: {
    backend: {
      azurerm: {
        resource_group_name: 'rg-mlops-tfstate',
        storage_account_name: 'stmlopstfstate01',
        container_name: 'tfstate',
        key: 'aml-deploy-staging.tfstate',
        use_azuread_auth: true,
      },
    },
  },
  resource: { terraform_data: { deploy_identity: { input: 'first deploy' } } },
};

const CDKTF_DIFF_OUTPUT =
  'aml-deploy-staging  No changes. Your infrastructure matches the configuration.\n';

/** A project folder with config/, and fake `az` and `npx` first on PATH. */
function sandbox(opts: { exists?: boolean; azFails?: string } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'diff-stack-'));
  mkdirSync(join(root, 'config'));
  writeFileSync(join(root, 'config', 'staging.json'), JSON.stringify(staging));
  const { backend: _backend, ...local } = staging;
  void _backend;
  writeFileSync(join(root, 'config', 'sandbox.json'), JSON.stringify(local));
  const bin = join(root, 'bin');
  const fake = join(root, 'fake');
  mkdirSync(bin);
  mkdirSync(join(fake, 'answers'), { recursive: true });
  copyFileSync(join(__dirname, 'support', 'e2e-fake-az.sh'), join(bin, 'az'));
  const key = join(fake, 'answers', 'storage_blob_exists_aml-deploy-staging.tfstate');
  if (opts.azFails) {
    writeFileSync(`${key}.err`, opts.azFails);
    writeFileSync(`${key}.code`, '1');
  } else {
    writeFileSync(`${key}.out`, JSON.stringify({ exists: opts.exists ?? false }));
  }
  // npx: records its arguments; `cdktf synth` writes the stack, `cdktf diff` prints a plan.
  writeFileSync(join(fake, 'synthesized.json'), JSON.stringify(SYNTHESIZED));
  writeFileSync(join(fake, 'diff.txt'), CDKTF_DIFF_OUTPUT);
  writeFileSync(
    join(bin, 'npx'),
    [
      '#!/bin/bash',
      'set -euo pipefail',
      'printf "%s\\n" "$*" >>"$FAKE_AZ_DIR/npx.log"',
      'case "$1 $2" in',
      '  "cdktf synth")',
      '    mkdir -p cdktf.out/stacks/aml-deploy-staging',
      '    cp "$FAKE_AZ_DIR/synthesized.json" cdktf.out/stacks/aml-deploy-staging/cdk.tf.json',
      '    echo "Generated Terraform code for the stacks: aml-deploy-staging" ;;',
      '  "cdktf diff") cat "$FAKE_AZ_DIR/diff.txt" ;;',
      '  *) echo "unexpected npx $*" >&2; exit 2 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  for (const f of ['az', 'npx']) chmodSync(join(bin, f), 0o755);
  const env = {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: root,
    CHECKPOINT_DISABLE: '1',
    FAKE_AZ_DIR: fake,
    GITHUB_OUTPUT: join(root, 'github-output'),
  };
  const log = (name: string) =>
    existsSync(join(fake, name)) ? readFileSync(join(fake, name), 'utf8').trim().split('\n') : [];
  return {
    root,
    env,
    out: join(root, 'plan.txt'),
    azCalls: () => log('calls.log'),
    npxCalls: () => log('npx.log'),
  };
}

describe('an environment never deployed: no state blob', () => {
  const box = sandbox({ exists: false });
  const result = diffStack({ env: 'staging', out: box.out }, box.env, box.root);
  const plan = readFileSync(box.out, 'utf8');

  test('asked with one read-only call, as the signed-in identity', () => {
    expect(box.azCalls()).toEqual([
      'storage blob exists --auth-mode login --account-name stmlopstfstate01 --container-name tfstate --name aml-deploy-staging.tfstate --output json',
    ]);
  });

  test('planned by Terraform against an empty local state: everything is to be created', () => {
    expect(result).toEqual({ state: 'missing', status: 0 });
    expect(plan).toContain('# terraform_data.deploy_identity will be created');
    expect(plan).toContain('Plan: 1 to add, 0 to change, 0 to destroy.');
    // Synthesized by cdktf, never diffed through the backend that would write the blob.
    expect(box.npxCalls()).toEqual(['cdktf synth']);
  });

  test('the step output says so, before the plan runs', () => {
    expect(readFileSync(box.env.GITHUB_OUTPUT, 'utf8')).toBe('state=missing\n');
  });

  test('nothing is left in the stack folder: no override, no backend initialized there', () => {
    const dir = join(box.root, 'cdktf.out', 'stacks', 'aml-deploy-staging');
    expect(readdirSync(dir)).toEqual(['cdk.tf.json']);
    expect(existsSync(join(dir, EMPTY_STATE_OVERRIDE))).toBe(false);
  });
});

test('an environment already deployed: cdktf diff as usual', () => {
  const box = sandbox({ exists: true });
  expect(diffStack({ env: 'staging', out: box.out }, box.env, box.root)).toEqual({
    state: 'present',
    status: 0,
  });
  expect(box.npxCalls()).toEqual(['cdktf diff aml-deploy-staging --no-color']);
  expect(readFileSync(box.out, 'utf8')).toBe(CDKTF_DIFF_OUTPUT);
  expect(readFileSync(box.env.GITHUB_OUTPUT, 'utf8')).toBe('state=present\n');
});

test('an environment without a backend: nothing to look up, cdktf diff', () => {
  const box = sandbox();
  expect(diffStack({ env: 'sandbox', out: box.out }, box.env, box.root)).toEqual({
    state: 'local',
    status: 0,
  });
  expect(box.azCalls()).toEqual([]);
  expect(box.npxCalls()).toEqual(['cdktf diff aml-deploy-sandbox --no-color']);
});

test('az cannot tell: the diff fails, saying why in the plan file too; nothing is guessed', () => {
  const box = sandbox({ azFails: 'ERROR: AuthorizationPermissionMismatch' });
  let caught: unknown;
  try {
    run(['--env', 'staging', '--out', box.out], box.env, box.root);
  } catch (e) {
    caught = e;
  }
  const message =
    'az could not tell whether the state blob stmlopstfstate01/tfstate/aml-deploy-staging.tfstate exists (exit 1): ERROR: AuthorizationPermissionMismatch';
  expect(caught).toBeInstanceOf(UserError);
  expect((caught as UserError).message).toBe(message);
  expect(readFileSync(box.out, 'utf8')).toBe(`diff-stack: ${message}\n`);
  expect(box.npxCalls()).toEqual([]);
});

test('arguments: every problem at once, exit code 2', () => {
  const thrown = (argv: string[]) => {
    try {
      return parseArgs(argv);
    } catch (e) {
      return e;
    }
  };
  expect(thrown(['--env', 'a b', '--x'])).toMatchObject({
    exitCode: 2,
    message:
      '"--x" is not an option; --out is required; --env "a b" is not an environment name\nUsage: node --import tsx scripts/diff-stack.ts --env <environment> --out <file>',
  });
  expect(thrown([])).toMatchObject({
    message: expect.stringMatching(/^--env is required; --out is required\n/),
  });
  expect(thrown(['--env=staging', '--out', 'p.txt'])).toEqual({ env: 'staging', out: 'p.txt' });
});

test('the diff workflow plans with this script and tells the comment which case it was', () => {
  const workflow = parse(
    readFileSync(join(projectRoot, '.github', 'workflows', 'diff.yml'), 'utf8'),
  );
  const steps: any[] = workflow.jobs.stack.steps;
  const diff = steps.find((s) => s.id === 'diff');
  expect(diff.run).toBe(
    'node --import tsx scripts/diff-stack.ts --env "$AML_DEPLOY_ENVIRONMENTS" --out plan.txt',
  );
  const comment = steps.find((s) => s.name === 'Comment on the pull request');
  expect(comment.env.STATE).toBe('${{ steps.diff.outputs.state }}');
  // The step's script as the runner runs it (bash -e), with a `node` that prints its arguments.
  const bin = mkdtempSync(join(tmpdir(), 'comment-step-'));
  writeFileSync(join(bin, 'node'), '#!/bin/bash\necho "$*"\n');
  chmodSync(join(bin, 'node'), 0o755);
  const step = (DIFF_OUTCOME: string, STATE: string) =>
    spawnSync('bash', ['-e', '-c', comment.run], {
      encoding: 'utf8',
      env: {
        PATH: `${bin}:/usr/bin:/bin`,
        DIFF_OUTCOME,
        STATE,
        STACK: 'aml-deploy-staging',
        HEAD_SHA: 'abc',
      },
    }).stdout;
  const base =
    '--import tsx scripts/diff-comment.ts --stack aml-deploy-staging --plan plan.txt --commit abc';
  expect(step('success', 'missing')).toBe(`${base} --never-deployed\n`);
  expect(step('failure', 'missing')).toBe(`${base} --failed --never-deployed\n`);
  expect(step('success', 'present')).toBe(`${base}\n`);
  expect(step('failure', '')).toBe(`${base} --failed\n`);
});
