import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { createApp } from '../src/app.js';

const body = { orderKey: 'u1:key-1', userId: 'u1', amountCents: 1_250, currency: 'EUR' };

describe('payments', () => {
  it('approves with an id derived from the order key, the same on a repeat', async () => {
    const { app } = createApp({ logger: silentLogger() });
    const first = await request(app).post('/authorizations').send(body);
    const again = await request(app).post('/authorizations').send(body);
    const other = await request(app)
      .post('/authorizations')
      .send({ ...body, orderKey: 'u1:key-2' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'approved' });
    expect(again.body.id).toBe(first.body.id);
    expect(other.body.id).not.toBe(first.body.id);
  });

  it('declines above the limit with 402 and a reason', async () => {
    const { app } = createApp({ logger: silentLogger(), declineAboveCents: 1_000 });
    const res = await request(app).post('/authorizations').send(body);
    expect(res.status).toBe(402);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 402, reason: 'amount_over_limit' });
  });

  it('rejects an unknown currency and a non-integer amount naming both fields', async () => {
    const { app } = createApp({ logger: silentLogger() });
    const res = await request(app)
      .post('/authorizations')
      .send({ ...body, currency: 'XXX', amountCents: 1.5 });
    expect(res.status).toBe(400);
    expect((res.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['amountCents', 'currency']);
  });

  it('fails the configured share of requests with 503 when the knob is on, and adds latency', async () => {
    const draws = [0.1, 0.9, 0.2, 0.8];
    const { app } = createApp({
      logger: silentLogger(),
      failureKnob: { failureRate: 0.5, addedLatencyMs: 30, random: () => draws.shift() ?? 1 },
    });
    const started = performance.now();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await request(app).post('/authorizations').send(body)).status);
    expect(statuses).toEqual([503, 201, 503, 201]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(4 * 30);
  });
});
