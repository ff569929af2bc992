import { randomUUID } from 'node:crypto';
import { type CheckResult, fail, pass } from '../check-result.js';
import { VERIFY_SKU } from '../gateway.js';
import type { Check } from './check.js';

/** What a client outside the cluster sees of the catalogue, of prices and of another user's data. */
export interface OwnershipObservation {
  /** GET /api/products and GET /api/products/<sku> without a token. */
  readonly catalogue: number;
  readonly product: { readonly status: number; readonly priceCents: unknown };
  /** POST /api/products without a token: public routes are GET only. */
  readonly postCatalogue: number;
  /** An order of that sku: its status and the unit price it was charged. */
  readonly order: { readonly status: number; readonly unitPriceCents: unknown };
  /** The same order with a price in the body. */
  readonly tampered: number;
  /** Another user's profile and order, asked by a second user. */
  readonly foreignProfile: number;
  readonly foreignOrder: number;
}

export function evaluateOwnership(seen: OwnershipObservation): CheckResult {
  const detail =
    `catalogue without token → ${seen.catalogue}, product → ${seen.product.status}, POST catalogue → ${seen.postCatalogue}, ` +
    `order charged ${String(seen.order.unitPriceCents)} for a price of ${String(seen.product.priceCents)}, ` +
    `client price → ${seen.tampered}, another user's profile → ${seen.foreignProfile}, order → ${seen.foreignOrder}`;
  if (seen.catalogue !== 200 || seen.product.status !== 200)
    return fail(`the public catalogue needs no token: ${detail}`);
  if (seen.postCatalogue !== 401) return fail(`only GET is public on the catalogue: ${detail}`);
  if (seen.order.status !== 201 || seen.order.unitPriceCents !== seen.product.priceCents) {
    return fail(`an order must be charged the catalogue's price: ${detail}`);
  }
  if (seen.tampered !== 400) return fail(`a price in the order body must be refused (400): ${detail}`);
  if (seen.foreignProfile !== 404 || seen.foreignOrder !== 404) {
    return fail(`another user's data must answer 404: ${detail}`);
  }
  return pass(detail);
}

/** The catalogue is public, prices are the shop's, and a user sees only their own profile and orders. */
export const ownershipCheck: Check = {
  id: 'ownership',
  title: 'public catalogue, server-side prices, own data only',
  async run(ctx) {
    const gateway = await ctx.gateway();
    const [alice, bob] = [await gateway.newUser(), await gateway.newUser()];
    const product = await gateway.send('GET', `/api/products/${VERIFY_SKU}`);
    const placed = await gateway.placeOrder(alice.token);
    const order = placed.body as { id?: unknown; items?: { unitPriceCents?: unknown }[] } | undefined;
    const tampered = await gateway.send('POST', '/api/orders', {
      token: alice.token,
      headers: { 'idempotency-key': randomUUID() },
      json: { items: [{ sku: VERIFY_SKU, quantity: 1, unitPriceCents: 1 }] },
    });
    const orderId = typeof order?.id === 'string' ? order.id : 'none';
    return evaluateOwnership({
      catalogue: (await gateway.send('GET', '/api/products')).status,
      product: { status: product.status, priceCents: (product.body as { priceCents?: unknown })?.priceCents },
      postCatalogue: (await gateway.send('POST', '/api/products', { json: {} })).status,
      order: { status: placed.status, unitPriceCents: order?.items?.[0]?.unitPriceCents },
      tampered: tampered.status,
      foreignProfile: (await gateway.send('GET', `/api/users/${alice.id}`, { token: bob.token })).status,
      foreignOrder: (await gateway.send('GET', `/api/orders/${encodeURIComponent(orderId)}`, { token: bob.token }))
        .status,
    });
  },
};
