import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../../test-support/tcp-proxy.js';
import { count, eventually, shopClient, startEventShop, type EventShop } from '../events/support/shop.js';
import {
  deleteStreams,
  expectExactlyOnce,
  FAULT_TEST_TIMEOUT_MS,
  msUntil,
  OrderFlow,
  reportFault,
  type ShopClient,
} from './support.js';

// PostgreSQL faults against the shop's services as processes (dist/), with a TCP proxy the test
// controls between every service and the shared PostgreSQL, and pg_terminate_backend on the
// shop's own databases. No process may exit; each serves again within 5 s of PostgreSQL's return.

/** The services' connections carry it (through their URL), so the test terminates only theirs. */
const APPLICATION_NAME = 'mesh-kit-fault-test';
const SERVICES = ['users', 'products', 'payments', 'orders', 'notifications', 'analytics'] as const;
const namespace = `pgf${randomBytes(3).toString('hex')}`;
let proxy: TcpProxy;
let shop: EventShop;
let client: ShopClient;
let users: string[];
const accepted = new Set<string>();

type Answer = Awaited<ReturnType<ShopClient['call']>>;
/** The status `service` answers GET `path` with; 0 when nothing answers. */
const statusOf = async (service: (typeof SERVICES)[number], path: string): Promise<number> =>
  (await client.call(service, 'GET', path).catch(() => ({ status: 0 }))).status;
const readyz = (service: (typeof SERVICES)[number]): Promise<number> => statusOf(service, '/readyz');
const allReady = async (): Promise<boolean> =>
  (await Promise.all(SERVICES.map(readyz))).every((status) => status === 200);
/** Terminates the backends of the shop's services (never the test's own connections), on the shop's databases only. */
async function terminateServiceBackends(): Promise<number> {
  const orders = shop.db('orders');
  const { rows } = await orders.query<{ n: number }>(
    `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
     WHERE application_name = $1 AND datname LIKE regexp_replace(current_database(), 'orders$', '') || '%'`,
    [APPLICATION_NAME],
  );
  return rows[0]!.n;
}
const expectAllRunning = (): void => {
  expect(
    SERVICES.filter((s) => !shop.isRunning(s)),
    'services that exited',
  ).toEqual([]);
};

beforeAll(async () => {
  const { postgresAdminUrl, natsUrl } = inject('backing');
  const { hostname, port } = new URL(postgresAdminUrl);
  proxy = await startTcpProxy({ host: hostname, port: Number(port) });
  shop = await startEventShop(
    natsUrl,
    { OUTBOX_POLL_INTERVAL_MS: '200', ORDER_PENDING_LEASE_MS: '1500' },
    {
      servicePostgresUrl: `${proxy.via(postgresAdminUrl)}?application_name=${APPLICATION_NAME}`,
      eventsNamespace: namespace,
      // Slow enough that the test sees the order pending, and can kill orders then.
      serviceEnv: { payments: { PAYMENTS_ADDED_LATENCY_MS: '300' } },
    },
  );
  client = shopClient(shop);
  users = await Promise.all(Array.from({ length: 3 }, () => client.createUser()));
}, 90_000);

afterAll(async () => {
  await shop?.stop();
  await proxy?.close();
  await deleteStreams(inject('backing').natsUrl, namespace);
});

