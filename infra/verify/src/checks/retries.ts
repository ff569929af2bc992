import { parseAccessLog } from '../access-log.js';
import { clientIntervalMs } from '../client-load.js';
import { ClientPacer } from '../client-pacer.js';
import { evaluateRetries } from '../evaluate.js';
import { declaredRoute } from '../expectations.js';
import type { Check } from './check.js';
import { snapshotStats, summedDelta } from './proxy-stats.js';

const FAILURE_RATE = 0.3;
const ORDERS = 20;

/**
 * payments answers 503 to 30% of authorizations; orders' sidecar retries them (the catalog
 * marks POST /authorizations idempotent), so orders placed through the gateway still succeed.
 */
export const retriesCheck: Check = {
  id: 'retries',
  title: 'payments failing → orders still succeed, proxies retry',
  async run(ctx) {
    const payments = declaredRoute('payments', 'POST', '/authorizations', ctx.catalog);
    const cluster = ctx.outboundCluster('payments', payments.port);
    const gateway = await ctx.gateway();
    const user = await gateway.newUser();
    return ctx.withDeploymentEnv('payments', { PAYMENTS_FAILURE_RATE: String(FAILURE_RATE) }, async () => {
      const orders = await ctx.cluster.readyPods(ctx.namespace, 'orders');
      const before = await snapshotStats(ctx, orders);
      const started = Date.now();
      const statuses: number[] = [];
      const pacer = new ClientPacer(clientIntervalMs(ctx.catalog));
      for (let n = 0; n < ORDERS; n += 1) {
        await pacer.next();
        statuses.push((await gateway.placeOrder(user.token)).status);
      }
      const after = await snapshotStats(ctx, orders);
      const since = Math.ceil((Date.now() - started) / 1000) + 2;
      let payments503 = 0;
      for (const pod of await ctx.cluster.readyPods(ctx.namespace, 'payments')) {
        const log = parseAccessLog(await ctx.cluster.proxyLog(ctx.namespace, pod.metadata?.name ?? '', since));
        payments503 += log.filter((e) => e.path === payments.path && e.status === 503).length;
      }
      return evaluateRetries({
        orderStatuses: statuses,
        retries: summedDelta(before, after, cluster, 'upstream_rq_retry'),
        payments503,
        failureRate: FAILURE_RATE,
      });
    });
  },
};
