import type { OrderAnswer } from '@mesh-kit/catalog/answers';
import { z } from 'zod';

/** One line as a client asks for it: what and how many. The price is the shop's, never the client's. */
export const orderLine = z.strictObject({
  sku: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash or underscore'),
  quantity: z.number().int().min(1).max(1_000),
  // Named rather than left to the strict object's 'unknown field': a client that still sends prices
  // learns why it is refused.
  unitPriceCents: z.never({ error: 'not accepted: orders prices each line from the catalogue' }).optional(),
});

export const newOrder = z.strictObject({
  items: z.array(orderLine).min(1).max(100),
});

export type OrderLine = Pick<z.output<typeof orderLine>, 'sku' | 'quantity'>;

/** A line as charged: the unit price products answered when the order was placed. */
export interface OrderItem extends OrderLine {
  readonly unitPriceCents: number;
}

/** An order's lines priced by products: what the payment is authorized for and the order stores. */
export interface PricedOrder {
  readonly items: readonly OrderItem[];
  readonly totalCents: number;
  readonly currency: string;
}

/** An order, as orders answers it (the contract storefront parses). */
export type Order = OrderAnswer;

export function totalOf(items: readonly OrderItem[]): number {
  return items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
}
