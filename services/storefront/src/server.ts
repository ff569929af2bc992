import { runService } from '@mesh-kit/runtime';
import { createApp } from './app.js';
import { configSchema } from './config.js';

await runService({
  name: 'storefront',
  configSchema,
  async start(config, logger) {
    return createApp({
      logger,
      usersUrl: config.USERS_URL,
      ordersUrl: config.ORDERS_URL,
      notificationsUrl: config.NOTIFICATIONS_URL,
      ...(config.OVERVIEW_RELEASE === undefined ? {} : { release: config.OVERVIEW_RELEASE }),
    });
  },
});
