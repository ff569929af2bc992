import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Order, OrderItem, OrderLine, PricedOrder } from './order.js';
import { orderPlacedRow, type OutboxRow } from './outbox-row.js';

interface OrderRow {
  id: string;
  user_id: string;
  /** The lines as asked while pending; as charged (with unit prices) once confirmed. */
  items: OrderItem[];
  total_cents: string;
  currency: string;
  status: 'pending' | 'confirmed';
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
    status: 'confirmed',
    createdAt: row.created_at.toISOString(),
  };
}

/** What a request asks for: one order per (user, Idempotency-Key). */
export interface OrderRequest {
  readonly userId: string;
  readonly idempotencyKey: string;
  readonly items: readonly OrderLine[];
}

/** A pending order this request holds: it may call the dependencies, then confirm or release it. */
export interface Reservation {
  readonly id: string;
  readonly claim: string;
  readonly userId: string;
  /** The lines to price (a reservation carries no price: it is taken when the order is confirmed). */
  readonly items: readonly OrderLine[];
  readonly createdAt: string;
  /** True when an earlier request reserved it and vanished (a crash): this one completes it. */
  readonly takenOver: boolean;
}

export type ReserveResult =
  | { readonly kind: 'reserved'; readonly reservation: Reservation }
  | { readonly kind: 'replayed'; readonly order: Order }
  | { readonly kind: 'key-reused'; readonly orderId: string }
  /** Another request holds the key and is still working on it. */
  | { readonly kind: 'in-progress' };

export type ConfirmResult =
  | { readonly kind: 'created'; readonly order: Order; readonly event: OutboxRow }
  /** A request that took the reservation over confirmed it first: same order, same payment. */
  | { readonly kind: 'replayed'; readonly order: Order }
  /** The reservation is gone (released by a request that took it over and failed). */
  | { readonly kind: 'lost' };

