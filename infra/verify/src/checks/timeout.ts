import { randomUUID } from 'node:crypto';
import { evaluateTimeout } from '../evaluate.js';
import { declaredRoute, worstCaseMs } from '../expectations.js';
import type { Check } from './check.js';

/** The probe times itself inside the pod, so this only absorbs scheduling jitter. */
const SLACK_MS = 500;

/** payments answers later than its route timeout; orders' sidecar gives up with 504 in time. */
export const timeoutCheck: Check = {
  id: 'timeout',
  title: 'slow payments → 504 within the route timeout',
  async run(ctx) {
    const route = declaredRoute('payments', 'POST', '/authorizations', ctx.catalog);
    const latency = route.timeoutMs * 2;
    return ctx.withDeploymentEnv('payments', { PAYMENTS_ADDED_LATENCY_MS: String(latency) }, async () => {
      const [orders] = await ctx.cluster.readyPods(ctx.namespace, 'orders');
      if (orders === undefined) throw new Error('no orders pod');
      const [result] = await ctx.cluster.probe(ctx.namespace, orders, {
        url: route.url,
        method: route.method,
        json: { orderKey: randomUUID(), userId: randomUUID(), amountCents: 100, currency: 'EUR' },
      });
      return evaluateTimeout(result, worstCaseMs(route), SLACK_MS);
    });
  },
};
