import type pg from 'pg';
import type { ServiceApp } from '../app.js';
import type { DatabaseConfig } from '../database.js';
import { Lifecycle, type ReadinessCheck } from '../health.js';
import type { Logger } from '../logger.js';
import { createMetrics, type ServiceMetrics } from '../metrics.js';
import { openDatabase } from '../open-database.js';
import type { StartedService } from '../run.js';
import { waitUntil } from '../startup.js';
import { openEvents, type EventsConnection } from './connection.js';
import type { RunningConsumer } from './consumer.js';

/** What a consumer service's createApp receives. */
export interface ConsumerAppDeps {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly lifecycle: Lifecycle;
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
}

export interface ConsumerServiceOptions {
  readonly name: string;
  readonly config: DatabaseConfig & { readonly NATS_URL: string };
  readonly logger: Logger;
  readonly migrationsDir: string;
  /** The consumer as start-up logs name it, e.g. `the orders.placed consumer`. */
  readonly consumer: string;
  /** Starts the service's durable consumer; called once PostgreSQL is migrated and NATS answers. */
  readonly consume: (deps: {
    readonly events: EventsConnection;
    readonly pool: pg.Pool;
    readonly metrics: ServiceMetrics;
  }) => Promise<RunningConsumer>;
  readonly createApp: (deps: ConsumerAppDeps) => ServiceApp;
}

/**
 * The start-up of a service whose job is consuming events (notifications, analytics): it serves at
 * once and waits for PostgreSQL and NATS in the background, and it is not ready until its consumer
 * runs, since it serves nothing useful without it (docs/architecture.md, "Readiness and faults").
 */
export function startConsumerService(options: ConsumerServiceOptions): StartedService {
  const { config, logger } = options;
  const database = openDatabase(config, { migrationsDir: options.migrationsDir, logger });
  const events = openEvents(config.NATS_URL, options.name, logger);
  const metrics = createMetrics(options.name);
  const lifecycle = new Lifecycle();
  lifecycle.startingUntil(database.migrated);
  let stopping = false;
  let consumer: RunningConsumer | undefined;
  Promise.all([database.migrated, events.connected])
    .then(([, connection]) =>
      waitUntil(options.consumer, () => options.consume({ events: connection, pool: database.pool, metrics }), {
        logger,
        stopped: () => stopping,
      }),
    )
    .then((started) => {
      consumer = started;
    })
    .catch((error: unknown) => logger.info({ err: error }, 'consumer not started'));
  const { app } = options.createApp({
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
}
