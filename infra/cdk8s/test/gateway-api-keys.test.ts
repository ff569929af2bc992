import { describe, expect, it } from 'vitest';
import { type Catalog, apiKeyCheckSettings, apiKeyRoutes, catalog, findService } from '../src/catalog.js';
import { type CheckAnswer, type ExtAuthzService, type ModelRequest, gatewayModel } from './support/gateway-model.js';
import { extAuthzProviders } from './support/mesh-config.js';
import { find, ofKind, synthObjects } from './support/shop.js';

type Json = Record<string, unknown>;
const objects = synthObjects();
const { apiKeys, jwt } = catalog.ingress;
const providers = extAuthzProviders();
const issuer = jwt.issuers[0]!.issuer;
const validTokens = { 'valid.jwt': { sub: 'alice' } };

/** apikeys as the gateway sees it: one valid key with stats:read, one without; user tokens refused. */
const apikeys: ExtAuthzService = ({ headers }): CheckAnswer => {
  if (headers[jwt.identityHeader] !== undefined) return { status: 403 };
  const key = headers[apiKeys.keyHeader];
  if (key === undefined) return { status: 401 };
  if (key === 'mk_reader')
    return { status: 200, headers: { 'x-client-id': 'back-office', 'x-client-scopes': 'stats:read' } };
  if (key === 'mk_other') return { status: 403 };
  return { status: 401 };
};
const model = (objs = objects) =>
  gatewayModel(objs, { issuer, identityHeader: jwt.identityHeader, validTokens, providers, extAuthz: apikeys });
const get = (path: string, headers: Record<string, string> = {}): ModelRequest => ({ method: 'GET', path, headers });

