import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@mesh-kit/runtime';
import type { Checkout } from './checkout.js';
import type { Order, OrderLine, PricedOrder } from './order.js';
import type { OrderStore } from './order-store.js';
import type { OutboxRow } from './outbox-row.js';

/** How often a duplicate of a request still at work looks at the key's row again. */
const DUPLICATE_POLL_MS = 50;

export type PlacementResult =
  | { readonly kind: 'created'; readonly order: Order; readonly event: OutboxRow }
  | { readonly kind: 'replayed'; readonly order: Order }
  | { readonly kind: 'key-reused'; readonly orderId: string };

export interface PlaceOrder {
  readonly userId: string;
  readonly idempotencyKey: string;
  /** The lines asked for; products prices them. */
  readonly items: readonly OrderLine[];
  /** Trace headers to carry on the event (W3C, B3, x-request-id). */
  readonly traceHeaders: Readonly<Record<string, string>>;
}

/**
 * Places an order in three steps, holding no database connection, transaction or lock while users,
 * products and payments answer:
 *
 * 1. reserve the key: one statement inserts the order as `pending` with the body's hash (the lines
 *    asked for, no price);
 * 2. check the user and price every line with products (one batched lookup), both at once, then
 *    authorize the payment for that total under the order's id (payments answers the same order id
 *    with the same authorization, so authorizing twice charges once; orders checks that the amount
 *    and currency authorized are the order's);
 * 3. confirm: one statement stores the prices charged, marks the order confirmed and writes its
 *    outbox row. A refusal or a failure of a dependency releases the key instead, writing nothing.
 *
 * A replay of a confirmed order is answered from the database alone, at the price it was charged,
 * whatever products says now.
 *
 * A duplicate that arrives while the first request works waits for its outcome by reading the row
 * every 50 ms (no connection held in between): it answers with the same order, or, when the first
 * gave the key back, places the order itself. A request that died between the steps (a crash)
 * leaves a pending row; once its lease ends, a retry with the same key takes it over and completes
 * it — the same order id and the same payment, never a second charge.
 */
export class OrderPlacement {
  constructor(
    private readonly store: OrderStore,
    private readonly checkout: Checkout,
    private readonly logger: Logger,
  ) {}

  async place(request: PlaceOrder): Promise<PlacementResult> {
    for (;;) {
      const reserved = await this.store.reserve(request);
      switch (reserved.kind) {
        case 'replayed':
        case 'key-reused':
          return reserved;
        case 'in-progress':
          await sleep(DUPLICATE_POLL_MS);
          continue;
        case 'reserved': {
          const { reservation } = reserved;
          if (reservation.takenOver) {
            this.logger.info({ orderId: reservation.id }, 'completing an order whose first request vanished');
          }
          let paymentId: string;
          let priced: PricedOrder;
          try {
            // Independent reads, so both at once; the user's answer decides first, as before.
            const [user, pricing] = await Promise.allSettled([
              this.checkout.checkUser(request.userId),
              this.checkout.price(reservation.items),
            ]);
            if (user.status === 'rejected') throw user.reason;
            if (pricing.status === 'rejected') throw pricing.reason;
            priced = pricing.value;
            // Keyed by the order's own id: one authorization per order, never shared with another.
            paymentId = await this.checkout.authorize(
              request.userId,
              reservation.id,
              priced.totalCents,
              priced.currency,
            );
          } catch (error) {
            await this.store.release(reservation).catch((releaseError: unknown) => {
              // The pending row stays until its lease ends; then a retry takes it over.
              this.logger.warn({ err: releaseError, orderId: reservation.id }, 'could not release the order key');
            });
            throw error;
          }
          const confirmed = await this.store.confirm(reservation, priced, paymentId, request.traceHeaders);
          if (confirmed.kind !== 'lost') return confirmed;
          // Taken over and released by another request meanwhile: start afresh with the key.
          continue;
        }
      }
    }
  }
}
