import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate, orderPlacedEventSchema } from '@mesh-kit/runtime';
import { createTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { listen, type Listening } from '../../../test-support/listen.js';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { createApp as createUsersApp } from '@mesh-kit/users/app';
import { createApp as createPaymentsApp } from '@mesh-kit/payments/app';
import { createApp as createProductsApp } from '@mesh-kit/products/app';
import { createApp } from '../src/app.js';

const dir = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
let ordersDb: TestDatabase;
let usersDb: TestDatabase;
let productsDb: TestDatabase;
let paymentsDb: TestDatabase;
let ordersPool: pg.Pool;
let usersPool: pg.Pool;
let productsPool: pg.Pool;
let paymentsPool: pg.Pool;
let users: Listening;
let products: Listening;
let payments: Listening;
let app: ReturnType<typeof createApp>['app'];
let userId: string;

// Priced by the products service's seeded catalogue: tea-01 450, mug-001 1200.
const items = [
  { sku: 'tea-01', quantity: 2 },
  { sku: 'mug-001', quantity: 1 },
];
const charged = [
  { sku: 'tea-01', quantity: 2, unitPriceCents: 450 },
  { sku: 'mug-001', quantity: 1, unitPriceCents: 1_200 },
];
let keyCounter = 0;
const newKey = (): string => `key-${Date.now()}-${(keyCounter += 1)}`;
const place = (key: string, body: unknown = { items }, user = userId) =>
  request(app)
    .post('/orders')
    .set('x-user-id', user)
    .set('idempotency-key', key)
    .send(body as object);
const count = async (table: 'orders' | 'outbox'): Promise<number> =>
  (await ordersPool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;

beforeAll(async () => {
  [ordersDb, usersDb, productsDb, paymentsDb] = await Promise.all([
    createTestDatabase('orders'),
    createTestDatabase('orders_users'),
    createTestDatabase('orders_products'),
    createTestDatabase('orders_payments'),
  ]);
  await Promise.all([
    migrate(ordersDb.url, dir('../migrations'), silentLogger()),
    migrate(usersDb.url, dir('../../users/migrations'), silentLogger()),
    migrate(productsDb.url, dir('../../products/migrations'), silentLogger()),
    migrate(paymentsDb.url, dir('../../payments/migrations'), silentLogger()),
  ]);
  ordersPool = new pg.Pool({ connectionString: ordersDb.url });
  usersPool = new pg.Pool({ connectionString: usersDb.url });
  productsPool = new pg.Pool({ connectionString: productsDb.url });
  paymentsPool = new pg.Pool({ connectionString: paymentsDb.url });
  users = await listen(createUsersApp({ pool: usersPool, logger: silentLogger() }).app);
  products = await listen(createProductsApp({ pool: productsPool, logger: silentLogger() }).app);
  payments = await listen(
    createPaymentsApp({ pool: paymentsPool, logger: silentLogger(), rules: { declineAboveCents: 50_000 } }).app,
  );
  app = createApp({
    pool: ordersPool,
    logger: silentLogger(),
    usersUrl: users.url,
    productsUrl: products.url,
    paymentsUrl: payments.url,
  }).app;
});

beforeEach(async () => {
  userId = randomUUID();
  await request(users.url)
    .post('/users')
    .set('x-user-id', userId)
    .send({ name: 'Grace', email: `grace-${userId}@example.com` })
    .expect(201);
});

afterAll(async () => {
  await Promise.all([users.close(), products.close(), payments.close()]);
  await Promise.all([ordersPool.end(), usersPool.end(), productsPool.end(), paymentsPool.end()]);
  await Promise.all([ordersDb.drop(), usersDb.drop(), productsDb.drop(), paymentsDb.drop()]);
});

describe('POST /orders', () => {
  it('creates the order with its outbox row, and reads it back', async () => {
    const res = await place(newKey());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ userId, items: charged, totalCents: 2_100, currency: 'EUR', status: 'confirmed' });
    const outbox = await ordersPool.query('SELECT subject, payload FROM outbox WHERE payload->$1->>$2 = $3', [
      'order',
      'id',
      res.body.id,
    ]);
    expect(outbox.rows).toEqual([{ subject: 'orders.placed', payload: expect.objectContaining({ version: 1 }) }]);

    const read = await request(app).get(`/orders/${res.body.id}`).set('x-user-id', userId);
    expect(read.body).toEqual(res.body);
    const list = await request(app).get('/orders').set('x-user-id', userId);
    expect(list.body).toEqual([res.body]);
  });

  it('writes the orders.placed event its consumers parse, with the order as charged', async () => {
    const res = await place(newKey());
    const { rows } = await ordersPool.query<{ id: string; payload: unknown }>(
      "SELECT id, payload FROM outbox WHERE payload->'order'->>'id' = $1",
      [res.body.id],
    );
    const event = orderPlacedEventSchema.parse(rows[0]?.payload);
    expect(event.id).toBe(rows[0]!.id);
    expect(event.occurredAt).toBe(res.body.createdAt);
    expect(rows[0]!.payload).toEqual({
      id: event.id,
      type: 'orders.placed',
      version: 1,
      occurredAt: res.body.createdAt,
      order: { id: res.body.id, userId, items: res.body.items, totalCents: res.body.totalCents, currency: 'EUR' },
    });
  });

  it('answers a replay of the same key and body with the same order, and writes nothing', async () => {
    const key = newKey();
    const first = await place(key);
    const before = [await count('orders'), await count('outbox')];
    const replay = await place(key);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect([await count('orders'), await count('outbox')]).toEqual(before);
  });

  it('answers 422 when the key is reused with a different body', async () => {
    const key = newKey();
    const first = await place(key);
    const reuse = await place(key, { items: [{ sku: 'cap-007', quantity: 1 }] });
    expect(reuse.status).toBe(422);
    expect(reuse.body).toMatchObject({ orderId: first.body.id, errors: [{ field: 'Idempotency-Key' }] });
  });

  it('creates exactly one order for concurrent requests with one key', async () => {
    const key = newKey();
    const before = await count('orders');
    const answers = await Promise.all(Array.from({ length: 12 }, () => place(key)));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(201));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(await count('orders')).toBe(before + 1);
  });

  it('answers 422 for an unknown user and 402 for a declined payment, writing nothing', async () => {
    const before = [await count('orders'), await count('outbox')];
    const unknown = await place(newKey(), { items }, '7f1d3c8e-7a9b-4c31-9d2e-2f0a6b8c1d23');
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([{ field: 'x-user-id', message: 'unknown user' }]);
    const declined = await place(newKey(), { items: [{ sku: 'espresso-9', quantity: 1 }] });
    expect(declined.status).toBe(402);
    expect(declined.body.detail).toBe('Payment declined.');
    expect([await count('orders'), await count('outbox')]).toEqual(before);
  });

  it('answers 503 when payments cannot be reached, writing nothing', async () => {
    const down = createApp({
      pool: ordersPool,
      logger: silentLogger(),
      usersUrl: users.url,
      productsUrl: products.url,
      paymentsUrl: 'http://127.0.0.1:9',
    }).app;
    const before = await count('orders');
    const res = await request(down)
      .post('/orders')
      .set('x-user-id', userId)
      .set('idempotency-key', newKey())
      .send({ items });
    expect(res.status).toBe(503);
    expect(res.body.detail).toMatch(/payments/);
    expect(await count('orders')).toBe(before);
  });

  it('carries the incoming trace context onto the outbox row', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const res = await request(app)
      .post('/orders')
      .set('x-user-id', userId)
      .set('idempotency-key', newKey())
      .set('traceparent', traceparent)
      .set('x-request-id', 'req-123')
      .send({ items });
    const row = await ordersPool.query('SELECT headers FROM outbox WHERE payload->$1->>$2 = $3', [
      'order',
      'id',
      res.body.id,
    ]);
    expect(row.rows[0].headers).toMatchObject({
      traceparent,
      'x-b3-traceid': '4bf92f3577b34da6a3ce929d0e0e4736',
      'x-request-id': 'req-123',
    });
  });
});

