import { Router } from 'express';
import { requireUserId } from '@mesh-kit/runtime';
import { buildOverview, type OverviewClients } from '../overview.js';

export function overviewRouter(clients: OverviewClients, release?: string): Router {
  const router = Router();
  router.get('/overview', async (req, res) => {
    const overview = await buildOverview(clients, requireUserId(req));
    res.json(release === undefined ? overview : { ...overview, release });
  });
  return router;
}
