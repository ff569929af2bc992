import { describe, expect, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { EDGE_RATE_LIMIT_FILTER } from '../src/constructs/gateway-edge-rate-limit.js';
import {
  type ExtAuthzService,
  gatewayFilterChain,
  gatewayModel,
  trustedClientAddress,
} from './support/gateway-model.js';
import { extAuthzProviders, numTrustedProxies } from './support/mesh-config.js';
import { rateLimitModel } from './support/rate-limit-model.js';
import { type KubeObject, find, synthObjects } from './support/shop.js';

// Finding (issue 20, item 5): ext_authz ran before any rate limit, so unknown keys reached apikeys
// (and PostgreSQL) without bound, and requests without credentials shared one bucket for the whole
// gateway: one client starved everyone's browsing. Proven on the gateway model only.
const objects = synthObjects();
const { jwt, apiKeys, rateLimit } = catalog.ingress;
const VALID_KEY = 'mk_valid';

/** A gateway model whose buckets never refill (the model's clock stands still) and whose apikeys counts its checks. */
function gateway(objs: readonly KubeObject[] = objects) {
  const checks: string[] = [];
  const apikeys: ExtAuthzService = ({ headers }) => {
    checks.push(headers[apiKeys.keyHeader] ?? '');
    return headers[apiKeys.keyHeader] === VALID_KEY
      ? { status: 200, headers: { [apiKeys.clientHeader]: 'back-office', [apiKeys.scopesHeader]: 'stats:read' } }
      : { status: 401 };
  };
  const hasEdge = objs.some((o) => o.metadata.name === 'shop-edge-ratelimit');
  const model = gatewayModel(objs, {
    identityHeader: jwt.identityHeader,
    providers: extAuthzProviders(),
    extAuthz: apikeys,
    numTrustedProxies: numTrustedProxies(),
    rateLimit: rateLimitModel(objs),
    ...(hasEdge
      ? { rateLimits: { [EDGE_RATE_LIMIT_FILTER]: rateLimitModel(objs, undefined, EDGE_RATE_LIMIT_FILTER) } }
      : {}),
  });
  return { model, checks };
}

/** The catalog before the fix: no per-address filter, one anonymous bucket of 20 for the gateway. */
const before = objects
  .filter((o) => o.metadata.name !== 'shop-edge-ratelimit')
  .map((o) => {
    if (o.metadata.name !== 'shop-local-ratelimit') return o;
    const copy = structuredClone(o);
    const patch = (copy.spec as { configPatches: { patch: { value: { typed_config: Record<string, unknown> } } }[] })
      .configPatches[0]!;
    patch.patch.value.typed_config.token_bucket = { max_tokens: 20, tokens_per_fill: 10, fill_interval: '1s' };
    return copy;
  });

const browse = (remoteAddress: string, headers: Record<string, string> = {}) => ({
  method: 'GET',
  path: '/api/products?page=1',
  remoteAddress,
  headers,
});
const stats = (remoteAddress: string, key: string) => ({
  method: 'GET',
  path: '/api/stats',
  remoteAddress,
  headers: { [apiKeys.keyHeader]: key },
});

describe('per-address limits at the front of the gateway, before ext_authz', () => {
  it('the per-address filter comes first in the chain, before ext_authz', () => {
    const names = gatewayFilterChain(objects).map((e) => e.envoyName);
    expect(names.indexOf(EDGE_RATE_LIMIT_FILTER)).toBeGreaterThanOrEqual(0);
    expect(names.indexOf(EDGE_RATE_LIMIT_FILTER)).toBeLessThan(names.indexOf('envoy.filters.http.ext_authz'));
    const filter = find(objects, 'EnvoyFilter', 'shop-edge-ratelimit');
    const config = (
      filter.spec as {
        configPatches: {
          patch: {
            value: {
              typed_config: {
                token_bucket?: unknown;
                max_dynamic_descriptors: number;
                descriptors: { entries: unknown }[];
              };
            };
          };
        }[];
      }
    ).configPatches[0]!.patch.value.typed_config;
    expect(config.token_bucket).toBeUndefined(); // no default bucket: a request with a token passes here
    expect(config.max_dynamic_descriptors).toBe(rateLimit.perAddress.maxAddresses);
    expect(config.descriptors.map((d) => d.entries)).toEqual([
      [
        { key: 'edge', value: 'anonymous' },
        { key: 'remote_address', value: '' },
      ],
      [
        { key: 'edge', value: 'api_key_route' },
        { key: 'remote_address', value: '' },
      ],
    ]);
    // The client address is the TCP peer: a client's own x-forwarded-for is never believed.
    expect(numTrustedProxies()).toBe(0);
  });

  it("an anonymous flood from one address leaves another address's browsing untouched", async () => {
    const { model } = gateway();
    const flood = [];
    for (let i = 0; i < 200; i += 1) flood.push((await model.send(browse('198.51.100.7'))).by);
    const burst = rateLimit.perAddress.anonymous.maxTokens;
    expect(flood.filter((by) => by === 'upstream')).toHaveLength(burst);
    expect(flood.filter((by) => by === 'local_ratelimit')).toHaveLength(200 - burst);
    for (let i = 0; i < burst; i += 1)
      expect(await model.send(browse('203.0.113.9'))).toMatchObject({ by: 'upstream' });
  });

  it('a forged x-forwarded-for does not give the flooding address new buckets', async () => {
    const { model } = gateway();
    const outcomes = [];
    for (let i = 0; i < 2 * rateLimit.perAddress.anonymous.maxTokens; i += 1) {
      outcomes.push((await model.send(browse('198.51.100.7', { 'x-forwarded-for': `10.0.${i >> 8}.${i & 255}` }))).by);
    }
    expect(outcomes.filter((by) => by === 'upstream')).toHaveLength(rateLimit.perAddress.anonymous.maxTokens);
  });

  it('before the fix, the same flood starved the other address (one gateway-wide bucket)', async () => {
    const { model } = gateway(before);
    for (let i = 0; i < 200; i += 1) await model.send(browse('198.51.100.7'));
    expect(await model.send(browse('203.0.113.9'))).toMatchObject({ by: 'local_ratelimit', status: 429 });
  });

  it('unknown keys from one address stop reaching apikeys; another address and a valid key still pass', async () => {
    const { model, checks } = gateway();
    for (let i = 0; i < 100; i += 1) await model.send(stats('198.51.100.7', `mk_unknown_${i}`));
    expect(checks).toHaveLength(rateLimit.perAddress.apiKeyRoutes.maxTokens);
    expect(await model.send(stats('198.51.100.7', VALID_KEY))).toMatchObject({ by: 'local_ratelimit', status: 429 });
    expect(await model.send(stats('203.0.113.9', VALID_KEY))).toMatchObject({ by: 'upstream' });
  });

  it('before the fix, every unknown key was checked by apikeys', async () => {
    const { model, checks } = gateway(before);
    for (let i = 0; i < 100; i += 1) await model.send(stats('198.51.100.7', `mk_unknown_${i}`));
    expect(checks).toHaveLength(100);
  });

  it("takes the client address as Envoy's connection manager does (conn_manager_utility.cc)", () => {
    expect(trustedClientAddress('1.1.1.1, 2.2.2.2', '10.0.0.1', 0)).toBe('10.0.0.1');
    expect(trustedClientAddress('1.1.1.1, 2.2.2.2', '10.0.0.1', 1)).toBe('2.2.2.2');
    expect(trustedClientAddress('1.1.1.1, 2.2.2.2', '10.0.0.1', 2)).toBe('1.1.1.1');
    expect(trustedClientAddress('2.2.2.2', '10.0.0.1', 2)).toBe('10.0.0.1');
    expect(trustedClientAddress('not-an-ip', '10.0.0.1', 1)).toBe('10.0.0.1');
    expect(trustedClientAddress(undefined, '10.0.0.1', 1)).toBe('10.0.0.1');
  });
});
