import type { FaultShop } from './shop.js';

/**
 * Where the orders answered 201 ended up: exactly once in orders, once in notifications and
 * once in analytics is the promise. Analytics keeps counters, not order ids: its per-user order
 * count is compared with the orders the orders database holds for that user.
 */
export interface Ledger {
  /** Orders answered 201. */
  readonly accepted: number;
  /**
   * Answered 201 but missing from orders; or in orders (answered 201 or not) but missing from
   * notifications or not counted by analytics.
   */
  readonly lost: number;
  /** Seen more than once in orders or notifications, or counted more than once by analytics. */
  readonly duplicated: number;
  /** In the orders database although the client never got a 201 (a failed answer after the commit). */
  readonly unconfirmed: number;
  /** Reserved keys left pending by a request that died between reserving and confirming. */
  readonly pending: number;
  readonly detail: {
    readonly missingInOrders: number;
    readonly missingInNotifications: number;
    readonly missingInAnalytics: number;
    readonly duplicatedInNotifications: number;
    readonly duplicatedInAnalytics: number;
    /** Users whose analytics count differs from their orders: [user, orders, counted]. */
    readonly analyticsMismatch: readonly (readonly [string, number, number])[];
  };
}

export async function readLedger(
  shop: FaultShop,
  users: readonly string[],
  accepted: readonly string[],
): Promise<Ledger> {
  // A 'pending' row is a reserved key whose request died before confirming (a retry with the same
  // key completes it); it is no order yet, and has no event.
  const rows = await shop.query<{ id: string; user_id: string; status: string }>(
    'orders',
    'SELECT id::text, user_id, status FROM orders WHERE user_id = ANY($1)',
    [users],
  );
  const inOrders = rows.filter((r) => r.status !== 'pending');
  const notified = await shop.query<{ order_id: string; n: string }>(
    'notifications',
    'SELECT order_id, count(*) AS n FROM notifications WHERE user_id = ANY($1) GROUP BY order_id',
    [users],
  );
  const counted = await shop.query<{ user_id: string; orders: string }>(
    'analytics',
    'SELECT user_id, orders FROM user_stats WHERE user_id = ANY($1)',
    [users],
  );
  const orderIds = new Set(inOrders.map((r) => r.id));
  const notifiedTimes = new Map(notified.map((r) => [r.order_id, Number(r.n)]));
  const acceptedSet = new Set(accepted);

  const missingInOrders = [...acceptedSet].filter((id) => !orderIds.has(id)).length;
  // Every order the orders database holds must be notified, also one whose client saw a failure.
  const missingInNotifications = [...new Set([...acceptedSet, ...orderIds])].filter(
    (id) => !notifiedTimes.has(id),
  ).length;
  const duplicatedInNotifications = [...notifiedTimes.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);

  const ordersPerUser = new Map<string, number>();
  for (const r of inOrders) ordersPerUser.set(r.user_id, (ordersPerUser.get(r.user_id) ?? 0) + 1);
  const countedPerUser = new Map(counted.map((r) => [r.user_id, Number(r.orders)]));
  let missingInAnalytics = 0;
  let duplicatedInAnalytics = 0;
  const analyticsMismatch: [string, number, number][] = [];
  for (const user of users) {
    const orders = ordersPerUser.get(user) ?? 0;
    const countedOrders = countedPerUser.get(user) ?? 0;
    if (countedOrders !== orders) analyticsMismatch.push([user, orders, countedOrders]);
    if (countedOrders < orders) missingInAnalytics += orders - countedOrders;
    else duplicatedInAnalytics += countedOrders - orders;
  }
  return {
    accepted: acceptedSet.size,
    lost: missingInOrders + missingInNotifications + missingInAnalytics,
    duplicated: duplicatedInNotifications + duplicatedInAnalytics + (accepted.length - acceptedSet.size),
    unconfirmed: [...orderIds].filter((id) => !acceptedSet.has(id)).length,
    pending: rows.length - inOrders.length,
    detail: {
      missingInOrders,
      missingInNotifications,
      missingInAnalytics,
      duplicatedInNotifications,
      duplicatedInAnalytics,
      analyticsMismatch,
    },
  };
}
