// The static half of `npm test`: lint, format check, type check and the check that no value
// is exported without being imported elsewhere (ts-unused-exports), side by side. Each is a
// single process on one core, so on a 2-core machine running them together takes about as
// long as the slowest alone. Each stage's output is printed whole once it ends; the exit
// status is 1 when any failed. Each stage is also an npm script of its own: its command is
// read from package.json and run as npm runs it (`sh -c`, node_modules/.bin first on PATH),
// without starting npm for each (about 0.1 s of CPU each).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const STAGES = ['lint', 'format:check', 'typecheck', 'exports'];
const root = join(import.meta.dirname, '..');
const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const PATH = [join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter);

const results = await Promise.all(
  STAGES.map(
    (stage) =>
      new Promise((resolve) => {
        const child = spawn('sh', ['-c', scripts[stage]], {
          cwd: root,
          env: { ...process.env, PATH },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (d) => (output += d));
        child.stderr.on('data', (d) => (output += d));
        child.on('error', (e) => resolve({ stage, ok: false, output: `${e.message}\n` }));
        child.on('close', (code) => resolve({ stage, ok: code === 0, output }));
      }),
  ),
);

for (const { stage, ok, output } of results) {
  if (!ok) process.stdout.write(`npm run ${stage} failed:\n${output}\n`);
}
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
