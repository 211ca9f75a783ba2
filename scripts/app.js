// The cdktf app command (cdktf.json) and `npm run synth`: runs the compiled app, dist/main.js,
// in this process, after building it again only when one of the files it was built from
// changed. Rebuilding on every `cdktf synth`, `diff` and `deploy` cost npm and esbuild's
// start each time (3.2 times the app's own CPU); checking costs a stat per input file.
//
// What "changed" means: esbuild's metafile lists every input of the bundle (our sources and
// the node_modules files it took in); the stamp next to the bundle records each one's size
// and modification time, and the build options. A file whose size or time differs, one
// that is gone, or other options rebuild it, as make would. `npm run build` always rebuilds.
//
//   node scripts/app.js [app arguments]     build if stale, then run the app
//   node scripts/app.js --build [--outfile=<file>] [--alias:<package>=<replacement>]
const { existsSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = join(__dirname, '..');

/** The build (one definition: `npm run build`, the app command and the tests use it). */
const OPTIONS = {
  entryPoints: ['main.ts'],
  bundle: true,
  minify: true,
  sourcemap: true,
  platform: 'node',
  target: 'node20',
  outfile: 'dist/main.js',
  logLevel: 'warning',
};

/** OPTIONS with the build flags in `args` applied (another output, an aliased package). */
function optionsFrom(args) {
  const options = { ...OPTIONS };
  for (const arg of args) {
    const outfile = /^--outfile=(.+)$/.exec(arg);
    const alias = /^--alias:([^=]+)=(.+)$/.exec(arg);
    if (outfile) options.outfile = resolve(outfile[1]);
    else if (alias) options.alias = { ...options.alias, [alias[1]]: alias[2] };
    else throw new Error(`scripts/app.js --build: unknown flag ${arg}`);
  }
  return options;
}

/** Where the record of a bundle's inputs lives: next to it. */
const stampOf = (root, options) => resolve(root, options.outfile.replace(/\.js$/, '.inputs.json'));

/** size and mtime of a file under `root`, or null when it is gone. */
function fingerprint(root, file) {
  const s = statSync(join(root, file), { throwIfNoEntry: false });
  return s ? `${s.size}:${s.mtimeMs}` : null;
}

/** Whether the bundle under `root` is what its inputs build now. */
function fresh(root = ROOT, options = OPTIONS) {
  if (!existsSync(resolve(root, options.outfile))) return false;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampOf(root, options), 'utf8'));
  } catch {
    return false;
  }
  if (JSON.stringify(stamp.options) !== JSON.stringify(options)) return false;
  return Object.entries(stamp.inputs).every(([file, print]) => fingerprint(root, file) === print);
}

/** Builds the bundle under `root` and its stamp (esbuild is loaded only then). */
function build(root = ROOT, options = OPTIONS) {
  const { buildSync } = require('esbuild');
  const result = buildSync({ ...options, absWorkingDir: root, metafile: true });
  const files = [...Object.keys(result.metafile.inputs), 'package.json'];
  const inputs = Object.fromEntries(files.map((f) => [f, fingerprint(root, f)]));
  writeFileSync(stampOf(root, options), JSON.stringify({ options, inputs }));
}

/** Builds the bundle unless it is fresh; returns whether it built. */
function ensureBuilt(root = ROOT, options = OPTIONS) {
  if (fresh(root, options)) return false;
  build(root, options);
  return true;
}

module.exports = { ensureBuilt, build, fresh, optionsFrom, OPTIONS };

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args[0] === '--build') {
    build(ROOT, optionsFrom(args.slice(1)));
  } else {
    ensureBuilt();
    process.exitCode = require(join(ROOT, OPTIONS.outfile)).run({
      env: process.env,
      argv: args,
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
  }
}
