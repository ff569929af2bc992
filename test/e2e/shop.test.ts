import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { startStack, type StackProcess } from '../../test-support/stack-process.js';

let stack: StackProcess;
let userId: string;

const local = catalog.services.filter((s) => s.callsGateway !== true).map((s) => s.name);

async function call(
  service: string,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of several shapes, asserted field by field
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${stack.urls[service]}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined || options.raw !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    },
    ...(options.raw !== undefined ? { body: options.raw } : {}),
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
}

// book-7 costs 1999 in the products service's seeded catalogue.
const items = [{ sku: 'book-7', quantity: 3 }];
const order = (key: string, body: unknown = { items }, user = userId, headers: Record<string, string> = {}) =>
  call('orders', 'POST', '/orders', { body, headers: { 'x-user-id': user, 'idempotency-key': key, ...headers } });

/** Registers a new token subject's own profile (the gateway would set x-user-id from the token). */
async function register(name: string, email = `${name.toLowerCase()}-${randomUUID()}@example.com`): Promise<string> {
  const id = randomUUID();
  const created = await call('users', 'POST', '/users', { body: { name, email }, headers: { 'x-user-id': id } });
  expect(created.status).toBe(201);
  return id;
}

beforeAll(async () => {
  stack = await startStack();
  userId = await register('Linus');
});

afterAll(async () => {
  const { code, stderr } = await stack.stop();
  expect(code).toBe(0);
  expect(stderr).toContain('stack: stopped');
});

describe('the shop over the local stack', () => {
  it('prints one URL per service on its catalog port plus the offset, and the gateway', () => {
    const { gateway, ...services } = stack.urls;
    for (const [name, url] of Object.entries(services)) {
      const spec = catalog.services.find((s) => s.name === name)!;
      expect(Number(new URL(url).port)).toBe(spec.port + stack.portOffset);
    }
    expect(Object.keys(services).sort()).toEqual([...local].sort());
    expect(gateway).toMatch(/^http:\/\/localhost:\d+$/);
  });

  it('create user → place order → read it back → overview shows it', async () => {
    const placed = await order(randomUUID());
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      userId,
      items: [{ sku: 'book-7', quantity: 3, unitPriceCents: 1_999 }],
      totalCents: 5_997,
      status: 'confirmed',
    });

    const read = await call('orders', 'GET', `/orders/${placed.body.id}`, { headers: { 'x-user-id': userId } });
    expect(read.body).toEqual(placed.body);

    const overview = await call('storefront', 'GET', '/overview', { headers: { 'x-user-id': userId } });
    expect(overview.status).toBe(200);
    expect(overview.body.user).toMatchObject({ id: userId, name: 'Linus' });
    expect(overview.body.orders.map((o: { id: string }) => o.id)).toContain(placed.body.id);
    expect(overview.body.missing).toEqual([]);

    // The notification arrives asynchronously (outbox → JetStream → notifications).
    await vi.waitFor(
      async () => {
        const later = await call('storefront', 'GET', '/overview', { headers: { 'x-user-id': userId } });
        expect(JSON.stringify(later.body.notifications)).toContain(placed.body.id);
      },
      { timeout: 5_000, interval: 50 },
    );
  });

  it('replays the same key with the same order, and one order for concurrent requests with one key', async () => {
    const key = randomUUID();
    const first = await order(key);
    const replay = await order(key);
    expect(replay.body.id).toBe(first.body.id);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    const concurrentKey = randomUUID();
    const answers = await Promise.all(Array.from({ length: 16 }, () => order(concurrentKey)));
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([201]));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const mine = await call('orders', 'GET', '/orders?limit=100', { headers: { 'x-user-id': userId } });
    expect(mine.body.filter((o: { id: string }) => o.id === answers[0]!.body.id)).toHaveLength(1);
  });

  it('refuses an unknown user (422) and a declined payment (402)', async () => {
    const unknown = await order(randomUUID(), { items }, randomUUID());
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].field).toBe('x-user-id');
    const declined = await order(randomUUID(), { items: [{ sku: 'espresso-9', quantity: 1 }] });
    expect(declined.status).toBe(402);
  });

  it('prices every line from products: a client price is a 400, an unknown or retired sku a 422', async () => {
    const product = await call('products', 'GET', '/products/tea-01');
    expect(product.status).toBe(200);
    const placed = await order(randomUUID(), { items: [{ sku: 'tea-01', quantity: 4 }] });
    expect(placed.body.items).toEqual([{ sku: 'tea-01', quantity: 4, unitPriceCents: product.body.priceCents }]);
    expect(placed.body.totalCents).toBe(4 * product.body.priceCents);

    const tampered = await order(randomUUID(), { items: [{ sku: 'tea-01', quantity: 4, unitPriceCents: 1 }] });
    expect(tampered.status).toBe(400);
    expect(tampered.body.errors.map((e: { field: string }) => e.field)).toEqual(['items.0.unitPriceCents']);
    const unknown = await order(randomUUID(), { items: [{ sku: 'no-such-sku', quantity: 1 }] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.skus).toEqual(['no-such-sku']);
    const retired = await order(randomUUID(), { items: [{ sku: 'poster-21', quantity: 1 }] });
    expect(retired.status).toBe(422);
    expect(retired.body.skus).toEqual(['poster-21']);
  });

  it('answers oversized, malformed, wrong-type and missing-field bodies with problem+json', async () => {
    const headers = { 'x-user-id': userId, 'idempotency-key': randomUUID() };
    const cases = [
      { raw: JSON.stringify({ items: [{ sku: 'a'.repeat(150_000), quantity: 1 }] }), status: 413 },
      { raw: '{"items":[{"sku":', status: 400 },
      {
        raw: JSON.stringify({ items: [{ sku: 'a', quantity: 'two' }] }),
        status: 400,
        field: 'items.0.quantity',
      },
      { raw: JSON.stringify({ items: [{ sku: 'a' }] }), status: 400, field: 'items.0.quantity' },
    ];
    for (const c of cases) {
      const res = await call('orders', 'POST', '/orders', { raw: c.raw, headers });
      expect(res.status).toBe(c.status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      if (c.field !== undefined) expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([c.field]);
    }
  });

  it('carries one trace id from orders to users, products and payments', async () => {
    const traceId = randomUUID().replace(/-/g, '');
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    const placed = await order(randomUUID(), { items }, userId, { traceparent, 'x-request-id': `e2e-${traceId}` });
    expect(placed.status).toBe(201);
    // A request's log line is written when its response finishes, so it may trail the answer a little.
    await vi.waitFor(() => {
      for (const service of ['orders', 'users', 'products', 'payments']) {
        const lines = stack.logs(service).filter((l) => l.trace_id === traceId);
        expect(lines.length, `${service} logged the trace`).toBeGreaterThan(0);
        expect(lines.every((l) => l.request_id === `e2e-${traceId}`)).toBe(true);
      }
      const callee = stack.logs('payments').find((l) => l.trace_id === traceId && l.path === '/authorizations');
      expect(callee).toMatchObject({ status: 201 });
    });
  });
});

