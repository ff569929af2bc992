import { describe, expect, it } from 'vitest';
import { type Catalog, catalog } from '@mesh-kit/catalog';
import { gatewayPaths } from '../src/gateway-paths.js';
import { type ModelRequest, gatewayModel } from './support/gateway-model.js';
import { extAuthzProviders } from './support/mesh-config.js';
import { synthObjects } from './support/shop.js';

// Tokens must carry `exp` (docs/security.md, "Token lifetime"): ten minutes ahead of now.
const TOKEN_EXP = Math.floor(Date.now() / 1000) + 600;

const { identityHeader } = catalog.ingress.jwt;
const issuer = catalog.ingress.jwt.issuers[0]!.issuer;
const validTokens = { 'valid.jwt': { sub: 'alice', exp: TOKEN_EXP } };
const providers = extAuthzProviders();
const gateway = gatewayModel(synthObjects(), { issuer, identityHeader, validTokens, providers });

const get = (path: string, headers: Record<string, string> = {}): ModelRequest => ({ method: 'GET', path, headers });

/** Requests a client can make, each with the answer the synthesized policy must give. */
const cases: [string, ModelRequest, { by: string; status?: number; route?: string }][] = [
  ['no token', get('/api/orders'), { by: 'router', status: 401 }],
  ['no token, API-key route (apikeys refuses by default here)', get('/api/stats'), { by: 'ext_authz', status: 403 }],
  ['no token, POST', { method: 'POST', path: '/api/orders' }, { by: 'router', status: 401 }],
  ['no token, own x-user-id', get('/api/orders', { 'x-user-id': 'mallory' }), { by: 'router', status: 401 }],
  ['no token, X-User-Id upper case', get('/api/orders', { 'X-User-Id': 'mallory' }), { by: 'router', status: 401 }],
  [
    'CORS preflight',
    { method: 'OPTIONS', path: '/api/orders', headers: { origin: 'https://x.example' } },
    { by: 'router', status: 401 },
  ],
  ['no token, unknown /api path', get('/api/nothing'), { by: 'router', status: 401 }],
  ['Basic credentials', get('/api/orders', { authorization: 'Basic YTpi' }), { by: 'rbac', status: 403 }],
  ['empty Authorization', get('/api/orders', { Authorization: '' }), { by: 'rbac', status: 403 }],
  ['"Bearer" without a token', get('/api/orders', { authorization: 'Bearer' }), { by: 'rbac', status: 403 }],
  ['unknown-key token', get('/api/orders', { authorization: 'Bearer forged.jwt' }), { by: 'jwt_authn', status: 401 }],
  ['valid token', get('/api/orders', { authorization: 'Bearer valid.jwt' }), { by: 'upstream' }],
  ['token in the query string', get('/api/orders?access_token=valid.jwt'), { by: 'router', status: 401 }],
  ['valid token, AUTHORIZATION', get('/api/orders/1', { AUTHORIZATION: 'Bearer valid.jwt' }), { by: 'upstream' }],
  [
    'valid token, unknown path',
    get('/api/nothing', { authorization: 'Bearer valid.jwt' }),
    { by: 'router', status: 404 },
  ],
  ['outside /api', get('/healthz'), { by: 'router', status: 404 }],
  // Public routes (the catalog's `auth: 'public'`): GET without a token; everything else as above.
  ['public, no token', get('/api/products?limit=5'), { by: 'upstream', route: 'products-get-products' }],
  ['public item, no token', get('/api/products/tea-01'), { by: 'upstream', route: 'products-get-products-sku' }],
  ['public, valid token', get('/api/products', { authorization: 'Bearer valid.jwt' }), { by: 'upstream' }],
  ['public, Basic credentials', get('/api/products', { authorization: 'Basic YTpi' }), { by: 'upstream' }],
  [
    'public, unknown-key token',
    get('/api/products', { authorization: 'Bearer forged.jwt' }),
    { by: 'jwt_authn', status: 401 },
  ],
  ['public path, POST without token', { method: 'POST', path: '/api/products' }, { by: 'router', status: 401 }],
  [
    'public path, DELETE with Basic credentials',
    { method: 'DELETE', path: '/api/products/tea-01', headers: { authorization: 'Basic YTpi' } },
    { by: 'rbac', status: 403 },
  ],
  [
    'public path, POST with a valid token',
    { method: 'POST', path: '/api/products', headers: { authorization: 'Bearer valid.jwt' } },
    { by: 'router', status: 404 },
  ],
  ['public prefix, deeper path', get('/api/products/a/b'), { by: 'router', status: 401 }],
];

const publicRoutes = new Set(
  gatewayPaths(catalog)
    .filter((p) => p.auth === 'public')
    .map(
      (p) =>
        `${p.service}-${p.method.toLowerCase()}-${p.path
          .replace(/^\/api\//, '')
          .replace(/:/g, '')
          .replace(/\//g, '-')}`,
    ),
);

