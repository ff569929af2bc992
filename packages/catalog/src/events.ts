import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * The longest user id any service accepts (users, orders, payments, notifications, the events).
 * One limit for all: a `sub` that registers can also order.
 */
export const MAX_USER_ID_LENGTH = 100;

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
    userId: z.string().min(1).max(MAX_USER_ID_LENGTH),
    items: z.array(orderLineSchema).min(1),
    totalCents: z.number().int().nonnegative(),
    /** ISO 4217 code of `totalCents` and the unit prices. */
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'),
  }),
});
export type OrderPlacedEvent = z.output<typeof orderPlacedEventSchema>;

/** A subject and the schema its events are parsed with: what a consumer subscribes to. */
export interface EventContract<S extends z.ZodType<EventEnvelope>> {
  /** The subject as the contract names it; `wireSubject` adds the events namespace. */
  readonly subject: string;
  readonly schema: S;
}

export const ORDER_PLACED: EventContract<typeof orderPlacedEventSchema> = {
  subject: ORDER_PLACED_SUBJECT,
  schema: orderPlacedEventSchema,
};

/** The order as the producer knows it; the contract keeps only the fields it declares. */
export type PlacedOrder = Omit<OrderPlacedEvent['order'], 'items'> & {
  readonly items: readonly OrderPlacedEvent['order']['items'][number][];
};

/**
 * A new `orders.placed` event, parsed by the same schema its consumers parse it with: the producer
 * cannot publish what they would reject. Throws a ZodError when `order` breaks the contract.
 */
export function newOrderPlacedEvent(order: PlacedOrder, occurredAt: Date = new Date()): OrderPlacedEvent {
  return orderPlacedEventSchema.parse({
    id: randomUUID(),
    type: ORDER_PLACED_SUBJECT,
    version: 1,
    occurredAt: occurredAt.toISOString(),
    order,
  });
}
