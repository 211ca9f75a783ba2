/**
 * scripts/app.js: the app command rebuilds the bundle exactly when a file it was built from
 * changed, and otherwise runs the bundle it has. Exercised on a two-file project of its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './support/synth';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const launcher = require('../scripts/app.js') as {
  ensureBuilt(root: string, options?: object): boolean;
  fresh(root: string, options?: object): boolean;
  optionsFrom(args: string[]): { outfile: string; alias?: Record<string, string> };
  OPTIONS: { outfile: string };
};

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'app-launcher-'));
  mkdirSync(join(dir, 'lib'));
  mkdirSync(join(dir, 'dist'));
  writeFileSync(join(dir, 'package.json'), '{"name":"p"}\n');
  writeFileSync(join(dir, 'main.ts'), "import { word } from './lib/word';\nconsole.log(word);\n");
  writeFileSync(join(dir, 'lib', 'word.ts'), "export const word = 'one';\n");
  return dir;
}

const bundleOf = (dir: string) => readFileSync(join(dir, launcher.OPTIONS.outfile), 'utf8');
const output = (dir: string) =>
  spawnSync(process.execPath, [join(dir, 'dist', 'main.js')], { encoding: 'utf8' }).stdout;

test('builds when there is no bundle, then not again until an input changes', () => {
  const dir = project();
  expect(launcher.ensureBuilt(dir)).toBe(true);
  expect(output(dir)).toBe('one\n');
  expect(launcher.ensureBuilt(dir)).toBe(false);

  writeFileSync(join(dir, 'lib', 'word.ts'), "export const word = 'two';\n");
  expect(launcher.fresh(dir)).toBe(false);
  expect(launcher.ensureBuilt(dir)).toBe(true);
  expect(output(dir)).toBe('two\n');
  expect(launcher.ensureBuilt(dir)).toBe(false);
});

test('a touched input, a deleted stamp, package.json or other options rebuild it', () => {
  const dir = project();
  launcher.ensureBuilt(dir);
  const later = new Date(Date.now() + 60_000);
  utimesSync(join(dir, 'lib', 'word.ts'), later, later);
  expect(launcher.ensureBuilt(dir)).toBe(true);

  rmSync(join(dir, 'dist', 'main.inputs.json'));
  expect(launcher.ensureBuilt(dir)).toBe(true);

  writeFileSync(join(dir, 'package.json'), '{"name":"p","version":"2.0.0"}\n');
  expect(launcher.ensureBuilt(dir)).toBe(true);

  const minified = bundleOf(dir);
  expect(launcher.ensureBuilt(dir, { ...launcher.OPTIONS, minify: false })).toBe(true);
  expect(bundleOf(dir)).not.toBe(minified);
});

test('the project bundle is fresh after globalSetup, so the app command does not rebuild', () => {
  expect(launcher.fresh(projectRoot)).toBe(true);
});

test('--build takes another output and aliases, and refuses a flag it does not know', () => {
  const options = launcher.optionsFrom(['--outfile=out/x.js', '--alias:cdktf=cdktn']);
  expect(options.outfile).toBe(join(process.cwd(), 'out', 'x.js'));
  expect(options.alias).toEqual({ cdktf: 'cdktn' });
  expect(() => launcher.optionsFrom(['--minify=false'])).toThrow(
    'scripts/app.js --build: unknown flag --minify=false',
  );
});
