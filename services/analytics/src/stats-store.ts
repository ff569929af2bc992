import type pg from 'pg';
import type { OrderPlacedEvent } from '@mesh-kit/runtime';

export interface Counters {
  readonly orders: number;
  readonly revenueCents: number;
}

export interface DayStats extends Counters {
  /** UTC date of the orders, `YYYY-MM-DD`. */
  readonly day: string;
}

export interface Stats extends Counters {
  readonly byDay: readonly DayStats[];
  /** The caller's own counters, when the request names a caller. */
  readonly user?: Counters & { readonly userId: string };
}

export class StatsStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Counts an order once per event id; returns false for an event already counted. One statement,
   * so one round trip and one implicit transaction: the event id and the counters commit together.
   */
  async countOrderPlaced(event: OrderPlacedEvent): Promise<boolean> {
    const { order, occurredAt } = event;
    const result = await this.pool.query<{ counted: number }>(
      `WITH fresh AS (
         INSERT INTO processed_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING event_id
       ), by_day AS (
         INSERT INTO daily_stats (day, orders, revenue_cents)
         SELECT ($2::timestamptz AT TIME ZONE 'UTC')::date, 1, $3 FROM fresh
         ON CONFLICT (day) DO UPDATE
           SET orders = daily_stats.orders + 1, revenue_cents = daily_stats.revenue_cents + EXCLUDED.revenue_cents
       ), by_user AS (
         INSERT INTO user_stats (user_id, orders, revenue_cents, last_order_at)
         SELECT $4, 1, $3, $2 FROM fresh
         ON CONFLICT (user_id) DO UPDATE
           SET orders = user_stats.orders + 1,
               revenue_cents = user_stats.revenue_cents + EXCLUDED.revenue_cents,
               last_order_at = GREATEST(user_stats.last_order_at, EXCLUDED.last_order_at)
       )
       SELECT count(*)::int AS counted FROM fresh`,
      [event.id, occurredAt, order.totalCents, order.userId],
    );
    return result.rows[0]!.counted === 1;
  }

  async stats(userId: string | undefined, days: number): Promise<Stats> {
    const [totals, byDay, user] = await Promise.all([
      this.pool.query<{ orders: string; revenue_cents: string }>(
        'SELECT coalesce(sum(orders), 0) AS orders, coalesce(sum(revenue_cents), 0) AS revenue_cents FROM daily_stats',
      ),
      this.pool.query<{ day: string; orders: string; revenue_cents: string }>(
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, orders, revenue_cents FROM daily_stats
         ORDER BY day DESC LIMIT $1`,
        [days],
      ),
      userId === undefined
        ? undefined
        : this.pool.query<{ orders: string; revenue_cents: string }>(
            'SELECT orders, revenue_cents FROM user_stats WHERE user_id = $1',
            [userId],
          ),
    ]);
    const mine = user?.rows[0];
    return {
      orders: Number(totals.rows[0]!.orders),
      revenueCents: Number(totals.rows[0]!.revenue_cents),
      byDay: byDay.rows
        .map((row) => ({ day: row.day, orders: Number(row.orders), revenueCents: Number(row.revenue_cents) }))
        .reverse(),
      ...(userId === undefined
        ? {}
        : {
            user: {
              userId,
              orders: Number(mine?.orders ?? 0),
              revenueCents: Number(mine?.revenue_cents ?? 0),
            },
          }),
    };
  }
}
