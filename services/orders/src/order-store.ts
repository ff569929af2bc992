import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { CURRENCY, totalOf, type Order, type OrderItem } from './order.js';
import { ORDER_PLACED_SUBJECT, orderPlacedEvent } from './order-placed-event.js';

interface OrderRow {
  id: string;
  user_id: string;
  items: OrderItem[];
  total_cents: string;
  currency: string;
  status: 'confirmed';
  created_at: Date;
  request_hash: string;
}

const COLUMNS = 'id, user_id, items, total_cents, currency, status, created_at, request_hash';

function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    userId: row.user_id,
    items: row.items,
    totalCents: Number(row.total_cents),
    currency: row.currency,
    status: row.status,
    createdAt: row.created_at.toISOString(),
  };
}

export interface Placement {
  readonly userId: string;
  readonly idempotencyKey: string;
  readonly items: readonly OrderItem[];
  /** Trace headers to carry on the event (W3C, B3, x-request-id). */
  readonly traceHeaders: Readonly<Record<string, string>>;
  /**
   * Checks the user and authorizes the payment; runs only for a new key, while the key's lock is
   * held. Returns the payment id, or throws to abort without writing anything.
   */
  readonly authorize: (orderKey: string, totalCents: number, currency: string) => Promise<string>;
}

/** An outbox row as written: what the relay publishes. */
export interface OutboxEvent {
  readonly id: string;
  readonly subject: string;
  readonly payload: Record<string, unknown>;
  readonly headers: Readonly<Record<string, string>>;
}

export type PlacementResult =
  | { readonly kind: 'created'; readonly order: Order; readonly event: OutboxEvent }
  | { readonly kind: 'replayed'; readonly order: Order }
  | { readonly kind: 'key-reused'; readonly order: Order };

/** A stable fingerprint of the request body, to tell a replay from a key reused for another order. */
function fingerprint(items: readonly OrderItem[]): string {
  const canonical = items.map((i) => [i.sku, i.quantity, i.unitPriceCents]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

export class OrderStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Places an order once per (user, Idempotency-Key). A transaction-scoped advisory lock on the
   * key makes concurrent requests with one key queue: the first creates the order, the others
   * then find it and answer with it. The order and its outbox row commit together.
   */
  async place(placement: Placement): Promise<PlacementResult> {
    const hash = fingerprint(placement.items);
    const client = await this.pool.connect();
    try {
      // One round trip: open the transaction, take the key's lock, look for an earlier order. A
      // multi-statement query cannot take parameters, hence the escaped literals. The lock key is
      // two 32-bit hashes; a collision between keys only serializes them, never merges them.
      const user = client.escapeLiteral(placement.userId);
      const key = client.escapeLiteral(placement.idempotencyKey);
      const opened = (await client.query(
        `BEGIN;
         SELECT pg_advisory_xact_lock(hashtext(${user}), hashtext(${key}));
         SELECT ${COLUMNS} FROM orders WHERE user_id = ${user} AND idempotency_key = ${key}`,
      )) as unknown as pg.QueryResult<OrderRow>[];
      const found = opened[2]!.rows[0];
      if (found !== undefined) {
        await client.query('COMMIT');
        return { kind: found.request_hash === hash ? 'replayed' : 'key-reused', order: toOrder(found) };
      }
      const totalCents = totalOf(placement.items);
      const orderKey = `${placement.userId}:${placement.idempotencyKey}`;
      const paymentId = await placement.authorize(orderKey, totalCents, CURRENCY);
      const order: Order = {
        id: randomUUID(),
        userId: placement.userId,
        items: placement.items,
        totalCents,
        currency: CURRENCY,
        status: 'confirmed',
        createdAt: new Date().toISOString(),
      };
      const event = orderPlacedEvent(order);
      // The order and its outbox row in one statement (one round trip), committed together.
      await client.query(
        `WITH placed AS (
           INSERT INTO orders (id, user_id, idempotency_key, request_hash, items, total_cents, currency, status, payment_id, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         )
         INSERT INTO outbox (id, subject, payload, headers) VALUES ($11, $12, $13, $14)`,
        [
          order.id,
          order.userId,
          placement.idempotencyKey,
          hash,
          JSON.stringify(order.items),
          order.totalCents,
          order.currency,
          order.status,
          paymentId,
          order.createdAt,
          event.id,
          ORDER_PLACED_SUBJECT,
          JSON.stringify(event.payload),
          JSON.stringify(placement.traceHeaders),
        ],
      );
      await client.query('COMMIT');
      return {
        kind: 'created',
        order,
        event: { id: event.id, subject: ORDER_PLACED_SUBJECT, payload: event.payload, headers: placement.traceHeaders },
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async find(userId: string, id: string): Promise<Order | undefined> {
    const result = await this.pool.query<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE id = $1 AND user_id = $2`, [
      id,
      userId,
    ]);
    const row = result.rows[0];
    return row === undefined ? undefined : toOrder(row);
  }

  async listFor(userId: string, limit: number): Promise<Order[]> {
    const result = await this.pool.query<OrderRow>(
      `SELECT ${COLUMNS} FROM orders WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT $2`,
      [userId, limit],
    );
    return result.rows.map(toOrder);
  }
}
