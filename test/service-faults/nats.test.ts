import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../../test-support/tcp-proxy.js';
import { shopClient, startEventShop, type EventShop } from '../events/support/shop.js';
import {
  deleteStreams,
  expectExactlyOnce,
  FAULT_TEST_TIMEOUT_MS,
  msUntil,
  OrderFlow,
  reportFault,
  type ShopClient,
} from './support.js';

// The broker is optional for the synchronous API: the shop's services as processes (dist/), with
// a TCP proxy the test controls between them and the shared NATS server.

const SERVICES = ['users', 'products', 'payments', 'orders', 'notifications', 'analytics'] as const;
type Service = (typeof SERVICES)[number];
const namespace = `natsf${randomBytes(3).toString('hex')}`;
let proxy: TcpProxy;
let shop: EventShop;
let client: ShopClient;
let users: string[];
const accepted = new Set<string>();

const ready = async (service: Service) => client.call(service, 'GET', '/readyz').catch(() => ({ status: 0, body: {} }));
const isReady = async (service: Service): Promise<boolean> => (await ready(service)).status === 200;
const expectAllRunning = (): void => {
  expect(
    SERVICES.filter((s) => !shop.isRunning(s)),
    'services that exited',
  ).toEqual([]);
};
const backlog = async (): Promise<{ pending: number; oldestPendingSeconds: number }> =>
  (await client.call('orders', 'GET', '/healthz')).body.outbox;

beforeAll(async () => {
  const { natsUrl } = inject('backing');
  const { hostname, port } = new URL(natsUrl.replace(/^nats:/, 'http:'));
  proxy = await startTcpProxy({ host: hostname, port: Number(port) });
}, 30_000);

afterAll(async () => {
  await shop?.stop();
  await proxy?.close();
  await deleteStreams(inject('backing').natsUrl, namespace);
});

describe('NATS away', () => {
  it(
    'every service starts while NATS is down; orders takes orders; the consumers catch up once it is there',
    async () => {
      await proxy.refuse();
      shop = await startEventShop(
        proxy.via(inject('backing').natsUrl),
        { OUTBOX_POLL_INTERVAL_MS: '200' },
        { waitReady: false, eventsNamespace: namespace, bootstrapNatsUrl: inject('backing').natsUrl },
      );
      client = shopClient(shop);
      const syncReadyMs = await msUntil(
        async () => (await isReady('users')) && (await isReady('payments')) && (await isReady('orders')),
        20_000,
      );
      expect(syncReadyMs, 'users, payments and orders ready without NATS').toBeLessThan(20_000);
      users = await Promise.all(Array.from({ length: 3 }, () => client.createUser()));
      for (let i = 0; i < 15; i += 1) accepted.add(await client.placeOrder(users[i % 3]!));
      await sleep(1_000);

      const consumers = await Promise.all([ready('notifications'), ready('analytics')]);
      const health = await client.call('orders', 'GET', '/healthz');
      const metrics = await fetch(`${shop.urls.orders}/metrics`).then((r) => r.text());
      expectAllRunning();
      expect(consumers.map((r) => [r.status, r.body.checks?.nats])).toEqual([
        [503, 'failing'],
        [503, 'failing'],
      ]);
      expect(health.body).toMatchObject({ status: 'ok', nats: 'disconnected', outbox: { pending: 15 } });
      expect(health.body.outbox.oldestPendingSeconds).toBeGreaterThan(0.5);
      expect(metrics).toMatch(/^outbox_backlog\{service="orders"\} 15$/m);
      expect(metrics).toMatch(/^outbox_oldest_pending_seconds\{service="orders"\} [1-9]/m);

      await proxy.restore();
      const restored = Date.now();
      const consumersReadyMs = await msUntil(
        async () => (await isReady('notifications')) && (await isReady('analytics')),
        10_000,
      );
      reportFault('every service started before NATS (consumers ready after it arrived)', [], consumersReadyMs);
      expect(consumersReadyMs, 'consumers ready after NATS arrived').toBeLessThan(5_000);
      await expectExactlyOnce(shop, accepted);
      // The relay marks rows published in batches after JetStream's ack (outbox-relay.ts,
      // markPublished), so a consumer can handle the last order before its row is marked.
      expect(await msUntil(async () => (await backlog()).pending === 0, 10_000), 'outbox drained').toBeLessThan(10_000);
      expect(Date.now() - restored).toBeLessThan(10_000);
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'NATS cut and refused for 3 s under load: orders stays ready and answers 201; nothing lost or doubled',
    async () => {
      const flow = new OrderFlow(client, users);
      await sleep(500);
      await proxy.refuse();
      await sleep(1_500);
      const during = await Promise.all([ready('orders'), ready('notifications')]);
      const pendingDuring = (await backlog()).pending;
      await sleep(1_500);
      await proxy.restore();
      const restored = Date.now();
      const caughtUpMs = await msUntil(
        async () => (await backlog()).pending === 0 && (await isReady('notifications')),
        10_000,
      );
      await flow.stop();
      for (const id of flow.accepted) accepted.add(id);
      reportFault('NATS cut and refused 3 s (outbox drained)', flow.statuses, Date.now() - restored);
      expect(caughtUpMs).toBeLessThan(5_000);

      expectAllRunning();
      expect(during.map((r) => r.status)).toEqual([200, 503]);
      expect(pendingDuring, 'orders waiting in the outbox during the outage').toBeGreaterThan(0);
      expect(
        flow.statuses.filter((s) => s !== 201),
        'every order answered 201',
      ).toEqual([]);
      await expectExactlyOnce(shop, accepted);
      // The relay marks rows published in batches after JetStream's ack (outbox-relay.ts,
      // markPublished), so a consumer can handle the last order before its row is marked.
      expect(await msUntil(async () => (await backlog()).pending === 0, 10_000), 'outbox drained').toBeLessThan(10_000);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
