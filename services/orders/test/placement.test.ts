import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, migrate, postgresProbe, type PostgresProbe } from '@mesh-kit/runtime';
import { createTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { listen, type Listening } from '../../../test-support/listen.js';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { createApp as createUsersApp } from '@mesh-kit/users/app';
import { createApp as createPaymentsApp } from '@mesh-kit/payments/app';
import { createApp as createProductsApp } from '@mesh-kit/products/app';
import { createApp } from '../src/app.js';
import { OrderStore } from '../src/order-store.js';

// Placement holds no connection, transaction or lock while users, products and payments answer; a request
// that died between reserving and confirming is completed by a retry with the same key.

const dir = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const SLOW_PAYMENTS_MS = 2_500;
let ordersDb: TestDatabase;
let usersDb: TestDatabase;
let productsDb: TestDatabase;
let paymentsDb: TestDatabase;
let ordersPool: pg.Pool;
let usersPool: pg.Pool;
let productsPool: pg.Pool;
let paymentsPool: pg.Pool;
let products: Listening;
let admin: pg.Pool;
let probe: PostgresProbe;
let users: Listening;
let payments: Listening;
const authorizations: string[] = [];
let app: ReturnType<typeof createApp>['app'];
let userId: string;

// tea-01 costs 450 in the products service's seeded catalogue.
const items = [{ sku: 'tea-01', quantity: 2 }];
let keyCounter = 0;
const newKey = (): string => `placement-${Date.now()}-${(keyCounter += 1)}`;
const place = (key: string, body: unknown = { items }) =>
  request(app)
    .post('/orders')
    .set('x-user-id', userId)
    .set('idempotency-key', key)
    .send(body as object);
const count = async (sql: string, params: unknown[] = []): Promise<number> =>
  (await admin.query<{ n: number }>(sql, params)).rows[0]!.n;

beforeAll(async () => {
  [ordersDb, usersDb, productsDb, paymentsDb] = await Promise.all([
    createTestDatabase('placement'),
    createTestDatabase('placement_users'),
    createTestDatabase('placement_products'),
    createTestDatabase('placement_payments'),
  ]);
  await Promise.all([
    migrate(ordersDb.url, dir('../migrations'), silentLogger()),
    migrate(usersDb.url, dir('../../users/migrations'), silentLogger()),
    migrate(productsDb.url, dir('../../products/migrations'), silentLogger()),
    migrate(paymentsDb.url, dir('../../payments/migrations'), silentLogger()),
  ]);
  // As the server has it (10 connections, /readyz on its own connection), but waiting up to half the
  // payments delay for a connection: a busy machine gets slack, while a placement that held its
  // connection through payments would still starve the 11th and 12th orders into 503s.
  ordersPool = createPool(ordersDb.url, {
    logger: silentLogger(),
    max: 10,
    connectionTimeoutMillis: SLOW_PAYMENTS_MS / 2,
  });
  probe = postgresProbe(ordersDb.url, { timeoutMs: 500, logger: silentLogger() });
  admin = new pg.Pool({ connectionString: ordersDb.url, max: 2 });
  usersPool = new pg.Pool({ connectionString: usersDb.url });
  productsPool = new pg.Pool({ connectionString: productsDb.url });
  paymentsPool = new pg.Pool({ connectionString: paymentsDb.url });
  users = await listen(createUsersApp({ pool: usersPool, logger: silentLogger() }).app);
  products = await listen(createProductsApp({ pool: productsPool, logger: silentLogger() }).app);
  const slowPayments = createPaymentsApp({
    pool: paymentsPool,
    logger: silentLogger(),
    rules: { velocityMaxCount: 1_000 },
    failureKnob: { failureRate: 0, addedLatencyMs: SLOW_PAYMENTS_MS },
  }).app;
  payments = await listen((req: IncomingMessage, res: ServerResponse) => {
    authorizations.push(req.url ?? '');
    slowPayments(req, res);
  });
  app = createApp({
    pool: ordersPool,
    logger: silentLogger(),
    usersUrl: users.url,
    productsUrl: products.url,
    paymentsUrl: payments.url,
    readiness: { postgres: probe.check },
  }).app;
  userId = randomUUID();
  await request(users.url)
    .post('/users')
    .set('x-user-id', userId)
    .send({ name: 'Ada', email: `ada-${userId}@example.com` })
    .expect(201);
});

afterAll(async () => {
  await Promise.all([users.close(), products.close(), payments.close()]);
  await Promise.all([
    ordersPool.end(),
    usersPool.end(),
    productsPool.end(),
    paymentsPool.end(),
    admin.end(),
    probe.close(),
  ]);
  await Promise.all([ordersDb.drop(), usersDb.drop(), productsDb.drop(), paymentsDb.drop()]);
});

describe('no connection held while users and payments answer', () => {
  it(`12 concurrent orders with payments taking ${SLOW_PAYMENTS_MS} ms: all placed, pool idle, /readyz fast`, async () => {
    const started = Date.now();
    const reachedPayments = authorizations.length;
    const placing = Promise.all(Array.from({ length: 12 }, () => place(newKey())));
    // Once all 12 have reached payments, every request waits on it for SLOW_PAYMENTS_MS.
    await expect.poll(() => authorizations.length - reachedPayments, { timeout: SLOW_PAYMENTS_MS * 4 }).toBe(12);
    const midway = {
      checkedOut: ordersPool.totalCount - ordersPool.idleCount,
      waiting: ordersPool.waitingCount,
      inTransaction: await count(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
      ),
    };
    const readyStarted = Date.now();
    const ready = await request(app).get('/readyz');
    const readyMs = Date.now() - readyStarted;
    const answers = await placing;

    expect(Date.now() - started, 'the orders really waited on payments').toBeGreaterThanOrEqual(SLOW_PAYMENTS_MS);
    expect(midway).toEqual({ checkedOut: 0, waiting: 0, inTransaction: 0 });
    expect(ready.status).toBe(200);
    expect(readyMs, '/readyz did not wait behind payments').toBeLessThan(SLOW_PAYMENTS_MS / 2);
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(201));
  });

  it('concurrent duplicates of a slow order wait for it: one order, one outbox row, all answered with it', async () => {
    const key = newKey();
    const answers = await Promise.all(Array.from({ length: 6 }, () => place(key)));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM orders WHERE idempotency_key = $1', [key])).toBe(1);
    expect(
      await count("SELECT count(*)::int AS n FROM outbox WHERE payload->'order'->>'id' = $1", [answers[0]!.body.id]),
    ).toBe(1);
  });
});