describe('PostgreSQL faults fail requests, never processes', () => {
  it(
    'pg_terminate_backend of every service connection, three times under load: all live, serving within 5 s',
    async () => {
      const flow = new OrderFlow(client, users);
      await sleep(500);
      const terminated: number[] = [];
      for (let round = 0; round < 3; round += 1) {
        terminated.push(await terminateServiceBackends());
        await sleep(700);
      }
      const ended = Date.now();
      const recoveredMs = await msUntil(async () => {
        const placed = await client.placeOrder(users[0]!).then(
          (id) => (accepted.add(id), true),
          () => false,
        );
        return placed && (await allReady());
      }, 5_000);
      await flow.stop();
      for (const id of flow.accepted) accepted.add(id);
      reportFault(`pg_terminate_backend x3 (${terminated.join('+')} backends)`, flow.statuses, recoveredMs);

      expect(
        terminated.every((n) => n > 0),
        `backends terminated per round: ${terminated.join(', ')}`,
      ).toBe(true);
      expectAllRunning();
      expect(recoveredMs, 'serving again after the last termination').toBeLessThan(5_000);
      expect(Date.now() - ended).toBeLessThan(6_000);
      expect(
        flow.statuses.filter((s) => s !== 201 && s !== 503),
        'only 201 or 503',
      ).toEqual([]);
      await expectExactlyOnce(shop, accepted);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});

describe('PostgreSQL unreachable', () => {
  it(
    'refused for 3 s under load: quick 503 problem+json, /healthz 200, /readyz 503; all ready within 5 s of its return',
    async () => {
      const flow = new OrderFlow(client, users);
      await sleep(300);
      await proxy.refuse();
      let during: Answer;
      let answeredMs: number;
      let health: Answer[];
      let ready: number[];
      try {
        await sleep(500);
        const started = Date.now();
        during = await client.call('orders', 'GET', '/orders', { 'x-user-id': users[0]! });
        answeredMs = Date.now() - started;
        health = await Promise.all(SERVICES.map((s) => client.call(s, 'GET', '/healthz')));
        ready = await Promise.all(['users', 'orders', 'notifications', 'analytics'].map((s) => readyz(s as 'users')));
        await sleep(2_500);
      } finally {
        await proxy.restore();
      }
      const recoveredMs = await msUntil(allReady, 10_000);
      const placedAfter = await client.placeOrder(users[1]!);
      accepted.add(placedAfter);
      await flow.stop();
      for (const id of flow.accepted) accepted.add(id);
      reportFault('PostgreSQL refused 3 s', flow.statuses, recoveredMs);

      expect(during.status).toBe(503);
      expect(during.body).toMatchObject({ status: 503, detail: expect.stringMatching(/database/i) });
      expect(answeredMs).toBeLessThan(1_000);
      expect(health.map((h) => h.status)).toEqual(SERVICES.map(() => 200));
      expect(ready).toEqual([503, 503, 503, 503]);
      expectAllRunning();
      expect(recoveredMs, 'every service ready again after PostgreSQL returned').toBeLessThan(5_000);
      expect(
        flow.statuses.filter((s) => s !== 201 && s !== 503),
        'only 201 or 503',
      ).toEqual([]);
      expect(flow.statuses.filter((s) => s === 503).length, 'orders failed while PostgreSQL was away').toBeGreaterThan(
        0,
      );
      await expectExactlyOnce(shop, accepted);
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'services started while PostgreSQL is down stay up, not ready, and become ready on their own',
    async () => {
      await shop.kill('users', 'SIGTERM');
      await shop.kill('orders', 'SIGTERM');
      await proxy.refuse();
      const refused = Date.now();
      const starting = Promise.all([shop.start('users'), shop.start('orders')]);
      // Awaited below; a start that fails must not also surface as an unhandled rejection first.
      starting.catch(() => undefined);
      let health: number[];
      let ready: number[];
      let routes: Answer;
      try {
        // On a busy machine two Node processes can take seconds to listen; wait for that, then
        // keep PostgreSQL away for at least 3 s of their life, so they fail migration attempts.
        const healthz = (): Promise<number[]> =>
          Promise.all([statusOf('users', '/healthz'), statusOf('orders', '/healthz')]);
        const listeningMs = await msUntil(async () => (await healthz()).every((s) => s === 200), 30_000);
        expect(listeningMs, 'users and orders listening while PostgreSQL is refused').toBeLessThan(30_000);
        await sleep(Math.max(0, 3_000 - (Date.now() - refused)));
        health = await healthz();
        ready = [await readyz('users'), await readyz('orders')];
        routes = await client.call('orders', 'GET', '/orders', { 'x-user-id': users[0]! });
      } finally {
        // Restored whatever failed above, so the tests after this one meet a reachable PostgreSQL.
        await proxy.restore();
      }
      const restored = Date.now();
      await starting;
      const readyMs = Date.now() - restored;
      reportFault('users and orders started before PostgreSQL', [], readyMs);

      expect(health).toEqual([200, 200]);
      expect(ready).toEqual([503, 503]);
      expect(routes.status).toBe(503);
      expectAllRunning();
      // The migration attempts pause at most 5 s between them (plus the time to start).
      expect(readyMs).toBeLessThan(6_000);
      accepted.add(await client.placeOrder(users[2]!));
      await expectExactlyOnce(shop, accepted);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});

describe('an order whose request died between reserving and confirming', () => {
  it(
    'kill -9 of orders while payments answers; a retry with the same key completes it with one charge',
    async () => {
      const key = randomBytes(8).toString('hex');
      const userId = users[0]!;
      const body = { items: [{ sku: 'tea-01', quantity: 2 }] };
      const first = client
        .call('orders', 'POST', '/orders', { 'x-user-id': userId, 'idempotency-key': key }, body)
        .then(
          (res) => `answered ${res.status} ${JSON.stringify(res.body)}`,
          () => 'cut',
        );
      const orders = shop.db('orders');
      const pending = await eventually(
        () => count(orders, "SELECT count(*) FROM orders WHERE idempotency_key = $1 AND status = 'pending'", [key]),
        (n) => n === 1,
        5_000,
      );
      expect(pending, await Promise.race([first, sleep(10).then(() => 'still waiting')])).toBe(1);
      await shop.kill('orders', 'SIGKILL');
      expect(await first, 'the first request died with its process').toBe('cut');
      await shop.start('orders');

      const retried = await client.call(
        'orders',
        'POST',
        '/orders',
        { 'x-user-id': userId, 'idempotency-key': key },
        body,
      );
      expect(retried.status).toBe(201);
      const { rows } = await orders.query<{ id: string; status: string; payment_id: string }>(
        'SELECT id, status, payment_id FROM orders WHERE idempotency_key = $1',
        [key],
      );
      // One authorization, keyed by the order's id, for the order's amount: the retry charged once.
      const payments = await shop
        .db('payments')
        .query<{ id: string; amount_cents: string }>(
          'SELECT id, amount_cents FROM authorizations WHERE order_key = $1',
          [retried.body.id],
        );
      expect(payments.rows).toEqual([{ id: expect.any(String), amount_cents: '900' }]);
      expect(rows).toEqual([{ id: retried.body.id, status: 'confirmed', payment_id: payments.rows[0]!.id }]);
      expect(
        await count(orders, "SELECT count(*) FROM outbox WHERE payload->'order'->>'id' = $1", [retried.body.id]),
      ).toBe(1);
      accepted.add(retried.body.id as string);
      await expectExactlyOnce(shop, accepted);
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
