import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { configSchema as loadgenConfig } from '@mesh-kit/loadgen/config';
import { TokenSigner } from '@mesh-kit/catalog/token-signer';
import { catalog, findService } from '@mesh-kit/catalog';
import { serviceEnv } from '../src/constructs/shop-service.js';
import { gatewayModel, type ModelRequest, requestPrincipalMatches } from './support/gateway-model.js';
import { extAuthzProviders } from './support/mesh-config.js';
import { find, synthObjects } from './support/shop.js';

// Tokens must carry `exp` (docs/security.md, "Token lifetime"): ten minutes ahead of now.
const TOKEN_EXP = Math.floor(Date.now() / 1000) + 600;

// The loadgen issuer's key lives in the cluster: whoever reads its Secret must not act as any user.
const objects = synthObjects();
const { identityHeader } = catalog.ingress.jwt;
const users = catalog.ingress.jwt.issuers.find((i) => i.id === 'users')!;
const loadgen = catalog.ingress.jwt.issuers.find((i) => i.id === 'loadgen')!;
const tokens = {
  'own.jwt': { sub: 'loadgen-0b7e', iss: loadgen.issuer, exp: TOKEN_EXP },
  'alice-by-loadgen.jwt': { sub: 'alice', iss: loadgen.issuer, exp: TOKEN_EXP },
  'prefix-inside.jwt': { sub: 'alice-loadgen-1', iss: loadgen.issuer, exp: TOKEN_EXP },
  'alice.jwt': { sub: 'alice', iss: users.issuer, exp: TOKEN_EXP },
  'loadgen-by-users.jwt': { sub: 'loadgen-0b7e', iss: users.issuer, exp: TOKEN_EXP },
};
const gateway = gatewayModel(objects, {
  issuer: users.issuer,
  identityHeader,
  validTokens: tokens,
  providers: extAuthzProviders(),
});
const get = (path: string, token: string): ModelRequest => ({
  method: 'GET',
  path,
  headers: { authorization: `Bearer ${token}` },
});

describe('the loadgen issuer acts only as its own subjects (loadgen-*), at the gateway', () => {
  it('the synthesized DENY policy names the issuer and its subject prefix', () => {
    const policy = find(objects, 'AuthorizationPolicy', 'shop-confine-issuer-subjects');
    expect(policy.metadata.namespace).toBe(catalog.ingress.namespace);
    expect(policy.spec).toEqual({
      selector: { matchLabels: catalog.ingress.selector },
      action: 'DENY',
      rules: [
        {
          from: [
            {
              source: {
                requestPrincipals: ['mesh-kit-loadgen/*'],
                notRequestPrincipals: ['mesh-kit-loadgen/loadgen-*'],
              },
            },
          ],
        },
      ],
    });
  });

  it.each([
    ['own.jwt', '/api/orders', { by: 'upstream', headers: { 'x-user-id': 'loadgen-0b7e' } }],
    ['alice-by-loadgen.jwt', '/api/orders', { by: 'rbac', status: 403 }],
    ['alice-by-loadgen.jwt', '/api/products', { by: 'rbac', status: 403 }],
    ['prefix-inside.jwt', '/api/users/alice-loadgen-1', { by: 'rbac', status: 403 }],
    ['alice.jwt', '/api/orders', { by: 'upstream', headers: { 'x-user-id': 'alice' } }],
    ['loadgen-by-users.jwt', '/api/orders', { by: 'upstream' }],
  ] as const)('%s on %s', async (token, path, expected) => {
    expect(await gateway.send(get(path, token))).toMatchObject(expected);
  });

  it("matches request principals as Istio 1.30.3's generator.go builds them", () => {
    const claims = (iss: string, sub: string) => ({ iss, sub });
    const cases: [string, string, string, boolean][] = [
      ['*', 'a', 'b', true],
      ['*', 'a', '', false], // `.+`
      ['mesh-kit-loadgen/*', 'mesh-kit-loadgen', 'x', true],
      ['mesh-kit-loadgen/*', 'mesh-kit-loadgen-2', 'x', false], // iss exact
      ['mesh-kit-loadgen/loadgen-*', 'mesh-kit-loadgen', 'loadgen-7', true],
      ['mesh-kit-loadgen/loadgen-*', 'mesh-kit-loadgen', 'xloadgen-7', false],
      ['*/alice', 'any', 'alice', true],
      ['*kit/alice', 'mesh-kit', 'alice', true],
      ['*kit/alice', 'mesh-kit', 'alice2', false],
      ['*ice', 'any', 'alice', true], // no '/': sub suffix, any iss
      ['mesh*', 'mesh-kit', 'whoever', true], // no '/': iss prefix, any sub
      ['https://idp.example/realms/shop/alice', 'https://idp.example/realms/shop', 'alice', true], // last '/'
      ['mesh-kit/alice', 'mesh-kit', 'alice', true],
      ['mesh-kit/alice', 'mesh-kit', 'alicex', false],
    ];
    for (const [value, iss, sub, expected] of cases) {
      expect(requestPrincipalMatches(value, claims(iss, sub)), `${value} vs ${iss}/${sub}`).toBe(expected);
    }
    expect(requestPrincipalMatches('*', undefined)).toBe(false);
  });

  it('loadgen is told the prefix and signs no other subject', async () => {
    const env = serviceEnv(catalog, findService('loadgen'));
    expect(env.JWT_SUBJECT_PREFIX).toEqual({ value: loadgen.subjectPrefix });
    expect(loadgenConfig.shape.JWT_SUBJECT_PREFIX.parse(undefined)).toBe(loadgen.subjectPrefix);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signer = new TokenSigner({
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      issuer: loadgen.issuer,
      audience: 'shop',
      subjectPrefix: loadgen.subjectPrefix!,
    });
    expect(() => signer.sign('alice')).toThrow(/does not start with 'loadgen-'/);
    expect(() => signer.sign('loadgen-')).toThrow(/does not start/);
    expect(decodeJwt(await signer.sign(signer.subject('v1'))).sub).toBe('loadgen-v1');
  });
});
