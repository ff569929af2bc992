import { type AutoscalerReading, evaluateScaleUp } from '../evaluate-traffic.js';
import { skip } from '../check-result.js';
import { scaleUpPlan } from '../client-load.js';
import { pacedLoad } from '../paced-load.js';
import { deployedCatalog, publicGetPath } from '../traffic-state.js';
import type { Check } from './check.js';

/** The autoscaler samples metrics every 15 s and metrics-server every 15 s: give it a few rounds. */
const WINDOW_MS = 180_000;
const POLL_MS = 10_000;

/**
 * Load on an autoscaled service's public route makes its HorizontalPodAutoscaler add replicas. The
 * load comes from clients of their own (a user each), round robin, so each stays under the
 * gateway's per-client rate: the requests reach the service instead of the gateway's 429.
 */
export const scaleUpCheck: Check = {
  id: 'scale-up',
  title: 'load → the autoscaler adds replicas',
  async run(ctx) {
    const source = deployedCatalog();
    const spec = source.services.find((s) => s.autoscaling !== undefined && publicGetPath(s) !== undefined);
    if (spec === undefined || spec.autoscaling === undefined)
      return skip('no autoscaled service with a public GET route');
    const path = publicGetPath(spec)!;
    const plan = scaleUpPlan(spec, ctx.catalog);
    const gateway = await ctx.gateway();
    const users: { token: string }[] = [];
    for (let i = 0; i < plan.clients; i += 1) users.push(await gateway.newUser());
    ctx.log(
      `GET ${path.publicPath} at ${plan.totalPerSecond}/s from ${plan.clients} clients (${plan.perClientPerSecond.toFixed(1)}/s each)`,
    );
    const started = Date.now();
    const stop = new AbortController();
    const readings: AutoscalerReading[] = [];
    const load = pacedLoad(
      async (n) => gateway.send('GET', path.publicPath, { token: users[n % users.length]!.token }),
      {
        ratePerSecond: plan.totalPerSecond,
        maxInFlight: plan.clients * 4,
        maxRequests: Math.ceil((plan.totalPerSecond * WINDOW_MS) / 1000),
        signal: stop.signal,
      },
    );
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
    }
    const { samples, skipped } = await load;
    const limited = samples.filter((s) => s.status === 429).length;
    ctx.log(`${samples.length} requests sent, ${limited} answered 429, ${skipped} ticks skipped (too many in flight)`);
    return evaluateScaleUp({ name: spec.name, ...spec.autoscaling }, readings, WINDOW_MS);
  },
};
