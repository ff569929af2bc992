/**
 * The JWKS the gateway verifies tokens with is published in the cluster (and the Helm chart): it
 * must hold public keys only. These JWK members carry private key material (RFC 7518 §6.2.2,
 * §6.3.2, §6.4.1: the EC/OKP private key `d`, the RSA private parts, the symmetric key `k`).
 */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** Throws, naming the issuer, the key and the member, unless `text` is a JWKS of public keys only. */
export function assertPublicJwks(issuer: string, text: string): void {
  let keys: unknown;
  try {
    keys = (JSON.parse(text) as { keys?: unknown }).keys;
  } catch (error) {
    throw new Error(`JWKS of issuer '${issuer}' is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new Error(`JWKS of issuer '${issuer}' has no "keys" array`);
  }
  for (const [i, key] of keys.entries()) {
    if (key === null || typeof key !== 'object')
      throw new Error(`JWKS of issuer '${issuer}': keys[${i}] is not an object`);
    const found = PRIVATE_JWK_MEMBERS.filter((m) => m in key);
    if (found.length > 0) {
      const kid = (key as { kid?: unknown }).kid;
      throw new Error(
        `JWKS of issuer '${issuer}' holds a private key: keys[${i}]${typeof kid === 'string' ? ` (kid ${kid})` : ''} has ${found.map((m) => `'${m}'`).join(', ')}; publish the public half only`,
      );
    }
  }
}

/** The synth input naming an issuer's inline JWKS file: JWKS_FILE for `users`, else `<ID>_JWKS_FILE`. */
export function jwksFileVariable(issuerId: string): string {
  return issuerId === 'users' ? 'JWKS_FILE' : `${issuerId.toUpperCase().replace(/-/g, '_')}_JWKS_FILE`;
}

/** Where `make secrets` writes an issuer's public JWKS, relative to the repository. */
export function defaultJwksFile(issuerId: string): string {
  return issuerId === 'users' ? '.secrets/jwks.json' : `.secrets/${issuerId}-jwks.json`;
}
