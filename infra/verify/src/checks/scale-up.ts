import { type AutoscalerReading, evaluateScaleUp } from '../evaluate-traffic.js';
import { skip } from '../check-result.js';
import { deployedCatalog, publicGetPath } from '../traffic-state.js';
import type { Check } from './check.js';

/** The autoscaler samples metrics every 15 s and metrics-server every 15 s: give it a few rounds. */
const WINDOW_MS = 180_000;
const POLL_MS = 10_000;
const WORKERS = 8;

/** Load on an autoscaled service's public route makes its HorizontalPodAutoscaler add replicas. */
export const scaleUpCheck: Check = {
  id: 'scale-up',
  title: 'load → the autoscaler adds replicas',
  async run(ctx) {
    const source = deployedCatalog();
    const spec = source.services.find((s) => s.autoscaling !== undefined && publicGetPath(s) !== undefined);
    if (spec === undefined || spec.autoscaling === undefined)
      return skip('no autoscaled service with a public GET route');
    const path = publicGetPath(spec)!;
    const gateway = await ctx.gateway();
    const user = await gateway.newUser();
    const started = Date.now();
    const stop = new AbortController();
    const readings: AutoscalerReading[] = [];
    const workers = Array.from({ length: WORKERS }, async () => {
      while (!stop.signal.aborted)
        await gateway.send('GET', path.publicPath, { token: user.token }).catch(() => undefined);
    });
    try {
      while (Date.now() - started < WINDOW_MS) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        const status = await ctx.cluster.autoscalerStatus(ctx.namespace, spec.name);
        readings.push({ atMs: Date.now() - started, ...status });
        ctx.log(
          `${spec.name}: ${status.currentReplicas} → ${status.desiredReplicas} replicas, CPU ${status.cpuPercent ?? '?'} %`,
        );
        if (status.desiredReplicas > spec.autoscaling.minReplicas) break;
      }
    } finally {
      stop.abort();
      await Promise.all(workers);
    }
    return evaluateScaleUp({ name: spec.name, ...spec.autoscaling }, readings, WINDOW_MS);
  },
};
