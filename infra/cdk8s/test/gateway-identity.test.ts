import { describe, expect, it } from 'vitest';
import { type Catalog, catalog } from '../src/catalog.js';
import { gatewayPaths } from '../src/gateway-paths.js';
import { unauthorizedRoute } from '../src/token-required.js';
import { find, ofKind, synthObjects } from './support/shop.js';

type Json = Record<string, unknown>;
interface IngressRoute {
  name: string;
  match: { uri: { prefix?: string; regex?: string }; headers?: Json; withoutHeaders?: Json }[];
  route?: unknown[];
  directResponse?: { status: number; body: { string: string } };
  headers?: Json;
}
const objects = synthObjects();
const ingressRoutes = (): IngressRoute[] =>
  (find(objects, 'VirtualService', 'shop-ingress').spec as { http: IngressRoute[] }).http;
const header = catalog.ingress.jwt.identityHeader;

describe('gateway identity: the claim-derived x-user-id reaches services, a client copy never does', () => {
  it('RequestAuthentication verifies mesh-kit/shop tokens at the gateway and copies sub into x-user-id', () => {
    const ra = find(objects, 'RequestAuthentication', 'shop-jwt');
    expect(ra.metadata.namespace).toBe(catalog.ingress.namespace);
    const spec = ra.spec as { selector: { matchLabels: Json }; jwtRules: Json[] };
    expect(spec.selector.matchLabels).toEqual(catalog.ingress.selector);
    expect(spec.jwtRules).toEqual([
      expect.objectContaining({
        issuer: 'mesh-kit',
        audiences: ['shop'],
        forwardOriginalToken: false,
        outputClaimToHeaders: [{ header: 'x-user-id', claim: 'sub' }],
      }),
    ]);
  });

  it('requests to /api/* that carry credentials but no verified principal are denied (403), public GETs aside', () => {
    const policy = find(objects, 'AuthorizationPolicy', 'shop-require-jwt');
    expect(policy.spec).toEqual({
      selector: { matchLabels: catalog.ingress.selector },
      action: 'DENY',
      rules: [
        {
          from: [{ source: { notRequestPrincipals: ['*'] } }],
          to: [
            { operation: { paths: ['/api/*'], notPaths: ['/api/products', '/api/products/{*}'] } },
            { operation: { paths: ['/api/products', '/api/products/{*}'], notMethods: ['GET'] } },
          ],
          when: [{ key: 'request.headers[authorization]', values: ['*'] }],
        },
      ],
    });
  });

  it('after the public routes, a route answers 401 problem+json under /api/ when no verified claim is present', () => {
    const routes = ingressRoutes();
    const at = routes.findIndex((r) => r.name === 'require-token');
    const publicCount = gatewayPaths(catalog).filter((p) => p.auth === 'public').length;
    expect(publicCount).toBeGreaterThan(0);
    expect(at).toBe(publicCount);
    const first = routes[at];
    expect(first).toEqual({
      name: 'require-token',
      match: [{ uri: { prefix: '/api/' }, withoutHeaders: { '@request.auth.claims.sub': { regex: '.+' } } }],
      directResponse: { status: 401, body: { string: expect.any(String) } },
      headers: {
        response: {
          set: { 'content-type': 'application/problem+json', 'www-authenticate': 'Bearer realm="shop"' },
        },
      },
    });
    expect(JSON.parse(first!.directResponse!.body.string)).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: expect.stringContaining('Authorization: Bearer'),
    });
  });

  it('every forwarding ingress route but the public GETs requires a verified sub claim; all lie under the protected prefix', () => {
    const forwarding = ingressRoutes().filter((r) => r.route !== undefined);
    const exposed = gatewayPaths(catalog);
    expect(forwarding.length).toBe(exposed.length);
    const publicNames = new Set(exposed.filter((p) => p.auth === 'public').map((p) => p.service));
    for (const route of forwarding) {
      expect(route.directResponse, route.name).toBeUndefined();
      const isPublic = [...publicNames].some((service) => route.name.startsWith(`${service}-get-`));
      for (const match of route.match) {
        if (isPublic) {
          expect(match.headers, route.name).toBeUndefined();
          expect((match as { method?: unknown }).method, route.name).toEqual({ exact: 'GET' });
        } else {
          expect(match.headers, route.name).toEqual({ '@request.auth.claims.sub': { regex: '.+' } });
        }
        expect(match.uri.regex, route.name).toMatch(/^\^\/api\//);
      }
    }
  });

  it('refuses a public gateway entry that would expose anything but GET, naming the field', () => {
    const bad = structuredClone(catalog) as unknown as { services: { name: string; gateway: { auth?: string }[] }[] };
    bad.services.find((s) => s.name === 'orders')!.gateway[0]!.auth = 'public';
    expect(() => synthObjects(bad as unknown as Catalog)).toThrow(
      'services[2] (orders).gateway[0].auth: public routes are GET only; POST /orders is under it',
    );
  });

  it('refuses a 401 route prefix without its slashes and a realm that would break the challenge', () => {
    expect(() => unauthorizedRoute({ prefix: '/api', realm: 'shop' })).toThrow(
      "unauthorizedRoute: prefix must start and end with '/', got '/api'",
    );
    expect(() => unauthorizedRoute({ prefix: '/api/', realm: 'sh"op' })).toThrow(/realm must not contain/);
  });

  it('the ingress VirtualService binds only the Gateway (claim-based matches work on gateways only)', () => {
    const spec = find(objects, 'VirtualService', 'shop-ingress').spec as { gateways: string[] };
    expect(spec.gateways).toEqual(['shop-gateway']);
  });

  it('refuses a gateway route outside the protected prefix, naming the field', () => {
    const bad = structuredClone(catalog) as unknown as { services: { name: string; gateway: { prefix: string }[] }[] };
    bad.services.find((s) => s.name === 'analytics')!.gateway[0]!.prefix = '/stats';
    expect(() => synthObjects(bad as unknown as Catalog)).toThrow(
      "services[4] (analytics).gateway[0].prefix: '/stats' is outside ingress.jwt.protectedPrefix '/api/'",
    );
  });

  it('the client copy is removed first in the gateway filter chain, before jwt_authn writes the claim', () => {
    const filter = find(objects, 'EnvoyFilter', 'shop-strip-client-identity');
    const [patch] = (filter.spec as { configPatches: Json[] }).configPatches as {
      applyTo: string;
      match: { context: string };
      patch: { operation: string; value: { typed_config: Json } };
    }[];
    expect(patch!.applyTo).toBe('HTTP_FILTER');
    expect(patch!.match.context).toBe('GATEWAY');
    expect(patch!.patch.operation).toBe('INSERT_FIRST');
    expect(patch!.patch.value.typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation',
      mutations: { request_mutations: [{ remove: header }] },
    });
  });

  it('no VirtualService removes or sets the identity header (route-level removal runs after jwt_authn)', () => {
    for (const vs of ofKind(objects, 'VirtualService')) {
      expect(JSON.stringify(vs.spec).toLowerCase()).not.toContain(header);
    }
  });

  it('local rate limiting answers 429 at the ingress gateway', () => {
    const filter = find(objects, 'EnvoyFilter', 'shop-local-ratelimit');
    const value = JSON.stringify(filter.spec);
    expect(value).toContain('envoy.filters.http.local_ratelimit');
    expect(value).toContain('"status":{"code":"TooManyRequests"}');
    expect(filter.metadata.namespace).toBe(catalog.ingress.namespace);
  });
});
