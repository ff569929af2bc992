import { describe, expect, it } from 'vitest';
import { pacedLoad } from '../src/paced-load.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('paced load', () => {
  it('sends at the rate without waiting for slow answers, and records statuses, ids and errors', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 480);
    const { samples, skipped } = await pacedLoad(
      async (n) => {
        if (n === 1) throw new Error('connection reset');
        await sleep(n === 0 ? 300 : 5); // a slow first answer must not hold back the next requests
        return { status: n === 2 ? 503 : 201, ...(n === 2 ? {} : { id: `order-${n}` }) };
      },
      { ratePerSecond: 20, maxInFlight: 10, maxRequests: 1_000, signal: stop.signal },
    );
    expect(skipped).toBe(0);
    expect(samples.length).toBeGreaterThanOrEqual(8);
    expect(samples.length).toBeLessThanOrEqual(13);
    expect(samples.map((s) => s.n)).toEqual(samples.map((_, i) => i));
    expect(samples[0]).toMatchObject({ n: 0, status: 201, id: 'order-0' });
    expect(samples[0]!.ms).toBeGreaterThanOrEqual(290);
    expect(samples[1]).toMatchObject({ n: 1, status: 0, error: 'connection reset' });
    expect(samples[2]).toMatchObject({ n: 2, status: 503 });
    expect(samples[2]!.id).toBeUndefined();
    // Paced from the start: requests 1 to 5 left while request 0 was still unanswered, 50 ms apart.
    expect(samples[5]!.sentAt).toBeLessThan(samples[0]!.sentAt + samples[0]!.ms);
    expect(samples[5]!.sentAt).toBeGreaterThanOrEqual(240);
  });

  it('skips ticks while maxInFlight requests are unanswered, and awaits them at the end', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    const started = Date.now();
    const { samples, skipped } = await pacedLoad(
      async () => {
        await sleep(400);
        return { status: 201 };
      },
      { ratePerSecond: 50, maxInFlight: 2, maxRequests: 1_000, signal: stop.signal },
    );
    expect(samples).toHaveLength(2);
    expect(skipped).toBeGreaterThanOrEqual(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
  });

  it('ends by itself after maxRequests', async () => {
    const { samples } = await pacedLoad(async () => ({ status: 200 }), {
      ratePerSecond: 100,
      maxInFlight: 4,
      maxRequests: 3,
      signal: new AbortController().signal,
    });
    expect(samples.map((s) => s.status)).toEqual([200, 200, 200]);
  });
});
