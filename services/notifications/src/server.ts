import { fileURLToPath } from 'node:url';
import {
  consumerPolicyFromConfig,
  ordersTopologyFromConfig,
  runService,
  startConsumerService,
} from '@mesh-kit/runtime';
import { createApp } from './app.js';
import { configSchema } from './config.js';
import { consumeOrderPlaced } from './order-placed-consumer.js';
import { NotificationStore } from './notification-store.js';

await runService({
  name: 'notifications',
  configSchema,
  // Serves at once; not ready until PostgreSQL and NATS are there and its consumer runs.
  start: async (config, logger) =>
    startConsumerService({
      name: 'notifications',
      config,
      logger,
      migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
      consumer: 'the orders.placed consumer',
      consume: ({ events, pool, metrics }) =>
        consumeOrderPlaced({
          events,
          topology: ordersTopologyFromConfig(config),
          policy: consumerPolicyFromConfig(config),
          store: new NotificationStore(pool),
          logger,
          metrics,
        }),
      createApp,
    }),
});
