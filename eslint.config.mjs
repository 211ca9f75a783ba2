// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Barrel imports of prebuilt providers load every resource class (seconds, hundreds of MB).
const PROVIDER_BARREL = {
  regex: '^@cdktf/provider-[a-z]+$',
  message: 'Import the resource by deep path: @cdktf/provider-<name>/lib/<resource>.',
};
const CDKTF = {
  regex: '^(cdktf|constructs|@cdktf/.*)$',
  message: 'No cdktf here: this layer builds plain data (lib/) or runs in a workflow (rollout/).',
};
/** An import of `folder` (a top-level folder or file of the project) from a file one level down. */
const layer = (folder, message) => ({ regex: `^\\.\\./${folder}(/|$)`, message });

/**
 * The layers, enforced: main.ts reads configuration and files and builds stacks; a stack
 * composes constructs; constructs use lib; lib is pure (no cdktf, no files, nothing above
 * it); the rollout runs in the target repository's workflow and uses lib's rules only.
 */
const restrict = (...patterns) => ({
  'no-restricted-imports': ['error', { patterns: [PROVIDER_BARREL, ...patterns] }],
});
const ABOVE_LIB = 'lib/ is the bottom layer: it imports nothing above it.';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdktf.out/', 'dist/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { rules: restrict() },
  {
    files: ['lib/**/*.ts'],
    rules: restrict(
      CDKTF,
      { regex: '^node:fs$', message: 'lib/ reads no files: main.ts (or a script) reads them.' },
      layer('(constructs|stacks|rollout|scripts|main)', ABOVE_LIB),
    ),
  },
  {
    files: ['constructs/**/*.ts'],
    rules: restrict(layer('(stacks|rollout|scripts|main)', 'A construct uses lib/ only.')),
  },
  {
    files: ['stacks/**/*.ts'],
    rules: restrict(layer('(rollout|scripts|main)', 'A stack composes constructs and lib/.')),
  },
  {
    files: ['rollout/**/*.ts'],
    rules: restrict(
      CDKTF,
      layer(
        '(constructs|stacks|scripts|main|lib/config|lib/bootstrap-config)',
        "The rollout uses lib's rules only: no stack, no configuration loader.",
      ),
    ),
  },
  {
    // Node scripts written as ES modules.
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly' } },
  },
  {
    // CommonJS configuration and stubs run in Node.
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
        process: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests read synthesized Terraform JSON, whose shape is the thing under test.
    files: ['__tests__/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Configuration is read in main.ts only; everything below it takes typed props.
    files: ['lib/**/*.ts', 'constructs/**/*.ts', 'stacks/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration in main.ts only.' },
      ],
    },
  },
  {
    // The rollout reads its environment in rollout/main.ts only; the rest takes Inputs.
    files: ['rollout/**/*.ts'],
    ignores: ['rollout/main.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message:
            'Read the environment in rollout/main.ts only (readInputs in rollout/inputs.ts).',
        },
      ],
    },
  },
);
