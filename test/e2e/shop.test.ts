import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { catalog } from '../../infra/cdk8s/src/catalog.js';
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

const items = [{ sku: 'book-7', quantity: 3, unitPriceCents: 1_999 }];
const order = (key: string, body: unknown = { items }, user = userId, headers: Record<string, string> = {}) =>
  call('orders', 'POST', '/orders', { body, headers: { 'x-user-id': user, 'idempotency-key': key, ...headers } });

beforeAll(async () => {
  stack = await startStack();
  const created = await call('users', 'POST', '/users', {
    body: { name: 'Linus', email: `linus-${randomUUID()}@example.com` },
  });
  userId = created.body.id;
});

afterAll(async () => {
  const { code, stderr } = await stack.stop();
  expect(code).toBe(0);
  expect(stderr).toContain('stack: stopped');
});

describe('the shop over the local stack', () => {
  it('prints one URL per service on its catalog port plus the offset', () => {
    for (const [name, url] of Object.entries(stack.urls)) {
      const spec = catalog.services.find((s) => s.name === name)!;
      expect(Number(new URL(url).port)).toBe(spec.port + stack.portOffset);
    }
    expect(Object.keys(stack.urls).sort()).toEqual([...local].sort());
  });

  it('create user → place order → read it back → overview shows it', async () => {
    const placed = await order(randomUUID());
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ userId, totalCents: 5_997, status: 'confirmed' });

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
    const declined = await order(randomUUID(), { items: [{ sku: 'yacht', quantity: 1, unitPriceCents: 9_000_000 }] });
    expect(declined.status).toBe(402);
  });

  it('answers oversized, malformed, wrong-type and missing-field bodies with problem+json', async () => {
    const headers = { 'x-user-id': userId, 'idempotency-key': randomUUID() };
    const cases = [
      { raw: JSON.stringify({ items: [{ sku: 'a'.repeat(150_000), quantity: 1, unitPriceCents: 1 }] }), status: 413 },
      { raw: '{"items":[{"sku":', status: 400 },
      {
        raw: JSON.stringify({ items: [{ sku: 'a', quantity: 'two', unitPriceCents: 1 }] }),
        status: 400,
        field: 'items.0.quantity',
      },
      { raw: JSON.stringify({ items: [{ sku: 'a', quantity: 1 }] }), status: 400, field: 'items.0.unitPriceCents' },
    ];
    for (const c of cases) {
      const res = await call('orders', 'POST', '/orders', { raw: c.raw, headers });
      expect(res.status).toBe(c.status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      if (c.field !== undefined) expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([c.field]);
    }
  });

  it('carries one trace id from orders to users and payments', async () => {
    const traceId = randomUUID().replace(/-/g, '');
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    const placed = await order(randomUUID(), { items }, userId, { traceparent, 'x-request-id': `e2e-${traceId}` });
    expect(placed.status).toBe(201);
    // A request's log line is written when its response finishes, so it may trail the answer a little.
    await vi.waitFor(() => {
      for (const service of ['orders', 'users', 'payments']) {
        const lines = stack.logs(service).filter((l) => l.trace_id === traceId);
        expect(lines.length, `${service} logged the trace`).toBeGreaterThan(0);
        expect(lines.every((l) => l.request_id === `e2e-${traceId}`)).toBe(true);
      }
      const callee = stack.logs('payments').find((l) => l.trace_id === traceId && l.path === '/authorizations');
      expect(callee).toMatchObject({ status: 201 });
    });
  });
});
