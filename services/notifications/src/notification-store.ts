import type { NotificationAnswer } from '@mesh-kit/catalog/answers';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { OrderPlacedEvent } from '@mesh-kit/runtime';

/** A notification, as notifications answers it (the contract storefront parses). */
export type Notification = NotificationAnswer;

interface NotificationRow {
  id: string;
  order_id: string;
  channel: 'email';
  message: string;
  sent_at: Date;
  /** `sent_at` in UTC to the microsecond: a JavaScript Date keeps milliseconds only. */
  sent_at_key: string;
}

/** Where a page ends: the last notification's exact time and id (the list's order). */
export interface PagePosition {
  readonly sentAt: string;
  readonly id: string;
}

export interface NotificationPage {
  readonly items: readonly Notification[];
  /** Where the next page starts; undefined on the last page. */
  readonly next?: PagePosition;
}

const SENT_AT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The cursor: `<sentAt>_<id>`, base64url-encoded. */
export function encodeCursor(position: PagePosition): string {
  return Buffer.from(`${position.sentAt}_${position.id}`, 'utf8').toString('base64url');
}

/** The position a cursor names, or undefined when this service did not issue it. */
export function decodeCursor(cursor: string): PagePosition | undefined {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const [sentAt = '', id = '', ...rest] = decoded.split('_');
  if (rest.length > 0 || !SENT_AT_KEY.test(sentAt) || !UUID.test(id)) return undefined;
  return encodeCursor({ sentAt, id }) === cursor ? { sentAt, id } : undefined;
}

function toNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    orderId: row.order_id,
    channel: row.channel,
    message: row.message,
    sentAt: row.sent_at.toISOString(),
  };
}

function formatCents(cents: number): string {
  return (cents / 100).toFixed(2);
}

export class NotificationStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Records the "order confirmed" email for an order. Returns false when this event (or this
   * order) was already notified: the redelivery is acknowledged without a second email.
   */
  async recordOrderPlaced(event: OrderPlacedEvent, traceId: string | undefined): Promise<boolean> {
    const { order } = event;
    const count = order.items.reduce((sum, item) => sum + item.quantity, 0);
    const message = `Order ${order.id} confirmed: ${count} item${count === 1 ? '' : 's'}, total ${formatCents(order.totalCents)}.`;
    const result = await this.pool.query(
      `INSERT INTO notifications (id, event_id, order_id, user_id, channel, message, trace_id, occurred_at)
       VALUES ($1, $2, $3, $4, 'email', $5, $6, $7)
       ON CONFLICT DO NOTHING`,
      [randomUUID(), event.id, order.id, order.userId, message, traceId ?? null, event.occurredAt],
    );
    return result.rowCount === 1;
  }

  /** A page of the caller's notifications, newest first, after `after` (keyset: no offset scan). */
  async listFor(userId: string, limit: number, after?: PagePosition): Promise<NotificationPage> {
    const result = await this.pool.query<NotificationRow>(
      `SELECT id, order_id, channel, message, sent_at,
              to_char(sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sent_at_key
         FROM notifications
        WHERE user_id = $1 AND ($3::timestamptz IS NULL OR (sent_at, id) < ($3::timestamptz, $4::uuid))
        ORDER BY sent_at DESC, id DESC
        LIMIT $2`,
      [userId, limit + 1, after?.sentAt ?? null, after?.id ?? null],
    );
    const rows = result.rows.slice(0, limit);
    const last = rows[rows.length - 1];
    return {
      items: rows.map(toNotification),
      ...(result.rows.length > limit && last !== undefined ? { next: { sentAt: last.sent_at_key, id: last.id } } : {}),
    };
  }
}
