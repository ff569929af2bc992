import { describe, expect, it } from 'vitest';
import { type Catalog, catalog, findService } from '@mesh-kit/catalog';
import {
  CLIENT_SHARE,
  CPU_MS_PER_READ,
  clientIntervalMs,
  perClientRatePerSecond,
  planLoad,
  podCpuRequestMilli,
  scaleUpPlan,
} from '../src/client-load.js';
import { ClientPacer } from '../src/client-pacer.js';
import { publicGetPath, sample } from '../src/traffic-state.js';

/** The catalog with another per-client bucket: every figure below must follow it. */
const withBucket = (tokensPerFill: number, fillIntervalMs: number): Catalog => ({
  ...catalog,
  ingress: {
    ...catalog.ingress,
    rateLimit: {
      ...catalog.ingress.rateLimit,
      perClient: { ...catalog.ingress.rateLimit.perClient, tokensPerFill, fillIntervalMs },
    },
  },
});

describe("verify's load stays under the gateway's per-client rate", () => {
  it("reads the per-client rate from the catalog's bucket", () => {
    const { tokensPerFill, fillIntervalMs } = catalog.ingress.rateLimit.perClient;
    expect(perClientRatePerSecond(catalog)).toBe((tokensPerFill * 1000) / fillIntervalMs);
    expect(perClientRatePerSecond(withBucket(5, 500))).toBe(10);
    for (const source of [catalog, withBucket(5, 500), withBucket(100, 1000)]) {
      expect(1000 / clientIntervalMs(source)).toBeLessThanOrEqual(perClientRatePerSecond(source) * CLIENT_SHARE);
    }
  });

  it('spreads a load over as few clients as keep each under the limit', () => {
    for (const source of [catalog, withBucket(5, 500)]) {
      const limit = perClientRatePerSecond(source) * CLIENT_SHARE;
      for (const total of [1, limit, limit + 1, 168, 1000]) {
        const plan = planLoad(total, source);
        expect(plan.perClientPerSecond).toBeLessThanOrEqual(limit);
        expect(plan.perClientPerSecond * plan.clients).toBeCloseTo(total);
        expect(plan.clients === 1 || total / (plan.clients - 1) > limit).toBe(true);
      }
    }
    expect(() => planLoad(0, catalog)).toThrow('a load needs a rate above 0 per second, got 0');
  });

  it("scale-up's load passes the autoscaler's target at its minimum, from clients under the limit", () => {
    // The service the check loads: the first autoscaled one with a public GET route.
    const spec = catalog.services.find((s) => s.autoscaling !== undefined && publicGetPath(s) !== undefined)!;
    expect(spec.name).toBe('orders');
    const plan = scaleUpPlan(spec, catalog);
    const { minReplicas, cpuTargetPercent } = spec.autoscaling!;
    const targetMilli = (minReplicas * podCpuRequestMilli(spec, catalog) * cpuTargetPercent) / 100;
    expect(plan.totalPerSecond * CPU_MS_PER_READ).toBeGreaterThan(targetMilli);
    expect(plan.perClientPerSecond).toBeLessThanOrEqual(perClientRatePerSecond(catalog) * CLIENT_SHARE);
    // One client could not carry it: the gateway would answer most of it with 429.
    expect(plan.totalPerSecond).toBeGreaterThan(perClientRatePerSecond(catalog));
    expect(plan.clients).toBeGreaterThan(1);
    expect(() => scaleUpPlan(findService('loadgen'), catalog)).toThrow('loadgen declares no autoscaling');
  });

  it("a client's samples leave at its pace, also across calls that share its pacer", async () => {
    const sent: number[] = [];
    const send = async (): Promise<{ status: number; body: unknown; headers: Record<string, string> }> => {
      sent.push(Date.now());
      return { status: 200, body: {}, headers: {} };
    };
    const pacer = new ClientPacer(40);
    const samples = await sample(4, send, pacer);
    await sample(1, send, pacer);
    await sample(1, send, pacer);
    expect(samples.map((s) => s.status)).toEqual([200, 200, 200, 200]);
    expect(sent).toHaveLength(6);
    // Timers may fire a millisecond early.
    for (let i = 1; i < sent.length; i += 1) expect(sent[i]! - sent[i - 1]!).toBeGreaterThanOrEqual(39);
    expect(() => new ClientPacer(-1)).toThrow('a pacer needs an interval of 0 ms or more, got -1');
  });
});
