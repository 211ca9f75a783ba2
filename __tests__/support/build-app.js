// jest's globalSetup: builds the app once (npm run build → dist/main.js) before any test
// file runs, for the tests that run it as a process (main, validate-stacks, cdktn), so none
// of them rebuilds the bundle while another one is running it. The build must be silent.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = () => {
  const r = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd: join(__dirname, '..', '..'),
    encoding: 'utf8',
  });
  if (r.status !== 0 || r.stderr !== '' || r.stdout !== '') {
    throw new Error(`npm run build failed or printed something:\n${r.stdout}${r.stderr}`);
  }
};
