import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/** The subject orders publishes to once an order is committed. */
export const ORDER_PLACED_SUBJECT = 'orders.placed';

/**
 * Every event carries this envelope. `id` is unique per event and doubles as JetStream's
 * `Nats-Msg-Id`, so a re-published event is dropped by the stream's duplicate window and a
 * re-delivered one is recognised by consumers.
 */
export const eventEnvelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().min(1),
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
});
export type EventEnvelope = z.output<typeof eventEnvelopeSchema>;

export const orderLineSchema = z.object({
  sku: z.string().min(1).max(100),
  quantity: z.number().int().positive(),
  unitPriceCents: z.number().int().nonnegative(),
});

/**
 * `orders.placed` version 1. Readers are tolerant: unknown fields are ignored, so orders may add
 * fields without a new version; removing or changing one needs version 2 (and a new literal here).
 */
export const orderPlacedEventSchema = eventEnvelopeSchema.extend({
  type: z.literal(ORDER_PLACED_SUBJECT),
  version: z.literal(1),
  order: z.object({
    id: z.string().min(1).max(200),
    userId: z.string().min(1).max(200),
    items: z.array(orderLineSchema).min(1),
    totalCents: z.number().int().nonnegative(),
  }),
});
export type OrderPlacedEvent = z.output<typeof orderPlacedEventSchema>;

/** A new `orders.placed` event for an order that is being committed now. */
export function newOrderPlacedEvent(order: OrderPlacedEvent['order'], occurredAt: Date = new Date()): OrderPlacedEvent {
  return orderPlacedEventSchema.parse({
    id: randomUUID(),
    type: ORDER_PLACED_SUBJECT,
    version: 1,
    occurredAt: occurredAt.toISOString(),
    order,
  });
}
