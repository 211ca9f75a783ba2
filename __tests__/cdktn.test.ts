/**
 * The way off archived CDKTF: the app, bundled with `cdktf` aliased to `cdktn` (CDK Terrain,
 * its maintained continuation), synthesizes every stack exactly as it does on cdktf 0.21,
 * apart from the version string in the metadata. The prebuilt @cdktf/provider-* packages
 * stay: the alias reaches their imports of `cdktf` too (without it they fail at synth, since
 * cdktn's stack calls a method they lack), and no @cdktn/provider-azuread, -github or -time
 * exists on the registry.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { committedEnvironments } from '../scripts/validate-stacks';
import { projectRoot } from './support/synth';

const ENVIRONMENTS = committedEnvironments().join(',');

const packageVersion = (name: string): string =>
  JSON.parse(readFileSync(join(projectRoot, 'node_modules', name, 'package.json'), 'utf8')).version;

/** Synthesizes with a bundle of the app; returns the out folder. */
function synthesize(name: string, app: string): string {
  const out = mkdtempSync(join(tmpdir(), `synth-${name}-`));
  execFileSync(process.execPath, [app], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, CDKTF_OUTDIR: out, AML_DEPLOY_ENVIRONMENTS: ENVIRONMENTS },
  });
  return out;
}

/** A stack's JSON without the one field that names the library's version. */
function withoutVersion(file: string): { json: any; version: string } {
  const json = JSON.parse(readFileSync(file, 'utf8'));
  const version = json['//'].metadata.version;
  delete json['//'].metadata.version;
  return { json, version };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const launcher = require('../scripts/app.js') as {
  ensureBuilt(root: string, options: object): boolean;
  optionsFrom(args: string[]): object;
};

/**
 * The package's build with the one change the README names for switching, as
 * `node scripts/app.js --build --alias:cdktf=cdktn` reads it; built again only when a file it
 * was built from changed (scripts/app.js), as the app command does.
 */
function buildOnCdktn(): string {
  const app = join(projectRoot, 'dist', 'cdktn', 'main.js');
  launcher.ensureBuilt(
    projectRoot,
    launcher.optionsFrom(['--alias:cdktf=cdktn', `--outfile=${app}`]),
  );
  return app;
}

// dist/main.js: the app as jest built it once for all tests (support/build-app.js).
const cdktf = synthesize('cdktf', join(projectRoot, 'dist', 'main.js'));
const cdktn = synthesize('cdktn', buildOnCdktn());

test('every stack synthesizes identically on cdktn, apart from the version in the metadata', () => {
  const stacks = readdirSync(join(cdktf, 'stacks')).sort();
  expect(stacks).toEqual(
    ENVIRONMENTS.split(',')
      .map((e) => `aml-deploy-${e}`)
      .sort(),
  );
  expect(readdirSync(join(cdktn, 'stacks')).sort()).toEqual(stacks);
  for (const stack of stacks) {
    const a = withoutVersion(join(cdktf, 'stacks', stack, 'cdk.tf.json'));
    const b = withoutVersion(join(cdktn, 'stacks', stack, 'cdk.tf.json'));
    expect([stack, a.version, b.version]).toEqual([
      stack,
      packageVersion('cdktf'),
      packageVersion('cdktn'),
    ]);
    expect(b.json).toEqual(a.json);
  }
});

test('the manifests list the same stacks', () => {
  const manifest = (dir: string) => {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    delete m.version;
    return m;
  };
  expect(manifest(cdktn)).toEqual(manifest(cdktf));
});
