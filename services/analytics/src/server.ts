import { fileURLToPath } from 'node:url';
import {
  consumerPolicyFromConfig,
  createMetrics,
  Lifecycle,
  openDatabase,
  openEvents,
  ordersTopologyFromConfig,
  runService,
  waitUntil,
  type RunningConsumer,
} from '@mesh-kit/runtime';
import { createApp } from './app.js';
import { configSchema } from './config.js';
import { StatsStore } from './stats-store.js';
import { consumeOrderPlaced } from './order-placed-consumer.js';

await runService({
  name: 'analytics',
  configSchema,
  async start(config, logger) {
    // Serves at once and waits for PostgreSQL and NATS in the background. Not ready without both:
    // its whole job is consuming orders.placed (see README, "Readiness").
    const database = openDatabase(config, {
      migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
      logger,
    });
    const events = openEvents(config.NATS_URL, 'analytics', logger);
    const metrics = createMetrics('analytics');
    const lifecycle = new Lifecycle();
    lifecycle.startingUntil(database.migrated);
    let stopping = false;
    let consumer: RunningConsumer | undefined;
    const consuming = Promise.all([database.migrated, events.connected])
      .then(([, connection]) =>
        waitUntil(
          'the orders.placed consumer',
          () =>
            consumeOrderPlaced({
              events: connection,
              topology: ordersTopologyFromConfig(config),
              policy: consumerPolicyFromConfig(config),
              store: new StatsStore(database.pool),
              logger,
              metrics,
            }),
          { logger, stopped: () => stopping },
        ),
      )
      .then((started) => {
        consumer = started;
      });
    consuming.catch((error: unknown) => logger.info({ err: error }, 'consumer not started'));
    const { app } = createApp({
      pool: database.pool,
      logger,
      metrics,
      lifecycle,
      readiness: {
        postgres: database.readiness,
        nats: async () => {
          await events.readiness();
          if (consumer === undefined) throw new Error('the consumer has not started yet');
        },
      },
      bodyLimit: config.BODY_LIMIT,
    });
    return {
      app,
      lifecycle,
      async close() {
        stopping = true;
        await consumer?.stop();
        await events.close();
        await database.close();
      },
    };
  },
});
