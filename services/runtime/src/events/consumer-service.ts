import type { Router } from 'express';
import type pg from 'pg';
import type { z } from 'zod';
import { createServiceApp, type ServiceApp } from '../app.js';
import { baseConfigSchema, natsUrl } from '../config.js';
import { databaseConfigSchema } from '../database.js';
import { Lifecycle, type ReadinessCheck } from '../health.js';
import type { Logger } from '../logger.js';
import { createMetrics, type ServiceMetrics } from '../metrics.js';
import { openDatabase } from '../open-database.js';
import { postgresCheck } from '../postgres-probe.js';
import { runService, type StartedService } from '../run.js';
import { waitUntil } from '../startup.js';
import {
  brokerCredentialsFromConfig,
  consumerPolicyConfigSchema,
  consumerPolicyFromConfig,
  topologyFromConfig,
} from './config.js';
import { openEvents, type EventsConnection } from './connection.js';
import { startConsumer, type Delivery, type RunningConsumer } from './consumer.js';
import type { EventContract, EventEnvelope } from '@mesh-kit/catalog/events';
import { eventMetrics } from './metrics.js';
import { wireSubject, type ConsumerPolicy, type EventTopology } from './topology.js';

/** The environment of every consumer service; the manifests' env is checked against it. */
export const consumerServiceConfigSchema = baseConfigSchema.extend(consumerPolicyConfigSchema.shape).extend({
  // DATABASE_URL and the pool's limits: see databaseConfigSchema.
  ...databaseConfigSchema.shape,
  NATS_URL: natsUrl,
});
export type ConsumerServiceConfig = z.output<typeof consumerServiceConfigSchema>;

/** What a consumer service's domain needs to handle an event. */
export interface ConsumerDomainDeps {
  readonly pool: pg.Pool;
  readonly logger: Logger;
}

/**
 * A service whose job is consuming one subject into its own database (notifications, analytics).
 * It declares only its domain; connecting, migrating, the durable consumer, health, metrics and
 * shutdown are the runtime's.
 */
export interface ConsumerServiceDefinition<S extends z.ZodType<EventEnvelope>> {
  /** The service's name, also the name of its durable consumer (replicas share it). */
  readonly name: string;
  /** The folder of its SQL migrations, applied at start-up. */
  readonly migrationsDir: string;
  /** What it consumes (e.g. `ORDER_PLACED`): every message is parsed with the schema before the handler sees it. */
  readonly consumes: EventContract<S>;
  /** Builds the handler of one event; it must be idempotent by event id (delivery is at least once). */
  readonly handler: (deps: ConsumerDomainDeps) => (event: z.output<S>, delivery: Delivery) => Promise<void>;
  /** The service's HTTP routes, mounted at `/`. */
  readonly routes: (pool: pg.Pool) => Router;
}

/** A consumer service's definition, named the way createServiceApp names a service. */
export function defineConsumerService<S extends z.ZodType<EventEnvelope>>(
  name: string,
  domain: Omit<ConsumerServiceDefinition<S>, 'name'>,
): ConsumerServiceDefinition<S> {
  return { name, ...domain };
}

export interface ConsumerAppDeps {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  /** Checks beyond PostgreSQL behind /readyz (the NATS connection and the consumer). */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
  /** @default a new Lifecycle */
  readonly lifecycle?: Lifecycle;
  /** Shared with the event consumer, so /metrics shows its counters. @default new metrics */
  readonly metrics?: ServiceMetrics;
}

/** The consumer service's Express app: its routes behind the shared wiring. No side effects. */
export function createConsumerApp<S extends z.ZodType<EventEnvelope>>(
  definition: ConsumerServiceDefinition<S>,
  deps: ConsumerAppDeps,
): ServiceApp {
  return createServiceApp(definition.name, {
    logger: deps.logger,
    routes: definition.routes(deps.pool),
    readiness: { postgres: postgresCheck(deps.pool), ...deps.readiness },
    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
  });
}

export interface ConsumeEventsDeps extends ConsumerDomainDeps {
  readonly events: EventsConnection;
  readonly topology: EventTopology;
  readonly policy: ConsumerPolicy;
  readonly metrics: ServiceMetrics;
}

/** Starts the service's durable consumer of its subject, handing each parsed event to its handler. */
export function consumeEvents<S extends z.ZodType<EventEnvelope>>(
  definition: ConsumerServiceDefinition<S>,
  deps: ConsumeEventsDeps,
): Promise<RunningConsumer> {
  return startConsumer({
    events: deps.events,
    topology: deps.topology,
    durable: definition.name,
    filterSubject: wireSubject(deps.topology, definition.consumes.subject),
    schema: definition.consumes.schema,
    policy: deps.policy,
    logger: deps.logger,
    metrics: eventMetrics(deps.metrics.registry),
    handle: definition.handler({ pool: deps.pool, logger: deps.logger }),
  });
}

/**
 * The start-up of a consumer service: it serves at once and waits for PostgreSQL and NATS in the
 * background, and it is not ready until its consumer runs, since it serves nothing useful without it.
 */
export function startConsumerService<S extends z.ZodType<EventEnvelope>>(
  definition: ConsumerServiceDefinition<S>,
  config: ConsumerServiceConfig,
  logger: Logger,
): StartedService {
  const database = openDatabase(config, { migrationsDir: definition.migrationsDir, logger });
  const events = openEvents(config.NATS_URL, definition.name, logger, brokerCredentialsFromConfig(config));
  const metrics = createMetrics(definition.name);
  const lifecycle = new Lifecycle();
  lifecycle.startingUntil(database.migrated);
  let stopping = false;
  let consumer: RunningConsumer | undefined;
  const consume = (connection: EventsConnection): Promise<RunningConsumer> =>
    consumeEvents(definition, {
      events: connection,
      topology: topologyFromConfig(config, definition.consumes.subject),
      policy: consumerPolicyFromConfig(config),
      pool: database.pool,
      logger,
      metrics,
    });
  Promise.all([database.migrated, events.connected])
    .then(([, connection]) =>
      waitUntil(`the ${definition.consumes.subject} consumer`, () => consume(connection), {
        logger,
        stopped: () => stopping,
      }),
    )
    .then((started) => {
      consumer = started;
    })
    .catch((error: unknown) => logger.info({ err: error }, 'consumer not started'));
  const { app } = createConsumerApp(definition, {
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

/** The whole server.ts of a consumer service: config, start-up, listen, graceful shutdown. */
export function runConsumerService<S extends z.ZodType<EventEnvelope>>(
  definition: ConsumerServiceDefinition<S>,
): Promise<void> {
  return runService({
    name: definition.name,
    configSchema: consumerServiceConfigSchema,
    start: async (config, logger) => startConsumerService(definition, config, logger),
  });
}
