import type { Request, Response } from 'express';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Listening } from '../../../test-support/listen.js';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { createApp } from '../src/app.js';

/** Small HTTP peers that answer like the real services would, recording what reached them. */
const seen: { path: string; userId: string | undefined; traceparent: string | undefined }[] = [];
function peer(handler: (req: Request, res: Response) => void): express.Express {
  const app = express();
  app.use((req, _res, next) => {
    seen.push({ path: req.path, userId: req.get('x-user-id'), traceparent: req.get('traceparent') });
    next();
  });
  app.get(/.*/, handler);
  return app;
}

// Answers in the providers' contracts (@mesh-kit/catalog/answers).
const ada = { id: 'u1', name: 'Ada', email: 'ada@example.com' };
const order = {
  id: 'o1',
  userId: 'u1',
  items: [{ sku: 'tea-01', quantity: 2, unitPriceCents: 450 }],
  totalCents: 900,
  currency: 'EUR',
  status: 'confirmed',
  createdAt: '2026-01-01T00:00:00.000Z',
};

let users: Listening;
let orders: Listening;
let failingNotifications: Listening;
let offContractNotifications: Listening;

beforeAll(async () => {
  users = await listen(
    peer((req, res) => void (req.path.endsWith('/u-404') ? res.status(404).json({}) : res.json(ada))),
  );
  orders = await listen(peer((_req, res) => void res.json([order])));
  failingNotifications = await listen(peer((_req, res) => void res.status(503).json({ title: 'down' })));
  offContractNotifications = await listen(peer((_req, res) => void res.json({ items: [{ id: 'n1' }] })));
});
afterAll(async () => {
  await Promise.all([users.close(), orders.close(), failingNotifications.close(), offContractNotifications.close()]);
});

describe('GET /overview', () => {
  it('aggregates the parts and names the one whose service failed, still answering 200', async () => {
    const { app } = createApp({
      logger: silentLogger(),
      usersUrl: users.url,
      ordersUrl: orders.url,
      notificationsUrl: failingNotifications.url,
    });
    seen.length = 0;
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await request(app).get('/overview').set('x-user-id', 'u1').set('traceparent', traceparent);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: ada, orders: [order], notifications: null, missing: ['notifications'] });
    expect(seen.map((s) => s.path).sort()).toEqual(['/notifications', '/orders', '/users/u1']);
    expect(seen.every((s) => s.traceparent === traceparent)).toBe(true);
    // Every part is asked as the caller: users, orders and notifications each check it is their own data.
    expect(seen.every((s) => s.userId === 'u1')).toBe(true);
  });

  it("shows the newest page of the caller's notifications (notifications answers a page with a cursor)", async () => {
    const note = (id: string) => ({
      id,
      orderId: `o-${id}`,
      channel: 'email',
      message: 'Order confirmed',
      sentAt: '2026-12-07T10:00:00.000Z',
    });
    const page = { items: [note('n2'), note('n1')], nextCursor: 'older' };
    const notifications = await listen(peer((_req, res) => void res.json(page)));
    try {
      const deps = { logger: silentLogger(), usersUrl: users.url, ordersUrl: orders.url };
      const res = await request(createApp({ ...deps, notificationsUrl: notifications.url }).app)
        .get('/overview')
        .set('x-user-id', 'u1');
      expect(res.status).toBe(200);
      expect(res.body.notifications).toEqual(page.items);
      expect(res.body.missing).toEqual([]);
    } finally {
      await notifications.close();
    }
  });

  it('treats an unreachable service as missing and an unknown user as an answer', async () => {
    const { app } = createApp({
      logger: silentLogger(),
      usersUrl: users.url,
      ordersUrl: 'http://127.0.0.1:9',
      notificationsUrl: 'http://127.0.0.1:9',
    });
    const res = await request(app).get('/overview').set('x-user-id', 'u-404');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: null, orders: null, notifications: null, missing: ['orders', 'notifications'] });
  });

  it("treats an answer outside its provider's contract as missing, never passing it on", async () => {
    const { app } = createApp({
      logger: silentLogger(),
      usersUrl: users.url,
      ordersUrl: orders.url,
      notificationsUrl: offContractNotifications.url,
    });
    const res = await request(app).get('/overview').set('x-user-id', 'u1');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: ada, orders: [order], notifications: null, missing: ['notifications'] });
  });

  it('names its release in every overview when one is configured (a canary v2), and only then', async () => {
    const deps = { logger: silentLogger(), usersUrl: users.url, ordersUrl: orders.url, notificationsUrl: orders.url };
    const v2 = await request(createApp({ ...deps, release: 'v2' }).app)
      .get('/overview')
      .set('x-user-id', 'u1');
    expect(v2.status).toBe(200);
    expect(v2.body.release).toBe('v2');
    const v1 = await request(createApp(deps).app).get('/overview').set('x-user-id', 'u1');
    expect(Object.keys(v1.body as object).sort()).toEqual(['missing', 'notifications', 'orders', 'user']);
  });

  it('answers 401 without the identity header', async () => {
    const { app } = createApp({
      logger: silentLogger(),
      usersUrl: users.url,
      ordersUrl: orders.url,
      notificationsUrl: orders.url,
    });
    expect((await request(app).get('/overview')).status).toBe(401);
  });
});
