import { Router } from 'express';
import type { ServiceMetrics } from './metrics.js';

/** A dependency check for /readyz: resolves when reachable, rejects (or throws) when not. */
export type ReadinessCheck = () => Promise<void>;

/** Extra facts for /healthz (never a reason to fail liveness): e.g. the outbox backlog. */
export type HealthDetail = () => Promise<Record<string, unknown>>;

/** Shared between the app (which answers /readyz) and the server (which drains on SIGTERM). */
export class Lifecycle {
  private draining = false;
  private starting = false;
  get isDraining(): boolean {
    return this.draining;
  }
  /** True until the start-up work passed to {@link startingUntil} is done. */
  get isStarting(): boolean {
    return this.starting;
  }
  startDraining(): void {
    this.draining = true;
  }
  /**
   * Not ready, and routes answer 503, until `work` resolves (migrations applied, …). The process is
   * alive meanwhile: /healthz answers 200.
   */
  startingUntil(work: Promise<unknown>): void {
    this.starting = true;
    work.then(
      () => {
        this.starting = false;
      },
      () => undefined,
    );
  }
}

export function healthRouter(
  lifecycle: Lifecycle,
  checks: Readonly<Record<string, ReadinessCheck>>,
  metrics: ServiceMetrics,
  detail?: HealthDetail,
): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    // Liveness: the process answers. Detail is informative and never turns this into a failure.
    const extra =
      detail === undefined ? {} : await detail().catch((error: unknown) => ({ detailError: String(error) }));
    res.json({ status: 'ok', ...(lifecycle.isStarting ? { starting: true } : {}), ...extra });
  });
  router.get('/readyz', async (_req, res) => {
    if (lifecycle.isDraining) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const names = Object.keys(checks);
    const results = await Promise.allSettled(names.map((name) => checks[name]!()));
    const failing = names.filter((_, i) => results[i]!.status === 'rejected');
    const ready = failing.length === 0 && !lifecycle.isStarting;
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : lifecycle.isStarting ? 'starting' : 'not ready',
      checks: Object.fromEntries(names.map((name) => [name, failing.includes(name) ? 'failing' : 'ok'])),
    });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
