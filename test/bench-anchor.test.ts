import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@mesh-kit/runtime';
import { catalog } from '@mesh-kit/catalog';
import { ANCHOR_ROLES, newOrderRequest, startAnchor } from '../scripts/bench/order-anchor.js';
import { createApp as createOrdersApp } from '@mesh-kit/orders/app';
import { createApp as createPaymentsApp } from '@mesh-kit/payments/app';
import { createApp as createProductsApp } from '@mesh-kit/products/app';
import { createApp as createUsersApp } from '@mesh-kit/users/app';
import { DEFAULT_NATS_URL } from '../test-support/backing-services.js';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { listen, type Listening } from '../test-support/listen.js';
import { reservePortOffset, type PortOffset } from '../test-support/port-offset.js';
import { silentLogger } from '../test-support/silent-logger.js';

// The bench's anchor (scripts/bench/bare-order-server.ts) is only a floor if it does the kit's work:
// the same order, answered the same way by each of its four processes.
const dbs: Record<string, TestDatabase> = {};
const pools: pg.Pool[] = [];
const servers: Listening[] = [];
const kit: Record<string, string> = {};
let anchor: { children: ChildProcess[]; url: (role: string) => string };
let offset: PortOffset;
let userId: string;

beforeAll(async () => {
  for (const role of ANCHOR_ROLES) {
    dbs[role] = await createTestDatabase(`anchor_${role}`);
    await migrate(
      dbs[role].url,
      fileURLToPath(new URL(`../services/${role}/migrations`, import.meta.url)),
      silentLogger(),
    );
  }
  const pool = (role: string): pg.Pool => {
    const p = new pg.Pool({ connectionString: dbs[role]!.url });
    pools.push(p);
    return p;
  };
  const serve = async (role: string, app: Parameters<typeof listen>[0]): Promise<void> => {
    const server = await listen(app);
    servers.push(server);
    kit[role] = server.url;
  };
  const logger = silentLogger();
  await serve('users', createUsersApp({ pool: pool('users'), logger }).app);
  await serve('products', createProductsApp({ pool: pool('products'), logger }).app);
  await serve('payments', createPaymentsApp({ pool: pool('payments'), logger }).app);
  await serve(
    'orders',
    createOrdersApp({
      pool: pool('orders'),
      logger,
      usersUrl: kit.users!,
      productsUrl: kit.products!,
      paymentsUrl: kit.payments!,
    }).app,
  );
  offset = await reservePortOffset();
  const ports = ANCHOR_ROLES.map((role) => catalog.services.find((s) => s.name === role)!.port + offset.offset);
  const started = await startAnchor({
    ports,
    databaseUrls: Object.fromEntries(ANCHOR_ROLES.map((role) => [role, dbs[role]!.url])),
    natsUrl: process.env.NATS_URL ?? DEFAULT_NATS_URL,
    nodeOptions: '',
    // No stream under this namespace: the publish fails, as a broker outage would, and the order stands.
    eventsNamespace: `anchor${process.pid}`,
    // The test compares answers, not behaviour past saturation: no 250 ms wait on a busy machine.
    connectTimeoutMs: 10_000,
  });
  anchor = {
    children: started.children,
    url: (role) => `http://127.0.0.1:${ports[ANCHOR_ROLES.indexOf(role as never)]}`,
  };
  userId = randomUUID();
  await request(kit.users!)
    .post('/users')
    .set('x-user-id', userId)
    .send({ name: 'Anchor', email: 'anchor@example.com' })
    .expect(201);
});

afterAll(async () => {
  for (const child of anchor?.children ?? []) child.kill('SIGTERM');
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(pools.map((p) => p.end()));
  await Promise.all(Object.values(dbs).map((db) => db.drop()));
  offset?.release();
});

const place = (base: string) => {
  const order = newOrderRequest(userId);
  return request(base).post(order.path).set(order.headers).send(order.body);
};

describe("the bench's bare anchor of the order path", () => {
  it('places the same order: 201, the same fields and prices, confirmed with its outbox row', async () => {
    const [fromKit, fromAnchor] = [await place(kit.orders!), await place(anchor.url('orders'))];
    expect([fromKit.status, fromAnchor.status]).toEqual([201, 201]);
    expect(Object.keys(fromAnchor.body as object).sort()).toEqual(Object.keys(fromKit.body as object).sort());
    // Everything but the order's own id and time.
    const terms = (body: unknown) => ({ ...(body as object), id: undefined, createdAt: undefined });
    expect(terms(fromAnchor.body)).toEqual(terms(fromKit.body));
    const [kitId, anchorId] = [fromKit.body as { id: string }, fromAnchor.body as { id: string }].map((b) => b.id);
    expect(fromAnchor.headers.location).toBe(`/orders/${String(anchorId)}`);
    const orders = pools[3]!;
    const { rows } = await orders.query<{ id: string; status: string; paid: boolean; events: number }>(
      `SELECT o.id, o.status, o.payment_id IS NOT NULL AS paid,
         (SELECT count(*)::int FROM outbox WHERE payload->'order'->>'id' = o.id::text) AS events
       FROM orders o WHERE o.id = ANY($1::uuid[]) ORDER BY o.id = $2 DESC`,
      [[kitId, anchorId], kitId],
    );
    expect(rows.map(({ status, paid, events }) => ({ status, paid, events }))).toEqual([
      { status: 'confirmed', paid: true, events: 1 },
      { status: 'confirmed', paid: true, events: 1 },
    ]);
  });

  it("answers the kit's calls as users, products and payments do", async () => {
    const both = async (role: string, call: (base: string) => request.Test) => {
      const [a, b] = [await call(kit[role]!), await call(anchor.url(role))];
      return {
        kit: { status: a.status, keys: Object.keys(a.body as object).sort() },
        anchor: { status: b.status, keys: Object.keys(b.body as object).sort() },
        bodies: [a.body, b.body],
      };
    };
    const user = await both('users', (base) => request(base).get(`/users/${userId}`).set('x-user-id', userId));
    expect(user.anchor).toEqual(user.kit);
    expect(user.bodies[1]).toEqual(user.bodies[0]);
    const products = await both('products', (base) => request(base).get('/internal/products?sku=mug-001&sku=tea-01'));
    expect(products.anchor).toEqual(products.kit);
    expect(products.bodies[1]).toEqual(products.bodies[0]);
    const payment = await both('payments', (base) =>
      request(base)
        .post('/authorizations')
        .send({ orderKey: randomUUID(), userId, amountCents: 2_400, currency: 'EUR' }),
    );
    expect(payment.anchor).toEqual(payment.kit);
    expect(payment.kit.status).toBe(201);
  });
});
