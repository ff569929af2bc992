import { randomUUID } from 'node:crypto';
import type { Order } from './order.js';

export const ORDER_PLACED_SUBJECT = 'orders.placed';

/** The outbox row's payload for a placed order (version 1 of the event contract). */
export function orderPlacedEvent(order: Order): { id: string; payload: Record<string, unknown> } {
  const id = randomUUID();
  return {
    id,
    payload: { id, type: ORDER_PLACED_SUBJECT, version: 1, occurredAt: order.createdAt, order },
  };
}
