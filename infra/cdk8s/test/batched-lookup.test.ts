import { describe, expect, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { gatewayModel, type ModelRequest } from './support/gateway-model.js';
import { extAuthzProviders } from './support/mesh-config.js';
import { find, synthObjects } from './support/shop.js';

// Tokens must carry `exp` (docs/security.md, "Token lifetime"): ten minutes ahead of now.
const TOKEN_EXP = Math.floor(Date.now() / 1000) + 600;

// orders' batched product lookup (`GET /internal/products?sku=…`) must not be reachable through the
// ingress gateway, and `/api/products?sku=…` must not be it (docs/security.md, "Products and prices").
const objects = synthObjects();
const { identityHeader } = catalog.ingress.jwt;
const issuer = catalog.ingress.jwt.issuers[0]!.issuer;
const gateway = gatewayModel(objects, {
  issuer,
  identityHeader,
  validTokens: { 'valid.jwt': { sub: 'alice', exp: TOKEN_EXP } },
  providers: extAuthzProviders(),
});
const get = (path: string, headers: Record<string, string> = {}): ModelRequest => ({ method: 'GET', path, headers });

interface HttpRoute {
  name?: string;
  rewrite?: { uri?: string; uriRegexRewrite?: { match: string; rewrite: string } };
}
interface Rule {
  from?: { source: { principals?: string[] } }[];
  to?: { operation: { methods?: string[]; paths?: string[] } }[];
}

const ingress = (find(objects, 'VirtualService', 'shop-ingress').spec as { http: HttpRoute[] }).http;
const productsPolicy = find(objects, 'AuthorizationPolicy', 'products').spec as { rules: Rule[] };
const gatewayPrincipal = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
const admitted = (principal: string): string[] =>
  productsPolicy.rules
    .filter((r) => r.from?.some((f) => f.source.principals?.includes(principal)))
    .flatMap((r) => r.to?.flatMap((t) => t.operation.paths ?? []) ?? []);

describe('the batched product lookup is internal to orders', () => {
  it('/api/products?sku=… reaches the list route, rewritten to /products (which refuses `sku`), not the lookup', async () => {
    const outcome = await gateway.send(get('/api/products?sku=tea-01&sku=mug-001'));
    expect(outcome).toMatchObject({ by: 'upstream', route: 'products-get-products' });
    const route = ingress.find((r) => r.name === 'products-get-products');
    expect(route?.rewrite?.uriRegexRewrite).toEqual({ match: '^/api/products', rewrite: '/products' });
  });

  it('the internal path is not routed by the gateway, with or without a token', async () => {
    for (const path of ['/internal/products?sku=tea-01', '/api/internal/products?sku=tea-01']) {
      expect(await gateway.send(get(path, { authorization: 'Bearer valid.jwt' }))).toMatchObject({
        by: 'router',
        status: 404,
      });
      expect((await gateway.send(get(path))).by).not.toBe('upstream');
    }
    // No ingress route rewrites anything onto /internal.
    for (const route of ingress) {
      const target = route.rewrite?.uri ?? route.rewrite?.uriRegexRewrite?.rewrite ?? '';
      expect(target, route.name).not.toMatch(/^\/internal/);
    }
  });

  it("products' AuthorizationPolicy admits orders alone on /internal/products, the gateway only on the public paths", () => {
    expect(admitted('cluster.local/ns/shop/sa/orders')).toEqual(['/internal/products']);
    expect(admitted(gatewayPrincipal)).toEqual(['/products', '/products/{*}']);
    for (const rule of productsPolicy.rules) {
      const onInternal = rule.to?.some((t) => t.operation.paths?.some((p) => p.startsWith('/internal')));
      if (onInternal)
        expect(rule.from?.flatMap((f) => f.source.principals ?? [])).toEqual(['cluster.local/ns/shop/sa/orders']);
    }
  });
});
