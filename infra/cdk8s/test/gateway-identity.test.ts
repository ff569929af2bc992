import { describe, expect, it } from 'vitest';
import { type Catalog, catalog } from '@mesh-kit/catalog';
import { gatewayPaths } from '../src/gateway-paths.js';
import { authorizationPath } from '../src/mesh-names.js';
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
  it("RequestAuthentication verifies the users' and loadgen's tokens, from the Bearer header only, and copies sub into x-user-id", () => {
    const ra = find(objects, 'RequestAuthentication', 'shop-jwt');
    expect(ra.metadata.namespace).toBe(catalog.ingress.namespace);
    const spec = ra.spec as { selector: { matchLabels: Json }; jwtRules: Json[] };
    expect(spec.selector.matchLabels).toEqual(catalog.ingress.selector);
    const rule = (issuer: string) =>
      expect.objectContaining({
        issuer,
        audiences: ['shop'],
        jwks: expect.any(String),
        fromHeaders: [{ name: 'Authorization', prefix: 'Bearer ' }],
        forwardOriginalToken: false,
        outputClaimToHeaders: [{ header: 'x-user-id', claim: 'sub' }],
      });
    expect(spec.jwtRules).toEqual([rule('mesh-kit'), rule('mesh-kit-loadgen'), rule('http://localhost:8080/auth')]);
    for (const r of spec.jwtRules) expect(r).not.toHaveProperty('fromParams');
  });

  it("takes an issuer's jwksUri from the catalog instead of an inline JWKS (a real identity provider)", () => {
    const idp = structuredClone(catalog) as unknown as { ingress: { jwt: { issuers: Record<string, unknown>[] } } };
    idp.ingress.jwt.issuers[0] = {
      id: 'users',
      issuer: 'https://id.example.com/',
      audiences: ['shop-api'],
      jwksUri: 'https://id.example.com/.well-known/jwks.json',
      maxLifetimeSeconds: 300,
    };
    const synthesized = synthObjects(idp as unknown as Catalog);
    const ra = find(synthesized, 'RequestAuthentication', 'shop-jwt');
    const [users] = (ra.spec as { jwtRules: Json[] }).jwtRules;
    expect(users).toMatchObject({
      issuer: 'https://id.example.com/',
      audiences: ['shop-api'],
      jwks_uri: 'https://id.example.com/.well-known/jwks.json',
    });
    expect(users).not.toHaveProperty('jwks');
    // The lifetime check fetches the same keys through the gateway's cluster for the JWKS host.
    const lifetime = find(synthesized, 'EnvoyFilter', 'shop-token-lifetime').spec as {
      configPatches: { patch: { value: { typed_config: { providers: Record<string, Json> } } } }[];
    };
    expect(lifetime.configPatches[0]!.patch.value.typed_config.providers['lifetime-users']).toMatchObject({
      issuer: 'https://id.example.com/',
      max_lifetime: '360s',
      remote_jwks: {
        http_uri: {
          uri: 'https://id.example.com/.well-known/jwks.json',
          cluster: 'outbound|443||id.example.com',
          timeout: '5s',
        },
        cache_duration: '300s',
      },
    });
  });

  it('requests to /api/* that carry credentials but no verified principal are denied (403), public GETs aside', () => {
    const policy = find(objects, 'AuthorizationPolicy', 'shop-require-jwt');
    const publicPaths = gatewayPaths(catalog)
      .filter((p) => p.auth === 'public')
      .map((p) => authorizationPath(p.path));
    expect(publicPaths).toEqual(expect.arrayContaining(['/api/products', '/api/products/{*}', '/', '/assets/{*}']));
    expect(policy.spec).toEqual({
      selector: { matchLabels: catalog.ingress.selector },
      action: 'DENY',
      rules: [
        {
          from: [{ source: { notRequestPrincipals: ['*'] } }],
          to: [
            { operation: { paths: ['/api/*'], notPaths: publicPaths } },
            { operation: { paths: publicPaths, notMethods: ['GET'] } },
          ],
          when: [{ key: 'request.headers[authorization]', values: ['*'] }],
        },
      ],
    });
  });

  it('after the API-key and public routes, a route answers 401 problem+json under /api/ when no verified claim is present', () => {
    const routes = ingressRoutes();
    const at = routes.findIndex((r) => r.name === 'require-token');
    const open = gatewayPaths(catalog).filter((p) => p.auth !== 'jwt');
    expect(open.filter((p) => p.auth === 'public').length).toBeGreaterThan(0);
    // Only routes that take no user token (API-key and public routes) come before it.
    expect(at).toBe(open.length);
    expect(routes.slice(0, at).map((r) => r.name)).toContain('analytics-get-stats');
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

  it('every forwarding ingress route but the API-key, public and sign-in ones requires a verified sub claim; all but sign-in and public ones lie under the protected prefix', () => {
    const forwarding = ingressRoutes().filter((r) => r.route !== undefined);
    const exposed = gatewayPaths(catalog);
    expect(forwarding.length).toBe(exposed.length);
    const publicNames = new Set(exposed.filter((p) => p.auth === 'public').map((p) => p.service));
    const apiKeyNames = new Set(exposed.filter((p) => p.auth === 'apiKey').map((p) => p.service));
    const signInNames = new Set(exposed.filter((p) => p.auth === 'signIn').map((p) => p.service));
    expect(apiKeyNames.size).toBeGreaterThan(0);
    expect([...signInNames]).toEqual(['identity']);
    for (const route of forwarding) {
      expect(route.directResponse, route.name).toBeUndefined();
      const isPublic = [...publicNames].some((service) => route.name.startsWith(`${service}-get-`));
      const isApiKey = [...apiKeyNames].some((service) => route.name.startsWith(`${service}-`));
      const isSignIn = [...signInNames].some((service) => route.name.startsWith(`${service}-`));
      for (const match of route.match) {
        if (isSignIn) {
          // The provider's own paths: no claim required, GET or POST, under its issuer's path.
          expect(match.headers, route.name).toBeUndefined();
          expect(['GET', 'POST']).toContain((match as { method?: { exact: string } }).method?.exact);
          expect(match.uri.regex, route.name).toMatch(/^\^\/auth\//);
          continue;
        }
        if (isApiKey) {
          expect(match.headers, route.name).toBeUndefined();
        } else if (isPublic) {
          expect(match.headers, route.name).toBeUndefined();
          expect((match as { method?: unknown }).method, route.name).toEqual({ exact: 'GET' });
        } else {
          expect(match.headers, route.name).toEqual({ '@request.auth.claims.sub': { regex: '.+' } });
        }
        if (!isPublic) expect(match.uri.regex, route.name).toMatch(/^\^\/api\//);
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

  it("refuses signIn routes anywhere but an issuer's own service, with other methods, or under /api/, naming the field", () => {
    type Mutable = { services: { name: string; routes: { method: string }[]; gateway: Record<string, unknown>[] }[] };
    const onProducts = structuredClone(catalog) as unknown as Mutable;
    onProducts.services.find((s) => s.name === 'products')!.gateway[0]!.auth = 'signIn';
    expect(() => synthObjects(onProducts as unknown as Catalog)).toThrow(
      /products\)\.gateway\[0\]\.auth: only an identity provider \(an issuer's `service`\) serves signIn routes/,
    );
    const withDelete = structuredClone(catalog) as unknown as Mutable;
    withDelete.services.find((s) => s.name === 'identity')!.routes[0]!.method = 'DELETE';
    expect(() => synthObjects(withDelete as unknown as Catalog)).toThrow(
      /\(identity\)\.gateway\[0\]\.auth: signIn routes are GET or POST; DELETE \/auth\/\.well-known/,
    );
    const underApi = structuredClone(catalog) as unknown as Mutable;
    Object.assign(underApi.services.find((s) => s.name === 'identity')!.gateway[0]!, { prefix: '/api/auth' });
    expect(() => synthObjects(underApi as unknown as Catalog)).toThrow(
      /\(identity\)\.gateway\[0\]\.prefix: a signIn route lies outside ingress\.jwt\.protectedPrefix/,
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
      mutations: {
        request_mutations: [{ remove: header }, { remove: 'x-client-id' }, { remove: 'x-client-scopes' }],
      },
    });
  });

  it('no VirtualService removes or sets the identity header (route-level removal runs after jwt_authn)', () => {
    for (const vs of ofKind(objects, 'VirtualService')) {
      expect(JSON.stringify(vs.spec).toLowerCase()).not.toContain(header);
    }
  });

  it('local rate limiting answers 429 at the ingress gateway, with a problem+json body', () => {
    const filter = find(objects, 'EnvoyFilter', 'shop-local-ratelimit');
    const value = JSON.stringify(filter.spec);
    expect(value).toContain('envoy.filters.http.local_ratelimit');
    expect(value).toContain('"status":{"code":"TooManyRequests"}');
    expect(filter.metadata.namespace).toBe(catalog.ingress.namespace);
    const [, reply] = (
      filter.spec as { configPatches: { applyTo: string; patch: { operation: string; value: Json } }[] }
    ).configPatches;
    expect(reply!.applyTo).toBe('NETWORK_FILTER');
    expect(reply!.patch.operation).toBe('MERGE');
    const config = reply!.patch.value as {
      typed_config: { local_reply_config: { mappers: { filter: Json; body_format_override: Json }[] } };
    };
    expect(config.typed_config.local_reply_config.mappers).toEqual([
      {
        filter: {
          status_code_filter: {
            comparison: { op: 'EQ', value: { default_value: 429, runtime_key: expect.any(String) } },
          },
        },
        body_format_override: {
          content_type: 'application/problem+json',
          json_format: { type: 'about:blank', title: 'Too Many Requests', status: 429, detail: expect.any(String) },
        },
      },
    ]);
  });
});
