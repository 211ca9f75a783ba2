// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdktf.out/', 'dist/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Barrel imports of prebuilt providers load every resource class (seconds, hundreds of MB).
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@cdktf/provider-[a-z]+$',
              message: 'Import the resource by deep path: @cdktf/provider-<name>/lib/<resource>.',
            },
          ],
        },
      ],
    },
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
