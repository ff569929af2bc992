import { fileURLToPath } from 'node:url';
import { runDatabaseService } from '@mesh-kit/runtime';
import { createApp } from './app.js';
import { configSchema } from './config.js';
import { PostgresAdapter } from './postgres-adapter.js';

/** How often expired sessions, codes and tokens are deleted (they are never returned once expired). */
const SWEEP_INTERVAL_MS = 10 * 60_000;

// Serves at once; /readyz stays 503 until PostgreSQL answers and the migrations are applied.
await runDatabaseService({
  name: 'identity',
  configSchema,
  migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
  createApp(deps) {
    const service = createApp(deps);
    // A failed sweep (the database away) is logged and tried again next time; it never ends the process.
    setInterval(() => {
      PostgresAdapter.deleteExpired(deps.pool, 60).then(
        (deleted) => deps.logger.debug({ deleted }, 'expired OpenID rows deleted'),
        (error: unknown) => deps.logger.warn({ err: error }, 'deleting expired OpenID rows failed'),
      );
    }, SWEEP_INTERVAL_MS).unref();
    return service;
  },
});
