import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  connectEvents,
  createMetrics,
  ensureStreams,
  eventMetrics,
  EventPublisher,
  migrate,
  namespacedTopology,
  newOrderPlacedEvent,
  ORDER_PLACED_SUBJECT,
  ORDERS_TOPOLOGY,
  wireSubject,
  type EventsConnection,
  type RunningConsumer,
} from '@mesh-kit/runtime';
import { createTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { createApp } from '../src/app.js';
import { consumeOrderPlaced } from '../src/order-placed-consumer.js';
import { StatsStore } from '../src/stats-store.js';

const migrations = fileURLToPath(new URL('../migrations', import.meta.url));
const topology = namespacedTopology(ORDERS_TOPOLOGY, `ta${randomBytes(3).toString('hex')}`);
const subject = wireSubject(topology, ORDER_PLACED_SUBJECT);
let db: TestDatabase;
let pool: pg.Pool;
let events: EventsConnection;
let consumer: RunningConsumer;
let app: ReturnType<typeof createApp>['app'];

beforeAll(async () => {
  db = await createTestDatabase('analytics');
  await migrate(db.url, migrations, silentLogger());
  pool = new pg.Pool({ connectionString: db.url });
  events = await connectEvents(inject('backing').natsUrl, 'analytics-test', silentLogger());
  const metrics = createMetrics('analytics');
  app = createApp({ pool, logger: silentLogger(), metrics, readiness: { nats: events.readiness } }).app;
  // The streams are the publisher's; a consumer only attaches to them.
  await ensureStreams(events.jsm, topology);
  consumer = await consumeOrderPlaced({
    events,
    topology,
    policy: { maxDeliver: 3, redeliveryDelaysMs: [50, 100] },
    store: new StatsStore(pool),
    logger: silentLogger(),
    metrics,
  });
  const publisher = new EventPublisher(events.js, eventMetrics(metrics.registry));
  const line = { sku: 'pen', quantity: 1, unitPriceCents: 100 };
  const placed = [
    newOrderPlacedEvent(
      { id: randomUUID(), userId: 'ada', items: [line], totalCents: 100 },
      new Date('2026-11-24T23:59:59Z'),
    ),
    newOrderPlacedEvent(
      { id: randomUUID(), userId: 'ada', items: [line], totalCents: 250 },
      new Date('2026-11-25T00:00:01Z'),
    ),
    newOrderPlacedEvent(
      { id: randomUUID(), userId: 'bo', items: [line], totalCents: 1000 },
      new Date('2026-11-25T10:00:00Z'),
    ),
  ];
  for (const event of placed) await publisher.publish(subject, event);
  // A redelivered copy (another Nats-Msg-Id, so the stream keeps it) must not count twice.
  await events.js.publish(subject, JSON.stringify(placed[2]), { msgID: randomUUID() });
});

afterAll(async () => {
  await consumer.stop();
  await events.jsm.streams.delete(topology.stream).catch(() => undefined);
  await events.jsm.streams.delete(topology.deadLetterStream).catch(() => undefined);
  await events.close();
  await pool.end();
  await db.drop();
});

async function settled(): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    const info = await events.jsm.consumers.info(topology.stream, 'analytics');
    if (info.num_pending + info.num_ack_pending === 0 && info.delivered.stream_seq >= 4) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('analytics', () => {
  it('counts each order once, per UTC day and per user', async () => {
    await settled();
    const res = await request(app).get('/stats').set('x-user-id', 'ada');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      orders: 3,
      revenueCents: 1350,
      byDay: [
        { day: '2026-11-24', orders: 1, revenueCents: 100 },
        { day: '2026-11-25', orders: 2, revenueCents: 1250 },
      ],
      user: { userId: 'ada', orders: 2, revenueCents: 350 },
    });
  });

  it('answers shop-wide counters without a caller, limits the days, and names a bad days value', async () => {
    const res = await request(app).get('/stats?days=1');
    expect(res.body).toEqual({
      orders: 3,
      revenueCents: 1350,
      byDay: [{ day: '2026-11-25', orders: 2, revenueCents: 1250 }],
    });
    const bad = await request(app).get('/stats?days=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'query.days' })]);
  });

  it('is ready while PostgreSQL and NATS answer', async () => {
    const res = await request(app).get('/readyz');
    expect(res.body.checks).toEqual({ postgres: 'ok', nats: 'ok' });
  });
});
