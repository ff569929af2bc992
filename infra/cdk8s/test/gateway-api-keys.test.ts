import { describe, expect, it } from 'vitest';
import { generateApiKey } from '@mesh-kit/catalog/api-key';
import { checkSettingsSchema } from '@mesh-kit/apikeys/config';
import { decide } from '@mesh-kit/apikeys/decision';
import type { ApiClient } from '@mesh-kit/apikeys/key-store';
import { type Catalog, apiKeyCheckSettings, apiKeyRoutes, catalog, findService } from '@mesh-kit/catalog';
import { type ExtAuthzService, type ModelRequest, gatewayModel } from './support/gateway-model.js';
import { extAuthzProviders } from './support/mesh-config.js';
import { find, ofKind, synthObjects } from './support/shop.js';

// Tokens must carry `exp` (docs/security.md, "Token lifetime"): ten minutes ahead of now.
const TOKEN_EXP = Math.floor(Date.now() / 1000) + 600;

type Json = Record<string, unknown>;
const objects = synthObjects();
const { apiKeys, jwt } = catalog.ingress;
const providers = extAuthzProviders();
const issuer = jwt.issuers[0]!.issuer;
const validTokens = { 'valid.jwt': { sub: 'alice', exp: TOKEN_EXP } };

/** Two keys apikeys knows: one with stats:read, one without. */
const key = { reader: generateApiKey(), other: generateApiKey(), unknown: generateApiKey() };
const clients = new Map<string, ApiClient>([
  [key.reader, { name: 'back-office', scopes: ['stats:read'] }],
  [key.other, { name: 'partner', scopes: ['orders:read'] }],
]);
/**
 * apikeys as the gateway reaches it: its own decision code with the settings the catalog gives it,
 * its keys in memory instead of PostgreSQL (services/apikeys/test covers the store).
 */
const settings = checkSettingsSchema.parse(JSON.parse(apiKeyCheckSettings(catalog)));
const apikeys: ExtAuthzService = async ({ method, path, headers }) => {
  const [checkPath = ''] = path.slice(settings.pathPrefix.length).split('?');
  const decision = await decide(settings, { method, path: checkPath, header: (n) => headers[n] }, (k) =>
    Promise.resolve(clients.get(k)),
  );
  return decision.status === 200 ? { status: 200, headers: decision.headers } : { status: decision.status };
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
      includeRequestHeadersInCheck: [apiKeys.keyHeader, 'authorization'],
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
    ['a valid key', get('/api/stats', { 'x-api-key': key.reader }), { by: 'upstream', principal: undefined }],
    ['no credentials', get('/api/stats'), { by: 'ext_authz', status: 401 }],
    ['a key without the scope', get('/api/stats', { 'x-api-key': key.other }), { by: 'ext_authz', status: 403 }],
    ['an unknown key', get('/api/stats', { 'x-api-key': key.unknown }), { by: 'ext_authz', status: 401 }],
    ['a user token', get('/api/stats', { authorization: 'Bearer valid.jwt' }), { by: 'ext_authz', status: 403 }],
    [
      'a user token and a valid key',
      get('/api/stats', { authorization: 'Bearer valid.jwt', 'x-api-key': key.reader }),
      { by: 'ext_authz', status: 403 },
    ],
    // ext_authz runs before jwt_authn: apikeys refuses the credential before anyone verifies it.
    ['a forged token', get('/api/stats', { authorization: 'Bearer forged.jwt' }), { by: 'ext_authz', status: 403 }],
    ['Basic credentials', get('/api/stats', { authorization: 'Basic YTpi' }), { by: 'ext_authz', status: 403 }],
    [
      "a user token, a valid key and the client's own x-user-id",
      get('/api/stats', { authorization: 'Bearer valid.jwt', 'x-api-key': key.reader, 'x-user-id': 'alice' }),
      { by: 'ext_authz', status: 403 },
    ],
    [
      "the client's own x-client-id",
      get('/api/stats', { 'x-client-id': 'back-office' }),
      { by: 'ext_authz', status: 401 },
    ],
    ['a key on a JWT route', get('/api/orders', { 'x-api-key': key.reader }), { by: 'router', status: 401 }],
    [
      'POST to the API-key path',
      { method: 'POST', path: '/api/stats', headers: { 'x-api-key': key.reader } },
      { by: 'router', status: 401 },
    ],
  ];

  it.each(cases)('%s', async (_name, request, expected) => {
    expect(await model().send(request)).toMatchObject(expected);
  });

  it('forwards the identity apikeys set, never the client copy, and never the key', async () => {
    const outcome = await model().send(
      get('/api/stats', {
        'x-api-key': key.reader,
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

  it('a client-supplied identity never reaches any service, on any route', async () => {
    const forged = { 'x-client-id': 'mallory', 'x-client-scopes': 'admin:all', 'x-user-id': 'eve' };
    for (const path of ['/api/orders', '/api/overview', '/api/users/1', '/api/stats', '/api/notifications']) {
      for (const extra of [{}, { authorization: 'Bearer valid.jwt' }, { 'x-api-key': key.reader }]) {
        const outcome = await model().send(get(path, { ...forged, ...extra }));
        if (outcome.by !== 'upstream') continue;
        expect(Object.values(outcome.headers)).not.toContain('mallory');
        expect(Object.values(outcome.headers)).not.toContain('eve');
        expect(Object.values(outcome.headers)).not.toContain('admin:all');
      }
    }
  });

  it('would forward anonymous requests to /api/stats without the CUSTOM policy', async () => {
    const open = structuredClone(objects).filter((o) => o.metadata.name !== 'shop-api-keys');
    expect(await model(open).send(get('/api/stats'))).toMatchObject({ by: 'upstream', principal: undefined });
  });

  it("runs the filters in Istio's order: the per-address limit and the header strip, ext_authz, the lifetime check, jwt_authn, RBAC, the rate limit, the router", () => {
    expect(model().order).toEqual([
      'local_ratelimit',
      'header_mutation',
      'ext_authz',
      'jwt_authn',
      'jwt_authn',
      'rbac',
      'local_ratelimit',
      'router',
    ]);
  });

  it('would let a user token with a valid key through if apikeys trusted a token-derived header instead (the old design)', async () => {
    // What apikeys decided before: refuse only when x-user-id is set. At check time jwt_authn has not
    // run and the strip removed the client's copy, so that header is never there.
    const old: ExtAuthzService = (check, provider) => {
      if (check.headers['x-user-id'] !== undefined) return { status: 403 };
      const headers = Object.fromEntries(Object.entries(check.headers).filter(([h]) => h !== 'authorization'));
      return apikeys({ ...check, headers }, provider);
    };
    const withOld = gatewayModel(objects, {
      issuer,
      identityHeader: jwt.identityHeader,
      validTokens,
      providers,
      extAuthz: old,
    });
    expect(
      await withOld.send(get('/api/stats', { authorization: 'Bearer valid.jwt', 'x-api-key': key.reader })),
    ).toMatchObject({ by: 'upstream' });
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