describe('prices come from products', () => {
  it('refuses a body that carries a price with 400 naming the field, before any dependency is asked', async () => {
    const before = await count('orders');
    const res = await place(newKey(), { items: [{ sku: 'tea-01', quantity: 2, unitPriceCents: 1 }] });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual([
      { field: 'items.0.unitPriceCents', message: expect.stringMatching(/prices each line from the catalogue/) },
    ]);
    expect(await count('orders')).toBe(before);
  });

  it('stores and charges the price products holds, and a replay keeps it after the price changes', async () => {
    const key = newKey();
    const placed = await place(key, { items: [{ sku: 'book-7', quantity: 3 }] });
    expect(placed.status).toBe(201);
    const { rows: catalogue } = await productsPool.query<{ price_cents: number }>(
      "SELECT price_cents FROM products WHERE sku = 'book-7'",
    );
    const price = catalogue[0]!.price_cents;
    const { rows } = await ordersPool.query<{ items: { unitPriceCents: number }[]; total_cents: string }>(
      'SELECT items, total_cents FROM orders WHERE id = $1',
      [placed.body.id],
    );
    expect(rows[0]!.items).toEqual([{ sku: 'book-7', quantity: 3, unitPriceCents: price }]);
    expect(Number(rows[0]!.total_cents)).toBe(3 * price);
    expect(placed.body.totalCents).toBe(3 * price);

    await productsPool.query("UPDATE products SET price_cents = price_cents + 100 WHERE sku = 'book-7'");
    try {
      const replay = await place(key, { items: [{ sku: 'book-7', quantity: 3 }] });
      expect(replay.body).toEqual(placed.body);
      const fresh = await place(newKey(), { items: [{ sku: 'book-7', quantity: 3 }] });
      expect(fresh.body.items).toEqual([{ sku: 'book-7', quantity: 3, unitPriceCents: price + 100 }]);
    } finally {
      await productsPool.query("UPDATE products SET price_cents = $1 WHERE sku = 'book-7'", [price]);
    }
  });

  it('answers 422 naming each unknown or retired sku, writing nothing and charging nothing', async () => {
    const before = [await count('orders'), await count('outbox')];
    const res = await place(newKey(), {
      items: [
        { sku: 'tea-01', quantity: 1 },
        { sku: 'no-such-sku', quantity: 1 },
        { sku: 'poster-21', quantity: 2 },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      { field: 'items.1.sku', message: 'unknown sku no-such-sku' },
      { field: 'items.2.sku', message: 'poster-21 is no longer sold' },
    ]);
    expect(res.body.skus).toEqual(['no-such-sku', 'poster-21']);
    const retired = await place(newKey(), { items: [{ sku: 'poster-21', quantity: 1 }] });
    expect(retired.status).toBe(422);
    expect(retired.body.errors).toEqual([{ field: 'items.0.sku', message: 'poster-21 is no longer sold' }]);
    expect([await count('orders'), await count('outbox')]).toEqual(before);
  });

  it('answers 503 when products cannot be reached, writing nothing', async () => {
    const down = createApp({
      pool: ordersPool,
      logger: silentLogger(),
      usersUrl: users.url,
      productsUrl: 'http://127.0.0.1:9',
      paymentsUrl: payments.url,
    }).app;
    const before = await count('orders');
    const res = await request(down)
      .post('/orders')
      .set('x-user-id', userId)
      .set('idempotency-key', newKey())
      .send({ items });
    expect(res.status).toBe(503);
    expect(res.body.detail).toMatch(/products/);
    expect(await count('orders')).toBe(before);
  });
});

describe("another user's orders", () => {
  it('are 404 by id and absent from the list, exactly like an order that does not exist', async () => {
    const mine = await place(newKey());
    const intruder = randomUUID();
    const byId = await request(app).get(`/orders/${mine.body.id}`).set('x-user-id', intruder);
    const missing = await request(app).get(`/orders/${randomUUID()}`).set('x-user-id', intruder);
    expect(byId.status).toBe(404);
    expect([byId.status, byId.body.title]).toEqual([missing.status, missing.body.title]);
    expect(JSON.stringify(byId.body)).not.toContain(userId);
    const list = await request(app).get('/orders').set('x-user-id', intruder);
    expect(list.body).toEqual([]);
  });

  it('cannot be read through a reused Idempotency-Key: the key is per user', async () => {
    const key = newKey();
    const mine = await place(key);
    const intruder = randomUUID();
    await request(users.url)
      .post('/users')
      .set('x-user-id', intruder)
      .send({ name: 'Mallory', email: `mallory-${intruder}@example.com` })
      .expect(201);
    const theirs = await place(key, { items }, intruder);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.body.userId).toBe(intruder);
  });
});