const priced = { items: [{ sku: 'tea-01', quantity: 2, unitPriceCents: 450 }], totalCents: 900, currency: 'EUR' };

describe('a request that died between reserving and confirming', () => {
  it('leaves a pending order that a retry with the same key completes: same id, one charge, one event', async () => {
    const key = newKey();
    // The first request reserved the key and then died (no confirm, no release).
    const store = new OrderStore(ordersPool, 60_000);
    const reserved = await store.reserve({ userId, idempotencyKey: key, items });
    expect(reserved.kind).toBe('reserved');
    const pendingId = reserved.kind === 'reserved' ? reserved.reservation.id : '';
    // Not visible as an order while pending.
    expect((await request(app).get(`/orders/${pendingId}`).set('x-user-id', userId)).status).toBe(404);

    // Within the lease a retry waits; once the lease is over it takes the reservation over.
    await admin.query("UPDATE orders SET pending_until = now() - interval '1 second' WHERE id = $1", [pendingId]);
    const before = authorizations.length;
    const retried = await place(key);
    expect(retried.status).toBe(201);
    expect(retried.body.id).toBe(pendingId);
    expect(authorizations.length - before, 'one authorization call for the retry').toBe(1);
    const row = await admin.query('SELECT status, payment_id, items, total_cents FROM orders WHERE id = $1', [
      pendingId,
    ]);
    // The retry priced the lines the reservation held: the stored price is the catalogue's.
    expect(row.rows).toEqual([
      { status: 'confirmed', payment_id: expect.any(String), items: priced.items, total_cents: '900' },
    ]);
    expect(await count("SELECT count(*)::int AS n FROM outbox WHERE payload->'order'->>'id' = $1", [pendingId])).toBe(
      1,
    );

    // A later replay is answered from the database alone.
    const replay = await place(key);
    expect(replay.body).toEqual(retried.body);
    expect(authorizations.length - before).toBe(1);
  });

  it('a late confirm by the first request after a takeover changes nothing: one order, one event', async () => {
    const key = newKey();
    const store = new OrderStore(ordersPool, 60_000);
    const first = await store.reserve({ userId, idempotencyKey: key, items });
    if (first.kind !== 'reserved') throw new Error(first.kind);
    await admin.query("UPDATE orders SET pending_until = now() - interval '1 second' WHERE id = $1", [
      first.reservation.id,
    ]);
    const second = await store.reserve({ userId, idempotencyKey: key, items });
    if (second.kind !== 'reserved') throw new Error(second.kind);
    expect(second.reservation).toMatchObject({ id: first.reservation.id, takenOver: true });
    expect((await store.confirm(second.reservation, priced, 'pay-1', {})).kind).toBe('created');
    expect((await store.confirm(first.reservation, priced, 'pay-1', {})).kind).toBe('replayed');
    // The first one's release cannot drop the order the second confirmed.
    await store.release(first.reservation);
    expect(await count('SELECT count(*)::int AS n FROM orders WHERE idempotency_key = $1', [key])).toBe(1);
    expect(
      await count("SELECT count(*)::int AS n FROM outbox WHERE payload->'order'->>'id' = $1", [first.reservation.id]),
    ).toBe(1);
  });
});
