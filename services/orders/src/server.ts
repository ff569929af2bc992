import { fileURLToPath } from 'node:url';
import {
  brokerCredentialsFromConfig,
  createMetrics,
  createPool,
  eventMetrics,
  EventPublisher,
  Lifecycle,
  openDatabase,
  openEvents,
  ordersTopologyFromConfig,
  requireStreams,
  runService,
  waitUntil,
} from '@mesh-kit/runtime';
import { createApp } from './app.js';
import { configSchema } from './config.js';
import { OutboxRelay } from './outbox-relay.js';

await runService({
  name: 'orders',
  configSchema,
  async start(config, logger) {
    // Serves at once; /readyz waits for PostgreSQL and the migrations, never for NATS: orders are
    // accepted while the broker is away and wait in the outbox (docs/architecture.md, "Readiness and faults").
    const database = openDatabase(config, {
      migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
      logger,
    });
    const events = openEvents(config.NATS_URL, 'orders', logger, brokerCredentialsFromConfig(config));
    const topology = ordersTopologyFromConfig(config);
    const metrics = createMetrics('orders');
    // Its own few connections, so a pass never queues behind request traffic.
    const relayPool = createPool(config.DATABASE_URL, {
      logger,
      max: 2,
      connectionTimeoutMillis: config.DATABASE_CONNECT_TIMEOUT_MS,
    });
    const relay = new OutboxRelay({
      pool: relayPool,
      topology,
      logger,
      metrics,
      isConnected: events.isConnected,
      pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
    });
    let stopping = false;
    // The streams must exist before the first publish. orders may not create them (the broker's
    // bootstrap does: docs/security.md, "Broker"), so it waits until they exist; a broker back
    // without its store refuses the relay's publishes, and the outbox keeps the events until the
    // bootstrap has run again (docs/operations.md, "Broker").
    void Promise.all([events.connected, database.migrated])
      .then(async ([connection]) => {
        await waitUntil('the ORDERS streams', () => requireStreams(connection.jsm, topology), {
          logger,
          stopped: () => stopping,
        });
        connection.onReconnect(() => relay.trigger());
        relay.usePublisher(new EventPublisher(connection.js, eventMetrics(metrics.registry)));
      })
      .catch((error: unknown) => logger.info({ err: error }, 'outbox relay not attached to the broker'));

    const lifecycle = new Lifecycle();
    lifecycle.startingUntil(database.migrated);
    const { app } = createApp({
      pool: database.pool,
      logger,
      usersUrl: config.USERS_URL,
      productsUrl: config.PRODUCTS_URL,
      paymentsUrl: config.PAYMENTS_URL,
      metrics,
      lifecycle,
      pendingLeaseMs: config.ORDER_PENDING_LEASE_MS,
      onOrderCommitted: (event) => relay.publishNow(event),
      readiness: { postgres: database.readiness },
      healthDetail: async () => ({
        nats: events.isConnected() ? 'connected' : 'disconnected',
        outbox: await relay.backlog(),
      }),
    });
    void database.migrated.then(() => relay.start()).catch(() => undefined);
    return {
      app,
      lifecycle,
      async close() {
        stopping = true;
        await relay.stop();
        await events.close();
        await Promise.all([database.close(), relayPool.end()]);
      },
    };
  },
});
