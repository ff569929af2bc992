import { describe, expect, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { ISTIO_JWT_FILTER, TOKEN_LIFETIME_FILTER, requirementOf } from '../src/constructs/gateway-token-lifetime.js';
import { lifetimeAllowed } from '../src/gateway-model/envoy-jwt-authn.js';
import { claimConditionMatches, gatewayFilterChain, gatewayModel } from './support/gateway-model.js';
import { extAuthzProviders } from './support/mesh-config.js';
import { type KubeObject, find, fixtureJwksByIssuer, synthObjects } from './support/shop.js';

// Finding (issue 20, item 2): Istio accepts a JWT without `exp` (istio/istio#59200), so a token could
// be valid for ever. The gateway now refuses tokens without `exp` and ones that outlive their issuer.
const objects = synthObjects();
const { issuers, identityHeader } = catalog.ingress.jwt;
const issuer = (id: string) => issuers.find((i) => i.id === id)!;
const NOW = 1_900_000_000;

const tokens: Record<string, { sub: string; iss: string; exp?: number }> = {
  'users-1h.jwt': { sub: 'alice', iss: issuer('users').issuer, exp: NOW + 3_600 },
  'users-no-exp.jwt': { sub: 'alice', iss: issuer('users').issuer },
  'users-2h.jwt': { sub: 'alice', iss: issuer('users').issuer, exp: NOW + 7_200 },
  'users-expired.jwt': { sub: 'alice', iss: issuer('users').issuer, exp: NOW - 3_600 },
  'loadgen-10m.jwt': { sub: 'loadgen-1', iss: issuer('loadgen').issuer, exp: NOW + 600 },
  'loadgen-1h.jwt': { sub: 'loadgen-1', iss: issuer('loadgen').issuer, exp: NOW + 3_600 },
  'loadgen-no-exp.jwt': { sub: 'loadgen-1', iss: issuer('loadgen').issuer },
  'identity-15m.jwt': { sub: 'u-1', iss: issuer('identity').issuer, exp: NOW + 900 },
  'identity-1h.jwt': { sub: 'u-1', iss: issuer('identity').issuer, exp: NOW + 3_600 },
};
const model = (objs: readonly KubeObject[]) =>
  gatewayModel(objs, { identityHeader, validTokens: tokens, providers: extAuthzProviders(), now: () => NOW });
const get = (token: string, path = '/api/orders') => ({
  method: 'GET',
  path,
  headers: { authorization: `Bearer ${token}` },
});

describe('token lifetime at the gateway (exp required, bounded per issuer)', () => {
  it('synthesizes a jwt_authn filter of its own before Istio’s, one provider per issuer with max_lifetime', () => {
    const filter = find(objects, 'EnvoyFilter', 'shop-token-lifetime');
    expect(filter.metadata.namespace).toBe(catalog.ingress.namespace);
    const patch = (
      filter.spec as {
        configPatches: {
          match: { listener: { filterChain: { filter: { subFilter: unknown } } } };
          patch: {
            operation: string;
            value: {
              typed_config: {
                providers: Record<string, { local_jwks: { inline_string: string } }>;
                bypass_cors_preflight: boolean;
                rules: unknown;
              };
            };
          };
        }[];
      }
    ).configPatches[0]!;
    expect(patch.match.listener.filterChain.filter.subFilter).toEqual({ name: ISTIO_JWT_FILTER });
    expect(patch.patch.operation).toBe('INSERT_BEFORE');
    const config = patch.patch.value.typed_config;
    const ra = find(objects, 'RequestAuthentication', 'shop-jwt').spec as {
      jwtRules: { issuer: string; jwks: string }[];
    };
    for (const i of issuers) {
      const provider = config.providers[`lifetime-${i.id}`];
      expect(provider).toEqual({
        issuer: i.issuer,
        audiences: [...i.audiences],
        local_jwks: { inline_string: fixtureJwksByIssuer[i.id] },
        from_headers: [{ name: 'Authorization', value_prefix: 'Bearer ' }],
        forward: true,
        max_lifetime: `${i.maxLifetimeSeconds + 60}s`,
      });
      // The same keys Istio's rule verifies with.
      expect(ra.jwtRules.find((r) => r.issuer === i.issuer)!.jwks).toBe(provider!.local_jwks.inline_string);
    }
    expect(config.bypass_cors_preflight).toBe(true);
    expect(config.rules).toEqual([
      { match: { prefix: '/' }, requires: requirementOf(issuers.map((i) => `lifetime-${i.id}`)) },
    ]);
    expect(issuer('users').maxLifetimeSeconds).toBe(3_600);
  });

  it('runs between ext_authz and Istio’s jwt_authn, so the token is still there', () => {
    const names = gatewayFilterChain(objects).map((e) => e.envoyName);
    expect(names.indexOf(TOKEN_LIFETIME_FILTER)).toBe(names.indexOf(ISTIO_JWT_FILTER) - 1);
    expect(names.indexOf('envoy.filters.http.ext_authz')).toBeLessThan(names.indexOf(TOKEN_LIFETIME_FILTER));
  });

  it.each([
    ['users-1h.jwt', 'upstream'],
    ['users-no-exp.jwt', 401],
    ['users-2h.jwt', 401],
    ['users-expired.jwt', 401],
    ['loadgen-10m.jwt', 'upstream'],
    ['loadgen-1h.jwt', 401],
    ['loadgen-no-exp.jwt', 401],
    ['identity-15m.jwt', 'upstream'],
    ['identity-1h.jwt', 401],
  ] as const)('%s → %s (gateway model)', async (token, expected) => {
    const outcome = await model(objects).send(get(token));
    if (expected === 'upstream')
      expect(outcome).toMatchObject({ by: 'upstream', headers: { [identityHeader]: tokens[token]!.sub } });
    else expect(outcome).toMatchObject({ by: 'jwt_authn', status: 401 });
  });

  it('a token without exp on a public route is refused too; no token still browses', async () => {
    expect(await model(objects).send(get('users-no-exp.jwt', '/api/products'))).toMatchObject({ status: 401 });
    expect(await model(objects).send({ method: 'GET', path: '/api/products' })).toMatchObject({ by: 'upstream' });
  });

  it('without the filter (the code before) a token without exp was forwarded', async () => {
    const before = objects.filter((o) => !(o.kind === 'EnvoyFilter' && o.metadata.name === 'shop-token-lifetime'));
    expect(await model(before).send(get('users-no-exp.jwt'))).toMatchObject({ by: 'upstream' });
    expect(await model(before).send(get('users-2h.jwt'))).toMatchObject({ by: 'upstream' });
  });

  it("isLifetimeAllowed as Envoy's jwks_cache.cc has it: remaining lifetime below the maximum, exp required", () => {
    expect(lifetimeAllowed({}, undefined, NOW)).toBe(true);
    expect(lifetimeAllowed({ require_expiration: true }, undefined, NOW)).toBe(false);
    expect(lifetimeAllowed({ require_expiration: true }, NOW + 10 ** 9, NOW)).toBe(true);
    expect(lifetimeAllowed({ max_lifetime: '3660s' }, undefined, NOW)).toBe(false);
    expect(lifetimeAllowed({ max_lifetime: '3660s' }, 0, NOW)).toBe(false);
    expect(lifetimeAllowed({ max_lifetime: '3660s' }, NOW + 3_659, NOW)).toBe(true);
    expect(lifetimeAllowed({ max_lifetime: '3660s' }, NOW + 3_660, NOW)).toBe(false);
  });

  it('an AuthorizationPolicy on request.auth.claims[exp] cannot tell: a number never matches Istio’s string matchers', async () => {
    const users = { iss: issuer('users').issuer, sub: 'alice' };
    // present (a number) and absent alike: `values: ['*']` never matches, `notValues: ['*']` always does.
    expect(claimConditionMatches('[exp]', ['*'], undefined, { ...users, exp: NOW })).toBe(false);
    expect(claimConditionMatches('[exp]', ['*'], undefined, users)).toBe(false);
    expect(claimConditionMatches('[exp]', undefined, ['*'], { ...users, exp: NOW })).toBe(true);
    expect(claimConditionMatches('[exp]', undefined, ['*'], users)).toBe(true);
    // strings and lists of strings do match (the claims Istio documents).
    expect(claimConditionMatches('[groups]', ['admin'], undefined, { ...users, groups: ['x', 'admin'] })).toBe(true);
    expect(claimConditionMatches('[a][b]', ['v*'], undefined, { ...users, a: { b: 'value' } })).toBe(true);
    // So a DENY policy "notValues: ['*'] on exp" would refuse every token, exp or not.
    const deny: KubeObject = {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'deny-no-exp', namespace: catalog.ingress.namespace },
      spec: {
        selector: { matchLabels: catalog.ingress.selector },
        action: 'DENY',
        rules: [
          {
            when: [{ key: 'request.auth.claims[exp]', notValues: ['*'] }],
            from: [{ source: { requestPrincipals: ['*'] } }],
          },
        ],
      },
    };
    const without = objects.filter((o) => !(o.kind === 'EnvoyFilter' && o.metadata.name === 'shop-token-lifetime'));
    expect(await model([...without, deny]).send(get('users-1h.jwt'))).toMatchObject({ by: 'rbac', status: 403 });
  });
});
