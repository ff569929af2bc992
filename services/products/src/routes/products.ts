import { Router } from 'express';
import { z } from 'zod';
import { HttpProblem, parseInput } from '@mesh-kit/runtime';
import type { ProductAnswer, ProductLookupAnswer } from '@mesh-kit/catalog/answers';
import type { Product, ProductStore } from '../product-store.js';

/** Most items one page or one lookup returns. */
export const MAX_PAGE = 100;
const DEFAULT_PAGE = 20;

const sku = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash or underscore');

/** The cursor is the page's last sku, base64url-encoded: opaque to clients, checked on the way back. */
const cursor = z
  .string()
  .max(100)
  .transform((value, ctx) => {
    const decoded = Buffer.from(value, 'base64url').toString('utf8');
    if (Buffer.from(decoded, 'utf8').toString('base64url') !== value || !sku.safeParse(decoded).success) {
      ctx.addIssue({ code: 'custom', message: 'not a cursor this service issued' });
      return z.NEVER;
    }
    return decoded;
  });

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
  cursor: cursor.optional(),
});

// `/internal/products?sku=a&sku=b`: the batched lookup orders prices an order with (a GET, so the mesh may retry it).
const lookupQuery = z.strictObject({
  sku: z.preprocess(
    (v) => (Array.isArray(v) ? v : [v]),
    z
      .array(sku)
      .min(1)
      .max(MAX_PAGE, `at most ${MAX_PAGE} skus`)
      .transform((skus) => [...new Set(skus)]),
  ),
});
const skuParam = z.strictObject({ sku });

const view = (p: Product): ProductAnswer => ({
  sku: p.sku,
  name: p.name,
  priceCents: p.priceCents,
  currency: p.currency,
  active: p.active,
});

export function productsRouter(store: ProductStore): Router {
  const router = Router();

  // The list only: `?sku=` is an unknown parameter here (400), the batched lookup is internal.
  router.get('/products', async (req, res) => {
    const { limit, cursor: after } = parseInput(listQuery, req.query, 'query');
    const page = await store.list(limit, after);
    res.json({
      items: page.items.map(view),
      nextCursor: page.next === undefined ? null : Buffer.from(page.next, 'utf8').toString('base64url'),
    });
  });

  // orders' batched lookup: not under the gateway's /products rewrite, and products'
  // AuthorizationPolicy admits only orders on it (the catalog's call graph).
  router.get('/internal/products', async (req, res) => {
    const { sku: skus } = parseInput(lookupQuery, req.query, 'query');
    const answer: ProductLookupAnswer = { items: (await store.findMany(skus)).map(view) };
    res.json(answer);
  });

  router.get('/products/:sku', async (req, res) => {
    const { sku: wanted } = parseInput(skuParam, req.params);
    const product = await store.find(wanted);
    if (product === undefined) throw new HttpProblem(404, `No product ${wanted}.`);
    res.json(view(product));
  });

  return router;
}