describe('every request path through the ingress gateway (a model of Envoy over the synthesized policy)', () => {
  it.each(cases)('%s', async (_name, request, expected) => {
    expect(await gateway.send(request)).toMatchObject(expected);
  });

  it('forwards a valid token with the claim-derived identity, not the client copy, and without the token', async () => {
    const outcome = await gateway.send(
      get('/api/orders', { authorization: 'Bearer valid.jwt', 'x-user-id': 'mallory' }),
    );
    expect(outcome).toMatchObject({ by: 'upstream', route: 'orders-get-orders', principal: 'mesh-kit/alice' });
    expect(outcome.by === 'upstream' && outcome.headers).toEqual({ 'x-user-id': 'alice' });
  });

  it('forwards a public GET without a token and without any identity, even when the client sends one', async () => {
    const outcome = await gateway.send(get('/api/products', { 'x-user-id': 'mallory' }));
    expect(outcome).toMatchObject({ by: 'upstream', route: 'products-get-products', principal: undefined });
    expect(outcome.by === 'upstream' && outcome.headers).toEqual({});
  });

  it('never forwards without a verified principal except public GETs, whether or not jwt_authn clears the route cache', async () => {
    const extra: ModelRequest[] = [
      get('/api/stats?access_token=valid.jwt'),
      get('/api/stats?access_token=forged.jwt'),
      { method: 'DELETE', path: '/api/users/1' },
      get('/api//stats'),
      get('/API/stats'),
    ];
    for (const routeCacheCleared of [true, false]) {
      for (const request of [...cases.map(([, r]) => r), ...extra]) {
        const outcome = await gateway.send(request, { routeCacheCleared });
        if (outcome.by === 'upstream' && outcome.principal === undefined) {
          expect(publicRoutes.has(outcome.route), JSON.stringify(request)).toBe(true);
          expect(request.method).toBe('GET');
          expect(outcome.headers[identityHeader]).toBeUndefined();
        } else if (outcome.by === 'upstream') {
          expect(outcome.principal, JSON.stringify(request)).toBe('mesh-kit/alice');
          expect(outcome.headers[identityHeader]).toBe('alice');
        }
      }
    }
  });

  it('fails closed if the route cache is never cleared: a valid token then gets 401, never an open route', async () => {
    expect(
      await gateway.send(get('/api/orders', { authorization: 'Bearer valid.jwt' }), { routeCacheCleared: false }),
    ).toMatchObject({ by: 'router', status: 401, route: 'require-token' });
  });

  it('would forward a token-less request if the forwarding routes did not require the claim', async () => {
    // The claim requirement and the 401 route are what close the gap the narrowed DENY policy opens.
    const objects = structuredClone(synthObjects(catalog as Catalog));
    const ingress = objects.find((o) => o.metadata.name === 'shop-ingress')!;
    const http = (ingress.spec as { http: { name: string; match?: { headers?: unknown }[] }[] }).http.filter(
      (route) => route.name !== 'require-token',
    );
    for (const route of http) for (const m of route.match ?? []) delete m.headers;
    (ingress.spec as { http: unknown[] }).http = http;
    const open = gatewayModel(objects, { issuer, identityHeader, validTokens, providers });
    expect(await open.send(get('/api/orders'))).toMatchObject({ by: 'upstream', principal: undefined });
  });

  it('never accepts a token from the query string; it would without fromHeaders (Istio then reads access_token too)', async () => {
    const query = get('/api/orders?access_token=valid.jwt');
    expect(await gateway.send(query)).toMatchObject({ by: 'router', status: 401, route: 'require-token' });
    // A forged one in the query is not even looked at.
    expect(await gateway.send(get('/api/orders?access_token=forged.jwt'))).toMatchObject({ by: 'router', status: 401 });
    const objects = structuredClone(synthObjects());
    const ra = objects.find((o) => o.kind === 'RequestAuthentication')!;
    for (const rule of (ra.spec as { jwtRules: { fromHeaders?: unknown }[] }).jwtRules) delete rule.fromHeaders;
    const defaults = gatewayModel(objects, { issuer, identityHeader, validTokens, providers });
    expect(await defaults.send(query)).toMatchObject({ by: 'upstream', principal: 'mesh-kit/alice' });
  });

  it("accepts loadgen's issuer with its own principal, and a token of an issuer the gateway does not know is a 401", async () => {
    const tokens = {
      'loadgen.jwt': { sub: 'loadgen-bob', iss: 'mesh-kit-loadgen', exp: TOKEN_EXP },
      'idp.jwt': { sub: 'eve', iss: 'other', exp: TOKEN_EXP },
    };
    const model = gatewayModel(synthObjects(), { issuer, identityHeader, validTokens: tokens, providers });
    expect(await model.send(get('/api/orders', { authorization: 'Bearer loadgen.jwt' }))).toMatchObject({
      by: 'upstream',
      principal: 'mesh-kit-loadgen/loadgen-bob',
      headers: { 'x-user-id': 'loadgen-bob' },
    });
    expect(await model.send(get('/api/orders', { authorization: 'Bearer idp.jwt' }))).toMatchObject({
      by: 'jwt_authn',
      status: 401,
    });
  });
});
