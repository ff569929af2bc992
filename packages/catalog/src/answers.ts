/**
 * What services answer each other: the provider types its answer with these schemas and the caller
 * parses the answer with them, so a change on one side that breaks the other fails to compile or
 * fails the parse, never a cast. Readers are tolerant: unknown fields are ignored.
 */
import { z } from 'zod';

const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR');

/** A product as products answers it (`GET /products`, `/products/:sku`, `/internal/products`). */
export const productAnswerSchema = z.object({
  sku: z.string().min(1),
  name: z.string(),
  priceCents: z.number().int().nonnegative(),
  currency,
  /** A retired product is still found by its sku but can no longer be ordered. */
  active: z.boolean(),
});
export type ProductAnswer = z.output<typeof productAnswerSchema>;

/** products' answer to orders' batched lookup `GET /internal/products?sku=…`: the skus it knows. */
export const productLookupAnswerSchema = z.object({ items: z.array(productAnswerSchema) });
export type ProductLookupAnswer = z.output<typeof productLookupAnswerSchema>;

/** payments' 201 answer to `POST /authorizations`. */
export const authorizationAnswerSchema = z.object({
  id: z.string().min(1),
  status: z.literal('approved'),
  amountCents: z.number().int().nonnegative(),
  currency,
});
export type AuthorizationAnswer = z.output<typeof authorizationAnswerSchema>;

/** The problem+json body a service answers an error with (RFC 9457); only `detail` is read. */
export const problemAnswerSchema = z.object({ detail: z.string().optional() });

/** `body` parsed with `schema`, or how it breaks the contract (field paths and messages). */
export function parseAnswer<S extends z.ZodType>(
  schema: S,
  body: unknown,
): { readonly value: z.output<S> } | { readonly broken: string } {
  const parsed = schema.safeParse(body);
  if (parsed.success) return { value: parsed.data };
  return {
    broken: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
  };
}

/** users' answer to `GET /users/:id` (only the caller about themselves). */
export const userAnswerSchema = z.object({ id: z.string().min(1), name: z.string(), email: z.string() });
export type UserAnswer = z.output<typeof userAnswerSchema>;

/** One order as orders answers it (`POST /orders`, `GET /orders/:id`, each of `GET /orders`). */
export const orderAnswerSchema = z.object({
  id: z.string().min(1),
  userId: z.string().min(1),
  items: z
    .array(
      z.object({
        sku: z.string().min(1),
        quantity: z.number().int().positive(),
        unitPriceCents: z.number().int().nonnegative(),
      }),
    )
    .readonly(),
  totalCents: z.number().int().nonnegative(),
  currency,
  status: z.literal('confirmed'),
  createdAt: z.string(),
});
export type OrderAnswer = z.output<typeof orderAnswerSchema>;
/** orders' answer to `GET /orders`: the caller's orders. */
export const ordersAnswerSchema = z.array(orderAnswerSchema);

/** One notification as notifications answers it (each of `GET /notifications`). */
export const notificationAnswerSchema = z.object({
  id: z.string().min(1),
  orderId: z.string().min(1),
  channel: z.literal('email'),
  message: z.string(),
  sentAt: z.string(),
});
export type NotificationAnswer = z.output<typeof notificationAnswerSchema>;
/** notifications' answer to `GET /notifications`: a page of the caller's notifications, newest first. */
export const notificationPageAnswerSchema = z.object({
  items: z.array(notificationAnswerSchema).readonly(),
  /** Fetches the next (older) page; null on the last. */
  nextCursor: z.string().min(1).nullable(),
});
export type NotificationPageAnswer = z.output<typeof notificationPageAnswerSchema>;
