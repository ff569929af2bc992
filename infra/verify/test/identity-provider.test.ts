import { describe, expect, it } from 'vitest';
import { evaluateIdentityProvider } from '../src/evaluate-identity-provider.js';

const issuer = 'http://localhost:8080/auth';
const key = { kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB', alg: 'RS256', use: 'sig' };
const seen = { issuer, discoveryStatus: 200, discovery: { issuer }, jwksStatus: 200, jwks: { keys: [key] } };

describe('identity provider check', () => {
  it('passes on discovery naming the catalog issuer and a JWKS of public keys', () => {
    expect(evaluateIdentityProvider(seen)).toEqual({
      status: 'pass',
      detail: `issuer ${issuer}; JWKS with 1 public key(s): k1`,
    });
  });

  it('fails on another issuer, a failed discovery, an empty JWKS or a private member', () => {
    expect(evaluateIdentityProvider({ ...seen, discovery: { issuer: 'http://elsewhere/auth' } }).detail).toBe(
      `discovery names issuer http://elsewhere/auth, the catalog ${issuer}`,
    );
    expect(evaluateIdentityProvider({ ...seen, discoveryStatus: 404 }).status).toBe('fail');
    expect(evaluateIdentityProvider({ ...seen, jwks: { keys: [] } }).detail).toBe('the JWKS holds no keys');
    expect(evaluateIdentityProvider({ ...seen, jwks: { keys: [{ ...key, d: 'secret' }] } }).detail).toBe(
      'the JWKS publishes private members (d) of k1',
    );
  });
});
