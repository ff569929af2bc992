import { newOrderPlacedEvent, ORDER_PLACED_SUBJECT, type EventEnvelope } from '@mesh-kit/runtime';
import type { Order } from './order.js';

/** An outbox row: written in the transaction that confirms its order, published by the relay. */
export interface OutboxRow {
  /** The event's id, which is also its `Nats-Msg-Id`. */
  readonly id: string;
  readonly subject: string;
  readonly payload: EventEnvelope;
  /** The trace context of the request that placed the order. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The `orders.placed` row of an order being confirmed, built with the contract its consumers parse. */
export function orderPlacedRow(order: Order, headers: Readonly<Record<string, string>>): OutboxRow {
  const payload = newOrderPlacedEvent(order, new Date(order.createdAt));
  return { id: payload.id, subject: ORDER_PLACED_SUBJECT, payload, headers };
}
