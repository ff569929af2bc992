/**
 * The rules of the local rate limit model (support/rate-limit-model.ts) that the gateway tests do not
 * reach: refill over time, the LRU of per-client buckets, the order buckets are consumed in, and the
 * filter's enabled/enforced switches. Requests are given as the headers the filter sees (after
 * authentication), so these tests do not depend on the gateway model.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { rateLimitModel } from './support/rate-limit-model.js';
import { synthObjects, type KubeObject } from './support/shop.js';

const objects = synthObjects();
const { perClient, anonymous, maxClients } = catalog.ingress.rateLimit;
const alice = { 'x-user-id': 'alice' };
const nobody = {};

/** The synthesized objects with the filter's typed_config changed. */
function withConfig(change: (config: Record<string, unknown>) => void): KubeObject[] {
  const copy = structuredClone(objects) as KubeObject[];
  const filter = copy.find((o) => o.metadata.name === 'shop-local-ratelimit')!;
  const patches = (filter.spec as { configPatches: { patch: { value: { typed_config: Record<string, unknown> } } }[] })
    .configPatches;
  change(patches[0]!.patch.value.typed_config);
  return copy;
}

const drain = (model: ReturnType<typeof rateLimitModel>, headers: Record<string, string>): number => {
  let n = 0;
  while (model.take(headers)) n += 1;
  return n;
};

describe('the local rate limit model, rule by rule (Envoy as Istio 1.30.3 pins it)', () => {
  it('refills continuously at tokens_per_fill per fill_interval, up to max_tokens', () => {
    const model = rateLimitModel(objects);
    expect(drain(model, alice)).toBe(perClient.maxTokens);
    model.advance(perClient.fillIntervalMs / 2);
    expect(drain(model, alice)).toBe(perClient.tokensPerFill / 2);
    model.advance(perClient.fillIntervalMs * 100);
    expect(drain(model, alice)).toBe(perClient.maxTokens);
  });

  it('a steady client at the refill rate is never limited; just above it is', () => {
    const model = rateLimitModel(objects);
    const gap = perClient.fillIntervalMs / perClient.tokensPerFill;
    const steady = Array.from({ length: 200 }, () => {
      model.advance(gap);
      return model.take(alice);
    });
    expect(steady.every(Boolean)).toBe(true);
    const faster = Array.from({ length: 200 }, () => {
      model.advance(gap / 2);
      return model.take(alice);
    });
    expect(faster.filter((ok) => !ok).length).toBeGreaterThan(50);
  });

  it('keeps at most max_dynamic_descriptors client buckets: the least recently used comes back full', () => {
    const model = rateLimitModel(withConfig((c) => (c.max_dynamic_descriptors = 2)));
    drain(model, alice);
    model.take({ 'x-user-id': 'bob' });
    expect(model.take(alice)).toBe(false); // two clients: alice's empty bucket is still there
    model.take({ 'x-user-id': 'carol' }); // evicts bob, now the least recently used
    model.take({ 'x-user-id': 'dave' }); // evicts alice
    expect(model.take(alice)).toBe(true);
    expect(rateLimitModel(objects).config.max_dynamic_descriptors).toBe(maxClients);
  });

  it('keeps one LRU per wildcard descriptor: API clients do not evict users', () => {
    const model = rateLimitModel(withConfig((c) => (c.max_dynamic_descriptors = 1)));
    drain(model, alice);
    model.take({ 'x-client-id': 'partner' });
    expect(model.take(alice)).toBe(false);
    model.take({ 'x-user-id': 'bob' });
    expect(model.take(alice)).toBe(true);
  });

  it('consumes matched buckets slowest-filling first and gives no token back when a later one is empty', () => {
    // The user descriptor made the slower one, so it is consumed before the API client's.
    const model = rateLimitModel(
      withConfig((c) => {
        const [user] = c.descriptors as { token_bucket: { tokens_per_fill: number } }[];
        user!.token_bucket.tokens_per_fill = perClient.tokensPerFill / 2;
      }),
    );
    const both = { 'x-user-id': 'alice', 'x-client-id': 'partner' };
    expect(model.bucketsOf(both)).toEqual(['user=alice', 'api_client=partner']);
    drain(model, { 'x-client-id': 'partner' });
    for (let i = 0; i < 5; i += 1) expect(model.take(both)).toBe(false);
    expect(drain(model, alice)).toBe(perClient.maxTokens - 5);
  });

  it('a request with no client header takes only the default (anonymous) bucket', () => {
    const model = rateLimitModel(objects);
    expect(model.bucketsOf(nobody)).toEqual(['default']);
    expect(drain(model, nobody)).toBe(anonymous.maxTokens);
    expect(model.take(alice)).toBe(true);
  });

  it('without filter_enabled the filter does nothing; without filter_enforced it only counts', () => {
    const disabled = rateLimitModel(withConfig((c) => delete c.filter_enabled));
    const notEnforced = rateLimitModel(withConfig((c) => delete c.filter_enforced));
    for (let i = 0; i < anonymous.maxTokens; i += 1) {
      disabled.take(nobody);
      notEnforced.take(nobody);
    }
    expect(disabled.decide(nobody)).toBe('filter-disabled');
    expect(notEnforced.decide(nobody)).toBe('counted-not-enforced');
    expect(rateLimitModel(objects).decide(nobody)).toBe('allowed');
  });

  it('refuses configs it does not model, and fill intervals Envoy rejects', () => {
    expect(() => rateLimitModel(withConfig((c) => (c.local_rate_limit_per_downstream_connection = true)))).toThrow(
      /per_downstream_connection/,
    );
    expect(() =>
      rateLimitModel(withConfig((c) => ((c.token_bucket as Record<string, unknown>).fill_interval = '0.01s'))),
    ).toThrow(/>= 50ms/);
  });
});
