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

  async listFor(userId: string, limit: number): Promise<Notification[]> {
    const result = await this.pool.query<NotificationRow>(
      `SELECT id, order_id, channel, message, sent_at FROM notifications
       WHERE user_id = $1 ORDER BY sent_at DESC, id LIMIT $2`,
      [userId, limit],
    );
    return result.rows.map(toNotification);
  }
}
