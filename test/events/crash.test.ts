import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { natsServerBinary, startNatsServer, type OwnNatsServer } from './support/nats-server.js';
import { count, eventually, shopClient, startEventShop, type EventShop } from './support/shop.js';

let nats: OwnNatsServer;
let shop: EventShop;
let client: ReturnType<typeof shopClient>;
let users: string[];
const accepted: string[] = [];

async function placeMany(n: number, concurrency = 10): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        accepted.push(await client.placeOrder(users[i % users.length]!));
      }
    }),
  );
}

/** Every accepted order has exactly one notification and was counted exactly once. */
async function expectExactlyOnce(): Promise<void> {
  const notifications = shop.db('notifications');
  const analytics = shop.db('analytics');
  const settled = await eventually(
    async (): Promise<[number, number]> => [
      await count(notifications, 'SELECT count(*) FROM notifications'),
      await count(analytics, 'SELECT count(*) FROM processed_events'),
    ],
    ([n, a]) => n >= accepted.length && a >= accepted.length,
    30_000,
  );
  expect(settled).toEqual([accepted.length, accepted.length]);
  const { rows } = await notifications.query<{ order_id: string }>('SELECT order_id FROM notifications');
  expect(new Set(rows.map((r) => r.order_id))).toEqual(new Set(accepted));
  const stats = await client.call('analytics', 'GET', '/stats');
  expect(stats.body).toMatchObject({ orders: accepted.length, revenueCents: accepted.length * 900 });
}

async function streamMessages(): Promise<number> {
  const nc = await connect({ servers: nats.url });
  try {
    return (await (await jetstreamManager(nc)).streams.info('ORDERS')).state.messages;
  } finally {
    await nc.close();
  }
}

describe.skipIf(natsServerBinary === undefined)('events survive crashes', () => {
  beforeAll(async () => {
    nats = await startNatsServer();
    shop = await startEventShop(nats.url, { OUTBOX_POLL_INTERVAL_MS: '200' });
    client = shopClient(shop);
    users = await Promise.all(Array.from({ length: 5 }, () => client.createUser()));
  }, 60_000);

  afterAll(async () => {
    await shop?.stop();
    await nats?.destroy();
  });

  it('kill -9 orders with unpublished outbox rows and notifications mid-batch: every order notified once', async () => {
    await shop.kill('notifications');

    // The broker stops answering: orders commit and answer 201, their publishes hang.
    nats.pause();
    await placeMany(30);
    const orders = shop.db('orders');
    expect(await count(orders, 'SELECT count(*) FROM outbox WHERE published_at IS NULL')).toBe(30);
    await shop.kill('orders');
    nats.resume();
    await shop.start('orders');
    await placeMany(170);
    await eventually(
      () => count(orders, 'SELECT count(*) FROM outbox WHERE published_at IS NULL'),
      (n) => n === 0,
    );
    // Re-published rows were dropped by the duplicate window: one stream message per order.
    expect(await streamMessages()).toBe(200);

    await shop.start('notifications');
    // Orders keep arriving while notifications works through the 200, so it is killed while it
    // has messages in hand however fast this machine lets it catch up (with a fixed backlog it
    // sometimes had handled all 200 before the kill landed).
    let flowing = true;
    const flow = (async () => {
      while (flowing) await placeMany(5, 5);
    })();
    const atKill = await eventually(
      () => count(shop.db('notifications'), 'SELECT count(*) FROM notifications'),
      (n) => n >= 10,
    );
    await shop.kill('notifications');
    const afterKill = await count(shop.db('notifications'), 'SELECT count(*) FROM notifications');
    flowing = false;
    await flow;
    await placeMany(10);
    // Restarted before anything is asserted, so a failure here leaves the next test a whole shop.
    await shop.start('notifications');
    expect(afterKill, 'killed before it had handled every order').toBeLessThan(accepted.length);
    expect(afterKill).toBeGreaterThanOrEqual(atKill);
    await expectExactlyOnce();
  }, 60_000);

  it('NATS restarted while orders flow: nothing is lost, orders stayed ready, the consumers showed the outage', async () => {
    const before = accepted.length;
    let flowing = true;
    const flow = (async () => {
      while (flowing) {
        await placeMany(4, 2);
        await sleep(20);
      }
    })();
    await sleep(500);
    await nats.stop('SIGTERM');
    const atOutage = accepted.length;
    const down = await eventually(
      () => client.call('notifications', 'GET', '/readyz'),
      (res) => res.status === 503,
      5_000,
    );
    expect(down.body.checks).toEqual({ postgres: 'ok', nats: 'failing' });
    // orders takes orders without the broker: its readiness does not depend on NATS.
    const orders = await client.call('orders', 'GET', '/readyz');
    expect([orders.status, orders.body.checks]).toEqual([200, { postgres: 'ok' }]);
    await sleep(1_000);
    expect(accepted.length - atOutage, 'orders accepted while NATS was down').toBeGreaterThan(0);
    await nats.start();
    await sleep(700);
    flowing = false;
    await flow;
    expect(accepted.length - before, 'orders accepted around the restart').toBeGreaterThan(8);

    for (const service of ['orders', 'notifications', 'analytics'] as const) {
      const ready = await eventually(
        () => client.call(service, 'GET', '/readyz'),
        (res) => res.status === 200,
        10_000,
      );
      expect(ready.body.checks, service).toEqual(
        service === 'orders' ? { postgres: 'ok' } : { postgres: 'ok', nats: 'ok' },
      );
    }
    await expectExactlyOnce();
    expect(await streamMessages()).toBe(accepted.length);
  });
});
