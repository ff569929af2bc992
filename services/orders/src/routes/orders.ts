import { Router } from 'express';
import { z } from 'zod';
import { HttpProblem, outgoingTraceHeaders, parseInput, requireUserId } from '@mesh-kit/runtime';
import { newOrder } from '../order.js';
import type { OrderStore } from '../order-store.js';
import type { OutboxRow } from '../outbox-row.js';
import type { OrderPlacement } from '../placement.js';

const IDEMPOTENCY_KEY = 'idempotency-key';
const idempotencyKey = z
  .string({ error: 'required' })
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
const orderId = z.strictObject({ id: z.uuid() });
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) });

export interface OrdersRouterDeps {
  readonly store: OrderStore;
  readonly placement: OrderPlacement;
  /** Called after an order commits, with its outbox row (the relay publishes it at once). */
  readonly onCommitted?: (event: OutboxRow) => void;
}

export function ordersRouter({ store, placement, onCommitted }: OrdersRouterDeps): Router {
  const router = Router();

  router.post('/orders', async (req, res) => {
    const userId = requireUserId(req);
    const key = parseInput(idempotencyKey, req.get(IDEMPOTENCY_KEY), 'Idempotency-Key');
    const { items } = parseInput(newOrder, req.body);
    const result = await placement.place({
      userId,
      idempotencyKey: key,
      items: items.map(({ sku, quantity }) => ({ sku, quantity })),
      traceHeaders: outgoingTraceHeaders(),
    });
    if (result.kind === 'key-reused') {
      throw new HttpProblem(422, 'This Idempotency-Key was already used for a different order.', {
        errors: [{ field: 'Idempotency-Key', message: 'reused with a different body' }],
        extensions: { orderId: result.orderId },
      });
    }
    if (result.kind === 'created') onCommitted?.(result.event);
    else res.setHeader('idempotent-replayed', 'true');
    res.status(201).location(`/orders/${result.order.id}`).json(result.order);
  });

  router.get('/orders', async (req, res) => {
    const userId = requireUserId(req);
    const { limit } = parseInput(listQuery, req.query, 'query');
    res.json(await store.listFor(userId, limit));
  });

  router.get('/orders/:id', async (req, res) => {
    const userId = requireUserId(req);
    const { id } = parseInput(orderId, req.params);
    const order = await store.find(userId, id);
    if (order === undefined) throw new HttpProblem(404, `No order ${id} for this user.`);
    res.json(order);
  });

  return router;
}
