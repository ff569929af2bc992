import { createHash, createPrivateKey, hkdfSync, type JsonWebKey } from 'node:crypto';

export interface ProviderKeys {
  /** The private JWK oidc-provider signs with (kid = its RFC 7638 thumbprint, as `make secrets` publishes). */
  readonly signingJwk: JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' };
  /** Keys for oidc-provider's signed cookies; the same on every replica. */
  readonly cookieKeys: string[];
  /** The key of the sign-in forms' CSRF tokens. */
  readonly csrfKey: Buffer;
}

/**
 * Everything secret identity needs, from the one Secret `make secrets` makes: the signing key, and
 * keys derived from it with HKDF (RFC 5869) under labels of their own, so cookies and forms need no
 * second Secret and a new signing key also invalidates them.
 */
export function providerKeys(pem: string): ProviderKeys {
  const key = createPrivateKey(pem);
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty !== 'RSA') throw new Error(`IDENTITY_SIGNING_KEY: must be an RSA key, got ${String(jwk.kty)}`);
  const kid = createHash('sha256')
    .update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n }))
    .digest('base64url');
  const secret = key.export({ format: 'der', type: 'pkcs8' });
  const derive = (label: string): Buffer => Buffer.from(hkdfSync('sha256', secret, 'mesh-kit identity', label, 32));
  return {
    signingJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' },
    cookieKeys: [derive('cookies').toString('base64url')],
    csrfKey: derive('csrf'),
  };
}
