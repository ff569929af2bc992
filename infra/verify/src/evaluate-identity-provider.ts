import { PRIVATE_JWK_MEMBERS } from '../../cdk8s/src/jwks.js';
import { fail, pass, type CheckResult } from './check-result.js';

/** What the identity provider answered through the gateway. */
export interface IdentityProviderObservation {
  /** The catalog's issuer URL (what browsers and tokens name). */
  readonly issuer: string;
  readonly discoveryStatus: number;
  readonly discovery: unknown;
  readonly jwksStatus: number;
  readonly jwks: unknown;
}

/** Passes when discovery names the catalog's issuer and the JWKS holds public signing keys only. */
export function evaluateIdentityProvider(seen: IdentityProviderObservation): CheckResult {
  if (seen.discoveryStatus !== 200) return fail(`discovery answered ${seen.discoveryStatus}, expected 200`);
  const issuer = (seen.discovery as { issuer?: unknown } | null)?.issuer;
  if (issuer !== seen.issuer) return fail(`discovery names issuer ${String(issuer)}, the catalog ${seen.issuer}`);
  if (seen.jwksStatus !== 200) return fail(`the JWKS answered ${seen.jwksStatus}, expected 200`);
  const keys = (seen.jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) return fail('the JWKS holds no keys');
  for (const key of keys as Record<string, unknown>[]) {
    const secret = PRIVATE_JWK_MEMBERS.filter((m) => m in key);
    if (secret.length > 0)
      return fail(`the JWKS publishes private members (${secret.join(', ')}) of ${String(key.kid)}`);
  }
  return pass(
    `issuer ${seen.issuer}; JWKS with ${keys.length} public key(s): ${keys.map((k) => String((k as { kid?: unknown }).kid)).join(', ')}`,
  );
}