/** A stable fingerprint of the request body, to tell a replay from a key reused for another order. */
function fingerprint(items: readonly OrderLine[]): string {
  const canonical = items.map((i) => [i.sku, i.quantity]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/**
 * Orders, placed in two short steps with the network calls between them and no connection,
 * transaction or lock held across them: {@link reserve} inserts the order as `pending`
 * (the unique (user, key) constraint lets exactly one request hold a key), {@link confirm} marks it
 * confirmed and writes its outbox row in one statement, {@link release} gives the key back when a
 * dependency said no.
 */
export class OrderStore {
  /**
   * @param leaseMs how long a reservation belongs to its request; after it, a retry with the same
   *   key takes it over (the request is presumed dead). Longer than any live request takes.
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly leaseMs = 10_000,
  ) {}

  /**
   * Reserves the key for this request: a new pending order, or one whose request vanished (lease
   * expired, same body). Otherwise says what holds the key: a confirmed order (a replay, or a key
   * reused for another body) or a request still at work.
   */
  async reserve(request: OrderRequest): Promise<ReserveResult> {
    const hash = fingerprint(request.items);
    const claim = randomUUID();
    // Named, like confirm's: each pooled connection parses and plans these once, not per order.
    const { rows } = await this.pool.query<OrderRow & { taken_over: boolean }>({
      name: 'orders.reserve',
      text: `INSERT INTO orders (id, user_id, idempotency_key, request_hash, items, status, claim, pending_until)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6, now() + $7 * interval '1 millisecond')
       ON CONFLICT (user_id, idempotency_key) DO UPDATE
         SET claim = EXCLUDED.claim, pending_until = EXCLUDED.pending_until
         WHERE orders.status = 'pending' AND orders.pending_until < now() AND orders.request_hash = EXCLUDED.request_hash
       RETURNING ${COLUMNS}, orders.id <> $1 AS taken_over`,
      values: [
        randomUUID(),
        request.userId,
        request.idempotencyKey,
        hash,
        JSON.stringify(request.items.map((i) => ({ sku: i.sku, quantity: i.quantity }))),
        claim,
        this.leaseMs,
      ],
    });
    const mine = rows[0];
    if (mine !== undefined) {
      return {
        kind: 'reserved',
        reservation: {
          id: mine.id,
          claim,
          userId: mine.user_id,
          items: mine.items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
          createdAt: mine.created_at.toISOString(),
          takenOver: mine.taken_over,
        },
      };
    }
    const existing = await this.byKey(request.userId, request.idempotencyKey);
    if (existing === undefined) return { kind: 'in-progress' }; // released just now: the caller looks again
    if (existing.request_hash !== hash) return { kind: 'key-reused', orderId: existing.id };
    if (existing.status === 'confirmed') return { kind: 'replayed', order: toOrder(existing) };
    return { kind: 'in-progress' };
  }

  /**
   * Confirms the reservation with the prices it was charged and its payment, and writes its outbox
   * row, in one statement.
   */
  async confirm(
    reservation: Reservation,
    priced: PricedOrder,
    paymentId: string,
    traceHeaders: Readonly<Record<string, string>>,
  ): Promise<ConfirmResult> {
    const order: Order = {
      id: reservation.id,
      userId: reservation.userId,
      items: priced.items,
      totalCents: priced.totalCents,
      currency: priced.currency,
      status: 'confirmed',
      createdAt: reservation.createdAt,
    };
    const event = orderPlacedRow(order, traceHeaders);
    // Any holder may confirm (a request taken over confirms the same order with the same payment,
    // payments answering per order key); the status check lets exactly one do it.
    const { rows } = await this.pool.query<{ id: string }>({
      name: 'orders.confirm',
      text: `WITH confirmed AS (
         UPDATE orders SET status = 'confirmed', payment_id = $2, claim = NULL, pending_until = NULL,
           items = $7, total_cents = $8, currency = $9
         WHERE id = $1 AND status = 'pending'
         RETURNING id
       ), event AS (
         INSERT INTO outbox (id, subject, payload, headers)
         SELECT $3, $4, $5, $6 FROM confirmed
       )
       SELECT id FROM confirmed`,
      values: [
        order.id,
        paymentId,
        event.id,
        event.subject,
        JSON.stringify(event.payload),
        JSON.stringify(event.headers),
        JSON.stringify(order.items),
        order.totalCents,
        order.currency,
      ],
    });
    if (rows.length === 1) {
      return { kind: 'created', order, event };
    }
    const now = await this.byKeyOfOrder(order.id);
    return now?.status === 'confirmed' ? { kind: 'replayed', order: toOrder(now) } : { kind: 'lost' };
  }

  /** Gives the key back (a dependency refused or failed): a later request with it starts afresh. */
  async release(reservation: Reservation): Promise<void> {
    await this.pool.query(`DELETE FROM orders WHERE id = $1 AND claim = $2 AND status = 'pending'`, [
      reservation.id,
      reservation.claim,
    ]);
  }

  private async byKey(userId: string, key: string): Promise<OrderRow | undefined> {
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT ${COLUMNS} FROM orders WHERE user_id = $1 AND idempotency_key = $2`,
      [userId, key],
    );
    return rows[0];
  }

  private async byKeyOfOrder(id: string): Promise<OrderRow | undefined> {
    const { rows } = await this.pool.query<OrderRow>(`SELECT ${COLUMNS} FROM orders WHERE id = $1`, [id]);
    return rows[0];
  }

  async find(userId: string, id: string): Promise<Order | undefined> {
    const result = await this.pool.query<OrderRow>(
      `SELECT ${COLUMNS} FROM orders WHERE id = $1 AND user_id = $2 AND status = 'confirmed'`,
      [id, userId],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : toOrder(row);
  }

  async listFor(userId: string, limit: number): Promise<Order[]> {
    const result = await this.pool.query<OrderRow>(
      `SELECT ${COLUMNS} FROM orders WHERE user_id = $1 AND status = 'confirmed'
       ORDER BY created_at DESC, id LIMIT $2`,
      [userId, limit],
    );
    return result.rows.map(toOrder);
  }
}
