import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * The edit loop's tier (`npm run test:unit`): tests that need no PostgreSQL, NATS, Docker,
 * browser or running shop — the catalog, the manifests and their models, the verify checks' pure
 * parts, the docs and pins, the services that own no state. Everything else is the integration
 * tier. `npm test` runs both; test/test-tiers.test.ts keeps the unit tier free of backing services.
 */
export const UNIT_TESTS = [
  'infra/*/test/**/*.test.ts',
  'packages/*/test/**/*.test.ts',
  'services/loadgen/test/**/*.test.ts',
  'services/storefront/test/**/*.test.ts',
  'services/web/test/**/*.test.ts',
  'services/runtime/test/{runtime,logger-redaction,span-export,shutdown,event-topology}.test.ts',
  'packages/*/test/**/*.test.ts',
  'test/{boundaries,fault-log-digest,house,sidecar-retries,test-tiers,access-table,generated-docs,bench-attribution,bench-table,catalog-values,diagram,docs,grafana-config,istio-overlay,kiali-config,models-table,pins,resilience,shop-dashboard,traffic,typecheck-coverage,workflows}.test.ts',
];
const ALL_TESTS = [
  'packages/*/test/**/*.test.ts',
  'services/*/test/**/*.test.ts',
  'infra/*/test/**/*.test.ts',
  'test/**/*.test.ts',
];

export default defineConfig({
  resolve: {
    // Tests run on the TypeScript sources; the services themselves run from dist/.
    alias: [
      { find: /^@mesh-kit\/runtime$/, replacement: here('./services/runtime/src/index.ts') },
      { find: /^@mesh-kit\/catalog$/, replacement: here('./packages/catalog/src/catalog.ts') },
      { find: /^@mesh-kit\/catalog\/([a-z-]+)$/, replacement: here('./packages/catalog/src/$1.ts') },
      // A service's declared entry (`@mesh-kit/users/app`, its package.json exports): its source.
      { find: /^@mesh-kit\/([a-z-]+)\/([a-z-]+)$/, replacement: here('./services/$1/src/$2.ts') },
    ],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        // The edit loop's tier: its files share one module graph per worker (cdk8s and the catalog are
        // imported once, not 80 times), and two workers even on two cores (Vitest's default leaves one
        // core idle; these tests wait on child processes as much as they compute). The integration tier
        // keeps isolation and one worker: its files start servers and share PostgreSQL and NATS.
        test: {
          name: 'unit',
          include: UNIT_TESTS,
          pool: 'threads',
          isolate: false,
          maxWorkers: 2,
          // Projects with their own worker counts run as groups, one after the other: the fast tier first.
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ALL_TESTS,
          exclude: UNIT_TESTS,
          globalSetup: [here('./test-support/global-setup.ts')],
        },
      },
    ],
  },
});
