import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractContext, newOrderPlacedEvent, toNatsHeaders, type OrderPlacedEvent } from '@mesh-kit/runtime';
import { startConsumerServiceForTest, type ConsumerServiceUnderTest } from '../../../test-support/consumer-service.js';
import { notifications } from '../src/service.js';

const traceId = '0af7651916cd43dd8448eb211c80319c';
let service: ConsumerServiceUnderTest;

function order(userId: string): OrderPlacedEvent['order'] {
  return {
    id: randomUUID(),
    userId,
    items: [{ sku: 'mug', quantity: 2, unitPriceCents: 1250 }],
    totalCents: 2500,
    currency: 'EUR',
  };
}

beforeAll(async () => {
  service = await startConsumerServiceForTest(notifications);
});

afterAll(async () => {
  await service.close();
});

describe('notifications', () => {
  it('sends one email per order, even when the event arrives twice, carrying the publisher trace id', async () => {
    const userId = randomUUID();
    const event = newOrderPlacedEvent(order(userId));
    const traceparent = `00-${traceId}-b7ad6b7169203331-01`;
    const { app, events, publisher, subject } = service;
    await publisher.publish(subject, event, extractContext({ traceparent }));
    // A second copy past the duplicate window (another Nats-Msg-Id, the same headers, as a relay
    // re-publish after a long outage would send it) must still be absorbed.
    await events.js.publish(subject, JSON.stringify(event), {
      msgID: randomUUID(),
      headers: toNatsHeaders({ traceparent }),
    });
    const other = newOrderPlacedEvent(order(randomUUID()));
    await publisher.publish(subject, other);

    await service.settled(3);
    const list = await request(app).get('/notifications').set('x-user-id', userId);
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
    expect((await request(app).get('/metrics')).text).toMatch(
      /events_processed_total\{consumer="notifications",service="notifications"\} 3/,
    );
    const rows = await service.pool.query('SELECT event_id, trace_id FROM notifications WHERE user_id = $1', [userId]);
    expect(rows.rows).toEqual([{ event_id: event.id, trace_id: traceId }]);
  });

  it('answers 401 naming x-user-id without a caller, and 400 naming limit when it is out of range', async () => {
    const anonymous = await request(service.app).get('/notifications');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors).toEqual([{ field: 'x-user-id', message: 'missing' }]);
    const bad = await request(service.app).get('/notifications?limit=0').set('x-user-id', 'u');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'query.limit' })]);
  });

  it('is ready while PostgreSQL and NATS answer', async () => {
    const res = await request(service.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ postgres: 'ok', nats: 'ok' });
  });
});
