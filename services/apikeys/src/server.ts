import { fileURLToPath } from 'node:url';
import { Lifecycle, openDatabase, runService } from '@mesh-kit/runtime';
import { createApp } from './app.js';
import { configSchema } from './config.js';

await runService({
  name: 'apikeys',
  configSchema,
  async start(config, logger) {
    // Serves at once; until the migrations are applied every check answers 503, which the gateway
    // passes on: API-key routes fail closed.
    const database = openDatabase(config, {
      migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
      logger,
    });
    const lifecycle = new Lifecycle();
    lifecycle.startingUntil(database.migrated);
    const { app } = createApp({
      pool: database.pool,
      logger,
      settings: config.EXT_AUTHZ_SETTINGS,
      lifecycle,
      readiness: { postgres: database.readiness },
    });
    return { app, lifecycle, close: () => database.close() };
  },
});