describe("object-level authorization: every route that reads or writes a user's data, as another user", () => {
  // Routes that hold no user's data, and why. Every other route of a service behind a token must be
  // walked below: the test fails when the catalog gains one that is not.
  const noUserData: Record<string, string> = {
    'GET analytics /stats': 'shop-wide counters, no user data',
  };
  const tokenServices = catalog.services.filter((s) => s.gateway.some((g) => (g.auth ?? 'jwt') === 'jwt'));
  const routeKeys = tokenServices.flatMap((s) => s.routes.map((r) => `${r.method} ${s.name} ${r.path}`));

  let alice: string;
  let bob: string;
  let aliceEmail: string;
  let aliceOrder: { id: string; body: unknown };
  const asBob = (service: string, method: string, path: string, options: { body?: unknown; key?: string } = {}) =>
    call(service, method, path, {
      ...(options.body === undefined ? {} : { body: options.body }),
      headers: { 'x-user-id': bob, ...(options.key === undefined ? {} : { 'idempotency-key': options.key }) },
    });
  const aliceKey = randomUUID();

  beforeAll(async () => {
    aliceEmail = `alice-${randomUUID()}@example.com`;
    alice = await register('Alice', aliceEmail);
    bob = randomUUID();
    const placed = await order(aliceKey, { items }, alice);
    expect(placed.status).toBe(201);
    aliceOrder = { id: placed.body.id, body: placed.body };
    await vi.waitFor(
      async () => {
        const mine = await call('notifications', 'GET', '/notifications', { headers: { 'x-user-id': alice } });
        expect(JSON.stringify(mine.body)).toContain(aliceOrder.id);
      },
      { timeout: 5_000, interval: 50 },
    );
  });

  const walks: Record<string, () => Promise<void>> = {
    'POST users /users': async () => {
      // Bob registers with Alice's address: the same answer as with a fresh one, and his own profile.
      const res = await asBob('users', 'POST', '/users', { body: { name: 'Bob', email: aliceEmail } });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: bob, name: 'Bob', email: aliceEmail });
      const hers = await call('users', 'GET', `/users/${alice}`, { headers: { 'x-user-id': alice } });
      expect(hers.body).toMatchObject({ id: alice, name: 'Alice' });
    },
    'GET users /users/:id': async () => {
      const hers = await asBob('users', 'GET', `/users/${alice}`);
      const nobody = await asBob('users', 'GET', `/users/${randomUUID()}`);
      expect(hers.status).toBe(404);
      expect({ ...hers.body, instance: undefined }).toEqual({ ...nobody.body, instance: undefined });
    },
    'POST orders /orders': async () => {
      // Alice's Idempotency-Key replays nothing of hers: keys are per user.
      const res = await asBob('orders', 'POST', '/orders', { body: { items }, key: aliceKey });
      expect(res.status).toBe(201);
      expect(res.body.id).not.toBe(aliceOrder.id);
      expect(res.body.userId).toBe(bob);
    },
    'GET orders /orders': async () => {
      const res = await asBob('orders', 'GET', '/orders?limit=100');
      expect(res.status).toBe(200);
      expect(res.body.map((o: { userId: string }) => o.userId).filter((u: string) => u !== bob)).toEqual([]);
    },
    'GET orders /orders/:id': async () => {
      const hers = await asBob('orders', 'GET', `/orders/${aliceOrder.id}`);
      const nobody = await asBob('orders', 'GET', `/orders/${randomUUID()}`);
      expect(hers.status).toBe(404);
      expect(hers.body.title).toBe(nobody.body.title);
    },
    'GET notifications /notifications': async () => {
      const res = await asBob('notifications', 'GET', '/notifications');
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).not.toContain(aliceOrder.id);
      expect(JSON.stringify(res.body)).not.toContain(alice);
    },
    'GET storefront /overview': async () => {
      const res = await asBob('storefront', 'GET', '/overview');
      expect(res.status).toBe(200);
      expect(res.body.user?.id ?? bob).toBe(bob);
      expect(JSON.stringify(res.body)).not.toContain(alice);
      expect(JSON.stringify(res.body)).not.toContain(aliceOrder.id);
    },
  };

  it('walks every such route of the catalog', () => {
    expect(Object.keys(walks).sort()).toEqual(routeKeys.filter((k) => !(k in noUserData)).sort());
  });

  it.each(Object.keys(walks))('%s', async (route) => {
    await walks[route]!();
  });
});
