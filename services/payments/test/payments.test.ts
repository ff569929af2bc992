import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@mesh-kit/runtime';
import { createTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { listen, type Listening } from '../../../test-support/listen.js';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { createApp, type PaymentsDeps } from '../src/app.js';

let db: TestDatabase;
let pool: pg.Pool;
const servers: Listening[] = [];

/** Payments over real HTTP on a loopback port, on a real (fresh) PostgreSQL database. */
async function serve(deps: Omit<PaymentsDeps, 'pool' | 'logger'> = {}): Promise<string> {
  const server = await listen(createApp({ pool, logger: silentLogger(), ...deps }).app);
  servers.push(server);
  return server.url;
}

const body = (over: Record<string, unknown> = {}) => ({
  orderKey: randomUUID(),
  userId: `u-${randomUUID()}`,
  amountCents: 1_250,
  currency: 'EUR',
  ...over,
});

beforeAll(async () => {
  db = await createTestDatabase('payments');
  // As the service runs: migrated by the owner, served by the DML-only runtime role.
  await migrate(db.ownerUrl, fileURLToPath(new URL('../migrations', import.meta.url)), silentLogger());
  pool = new pg.Pool({ connectionString: db.runtimeUrl });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await pool.end();
  await db.drop();
});

describe('payments', () => {
  it('approves with the amount and currency authorized, the same authorization on a repeat', async () => {
    const url = await serve();
    const first = body();
    const res = await request(url).post('/authorizations').send(first);
    const again = await request(url).post('/authorizations').send(first);
    const other = await request(url)
      .post('/authorizations')
      .send({ ...first, orderKey: randomUUID() });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'approved',
      amountCents: 1_250,
      currency: 'EUR',
    });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(res.body.id);
    expect(other.body.id).not.toBe(res.body.id);
  });

  it('answers 409 naming the field for a known key with another amount, currency or user', async () => {
    const url = await serve();
    const first = body();
    expect((await request(url).post('/authorizations').send(first)).status).toBe(201);
    const amount = await request(url)
      .post('/authorizations')
      .send({ ...first, amountCents: 300 });
    const currency = await request(url)
      .post('/authorizations')
      .send({ ...first, currency: 'USD' });
    const user = await request(url)
      .post('/authorizations')
      .send({ ...first, userId: 'someone-else' });
    for (const [res, field] of [
      [amount, 'amountCents'],
      [currency, 'currency'],
      [user, 'userId'],
    ] as const) {
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((res.body.errors as { field: string }[]).map((e) => e.field)).toEqual([field]);
    }
  });

  it('declines above the per-payment limit with a 402 that does not reveal the limit', async () => {
    const url = await serve({ rules: { declineAboveCents: 1_000 } });
    const res = await request(url).post('/authorizations').send(body());
    expect(res.status).toBe(402);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.stringify(res.body)).not.toContain('1000');
    expect(JSON.stringify(res.body)).not.toContain('limit');
  });

  it('declines a user over the velocity limit (count and cents per window), not other users', async () => {
    const url = await serve({ rules: { velocityMaxCount: 3, velocityMaxCents: 1_000_000 } });
    const userId = `u-${randomUUID()}`;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      statuses.push((await request(url).post('/authorizations').send(body({ userId }))).status);
    }
    expect(statuses).toEqual([201, 201, 201, 402]);
    expect((await request(url).post('/authorizations').send(body())).status).toBe(201);

    // Splitting an order under the per-payment limit does not get past the cents per window.
    const centsUrl = await serve({ rules: { declineAboveCents: 5_000, velocityMaxCents: 10_000 } });
    const splitter = `u-${randomUUID()}`;
    const split: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      split.push(
        (
          await request(centsUrl)
            .post('/authorizations')
            .send(body({ userId: splitter, amountCents: 4_000 }))
        ).status,
      );
    }
    expect(split).toEqual([201, 201, 402]);
    const refused = await request(centsUrl)
      .post('/authorizations')
      .send(body({ userId: splitter, amountCents: 4_000 }));
    expect(JSON.stringify(refused.body)).not.toContain('10000');
  });

  it('holds the velocity limit for authorizations of one user that arrive at once', async () => {
    // The per-user advisory lock inside authorize_payment serializes them: without it each
    // concurrent call counts the same earlier rows and all of them pass.
    const url = await serve({ rules: { velocityMaxCount: 3, velocityMaxCents: 1_000_000 } });
    const userId = `u-${randomUUID()}`;
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => request(url).post('/authorizations').send(body({ userId }))),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 402, 402, 402, 402, 402]);
  });

  it('rejects an unknown currency, a non-integer amount and a user id over the shared limit, naming each', async () => {
    const url = await serve();
    const res = await request(url)
      .post('/authorizations')
      .send(body({ currency: 'XXX', amountCents: 1.5, userId: 'u'.repeat(101) }));
    expect(res.status).toBe(400);
    expect((res.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'amountCents',
      'currency',
      'userId',
    ]);
  });

  it('refuses control characters in orderKey and userId with 400 naming each (a NUL was a 500)', async () => {
    const url = await serve();
    const res = await request(url)
      .post('/authorizations')
      .send(body({ orderKey: 'k\u0000', userId: 'u\u0000' }));
    expect(res.status).toBe(400);
    expect((res.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['orderKey', 'userId']);
  });

  it('fails the configured share of requests with 503 when the knob is on, and adds latency', async () => {
    const draws = [0.1, 0.9, 0.2, 0.8];
    const url = await serve({
      failureKnob: { failureRate: 0.5, addedLatencyMs: 30, random: () => draws.shift() ?? 1 },
    });
    const started = performance.now();
    const statuses: number[] = [];
    const same = body();
    for (let i = 0; i < 4; i += 1) statuses.push((await request(url).post('/authorizations').send(same)).status);
    expect(statuses).toEqual([503, 201, 503, 201]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(4 * 30);
  });
});
