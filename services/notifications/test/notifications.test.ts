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
  extractContext,
  migrate,
  namespacedTopology,
  newOrderPlacedEvent,
  ORDER_PLACED_SUBJECT,
  ORDERS_TOPOLOGY,
  toNatsHeaders,
  wireSubject,
  type EventsConnection,
  type OrderPlacedEvent,
  type RunningConsumer,
} from '@mesh-kit/runtime';
import { createTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { createApp } from '../src/app.js';
import { NotificationStore } from '../src/notification-store.js';
import { consumeOrderPlaced } from '../src/order-placed-consumer.js';

const migrations = fileURLToPath(new URL('../migrations', import.meta.url));
const topology = namespacedTopology(ORDERS_TOPOLOGY, `tn${randomBytes(3).toString('hex')}`);
const subject = wireSubject(topology, ORDER_PLACED_SUBJECT);
const traceId = '0af7651916cd43dd8448eb211c80319c';
let db: TestDatabase;
let pool: pg.Pool;
let events: EventsConnection;
let consumer: RunningConsumer;
let app: ReturnType<typeof createApp>['app'];
let publisher: EventPublisher;

function order(userId: string): OrderPlacedEvent['order'] {
  return { id: randomUUID(), userId, items: [{ sku: 'mug', quantity: 2, unitPriceCents: 1250 }], totalCents: 2500 };
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const until = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  db = await createTestDatabase('notifications');
  await migrate(db.url, migrations, silentLogger());
  pool = new pg.Pool({ connectionString: db.url });
  events = await connectEvents(inject('backing').natsUrl, 'notifications-test', silentLogger());
  const metrics = createMetrics('notifications');
  app = createApp({ pool, logger: silentLogger(), metrics, readiness: { nats: events.readiness } }).app;
  // The streams are the publisher's; a consumer only attaches to them.
  await ensureStreams(events.jsm, topology);
  consumer = await consumeOrderPlaced({
    events,
    topology,
    policy: { maxDeliver: 3, redeliveryDelaysMs: [50, 100] },
    store: new NotificationStore(pool),
    logger: silentLogger(),
    metrics,
  });
  publisher = new EventPublisher(events.js, eventMetrics(metrics.registry));
});

afterAll(async () => {
  await consumer.stop();
  await events.jsm.streams.delete(topology.stream).catch(() => undefined);
  await events.jsm.streams.delete(topology.deadLetterStream).catch(() => undefined);
  await events.close();
  await pool.end();
  await db.drop();
});

describe('notifications', () => {
  it('sends one email per order, even when the event arrives twice, carrying the publisher trace id', async () => {
    const userId = randomUUID();
    const event = newOrderPlacedEvent(order(userId));
    const traceparent = `00-${traceId}-b7ad6b7169203331-01`;
    await publisher.publish(subject, event, extractContext({ traceparent }));
    // A second copy past the duplicate window (another Nats-Msg-Id, the same headers, as a relay
    // re-publish after a long outage would send it) must still be absorbed.
    await events.js.publish(subject, JSON.stringify(event), {
      msgID: randomUUID(),
      headers: toNatsHeaders({ traceparent }),
    });
    const other = newOrderPlacedEvent(order(randomUUID()));
    await publisher.publish(subject, other);

    const list = await eventually(
      () => request(app).get('/notifications').set('x-user-id', userId),
      (res) => res.body.length > 0,
    );
    expect(list.status).toBe(200);
    expect(list.body).toEqual([
      {
        id: expect.any(String),
        orderId: event.order.id,
        channel: 'email',
        message: `Order ${event.order.id} confirmed: 2 items, total 25.00.`,
        sentAt: expect.any(String),
      },
    ]);
    await eventually(
      () => request(app).get('/metrics'),
      (res) => /events_processed_total\{consumer="notifications",service="notifications"\} 3/.test(res.text),
    );
    const rows = await pool.query('SELECT event_id, trace_id FROM notifications WHERE user_id = $1', [userId]);
    expect(rows.rows).toEqual([{ event_id: event.id, trace_id: traceId }]);
  });

  it('answers 401 naming x-user-id without a caller, and 400 naming limit when it is out of range', async () => {
    const anonymous = await request(app).get('/notifications');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors).toEqual([{ field: 'x-user-id', message: 'missing' }]);
    const bad = await request(app).get('/notifications?limit=0').set('x-user-id', 'u');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'query.limit' })]);
  });

  it('is ready while PostgreSQL and NATS answer', async () => {
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ postgres: 'ok', nats: 'ok' });
  });
});
