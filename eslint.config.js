import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Law 1's forbidden packages: the one list scripts/check-resilience.ts reads too. */
const resiliencePackages = JSON.parse(
  readFileSync(new globalThis.URL('./scripts/resilience-packages.json', import.meta.url), 'utf8'),
).packages;

// One import style for workspace packages: the libraries (the runtime, and the catalog with the
// contracts the parts share) are imported by name everywhere (the services' images install them as
// packages); the other workspaces are applications that export nothing to the rest.
const workspaceImports = [
  {
    regex: '^@mesh-kit/(?!runtime$|catalog$|[a-z-]+/[a-z-]+$)',
    message:
      "Import the libraries @mesh-kit/runtime and @mesh-kit/catalog by name, and another service only through an entry its package.json exports ('@mesh-kit/users/app').",
  },
  {
    group: ['**/services/*/src', '**/services/*/src/**'],
    message:
      "Another workspace's src is private: import the entry its package.json exports ('@mesh-kit/<service>/<entry>').",
  },
  {
    group: ['**/packages/catalog/src', '**/packages/catalog/src/**'],
    message: "Import the catalog and the contracts by name, '@mesh-kit/catalog[/<contract>]'.",
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
