import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
export { deleteStreams } from '../../test-support/stack-process.js';
import { count, eventually, type shopClient, type EventShop } from '../events/support/shop.js';
import { EVENTS_SETTLE_MS } from '../../test-support/redelivery.js';

export type ShopClient = ReturnType<typeof shopClient>;

/** A steady flow of order placements (`workers` at a time); records what was answered 201 and every status. */
export class OrderFlow {
  readonly accepted = new Set<string>();
  readonly statuses: number[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(client: ShopClient, users: readonly string[], pauseMs = 40, workers = 4) {
    const worker = async (offset: number): Promise<void> => {
      for (let i = offset; this.running; i += workers) {
        const placed = await client
          .call(
            'orders',
            'POST',
            '/orders',
            { 'x-user-id': users[i % users.length]!, 'idempotency-key': randomBytes(8).toString('hex') },
            { items: [{ sku: 'tea-01', quantity: 2 }] },
          )
          .catch(() => ({ status: 0, body: undefined }));
        this.statuses.push(placed.status);
        if (placed.status === 201) this.accepted.add(placed.body.id as string);
        await sleep(pauseMs);
      }
    };
    this.loop = Promise.all(Array.from({ length: workers }, (_, i) => worker(i))).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** Every accepted order is in orders once, notified once and counted once by analytics. */
/** A test that waits for the events to settle (expectExactlyOnce) may take this long, the rest included. */
export const FAULT_TEST_TIMEOUT_MS = EVENTS_SETTLE_MS + 45_000;

export async function expectExactlyOnce(shop: EventShop, accepted: ReadonlySet<string>): Promise<void> {
  const ids = [...accepted];
  const inOrders = await count(
    shop.db('orders'),
    "SELECT count(*) FROM orders WHERE status = 'confirmed' AND id = ANY($1::uuid[])",
    [ids],
  );
  const [notified, counted] = await eventually(
    async () => [
      await count(shop.db('notifications'), 'SELECT count(*) FROM notifications WHERE order_id = ANY($1)', [ids]),
      await count(shop.db('analytics'), 'SELECT count(*) FROM processed_events'),
    ],
    ([n, a]) => n >= ids.length && a >= ids.length,
    EVENTS_SETTLE_MS,
  );
  const totals = {
    orders: await count(shop.db('orders'), "SELECT count(*) FROM orders WHERE status = 'confirmed'"),
    notifications: await count(shop.db('notifications'), 'SELECT count(*) FROM notifications'),
  };
  if (
    inOrders !== ids.length ||
    notified !== ids.length ||
    counted !== totals.orders ||
    totals.notifications !== totals.orders
  ) {
    throw new Error(
      `exactly once violated: accepted ${ids.length}, in orders ${inOrders} (all confirmed ${totals.orders}), ` +
        `notified ${notified} (all ${totals.notifications}), counted by analytics ${counted}`,
    );
  }
}

/** Milliseconds until `ready` holds, polling every 50 ms; Infinity when it does not within `withinMs`. */
export async function msUntil(ready: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if (await ready().catch(() => false)) return Date.now() - started;
    await sleep(50);
  }
  return Number.POSITIVE_INFINITY;
}

/** One line of figures per fault on the test output (requests by status, time to recover). */
export function reportFault(fault: string, statuses: readonly number[], recoveredMs: number): void {
  const by = (test: (s: number) => boolean): number => statuses.filter(test).length;
  process.stdout.write(
    `fault figures: ${fault}: requests ${statuses.length}, 2xx ${by((s) => s >= 200 && s < 300)}, ` +
      `4xx ${by((s) => s >= 400 && s < 500)}, 5xx ${by((s) => s >= 500)}, no answer ${by((s) => s === 0)}, ` +
      `recovered in ${Math.round(recoveredMs)} ms\n`,
  );
}
