// jest's globalSetup: brings the app's bundle (dist/main.js) up to date once, before any test
// file runs, for the tests that run it as a process (main, validate-stacks, cdktn, readme),
// so none of them rebuilds it while another one is running it. Warm, it is a stat per input.
const { ensureBuilt } = require('../../scripts/app.js');

module.exports = () => {
  ensureBuilt();
};
