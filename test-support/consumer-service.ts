import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import pg from 'pg';
import { inject } from 'vitest';
import {
  connectEvents,
  consumeEvents,
  createConsumerApp,
  createMetrics,
  eventMetrics,
  EventPublisher,
  ensureStreams,
  migrate,
  namespacedTopology,
  ORDERS_TOPOLOGY,
  wireSubject,
  type ConsumerPolicy,
  type ConsumerServiceDefinition,
  type EventEnvelope,
  type EventsConnection,
  type EventTopology,
} from '@mesh-kit/runtime';
import type { z } from 'zod';
import { createTestDatabase } from './databases.js';
import { silentLogger } from './silent-logger.js';

/** A consumer service wired as in production, on its own database and its own streams. */
export interface ConsumerServiceUnderTest {
  readonly app: Express;
  readonly pool: pg.Pool;
  readonly events: EventsConnection;
  readonly topology: EventTopology;
  /** The service's subject on this test's streams. */
  readonly subject: string;
  readonly publisher: EventPublisher;
  /** Resolves once the service's consumer has been delivered `delivered` messages and has none pending. */
  settled(delivered: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The first delay is also JetStream's ack wait: well above a handler's time on a loaded machine, so
 * that nothing is redelivered unless a handler fails and counts stay exact.
 */
const TEST_POLICY: ConsumerPolicy = { maxDeliver: 3, redeliveryDelaysMs: [5_000, 5_000] };

export async function startConsumerServiceForTest<S extends z.ZodType<EventEnvelope>>(
  definition: ConsumerServiceDefinition<S>,
  policy: ConsumerPolicy = TEST_POLICY,
): Promise<ConsumerServiceUnderTest> {
  const logger = silentLogger();
  const db = await createTestDatabase(definition.name);
  await migrate(db.url, definition.migrationsDir, logger);
  const pool = new pg.Pool({ connectionString: db.url });
  const events = await connectEvents(inject('backing').natsUrl, `${definition.name}-test`, logger);
  const topology = namespacedTopology(ORDERS_TOPOLOGY, `t${randomBytes(4).toString('hex')}`);
  const metrics = createMetrics(definition.name);
  const { app } = createConsumerApp(definition, { pool, logger, metrics, readiness: { nats: events.readiness } });
  // The streams are the publisher's (orders creates them); a consumer only attaches to them.
  await ensureStreams(events.jsm, topology);
  const consumer = await consumeEvents(definition, { events, topology, policy, pool, logger, metrics });
  return {
    app,
    pool,
    events,
    topology,
    subject: wireSubject(topology, definition.consumes.subject),
    publisher: new EventPublisher(events.js, eventMetrics(metrics.registry)),
    async settled(delivered) {
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        const info = await events.jsm.consumers.info(topology.stream, definition.name);
        if (info.num_pending + info.num_ack_pending === 0 && info.delivered.stream_seq >= delivered) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`${definition.name} was not delivered ${delivered} messages within 10 s`);
    },
    async close() {
      await consumer.stop();
      await events.jsm.streams.delete(topology.stream).catch(() => undefined);
      await events.jsm.streams.delete(topology.deadLetterStream).catch(() => undefined);
      await events.close();
      await pool.end();
      await db.drop();
    },
  };
}
