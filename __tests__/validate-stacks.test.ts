/**
 * scripts/validate-stacks.ts against a fake `terraform` that records its calls: every stack
 * CI validates is synthesized, initialized without its backend and validated, and a failing
 * stack is reported with Terraform's output while the others still run.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientSecretConfig, pullRequestConfig } from '../scripts/validate-stacks';
import { projectRoot } from './support/synth';

const work = mkdtempSync(join(tmpdir(), 'validate-test-'));
const bin = join(work, 'bin');
const calls = join(work, 'calls.txt');
mkdirSync(bin);
// Records "<stack folder> <args...>"; validate of the production stack fails.
writeFileSync(
  join(bin, 'terraform'),
  `#!/bin/bash
dir="\${1#-chdir=}"; shift
echo "$(basename "$dir") $*" >> "${calls}"
if [[ "$1" == validate && "$dir" == */aml-deploy-production ]]; then
  echo "Error: Unsupported argument (fake)" >&2; exit 1
fi
`,
);
chmodSync(join(bin, 'terraform'), 0o755);

const out = join(work, 'out');
const r = spawnSync(
  process.execPath,
  // The app jest built once (support/build-app.js).
  ['--import', 'tsx', 'scripts/validate-stacks.ts', '--out', out, '--app', 'dist/main.js'],
  {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME },
  },
);

test('every stack is initialized without its backend, then validated', () => {
  const stacks = [
    'example',
    'staging',
    'production',
    'bootstrap',
    'client-secret',
    'pull-request',
  ].map((e) => `aml-deploy-${e}`);
  expect(readFileSync(calls, 'utf8').trim().split('\n')).toEqual(
    stacks.flatMap((s) => [
      `${s} init -backend=false -input=false -no-color`,
      `${s} validate -no-color`,
    ]),
  );
  for (const s of stacks)
    expect(existsSync(join(out, 'cdktf.out', 'stacks', s, 'cdk.tf.json'))).toBe(true);
});

test("a failure is reported with Terraform's output, the others still pass, exit 1", () => {
  expect(r.status).toBe(1);
  expect(r.stdout).toBe(
    [
      'ok      aml-deploy-example',
      'ok      aml-deploy-staging',
      'FAILED  aml-deploy-production',
      '        Error: Unsupported argument (fake)',
      'ok      aml-deploy-bootstrap',
      'ok      aml-deploy-client-secret',
      'ok      aml-deploy-pull-request',
      '',
    ].join('\n'),
  );
});

/** A synthesized stack of the run, as JSON. */
const stackJson = (environment: string) =>
  JSON.parse(
    readFileSync(
      join(out, 'cdktf.out', 'stacks', `aml-deploy-${environment}`, 'cdk.tf.json'),
      'utf8',
    ),
  );

test('the client-secret variant is the example signing in with a password', () => {
  const stack = stackJson('client-secret');
  expect(Object.keys(stack.resource.azuread_application_password)).toHaveLength(1);
  expect(stack.resource.azuread_application_federated_identity_credential).toBeUndefined();
  expect(clientSecretConfig({ github: { owner: 'o' }, auth: { mode: 'oidc' } })).toEqual({
    github: { owner: 'o', environment: 'client-secret' },
    auth: { mode: 'client-secret' },
  });
});

test('the pull-request variant is the example delivering its files by pull request', () => {
  const stack = JSON.parse(
    readFileSync(
      join(out, 'cdktf.out', 'stacks', 'aml-deploy-pull-request', 'cdk.tf.json'),
      'utf8',
    ),
  );
  // What only this delivery creates, so CI validates it against the GitHub provider's schema.
  expect(Object.keys(stack.resource.github_branch)).toHaveLength(1);
  expect(Object.keys(stack.resource.github_repository_pull_request)).toHaveLength(1);
  expect(pullRequestConfig({ github: { owner: 'o' } })).toEqual({
    github: { owner: 'o', environment: 'pull-request', workflowDelivery: 'pull-request' },
  });
});
