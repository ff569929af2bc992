import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Law 1's forbidden packages: the one list scripts/check-resilience.ts reads too. */
const resiliencePackages = JSON.parse(
  readFileSync(new globalThis.URL('./scripts/resilience-packages.json', import.meta.url), 'utf8'),
).packages;

// One import style for workspace packages: the runtime is the one library and is imported by its
// name everywhere (the services' images install it as a package); the other workspaces are
// applications that export nothing, so a script, test or verify imports the file it needs relatively.
const workspaceImports = [
  {
    group: ['@mesh-kit/*', '!@mesh-kit/runtime'],
    message: 'Only @mesh-kit/runtime is imported by package name: import the file of another workspace relatively.',
  },
  {
    group: ['**/runtime/src', '**/runtime/src/**'],
    message: "Import the runtime by its name, '@mesh-kit/runtime'.",
  },
];

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
      'no-restricted-imports': ['error', { patterns: workspaceImports }],
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
          paths: resiliencePackages.map((name) => ({
            name,
            message: 'No resilience code in services: the Istio sidecar retries and breaks circuits.',
          })),
          patterns: workspaceImports,
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
