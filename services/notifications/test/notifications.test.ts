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
    expect(list.body).toEqual({
      items: [
        {
          id: expect.any(String),
          orderId: event.order.id,
          channel: 'email',
          message: `Order ${event.order.id} confirmed: 2 items, total 25.00.`,
          sentAt: expect.any(String),
        },
      ],
      nextCursor: null,
    });
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

  it("pages the caller's notifications newest first with a cursor: every one once, ties in time included", async () => {
    const userId = randomUUID();
    // Seven rows, three of them sent in the same microsecond: the id orders those.
    const times = ['2026-01-01T10:00:00.000001Z', '2026-01-01T10:00:00.000002Z'];
    const sentAt = [times[0], times[0], times[1], times[1], times[1], '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'];
    for (const [i, at] of sentAt.entries()) {
      await service.pool.query(
        `INSERT INTO notifications (id, event_id, order_id, user_id, channel, message, occurred_at, sent_at)
         VALUES ($1, $2, $3, $4, 'email', $5, $6, $6)`,
        [randomUUID(), randomUUID(), randomUUID(), userId, `n${i}`, at],
      );
    }
    const { rows } = await service.pool.query<{ id: string }>(
      'SELECT id FROM notifications WHERE user_id = $1 ORDER BY sent_at DESC, id DESC',
      [userId],
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await request(service.app)
        .get('/notifications')
        .query({ limit: 2, ...(cursor === null ? {} : { cursor }) })
        .set('x-user-id', userId);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...(res.body.items as { id: string }[]).map((n) => n.id));
      cursor = res.body.nextCursor as string | null;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(4);
    expect(seen).toEqual(rows.map((r) => r.id));
    // A page ends exactly at the limit: the last full page says there is nothing after it.
    const all = await request(service.app).get('/notifications?limit=7').set('x-user-id', userId);
    expect(all.body.items).toHaveLength(7);
    expect(all.body.nextCursor).toBeNull();
    // Another caller's cursor position shows them nothing of this user's.
    const first = await request(service.app).get('/notifications?limit=1').set('x-user-id', userId);
    const other = await request(service.app)
      .get('/notifications')
      .query({ cursor: first.body.nextCursor })
      .set('x-user-id', randomUUID());
    expect(other.body).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['a forged cursor', { cursor: 'not a cursor' }, 'query.cursor'],
    [
      'a cursor naming no time',
      { cursor: Buffer.from(`yesterday_${randomUUID()}`).toString('base64url') },
      'query.cursor',
    ],
    ['a limit above 100', { limit: 101 }, 'query.limit'],
    ['an unknown parameter', { sort: 'oldest' }, 'query.sort'],
  ])('answers 400 problem+json naming the parameter for %s', async (_name, query, field) => {
    const res = await request(service.app).get('/notifications').query(query).set('x-user-id', 'u');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual([expect.objectContaining({ field })]);
  });

  it('is ready while PostgreSQL and NATS answer', async () => {
    const res = await request(service.app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ postgres: 'ok', nats: 'ok' });
  });
});
