import { Router } from 'express';
import { requireUserId } from '@mesh-kit/runtime';
import { buildOverview, type OverviewClients } from '../overview.js';

export function overviewRouter(clients: OverviewClients): Router {
  const router = Router();
  router.get('/overview', async (req, res) => {
    res.json(await buildOverview(clients, requireUserId(req)));
  });
  return router;
}
