import { Router } from 'express';
import { z } from 'zod';
import { parseInput, USER_ID_HEADER } from '@mesh-kit/runtime';
import type { StatsStore } from '../stats-store.js';

const statsQuery = z.object({ days: z.coerce.number().int().min(1).max(366).default(30) });

export function statsRouter(store: StatsStore): Router {
  const router = Router();

  /** Shop-wide counters, the last `days` days, and the caller's own counters when a caller is named. */
  router.get('/stats', async (req, res) => {
    const { days } = parseInput(statsQuery, req.query, 'query');
    const userId = req.get(USER_ID_HEADER)?.trim();
    res.json(await store.stats(userId === '' ? undefined : userId, days));
  });

  return router;
}
