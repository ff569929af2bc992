import { Router } from 'express';
import { z } from 'zod';
import { parseInput, requireUserId } from '@mesh-kit/runtime';
import { decodeCursor, encodeCursor, type NotificationStore } from '../notification-store.js';

/** Most notifications one page returns. */
export const MAX_PAGE = 100;
const DEFAULT_PAGE = 50;

/** Opaque to clients, like products' cursor: checked on the way back. */
const cursor = z
  .string()
  .max(200)
  .transform((value, ctx) => {
    const position = decodeCursor(value);
    if (position === undefined) {
      ctx.addIssue({ code: 'custom', message: 'not a cursor this service issued' });
      return z.NEVER;
    }
    return position;
  });

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(DEFAULT_PAGE),
  cursor: cursor.optional(),
});

export function notificationsRouter(store: NotificationStore): Router {
  const router = Router();

  // The caller's notifications, newest first, a page at a time: `nextCursor` fetches the next page.
  router.get('/notifications', async (req, res) => {
    const userId = requireUserId(req);
    const { limit, cursor: after } = parseInput(listQuery, req.query, 'query');
    const page = await store.listFor(userId, limit, after);
    res.json({ items: page.items, nextCursor: page.next === undefined ? null : encodeCursor(page.next) });
  });

  return router;
}
