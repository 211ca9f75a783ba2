/**
 * `terraform validate` of every stack against the real provider schemas: what CI's
 * `validate` job runs, and what a workstation with provider downloads runs the same way.
 *
 *   node --import tsx scripts/validate-stacks.ts [--out <dir>] [--app <bundle>]
 *
 * It bundles the app once (or runs the bundle `--app` names), synthesizes every stack of
 * `config/` (the example, the bootstrap and the environments it names) and two variants of the
 * example, each from a generated config folder (`VARIANTS`: client-secret sign-in, and
 * workflow files delivered by pull request), then runs `terraform init -backend=false` and
 * `terraform validate` in each stack folder. Every stack is validated even when one fails; the exit status is 1 if any
 * did. Set TF_PLUGIN_CACHE_DIR to reuse provider downloads between runs (CI caches it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseBootstrapConfig } from '../lib/bootstrap-config';
import { BOOTSTRAP_FILE_NAME } from '../lib/config';
import { stackName } from '../lib/naming';
import { UserError } from './user-error';

const root = resolve(__dirname, '..');

/**
 * Every stack `config/` defines: the example, each environment the bootstrap names (so an
 * environment added there is validated without editing this script), and the bootstrap.
 */
export function committedEnvironments(): string[] {
  const file = `config/${BOOTSTRAP_FILE_NAME}.json`;
  const r = parseBootstrapConfig(file, readFileSync(join(root, file), 'utf8'));
  if ('problems' in r) throw new UserError(r.problems.join('\n'));
  return ['example', ...r.config.environments, BOOTSTRAP_FILE_NAME];
}

/** The example in client-secret mode: the other way the deploy identity signs in. */
export function clientSecretConfig(example: unknown): unknown {
  const json = structuredClone(example) as { auth?: unknown; github: Record<string, unknown> };
  return {
    ...json,
    auth: { mode: 'client-secret' },
    github: { ...json.github, environment: 'client-secret' },
  };
}

/** The example delivering its workflow files by pull request: a branch, and a pull request. */
export function pullRequestConfig(example: unknown): unknown {
  const json = structuredClone(example) as { github: Record<string, unknown> };
  return {
    ...json,
    github: { ...json.github, environment: 'pull-request', workflowDelivery: 'pull-request' },
  };
}

/** Variants of the example that the committed configurations do not cover, by environment name. */
const VARIANTS: Readonly<Record<string, (example: unknown) => unknown>> = {
  'client-secret': clientSecretConfig,
  'pull-request': pullRequestConfig,
};

/**
 * The stacks CI validates: each configuration folder and the environments selected in it.
 * Each variant has a folder of its own (`variantDir`), so no rule across the environments of
 * one folder applies between a variant and the example it is made from.
 */
function stackRuns(
  variantDir: (name: string) => string,
): { configDir: string; environments: string[] }[] {
  return [
    { configDir: 'config', environments: committedEnvironments() },
    ...Object.keys(VARIANTS).map((name) => ({ configDir: variantDir(name), environments: [name] })),
  ];
}

export interface Result {
  readonly stack: string;
  readonly ok: boolean;
  /** Terraform's output when a step failed. */
  readonly output: string;
}

function terraform(dir: string, args: string[]): { ok: boolean; output: string } {
  const r = spawnSync('terraform', [`-chdir=${dir}`, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' },
  });
  if (r.error) {
    throw new UserError(`terraform could not run (${r.error.message}): install Terraform ≥ 1.11.`);
  }
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** Synthesizes, then initializes and validates each stack; returns one result per stack. */
function validateStacks(out: string, prebuilt?: string): Result[] {
  // Its own bundle (the package's build command, another output): never the dist/main.js
  // that a concurrent synth may be running.
  const app = prebuilt ?? join(root, 'dist', 'validate-stacks', 'main.js');
  if (!prebuilt) {
    execFileSync(process.execPath, ['scripts/app.js', '--build', `--outfile=${app}`], {
      cwd: root,
      stdio: 'inherit',
    });
  }
  const example = JSON.parse(readFileSync(join(root, 'config', 'example.json'), 'utf8'));
  const variantDir = (name: string) => join(out, `config-${name}`);
  for (const [name, variant] of Object.entries(VARIANTS)) {
    mkdirSync(variantDir(name), { recursive: true });
    writeFileSync(
      join(variantDir(name), `${name}.json`),
      JSON.stringify(variant(example), null, 2),
    );
  }

  const results: Result[] = [];
  for (const run of stackRuns(variantDir)) {
    const outdir = join(out, 'cdktf.out');
    execFileSync(process.execPath, [app], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        CDKTF_OUTDIR: outdir,
        AML_DEPLOY_CONFIG_DIR: run.configDir,
        AML_DEPLOY_ENVIRONMENTS: run.environments.join(','),
      },
    });
    for (const environment of run.environments) {
      const stack = stackName(environment);
      const dir = join(outdir, 'stacks', stack);
      // -backend=false: the remote state of staging and production needs no sign-in here.
      const init = terraform(dir, ['init', '-backend=false', '-input=false', '-no-color']);
      const validate = init.ok ? terraform(dir, ['validate', '-no-color']) : init;
      results.push({ stack, ok: validate.ok, output: validate.ok ? '' : validate.output });
    }
  }
  return results;
}

function report(results: readonly Result[]): string[] {
  return results.flatMap((r) =>
    r.ok
      ? [`ok      ${r.stack}`]
      : [
          `FAILED  ${r.stack}`,
          ...r.output
            .trimEnd()
            .split('\n')
            .map((l) => `        ${l}`),
        ],
  );
}

function main(argv: readonly string[]): number {
  const option = (name: string) => {
    const at = argv.indexOf(name);
    return at >= 0 ? resolve(argv[at + 1] ?? '') : undefined;
  };
  const given = option('--out');
  const out = given ?? mkdtempSync(join(tmpdir(), 'validate-'));
  try {
    const results = validateStacks(out, option('--app'));
    process.stdout.write(`${report(results).join('\n')}\n`);
    return results.every((r) => r.ok) ? 0 : 1;
  } finally {
    if (!given) rmSync(out, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    process.stderr.write(`validate-stacks: ${e.message}\n`);
    process.exitCode = e.exitCode;
  }
}
