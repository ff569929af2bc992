import { z } from 'zod';

export const orderItem = z.strictObject({
  sku: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash or underscore'),
  quantity: z.number().int().min(1).max(1_000),
  unitPriceCents: z.number().int().min(0).max(10_000_000),
});

export const newOrder = z.strictObject({
  items: z.array(orderItem).min(1).max(100),
});

export type OrderItem = z.output<typeof orderItem>;

export interface Order {
  readonly id: string;
  readonly userId: string;
  readonly items: readonly OrderItem[];
  readonly totalCents: number;
  readonly currency: string;
  readonly status: 'confirmed';
  readonly createdAt: string;
}

export const CURRENCY = 'EUR';

export function totalOf(items: readonly OrderItem[]): number {
  return items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
}
