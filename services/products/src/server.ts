import { fileURLToPath } from 'node:url';
import { Lifecycle, openDatabase, runService } from '@mesh-kit/runtime';
import { createApp } from './app.js';
import { configSchema } from './config.js';

await runService({
  name: 'products',
  configSchema,
  async start(config, logger) {
    // Serves at once; /readyz stays 503 until PostgreSQL answers and the migrations are applied.
    const database = openDatabase(config, {
      migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
      logger,
    });
    const lifecycle = new Lifecycle();
    lifecycle.startingUntil(database.migrated);
    const { app } = createApp({
      pool: database.pool,
      logger,
      lifecycle,
      readiness: { postgres: database.readiness },
    });
    return { app, lifecycle, close: () => database.close() };
  },
});
