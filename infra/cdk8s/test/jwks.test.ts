import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { App } from 'cdk8s';
import { catalog } from '@mesh-kit/catalog';
import { addShopCharts } from '../src/charts/shop-app.js';
import { PRIVATE_JWK_MEMBERS, assertPublicJwks } from '../src/jwks.js';
import { fixtureJwksByIssuer } from './support/shop.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwks = (...keys: object[]): string => JSON.stringify({ keys });
const synth = (overrides: Record<string, string>) =>
  addShopCharts(new App({ outdir: '/nonexistent' }), {
    catalog,
    imageRegistry: 'mesh-kit',
    imageTag: '0.1.0',
    jwks: { ...fixtureJwksByIssuer, ...overrides },
  });

describe('the gateway JWKS holds public keys only', () => {
  it('accepts public RSA and EC keys', () => {
    expect(() => assertPublicJwks('users', jwks(rsa.publicKey.export({ format: 'jwk' })))).not.toThrow();
    expect(() => assertPublicJwks('users', jwks(ec.publicKey.export({ format: 'jwk' })))).not.toThrow();
  });

  it('the synth refuses a JWKS holding a private key, naming the issuer, the key and the members', () => {
    const privateRsa = { ...rsa.privateKey.export({ format: 'jwk' }), kid: 'k1' };
    expect(() => synth({ loadgen: jwks(privateRsa) })).toThrow(
      "JWKS of issuer 'loadgen' holds a private key: keys[0] (kid k1) has 'd', 'p', 'q', 'dp', 'dq', 'qi'; publish the public half only",
    );
    expect(() =>
      synth({ users: jwks(rsa.publicKey.export({ format: 'jwk' }), ec.privateKey.export({ format: 'jwk' })) }),
    ).toThrow("JWKS of issuer 'users' holds a private key: keys[1] has 'd'");
  });

  it('refuses each private member alone, and a symmetric key', () => {
    for (const member of PRIVATE_JWK_MEMBERS) {
      expect(() => assertPublicJwks('users', jwks({ kty: 'RSA', n: 'x', e: 'AQAB', [member]: 'x' }))).toThrow(
        `has '${member}'`,
      );
    }
    expect(() => assertPublicJwks('users', jwks({ kty: 'oct', k: 'c2VjcmV0' }))).toThrow("has 'k'");
  });

  it('refuses what is not a JWKS', () => {
    expect(() => assertPublicJwks('users', '{')).toThrow("JWKS of issuer 'users' is not JSON");
    expect(() => assertPublicJwks('users', '{"keys":[]}')).toThrow('has no "keys" array');
  });
});
