import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'infra/cdk8s/imports/**',
      'charts/**',
      'coverage/**',
      '**/test/fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Law 1: resilience belongs to the mesh. The test in test/resilience.test.ts checks the same
    // rules over the sources and proves, with a fixture, that it can fail.
    files: ['services/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'p-retry',
            'async-retry',
            'retry',
            'promise-retry',
            'exponential-backoff',
            'opossum',
            'cockatiel',
            'axios-retry',
          ].map((name) => ({
            name,
            message: 'No resilience code in services: the Istio sidecar retries and breaks circuits.',
          })),
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'AbortSignal',
          property: 'timeout',
          message: 'No call timeouts in services: set them on the route in the catalog.',
        },
      ],
    },
  },
);
