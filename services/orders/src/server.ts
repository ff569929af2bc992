import { fileURLToPath } from 'node:url';
import {
  connectEvents,
  createMetrics,
  createPool,
  ensureStreams,
  eventMetrics,
  EventPublisher,
  migrate,
  ordersTopologyFromConfig,
  runService,
} from '@mesh-kit/runtime';
import { createApp } from './app.js';
import { configSchema } from './config.js';
import { OutboxRelay } from './outbox-relay.js';

await runService({
  name: 'orders',
  configSchema,
  async start(config, logger) {
    await migrate(config.DATABASE_URL, fileURLToPath(new URL('../migrations', import.meta.url)), logger);
    const pool = createPool(config.DATABASE_URL);

    // Events: the stream exists before the first publish; the relay drains the outbox.
    const events = await connectEvents(config.NATS_URL, 'orders', logger);
    const topology = ordersTopologyFromConfig(config);
    await ensureStreams(events.jsm, topology);
    const metrics = createMetrics('orders');
    // Its own connections: requests hold theirs across the users and payments calls, and under
    // load the relay must not queue behind them.
    const relayPool = createPool(config.DATABASE_URL, 2);
    const relay = new OutboxRelay({
      pool: relayPool,
      publisher: new EventPublisher(events.js, eventMetrics(metrics.registry)),
      topology,
      logger,
      metrics,
      isConnected: events.isConnected,
      pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
    });
    events.onReconnect(() => relay.trigger());

    const { app, lifecycle } = createApp({
      pool,
      logger,
      usersUrl: config.USERS_URL,
      paymentsUrl: config.PAYMENTS_URL,
      bodyLimit: config.BODY_LIMIT,
      metrics,
      onOrderCommitted: (event) => relay.publishNow(event),
      readiness: { nats: events.readiness },
    });
    relay.start();
    return {
      app,
      lifecycle,
      async close() {
        await relay.stop();
        await events.close();
        await Promise.all([pool.end(), relayPool.end()]);
      },
    };
  },
});