describe('API keys at the gateway: a CUSTOM policy on exactly the API-key routes', () => {
  it('the catalog marks GET /api/stats, scope stats:read, as the only API-key route', () => {
    expect(apiKeyRoutes()).toEqual([
      { service: 'analytics', method: 'GET', path: '/api/stats', scopes: ['stats:read'] },
    ]);
  });

  it('the CUSTOM policy selects the ingress gateway, names the provider, and covers exactly those routes', () => {
    const custom = ofKind(objects, 'AuthorizationPolicy').filter(
      (p) => (p.spec as { action?: string }).action === 'CUSTOM',
    );
    expect(custom.map((p) => p.metadata.name)).toEqual(['shop-api-keys']);
    expect(custom[0]!.metadata.namespace).toBe(catalog.ingress.namespace);
    expect(custom[0]!.spec).toEqual({
      selector: { matchLabels: catalog.ingress.selector },
      action: 'CUSTOM',
      provider: { name: apiKeys.provider },
      rules: [{ to: [{ operation: { methods: ['GET'], paths: ['/api/stats'] } }] }],
    });
  });

  it('the mesh install registers that provider as envoyExtAuthzHttp for the catalog service, failing closed', () => {
    const spec = findService(apiKeys.service);
    expect(providers[apiKeys.provider]).toEqual({
      service: `${spec.name}.${catalog.namespace}.svc.cluster.local`,
      port: spec.port,
      pathPrefix: apiKeys.pathPrefix,
      timeout: expect.stringMatching(/^\d+(\.\d+)?s$/),
      failOpen: false,
      statusOnError: '503',
      includeRequestHeadersInCheck: [apiKeys.keyHeader, jwt.identityHeader],
      headersToUpstreamOnAllow: [apiKeys.clientHeader, apiKeys.scopesHeader],
      headersToDownstreamOnDeny: ['content-type', 'www-authenticate'],
    });
  });

  it("apikeys admits only the gateway, only on the API-key routes' check paths, and knows their scopes", () => {
    const policy = find(objects, 'AuthorizationPolicy', apiKeys.service);
    expect((policy.spec as { rules: Json[] }).rules).toEqual([
      {
        from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }],
        to: [{ operation: { methods: ['GET'], paths: ['/check/api/stats'] } }],
      },
    ]);
    expect(JSON.parse(apiKeyCheckSettings(catalog))).toEqual({
      pathPrefix: '/check',
      keyHeader: 'x-api-key',
      clientHeader: 'x-client-id',
      scopesHeader: 'x-client-scopes',
      userHeader: 'x-user-id',
      routes: [{ method: 'GET', path: '/api/stats', scopes: ['stats:read'] }],
    });
  });

  it('the JWT requirement does not cover API-key routes: their ingress route needs no claim and precedes the 401 route', () => {
    const http = (
      find(objects, 'VirtualService', 'shop-ingress').spec as { http: { name: string; match: Json[]; headers: Json }[] }
    ).http;
    const stats = http.findIndex((r) => r.name === 'analytics-get-stats');
    expect(stats).toBeLessThan(http.findIndex((r) => r.name === 'require-token'));
    expect(http[stats]!.match).toEqual([{ method: { exact: 'GET' }, uri: { regex: '^/api/stats$' } }]);
    expect(http[stats]!.headers).toEqual({
      request: { remove: ['x-api-key'] },
      response: { remove: catalog.ingress.scrubResponseHeaders },
    });
  });

  const cases: [string, ModelRequest, Json][] = [
    ['a valid key', get('/api/stats', { 'x-api-key': 'mk_reader' }), { by: 'upstream', principal: undefined }],
    ['no credentials', get('/api/stats'), { by: 'ext_authz', status: 401 }],
    ['a key without the scope', get('/api/stats', { 'x-api-key': 'mk_other' }), { by: 'ext_authz', status: 403 }],
    ['an unknown key', get('/api/stats', { 'x-api-key': 'mk_guess' }), { by: 'ext_authz', status: 401 }],
    ['a user token', get('/api/stats', { authorization: 'Bearer valid.jwt' }), { by: 'ext_authz', status: 403 }],
    [
      'a user token and a valid key',
      get('/api/stats', { authorization: 'Bearer valid.jwt', 'x-api-key': 'mk_reader' }),
      { by: 'ext_authz', status: 403 },
    ],
    ['a forged token', get('/api/stats', { authorization: 'Bearer forged.jwt' }), { by: 'jwt_authn', status: 401 }],
    [
      "the client's own x-client-id",
      get('/api/stats', { 'x-client-id': 'back-office' }),
      { by: 'ext_authz', status: 401 },
    ],
    ['a key on a JWT route', get('/api/orders', { 'x-api-key': 'mk_reader' }), { by: 'router', status: 401 }],
    [
      'POST to the API-key path',
      { method: 'POST', path: '/api/stats', headers: { 'x-api-key': 'mk_reader' } },
      { by: 'router', status: 401 },
    ],
  ];

  it.each(cases)('%s', (_name, request, expected) => {
    expect(model().send(request)).toMatchObject(expected);
  });

  it('forwards the identity apikeys set, never the client copy, and never the key', () => {
    const outcome = model().send(
      get('/api/stats', {
        'x-api-key': 'mk_reader',
        'x-client-id': 'mallory',
        'x-client-scopes': 'admin:all',
        'x-user-id': 'eve',
      }),
    );
    expect(outcome).toMatchObject({ by: 'upstream', route: 'analytics-get-stats' });
    expect(outcome.by === 'upstream' && outcome.headers).toEqual({
      'x-client-id': 'back-office',
      'x-client-scopes': 'stats:read',
    });
  });

  it('a client-supplied identity never reaches any service, on any route', () => {
    const forged = { 'x-client-id': 'mallory', 'x-client-scopes': 'admin:all', 'x-user-id': 'eve' };
    for (const path of ['/api/orders', '/api/overview', '/api/users/1', '/api/stats', '/api/notifications']) {
      for (const extra of [{}, { authorization: 'Bearer valid.jwt' }, { 'x-api-key': 'mk_reader' }]) {
        const outcome = model().send(get(path, { ...forged, ...extra }));
        if (outcome.by !== 'upstream') continue;
        expect(Object.values(outcome.headers)).not.toContain('mallory');
        expect(Object.values(outcome.headers)).not.toContain('eve');
        expect(Object.values(outcome.headers)).not.toContain('admin:all');
      }
    }
  });

  it('would forward anonymous requests to /api/stats without the CUSTOM policy', () => {
    const open = structuredClone(objects).filter((o) => o.metadata.name !== 'shop-api-keys');
    expect(model(open).send(get('/api/stats'))).toMatchObject({ by: 'upstream', principal: undefined });
  });

  it('refuses an API-key route without scopes, and scopes on a JWT route, naming the field', () => {
    const bad = structuredClone(catalog) as unknown as { services: { name: string; gateway: Json[] }[] };
    bad.services.find((s) => s.name === 'analytics')!.gateway[0]!.scopes = [];
    bad.services.find((s) => s.name === 'orders')!.gateway[0]!.scopes = ['orders:read'];
    let message = '';
    try {
      synthObjects(bad as unknown as Catalog);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('services[4] (analytics).gateway[0].scopes: an API-key route needs at least one scope');
    expect(message).toContain(
      "services[2] (orders).gateway[0].scopes: only API-key routes take scopes, this one is 'jwt'",
    );
  });
});
