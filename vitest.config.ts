import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run on the TypeScript sources; the services themselves run from dist/.
    alias: [{ find: /^@mesh-kit\/runtime$/, replacement: here('./services/runtime/src/index.ts') }],
  },
  test: {
    globalSetup: [here('./test-support/global-setup.ts')],
    include: ['services/*/test/**/*.test.ts', 'infra/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
