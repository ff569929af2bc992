import { evaluateRateLimit } from '../evaluate.js';
import { ingress } from '../expectations.js';
import type { Check } from './check.js';

const CONCURRENCY = 30;

/** Far above the gateway's token bucket (six buckets' worth), and small enough for a port-forward. */
export function burstSize(bucket: { readonly maxTokens: number }): number {
  return Math.max(300, bucket.maxTokens * 6);
}

/** Runs last: the burst empties the gateway's token bucket for a moment. */
export const rateLimitCheck: Check = {
  id: 'rate-limit',
  title: 'a burst at the gateway → 429',
  async run(ctx) {
    const gateway = await ctx.gateway();
    const token = await gateway.token();
    const burst = burstSize(ingress(ctx.catalog).rateLimit);
    const statuses: number[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < burst) {
        next += 1;
        statuses.push((await gateway.send('GET', '/api/stats', { token })).status);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return evaluateRateLimit(statuses);
  },
};
