import { Router } from 'express';
import type { Logger } from 'pino';
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
  logger: Logger,
  detail?: HealthDetail,
): Router {
  const router = Router();
  const failingWith = new Map<string, string>();
  // The /readyz body names a failing check; the log says why, once when it starts failing (or fails
  // differently) and once when it passes again, not on every probe.
  const note = (name: string, result: PromiseSettledResult<void>): void => {
    if (result.status === 'fulfilled') {
      if (failingWith.delete(name)) logger.info({ check: name }, `readiness check ${name} passes again`);
      return;
    }
    const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
    if (failingWith.get(name) === reason) return;
    failingWith.set(name, reason);
    logger.warn({ check: name, err: result.reason }, `readiness check ${name} failing: ${reason}`);
  };
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
    results.forEach((result, i) => note(names[i]!, result));
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
