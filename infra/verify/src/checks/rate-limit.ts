import { randomUUID } from 'node:crypto';
import { evaluateClientRateLimit } from '../evaluate.js';
import { ingress } from '../expectations.js';
import type { Check } from './check.js';

const CONCURRENCY = 20;

/** Far above one client's bucket (six buckets' worth), and small enough for a port-forward. */
export function burstSize(bucket: { readonly maxTokens: number }): number {
  return Math.max(240, bucket.maxTokens * 6);
}

/**
 * Runs last: one client (a verified token of its own) bursts until its bucket is empty, then a
 * second client asks a few times at once: the gateway limits per client, so the second passes.
 */
export const rateLimitCheck: Check = {
  id: 'rate-limit',
  title: 'one client over its rate limit → 429 problem+json; another client is not limited',
  async run(ctx) {
    const gateway = await ctx.gateway();
    const [greedy, other] = await Promise.all([
      gateway.token(`verify-${randomUUID()}`),
      gateway.token(`verify-${randomUUID()}`),
    ]);
    const total = burstSize(ingress(ctx.catalog).rateLimit.perClient);
    const burst: number[] = [];
    let limitedContentType: string | undefined;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        next += 1;
        const answer = await gateway.send('GET', '/api/orders', { token: greedy });
        burst.push(answer.status);
        if (answer.status === 429) limitedContentType ??= answer.headers['content-type'];
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const others = await Promise.all(
      Array.from({ length: 5 }, () => gateway.send('GET', '/api/orders', { token: other })),
    );
    return evaluateClientRateLimit({ burst, limitedContentType, other: others.map((a) => a.status) });
  },
};
