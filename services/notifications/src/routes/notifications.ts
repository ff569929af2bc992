import { Router } from 'express';
import { z } from 'zod';
import { parseInput, requireUserId } from '@mesh-kit/runtime';
import type { NotificationStore } from '../notification-store.js';

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) });

export function notificationsRouter(store: NotificationStore): Router {
  const router = Router();

  router.get('/notifications', async (req, res) => {
    const userId = requireUserId(req);
    const { limit } = parseInput(listQuery, req.query, 'query');
    res.json(await store.listFor(userId, limit));
  });

  return router;
}
