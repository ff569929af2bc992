import { fileURLToPath } from 'node:url';
import {
  connectEvents,
  consumerPolicyFromConfig,
  createMetrics,
  createPool,
  migrate,
  ordersTopologyFromConfig,
  runService,
} from '@mesh-kit/runtime';
import { createApp } from './app.js';
import { configSchema } from './config.js';
import { NotificationStore } from './notification-store.js';
import { consumeOrderPlaced } from './order-placed-consumer.js';

await runService({
  name: 'notifications',
  configSchema,
  async start(config, logger) {
    await migrate(config.DATABASE_URL, fileURLToPath(new URL('../migrations', import.meta.url)), logger);
    const pool = createPool(config.DATABASE_URL);
    const events = await connectEvents(config.NATS_URL, 'notifications', logger);
    const metrics = createMetrics('notifications');
    const { app, lifecycle } = createApp({
      pool,
      logger,
      metrics,
      readiness: { nats: events.readiness },
      bodyLimit: config.BODY_LIMIT,
    });
    const consumer = await consumeOrderPlaced({
      events,
      topology: ordersTopologyFromConfig(config),
      policy: consumerPolicyFromConfig(config),
      store: new NotificationStore(pool),
      logger,
      metrics,
    });
    return {
      app,
      lifecycle,
      async close() {
        await consumer.stop();
        await events.close();
        await pool.end();
      },
    };
  },
});
