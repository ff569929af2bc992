import { describe, expect, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { type CheckAnswer, type ModelRequest, gatewayModel } from './support/gateway-model.js';
import { extAuthzProviders } from './support/mesh-config.js';
import { rateLimitModel } from './support/rate-limit-model.js';
import { synthObjects } from './support/shop.js';

// Tokens must carry `exp` (docs/security.md, "Token lifetime"): ten minutes ahead of now.
const TOKEN_EXP = Math.floor(Date.now() / 1000) + 600;

const objects = synthObjects();
const { rateLimit, jwt } = catalog.ingress;
const validTokens = { 'alice.jwt': { sub: 'alice', exp: TOKEN_EXP }, 'bob.jwt': { sub: 'bob', exp: TOKEN_EXP } };
const gateway = gatewayModel(objects, {
  issuer: jwt.issuers[0]!.issuer,
  identityHeader: jwt.identityHeader,
  validTokens,
  providers: extAuthzProviders(),
  extAuthz: ({ headers }): CheckAnswer =>
    headers['x-api-key'] === 'mk_partner'
      ? { status: 200, headers: { 'x-client-id': 'partner', 'x-client-scopes': 'stats:read' } }
      : { status: 401 },
});

/** The headers the rate limit filter sees (it runs just before the router, after authentication). */
async function atRateLimit(request: ModelRequest): Promise<Record<string, string>> {
  const outcome = await gateway.send(request);
  if (outcome.by !== 'upstream') throw new Error(`not forwarded: ${JSON.stringify(outcome)}`);
  return { ...outcome.headers };
}
const as = (token?: string, path = '/api/orders', headers: Record<string, string> = {}): ModelRequest => ({
  method: 'GET',
  path,
  headers: { ...headers, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
});
/** Public and anonymous requests reach the filter too; this one is any request without credentials. */
const anonymous = (headers: Record<string, string> = {}): Record<string, string> => {
  const copy = { ...headers };
  for (const h of ['x-user-id', 'x-client-id', 'x-client-scopes']) delete copy[h];
  return copy;
};

describe('rate limits per client at the gateway (a model of Envoy local_ratelimit over the synthesized filter)', () => {
  it('has a wildcard descriptor per verified identity header, the anonymous bucket as the default, and an LRU bound', async () => {
    const { config } = rateLimitModel(objects);
    const bucket = (b: typeof rateLimit.perClient) => ({
      max_tokens: b.maxTokens,
      tokens_per_fill: b.tokensPerFill,
      fill_interval: `${b.fillIntervalMs / 1000}s`,
    });
    expect(config.rate_limits).toEqual([
      { actions: [{ request_headers: { header_name: 'x-user-id', descriptor_key: 'user' } }] },
      { actions: [{ request_headers: { header_name: 'x-client-id', descriptor_key: 'api_client' } }] },
    ]);
    expect(config.descriptors).toEqual([
      { entries: [{ key: 'user', value: '' }], token_bucket: bucket(rateLimit.perClient) },
      { entries: [{ key: 'api_client', value: '' }], token_bucket: bucket(rateLimit.perClient) },
    ]);
    expect(config.token_bucket).toEqual(bucket(rateLimit.anonymous));
    expect(config.always_consume_default_token_bucket).toBe(false);
    expect(config.max_dynamic_descriptors).toBe(rateLimit.maxClients);
    // The pod's anonymous ceiling is far above one address's share (shop-edge-ratelimit, before ext_authz).
    expect(rateLimit.perAddress.anonymous.maxTokens * 10).toBeLessThanOrEqual(rateLimit.anonymous.maxTokens);
  });

  it('puts each verified user, each API-key client and the anonymous in their own buckets', async () => {
    const model = rateLimitModel(objects);
    expect(model.bucketsOf(await atRateLimit(as('alice.jwt')))).toEqual(['user=alice']);
    expect(model.bucketsOf(await atRateLimit(as('bob.jwt')))).toEqual(['user=bob']);
    expect(model.bucketsOf(await atRateLimit(as(undefined, '/api/stats', { 'x-api-key': 'mk_partner' })))).toEqual([
      'api_client=partner',
    ]);
    expect(model.bucketsOf(anonymous())).toEqual(['default']);
  });

  it('a client cannot choose its bucket: its own x-user-id or x-client-id is stripped before the filter', async () => {
    const model = rateLimitModel(objects);
    const forged = { 'x-user-id': 'bob', 'x-client-id': 'partner' };
    expect(model.bucketsOf(await atRateLimit(as('alice.jwt', '/api/orders', forged)))).toEqual(['user=alice']);
    expect(
      model.bucketsOf(await atRateLimit(as(undefined, '/api/stats', { 'x-api-key': 'mk_partner', ...forged }))),
    ).toEqual(['api_client=partner']);
  });

  it('an anonymous flood is limited while signed-in users and API clients keep their own tokens', async () => {
    const model = rateLimitModel(objects);
    const flood = Array.from({ length: rateLimit.anonymous.maxTokens * 5 }, () => model.take(anonymous()));
    expect(flood.filter(Boolean)).toHaveLength(rateLimit.anonymous.maxTokens);
    const alice = await atRateLimit(as('alice.jwt'));
    const partner = await atRateLimit(as(undefined, '/api/stats', { 'x-api-key': 'mk_partner' }));
    expect(model.take(alice)).toBe(true);
    expect(model.take(partner)).toBe(true);
  });

  it('one client over its limit does not limit another', async () => {
    const model = rateLimitModel(objects);
    const alice = await atRateLimit(as('alice.jwt'));
    const burst = Array.from({ length: rateLimit.perClient.maxTokens + 10 }, () => model.take(alice));
    expect(burst.filter(Boolean)).toHaveLength(rateLimit.perClient.maxTokens);
    expect(model.take(alice)).toBe(false);
    expect(model.take(await atRateLimit(as('bob.jwt')))).toBe(true);
    expect(model.take(anonymous())).toBe(true);
  });

  it('with the default bucket always consumed, the anonymous flood would starve everyone', async () => {
    const shared = structuredClone(objects);
    const filter = shared.find((o) => o.metadata.name === 'shop-local-ratelimit')!;
    const config = (filter.spec as { configPatches: { patch: { value: { typed_config: Record<string, unknown> } } }[] })
      .configPatches[0]!.patch.value.typed_config;
    delete config.always_consume_default_token_bucket;
    const model = rateLimitModel(shared);
    for (let i = 0; i < rateLimit.anonymous.maxTokens; i += 1) model.take(anonymous());
    expect(model.take(await atRateLimit(as('alice.jwt')))).toBe(false);
  });
});