describe('bad requests', () => {
  it('401 without identity, 400 naming Idempotency-Key without a key', async () => {
    const anonymous = await request(app).post('/orders').set('idempotency-key', newKey()).send({ items });
    expect(anonymous.status).toBe(401);
    const keyless = await request(app).post('/orders').set('x-user-id', userId).send({ items });
    expect(keyless.status).toBe(400);
    expect(keyless.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
  });

  it.each([
    ['missing items', {}, ['items']],
    ['wrong types', { items: [{ sku: 5, quantity: '2' }] }, ['items.0.quantity', 'items.0.sku']],
    ['empty list', { items: [] }, ['items']],
    ['unknown field', { items, coupon: 'X' }, ['coupon']],
  ])('400 for %s, naming the fields', async (_name, body, fields) => {
    const before = await count('orders');
    const res = await place(newKey(), body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((res.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(fields);
    expect(await count('orders')).toBe(before);
  });

  it('400 for malformed JSON, 415 for a non-JSON body, 413 for an oversized one', async () => {
    const send = () => request(app).post('/orders').set('x-user-id', userId).set('idempotency-key', newKey());
    const malformed = await send().set('content-type', 'application/json').send('{"items": [');
    expect(malformed.status).toBe(400);
    const text = await send().set('content-type', 'text/plain').send('items');
    expect(text.status).toBe(415);
    const huge = await send().send({ items: [{ sku: 'x'.repeat(200_000), quantity: 1 }] });
    expect(huge.status).toBe(413);
    expect(huge.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('payments bound to the order', () => {
  const register = (id: string) =>
    request(users.url)
      .post('/users')
      .set('x-user-id', id)
      .send({ name: 'Mallory', email: `m-${randomUUID()}@example.com` })
      .expect(201);
  const authorized = async (orderId: string) =>
    (
      await paymentsPool.query<{ id: string; amount_cents: string; currency: string }>(
        'SELECT id, amount_cents, currency FROM authorizations WHERE order_key = $1',
        [orderId],
      )
    ).rows.map((r) => ({ id: r.id, amountCents: Number(r.amount_cents), currency: r.currency }));
  const paymentOf = async (orderId: string) =>
    (await ordersPool.query<{ payment_id: string }>('SELECT payment_id FROM orders WHERE id = $1', [orderId])).rows[0]!
      .payment_id;

  it("keys each authorization by the order's id: `mallory` + `x:k` and `mallory:x` + `k` get their own", async () => {
    const mallory = `mallory-${randomUUID()}`;
    await Promise.all([register(mallory), register(`${mallory}:x`)]);
    const big = await place('x:k', { items: [{ sku: 'mug-001', quantity: 5 }] }, mallory);
    const small = await place('k', { items: [{ sku: 'tea-01', quantity: 1 }] }, `${mallory}:x`);
    expect([big.status, small.status]).toEqual([201, 201]);
    expect(await authorized(big.body.id)).toEqual([
      { id: await paymentOf(big.body.id), amountCents: 6_000, currency: 'EUR' },
    ]);
    expect(await authorized(small.body.id)).toEqual([
      { id: await paymentOf(small.body.id), amountCents: 450, currency: 'EUR' },
    ]);
    expect(await paymentOf(big.body.id)).not.toBe(await paymentOf(small.body.id));
  });

  it('a declined key reused for a smaller order gets a new authorization for that amount', async () => {
    const key = newKey();
    const declined = await place(key, { items: [{ sku: 'espresso-9', quantity: 1 }] });
    expect(declined.status).toBe(402);
    const smaller = await place(key, { items: [{ sku: 'tea-01', quantity: 1 }] });
    expect(smaller.status).toBe(201);
    expect(await authorized(smaller.body.id)).toEqual([
      { id: await paymentOf(smaller.body.id), amountCents: 450, currency: 'EUR' },
    ]);
  });

  it('confirms nothing when payments authorized another amount or currency (or did not say)', async () => {
    const answers = [
      { id: randomUUID(), status: 'approved', amountCents: 2_099, currency: 'EUR' },
      { id: randomUUID(), status: 'approved', amountCents: 2_100, currency: 'USD' },
      { id: randomUUID(), status: 'approved' },
    ];
    const lying = await listen((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answers.shift()));
      });
    });
    try {
      const withLiar = createApp({
        pool: ordersPool,
        logger: silentLogger(),
        usersUrl: users.url,
        productsUrl: products.url,
        paymentsUrl: lying.url,
      }).app;
      const before = [await count('orders'), await count('outbox')];
      const details = [
        /payments authorized 2099 EUR .* not 2100 EUR/,
        /payments authorized 2100 USD .* not 2100 EUR/,
        // An answer that does not say is outside payments' contract (@mesh-kit/catalog/answers).
        /payments answered outside its contract \(amountCents: .*; currency: /,
      ];
      for (const detail of details) {
        const res = await request(withLiar)
          .post('/orders')
          .set('x-user-id', userId)
          .set('idempotency-key', newKey())
          .send({ items });
        expect(res.status).toBe(502);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.detail).toMatch(detail);
      }
      expect([await count('orders'), await count('outbox')]).toEqual(before);
    } finally {
      await lying.close();
    }
  });

  it('refuses a user id longer than the shared limit with 400 naming x-user-id', async () => {
    const res = await place(newKey(), { items }, 'u'.repeat(101));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'x-user-id', message: 'at most 100 characters' }]);
  });
});
