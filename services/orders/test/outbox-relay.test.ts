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
  orderPlacedEventSchema,
  ORDERS_TOPOLOGY,
  wireSubject,
  type EventsConnection,
  type ServiceMetrics,
} from '@mesh-kit/runtime';
import { createTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { listen, type Listening } from '../../../test-support/listen.js';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { createApp as createPaymentsApp } from '@mesh-kit/payments/app';
import { createApp as createProductsApp } from '@mesh-kit/products/app';
import { createApp as createUsersApp } from '@mesh-kit/users/app';
import { createApp } from '../src/app.js';
import { OutboxRelay } from '../src/outbox-relay.js';
import { startTcpProxy } from '../../../test-support/tcp-proxy.js';

const dir = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const topology = namespacedTopology(ORDERS_TOPOLOGY, `to${randomBytes(3).toString('hex')}`);
const subject = wireSubject(topology, ORDER_PLACED_SUBJECT);
const traceparent = '00-5b8aa5a2d2c872e8321cf37308d69df2-051581bf3cb55c13-01';
let ordersDb: TestDatabase;
let usersDb: TestDatabase;
let pool: pg.Pool;
let usersPool: pg.Pool;
let events: EventsConnection;

function relayFor(metrics: ServiceMetrics, props: { batchSize?: number; isConnected?: () => boolean } = {}) {
  return new OutboxRelay({
    pool,
    publisher: new EventPublisher(events.js, eventMetrics(metrics.registry)),
    topology,
    logger: silentLogger(),
    metrics,
    pollIntervalMs: 60_000,
    ...props,
  });
}

async function addOutboxRows(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const event = newOrderPlacedEvent({
      id: randomUUID(),
      userId: 'u',
      items: [{ sku: 's', quantity: 1, unitPriceCents: 1 }],
      totalCents: 1,
      currency: 'EUR',
    });
    ids.push(event.id);
    await pool.query('INSERT INTO outbox (id, subject, payload, headers) VALUES ($1, $2, $3, $4)', [
      event.id,
      ORDER_PLACED_SUBJECT,
      JSON.stringify(event),
      JSON.stringify({ traceparent, 'x-request-id': `req-${i}` }),
    ]);
  }
  return ids;
}

