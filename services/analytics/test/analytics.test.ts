import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOrderPlacedEvent } from '@mesh-kit/runtime';
import { startConsumerServiceForTest, type ConsumerServiceUnderTest } from '../../../test-support/consumer-service.js';
import { analytics } from '../src/service.js';

let service: ConsumerServiceUnderTest;

beforeAll(async () => {
  service = await startConsumerServiceForTest(analytics);
  const { events, publisher, subject } = service;
  const line = { sku: 'pen', quantity: 1, unitPriceCents: 100 };
  const placed = [
    newOrderPlacedEvent(
      { id: randomUUID(), userId: 'ada', items: [line], totalCents: 100, currency: 'EUR' },
      new Date('2026-11-24T23:59:59Z'),
    ),
    newOrderPlacedEvent(
      { id: randomUUID(), userId: 'ada', items: [line], totalCents: 250, currency: 'EUR' },
      new Date('2026-11-25T00:00:01Z'),
    ),
    newOrderPlacedEvent(
      { id: randomUUID(), userId: 'bo', items: [line], totalCents: 1000, currency: 'EUR' },
      new Date('2026-11-25T10:00:00Z'),
    ),
  ];
  for (const event of placed) await publisher.publish(subject, event);
  // A redelivered copy (another Nats-Msg-Id, so the stream keeps it) must not count twice.
  await events.js.publish(subject, JSON.stringify(placed[2]), { msgID: randomUUID() });
  await service.settled(4);
});

afterAll(async () => {
  await service.close();
});

describe('analytics', () => {
  it('counts each order once, per UTC day and per user', async () => {
    const res = await request(service.app).get('/stats').set('x-user-id', 'ada');
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
    const res = await request(service.app).get('/stats?days=1');
    expect(res.body).toEqual({
      orders: 3,
      revenueCents: 1350,
      byDay: [{ day: '2026-11-25', orders: 2, revenueCents: 1250 }],
    });
    const bad = await request(service.app).get('/stats?days=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'query.days' })]);
  });

  it('is ready while PostgreSQL and NATS answer', async () => {
    const res = await request(service.app).get('/readyz');
    expect(res.body.checks).toEqual({ postgres: 'ok', nats: 'ok' });
  });
});
