import { Router } from 'express';
import type { ServiceMetrics } from './metrics.js';

/** A dependency check for /readyz: resolves when reachable, rejects (or throws) when not. */
export type ReadinessCheck = () => Promise<void>;

/** Shared between the app (which answers /readyz) and the server (which drains on SIGTERM). */
export class Lifecycle {
  private draining = false;
  get isDraining(): boolean {
    return this.draining;
  }
  startDraining(): void {
    this.draining = true;
  }
}

export function healthRouter(
  lifecycle: Lifecycle,
  checks: Readonly<Record<string, ReadinessCheck>>,
  metrics: ServiceMetrics,
): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (lifecycle.isDraining) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const names = Object.keys(checks);
    const results = await Promise.allSettled(names.map((name) => checks[name]!()));
    const failing = names.filter((_, i) => results[i]!.status === 'rejected');
    res.status(failing.length === 0 ? 200 : 503).json({
      status: failing.length === 0 ? 'ready' : 'not ready',
      checks: Object.fromEntries(names.map((name) => [name, failing.includes(name) ? 'failing' : 'ok'])),
    });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
