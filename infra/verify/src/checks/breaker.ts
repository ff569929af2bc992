import { randomUUID } from 'node:crypto';
import { parseAccessLog } from '../access-log.js';
import { evaluateBreaker } from '../evaluate.js';
import { breakerLimits, declaredRoute } from '../expectations.js';
import type { Check } from './check.js';
import { snapshotStats, summedDelta } from './proxy-stats.js';

/** Calls in flight at once from one sidecar: twice what payments' pool admits (connections + queue). */
export function overloadConcurrency(limits: {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
}): number {
  return 2 * (limits.maxConnections + limits.maxPendingRequests);
}

/**
 * payments slows down (still inside its per-try timeout) while one orders pod sends a burst;
 * the DestinationRule's connection pool overflows and Envoy answers 503 with flag UO.
 */
export const breakerCheck: Check = {
  id: 'breaker',
  title: 'overload trips the breaker (503 UO)',
  async run(ctx) {
    const route = declaredRoute('payments', 'POST', '/authorizations', ctx.catalog);
    const latency = Math.floor((route.retries?.perTryTimeoutMs ?? route.timeoutMs) * 0.6);
    const cluster = ctx.outboundCluster('payments', route.port);
    const concurrency = overloadConcurrency(breakerLimits('payments', ctx.catalog));
    return ctx.withDeploymentEnv('payments', { PAYMENTS_ADDED_LATENCY_MS: String(latency) }, async () => {
      const [orders] = await ctx.cluster.readyPods(ctx.namespace, 'orders');
      if (orders === undefined) throw new Error('no orders pod');
      const name = orders.metadata?.name ?? '';
      const before = await snapshotStats(ctx, [orders]);
      const started = Date.now();
      const results = await ctx.cluster.probe(ctx.namespace, orders, {
        url: route.url,
        method: route.method,
        json: { orderKey: randomUUID(), userId: randomUUID(), amountCents: 100, currency: 'EUR' },
        count: concurrency * 3,
        concurrency,
      });
      const after = await snapshotStats(ctx, [orders]);
      const since = Math.ceil((Date.now() - started) / 1000) + 2;
      const log = parseAccessLog(await ctx.cluster.proxyLog(ctx.namespace, name, since)).filter(
        (entry) => entry.path === route.path,
      );
      return evaluateBreaker({
        results,
        accessLog: log,
        pendingOverflow: summedDelta(before, after, cluster, 'upstream_rq_pending_overflow'),
      });
    });
  },
};
