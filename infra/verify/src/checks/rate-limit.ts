import { evaluateRateLimit } from '../evaluate.js';
import type { Check } from './check.js';

/** Far above the gateway's local token bucket, and small enough for a port-forward. */
const BURST = 300;
const CONCURRENCY = 30;

/** Runs last: the burst empties the gateway's token bucket for a moment. */
export const rateLimitCheck: Check = {
  id: 'rate-limit',
  title: 'a burst at the gateway → 429',
  async run(ctx) {
    const gateway = await ctx.gateway();
    const token = await gateway.token();
    const statuses: number[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < BURST) {
        next += 1;
        statuses.push((await gateway.send('GET', '/api/stats', { token })).status);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return evaluateRateLimit(statuses);
  },
};
