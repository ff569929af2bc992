import { describe, expect, it } from 'vitest';
import { catalog } from '../src/catalog.js';
import { find, ofKind, synthObjects } from './support/shop.js';

type Json = Record<string, unknown>;
const objects = synthObjects();
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

  it('requests to /api/* without a verified principal are denied', () => {
    const policy = find(objects, 'AuthorizationPolicy', 'shop-require-jwt');
    expect(policy.spec).toMatchObject({
      action: 'DENY',
      rules: [{ from: [{ source: { notRequestPrincipals: ['*'] } }], to: [{ operation: { paths: ['/api/*'] } }] }],
    });
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
