import { fileURLToPath } from 'node:url';
import { createPool, migrate, runService } from '@mesh-kit/runtime';
import { createApp } from './app.js';
import { configSchema } from './config.js';

await runService({
  name: 'orders',
  configSchema,
  async start(config, logger) {
    await migrate(config.DATABASE_URL, fileURLToPath(new URL('../migrations', import.meta.url)), logger);
    const pool = createPool(config.DATABASE_URL);
    const { app, lifecycle } = createApp({
      pool,
      logger,
      usersUrl: config.USERS_URL,
      paymentsUrl: config.PAYMENTS_URL,
      bodyLimit: config.BODY_LIMIT,
    });
    return { app, lifecycle, close: () => pool.end() };
  },
});