const pending = async (): Promise<number> =>
  (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL')).rows[0]!.n;
const streamCount = async (): Promise<number> => (await events.jsm.streams.info(topology.stream)).state.messages;

beforeAll(async () => {
  [ordersDb, usersDb] = await Promise.all([createTestDatabase('relay'), createTestDatabase('relay_users')]);
  await Promise.all([
    migrate(ordersDb.url, dir('../migrations'), silentLogger()),
    migrate(usersDb.url, dir('../../users/migrations'), silentLogger()),
  ]);
  pool = new pg.Pool({ connectionString: ordersDb.url });
  usersPool = new pg.Pool({ connectionString: usersDb.url });
  events = await connectEvents(inject('backing').natsUrl, 'relay-test', silentLogger());
  await ensureStreams(events.jsm, topology);
});

afterAll(async () => {
  await events.jsm.streams.delete(topology.stream).catch(() => undefined);
  await events.jsm.streams.delete(topology.deadLetterStream).catch(() => undefined);
  await events.close();
  await Promise.all([pool.end(), usersPool.end()]);
  await Promise.all([ordersDb.drop(), usersDb.drop()]);
});

describe('outbox relay', () => {
  it('holds no transaction while the broker answers: a hung broker leaves the rows claimed, not locked', async () => {
    const { natsUrl } = inject('backing');
    const { hostname, port } = new URL(natsUrl.replace(/^nats:/, 'http:'));
    const proxy = await startTcpProxy({ host: hostname, port: Number(port) });
    const slow = await connectEvents(proxy.via(natsUrl), 'relay-hung', silentLogger());
    const metrics = createMetrics('orders');
    const relay = new OutboxRelay({
      pool,
      publisher: new EventPublisher(slow.js, eventMetrics(metrics.registry)),
      topology,
      logger: silentLogger(),
      metrics,
      pollIntervalMs: 60_000,
    });
    const ids = await addOutboxRows(3);
    try {
      proxy.blackhole(); // the connection stays open; nothing answers
      relay.trigger();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { rows } = await pool.query<{ n: number; claimed: number }>(
        `SELECT (SELECT count(*)::int FROM pg_stat_activity
                 WHERE datname = current_database() AND state LIKE 'idle in transaction%') AS n,
                (SELECT count(*)::int FROM outbox WHERE id = ANY($1::uuid[]) AND claimed_until > now()) AS claimed`,
        [ids],
      );
      expect(rows[0]).toEqual({ n: 0, claimed: 3 });
    } finally {
      await slow.nc.close();
      await relay.stop();
      await proxy.close();
    }
    // Given back (the publishes failed): the next pass publishes them.
    await relayFor(createMetrics('orders')).publishBatch();
    expect(await pending()).toBe(0);
  });

  it('publishes pending rows with Nats-Msg-Id = event id and the stored trace headers, then marks them', async () => {
    const metrics = createMetrics('orders');
    const relay = relayFor(metrics);
    const before = await streamCount();
    const [id] = await addOutboxRows(1);
    expect(await relay.publishBatch()).toEqual({ claimed: 1, published: 1 });
    expect(await pending()).toBe(0);
    const stored = await events.jsm.streams.getMessage(topology.stream, { seq: before + 1 });
    expect(stored?.subject).toBe(subject);
    expect(stored?.header.get('Nats-Msg-Id')).toBe(id);
    expect(stored?.header.get('traceparent')).toBe(traceparent);
    expect(stored?.header.get('x-request-id')).toBe('req-0');
    expect(orderPlacedEventSchema.parse(stored?.json()).id).toBe(id);
  });

  it('shares the work between replicas: 250 rows, two relays, each event stored exactly once', async () => {
    const metrics = [createMetrics('orders'), createMetrics('orders')];
    const relays = metrics.map((m) => relayFor(m, { batchSize: 20 }));
    const before = await streamCount();
    await addOutboxRows(250);
    relays.forEach((r) => r.trigger());
    relays.forEach((r) => r.trigger());
    await Promise.all(relays.map((r) => r.idle()));
    expect(await pending()).toBe(0);
    expect((await streamCount()) - before).toBe(250);
    const texts = await Promise.all(metrics.map((m) => m.registry.metrics()));
    const stored = texts.map((t) =>
      Number(/events_published_total\{[^}]*outcome="stored"[^}]*\} (\d+)/.exec(t)?.[1] ?? 0),
    );
    expect(stored[0]! + stored[1]!).toBe(250);
    expect(texts.join('\n')).not.toMatch(/outcome="duplicate"/);
  });

  it('re-publishes a row whose mark was lost, and the duplicate window drops the copy', async () => {
    const metrics = createMetrics('orders');
    const relay = relayFor(metrics);
    const [id] = await addOutboxRows(1);
    await relay.publishBatch();
    const before = await streamCount();
    // As if the process died after JetStream acknowledged and before the UPDATE committed.
    await pool.query('UPDATE outbox SET published_at = NULL WHERE id = $1', [id]);
    expect(await relay.publishBatch()).toEqual({ claimed: 1, published: 1 });
    expect(await streamCount()).toBe(before);
    expect(await metrics.registry.metrics()).toMatch(/events_published_total\{[^}]*outcome="duplicate"[^}]*\} 1/);
  });

  it('skips passes while the broker is down and reports the backlog', async () => {
    const metrics = createMetrics('orders');
    let connected = false;
    const relay = relayFor(metrics, { isConnected: () => connected });
    await addOutboxRows(3);
    relay.trigger();
    await relay.idle();
    expect(await pending()).toBe(3);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/outbox_backlog\{service="orders"\} 3/);
    expect(text).toMatch(/outbox_oldest_pending_seconds\{service="orders"\} \d/);
    connected = true;
    const again = relayFor(createMetrics('orders'), { isConnected: () => connected });
    again.start();
    await again.idle();
    await again.stop();
    expect(await pending()).toBe(0);
  });

  it('prunes rows published longer ago than the retention, keeping recent and pending ones', async () => {
    const relay = new OutboxRelay({
      pool,
      publisher: new EventPublisher(events.js, eventMetrics(createMetrics('orders').registry)),
      topology,
      logger: silentLogger(),
      metrics: createMetrics('orders'),
      retentionMs: 60_000,
    });
    const [old, recent, unpublished] = await addOutboxRows(3);
    await pool.query("UPDATE outbox SET published_at = now() - interval '2 minutes' WHERE id = $1", [old]);
    await pool.query('UPDATE outbox SET published_at = now() WHERE id = $1', [recent]);
    expect(await relay.prune()).toBeGreaterThanOrEqual(1);
    const { rows } = await pool.query<{ id: string }>('SELECT id FROM outbox WHERE id = ANY($1::uuid[])', [
      [old, recent, unpublished],
    ]);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set([recent, unpublished]));
    await pool.query('UPDATE outbox SET published_at = now() WHERE id = $1', [unpublished]);
  });

  describe('wired into POST /orders', () => {
    let users: Listening;
    let payments: Listening;
    let products: Listening;
    let productsDb: TestDatabase;
    let productsPool: pg.Pool;
    let paymentsDb: TestDatabase;
    let paymentsPool: pg.Pool;
    beforeAll(async () => {
      [productsDb, paymentsDb] = await Promise.all([
        createTestDatabase('relay_products'),
        createTestDatabase('relay_payments'),
      ]);
      await migrate(productsDb.url, dir('../../products/migrations'), silentLogger());
      await migrate(paymentsDb.url, dir('../../payments/migrations'), silentLogger());
      productsPool = new pg.Pool({ connectionString: productsDb.url });
      paymentsPool = new pg.Pool({ connectionString: paymentsDb.url });
      users = await listen(createUsersApp({ pool: usersPool, logger: silentLogger() }).app);
      products = await listen(createProductsApp({ pool: productsPool, logger: silentLogger() }).app);
      payments = await listen(
        createPaymentsApp({ pool: paymentsPool, logger: silentLogger(), rules: { declineAboveCents: 50_000 } }).app,
      );
    });
    afterAll(async () => {
      await Promise.all([users.close(), products.close(), payments.close()]);
      await Promise.all([productsPool.end(), paymentsPool.end()]);
      await Promise.all([productsDb.drop(), paymentsDb.drop()]);
    });

    it('publishes right after the commit an event that satisfies the contract, with the request trace', async () => {
      const metrics = createMetrics('orders');
      const relay = relayFor(metrics);
      const { app } = createApp({
        pool,
        logger: silentLogger(),
        usersUrl: users.url,
        productsUrl: products.url,
        paymentsUrl: payments.url,
        metrics,
        onOrderCommitted: (event) => relay.publishNow(event),
      });
      const user = await request(users.url)
        .post('/users')
        .set('x-user-id', randomUUID())
        .send({ name: 'Ev', email: `ev-${randomUUID()}@example.com` });
      const before = await streamCount();
      const placed = await request(app)
        .post('/orders')
        .set('x-user-id', user.body.id)
        .set('idempotency-key', randomUUID())
        .set('traceparent', traceparent)
        .send({ items: [{ sku: 'sticker-3', quantity: 2 }] });
      expect(placed.status).toBe(201);
      await relay.idle();
      expect(await streamCount()).toBe(before + 1);
      const stored = await events.jsm.streams.getMessage(topology.stream, { seq: before + 1 });
      const event = orderPlacedEventSchema.parse(stored?.json());
      expect(event.order).toMatchObject({ id: placed.body.id, userId: user.body.id, totalCents: 600 });
      expect(stored?.header.get('traceparent')).toContain('5b8aa5a2d2c872e8321cf37308d69df2');
      // Published and marked by the post-commit path alone: no pass ran (the poll is a minute away).
      expect(await pending()).toBe(0);
      expect(stored?.header.get('Nats-Msg-Id')).toBe(event.id);
    });

    it('leaves the row for the poll when the post-commit publish cannot reach the broker', async () => {
      const metrics = createMetrics('orders');
      const relay = relayFor(metrics, { isConnected: () => false });
      const [id] = await addOutboxRows(1);
      const row = (await pool.query('SELECT id, subject, payload, headers FROM outbox WHERE id = $1', [id])).rows[0];
      relay.publishNow(row);
      await relay.idle();
      expect(await pending()).toBe(1);
      const online = relayFor(createMetrics('orders'));
      expect(await online.publishBatch()).toEqual({ claimed: 1, published: 1 });
      expect(await pending()).toBe(0);
    });
  });
});
